"""The straight path, callable from Python: event file → Event → Plan → Draft → file.

from speechgen.pipeline import draft_file
draft = draft_file("examples/village_stay.yaml")
"""

from __future__ import annotations

from pathlib import Path

from speechgen.compose.banks import DEFAULT_STYLE, load_banks
from speechgen.compose.composer import compose
from speechgen.compose.plan import Options, make_plan
from speechgen.draft import Draft
from speechgen.errors import ConfigError
from speechgen.event.load import Event, load_event, located
from speechgen.resources import env_bank_dirs


def bank_dirs(opts: Options) -> tuple[Path, ...]:
    """User bank folders: SPEECHGEN_BANKS first, then --banks (later ones win)."""
    return (*env_bank_dirs(), *opts.banks)


def draft_event(event: Event, opts: Options | None = None) -> Draft:
    opts = opts or Options()
    style = opts.style or event.get("options.style") or DEFAULT_STYLE
    dirs = bank_dirs(opts)
    try:
        banks = load_banks(style, dirs)
    except ConfigError as exc:
        if opts.style is None and event.get("options.style"):
            raise located(event, "options.style", exc.message) from None  # the event file chose it
        raise
    plan = make_plan(event, opts, banks.meta, style)
    draft = compose(event, plan, banks)
    draft.meta.update(
        source=event.source,
        date=event.date.isoformat(),
        meeting=event.get("meeting.name"),
        author=event.get("speaker.name") or event.get("meeting.organizer") or event.get("speaker.title"),
        mark_missing=plan.mark_missing,
    )
    if event.warnings:
        draft.meta.setdefault("warnings", []).extend(event.warnings)
    return draft


def draft_file(path: str | Path, opts: Options | None = None) -> Draft:
    return draft_event(load_event(path), opts)
