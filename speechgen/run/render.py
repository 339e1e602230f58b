"""One render: an event file to one output file (or to bytes for standard output), through the API.

Returns what happened as a value; printing it is the front-end's business.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from speechgen import api
from speechgen.compose.plan import Options
from speechgen.draft import Draft
from speechgen.errors import ConfigError, OutputError
from speechgen.event.model import Event
from speechgen.export import FORMATS, TEXT_FORMATS
from speechgen.export.layout import Layout
from speechgen.i18n import _
from speechgen.resources import working_folder
from speechgen.run.output import check_target, clean_stale_temporaries, default_name, write_atomic

STDOUT = "-"


@dataclass(frozen=True)
class RenderSettings:
    """Everything a render needs besides the event: the draft's options and the writer's."""

    options: Options = field(default_factory=Options)
    layout: Layout = field(default_factory=Layout)
    explain: bool = False
    reference: Path | None = None
    strict: bool = False
    force: bool = False
    history: tuple[Path, ...] = ()  # the office's earlier drafts (files or folders): sentences not to repeat

    def __post_init__(self) -> None:
        if self.reference is not None and not self.reference.is_file():
            what = _("no such file") if not self.reference.exists() else _("not a regular file")
            raise ConfigError(_("--reference-docx {reference}: {what}").format(reference=self.reference, what=what))


@dataclass(frozen=True)
class Rendered:
    """A finished render: where it went (None: the bytes are for standard output), the draft and its review."""

    path: Path | None
    data: bytes
    draft: Draft
    review: api.Review
    notes: tuple[str, ...] = ()  # about the output itself (a PDF set in stand-in fonts)


def choose_format(out: str | None, fmt: str | None) -> str:
    """The format asked for, else the output's extension, else docx (Markdown for standard output)."""
    if fmt:
        return fmt
    if out and out != STDOUT:
        ext = Path(out).suffix.lower().lstrip(".")
        if ext in FORMATS:
            return ext
        if ext:
            raise ConfigError(
                _("{out}: cannot tell the format from .{ext}; use --format {join}").format(
                    out=out, ext=ext, join="|".join(FORMATS)
                )
            )
    return "md" if out == STDOUT else "docx"


def output_path(event: Event, out: str | None, fmt: str) -> Path:
    if out:
        return Path(out)
    here = working_folder()
    if here is None:
        raise OutputError(_("the current folder no longer exists; give -o with the path of the file to write"))
    return here / default_name(event.date.isoformat(), event.get("meeting.name"), event.get("output"), fmt)


def render_file(event_path: Path, *, out: str | None, fmt: str | None, settings: RenderSettings) -> Rendered:
    """Draft one event file and write it (atomically, never over a file without force)."""
    fmt = choose_format(out, fmt)
    if out == STDOUT and fmt not in TEXT_FORMATS:
        raise ConfigError(_("-o - writes text to standard output; {fmt} needs a file name").format(fmt=fmt))
    event = api.load_event(event_path)
    path = None if out == STDOUT else output_path(event, out, fmt)
    if path is not None and check_target(path) and not settings.force:  # a device or a pipe: refused here
        raise OutputError(_("{path}: exists; use --force to overwrite").format(path=path))
    options = settings.options
    if settings.history:
        options = replace(options, avoid=options.avoid | api.history(settings.history))
    draft = api.draft(event, options=options)
    review = api.review(draft, event=event, strict=settings.strict)
    data = api.export(draft, fmt, layout=settings.layout, explain=settings.explain, reference=settings.reference)
    notes = tuple(filter(None, [api.fonts_fallback(settings.layout)])) if fmt == "pdf" else ()
    if path is not None:
        if path.parent.is_dir():
            clean_stale_temporaries(path.parent)  # what a killed run left (only dead processes')
        write_atomic(path, data, force=settings.force)
    return Rendered(path, data, draft, review, notes)
