"""Event files to and from the workbench's forms: an upload's text (a file's size limit and encoding rules),
what a file says as a mapping even when a value is wrong, a mapping written back as YAML keeping the
original's comments and key spellings, and the sample values a form shows as hints. Front-ends reach
these through run/ as they reach the batch runner; drafting itself stays in ``speechgen.api``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["read_event_text", "event_data", "dump_event", "event_samples"]


def read_event_text(data: bytes, *, name: str) -> str:
    """The text of an event file given as bytes (an upload), with a file's size limit and encoding rules."""
    from speechgen.event.yamlsafe import text_of

    return text_of(data, name)


def event_data(text: str, *, name: str = "<text>") -> dict[str, Any]:
    """What an event file says, as a nested mapping of canonical keys and values (aliases read, unknown
    keys left out), even when a value is wrong: a form shows it and ``api.parse_event`` says what is wrong.
    InputError only when the text is no YAML mapping (read with the same bounds as a file)."""
    from speechgen.event.dump import canonical
    from speechgen.event.yamlsafe import parse_single

    return canonical(parse_single(text, name).plain())


def dump_event(data: Mapping[str, Any], *, original: str | None = None, lang: str = "zh") -> str:
    """An event file for a nested mapping of canonical keys (as ``event_data`` gives), keeping the key
    spellings, comments and unchanged values of `original` (the file it came from); new keys in `lang`."""
    from speechgen.event.dump import dump_event as _dump

    return _dump(data, original, lang)


def event_samples(meeting_type: str) -> dict[str, Any]:
    """The sample values ``new_event`` writes for a meeting type, by dotted path (for a form's hints)."""
    from speechgen.event.new import sample_values

    return dict(sample_values(meeting_type))
