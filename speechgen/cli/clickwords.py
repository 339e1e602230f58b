"""click's own words (Usage:, Options, Error: …, Show this message and exit.) in the user's language.

click writes them through ``gettext`` of its own modules; they are pointed at speechgen's catalogue, so
a Chinese user's help and usage errors are Chinese throughout. The messages are listed here (``N_``) so
that they are extracted into ``speechgen.po`` like every other; a click version that words one
differently simply shows that one in English.
"""

from __future__ import annotations

import importlib

from speechgen.i18n import N_, _, ngettext

CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "types", "termui", "utils")

MESSAGES = (
    N_("Usage:"),
    N_("Options"),
    N_("Commands"),
    N_("Show this message and exit."),
    N_("Show the version and exit."),
    N_("Error: {message}"),
    N_("Try '{command} {option}' for help."),
    N_("Invalid value: {message}"),
    N_("Invalid value for {param_hint}: {message}"),
    N_("Missing argument"),
    N_("Missing option"),
    N_("Missing parameter"),
    N_("Missing parameter: {param_name}"),
    N_("No such option {name!r}."),
    N_("No such command {name!r}."),
    N_("{value!r} is not a valid {number_type}."),
    N_("{value} is not in the range {range}."),
    N_("Option {name!r} requires an argument."),
    N_("default: {default}"),
    N_("Aborted!"),
    N_("{name} {filename!r} does not exist."),
)


def _plurals() -> tuple[str, ...]:
    """click's messages with a count, for extraction only (Chinese has one form)."""
    return (
        ngettext("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)", 2),
        ngettext("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})", 2),
        ngettext("{value!r} is not {choice}.", "{value!r} is not one of {choices}.", 2),
    )


def speak_to_click() -> None:
    """Point click's message functions at speechgen's catalogue (English stays click's own words)."""
    for name in CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = _
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext
