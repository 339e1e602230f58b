"""`speechgen render`: one event file to one output file (or standard output)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from .draft import Draft
from .errors import ConfigError, OutputError
from .event import Event, load_event
from .export import FORMATS, TEXT_FORMATS, export
from .output import clean_stale_temporaries, default_name, write_atomic
from .pipeline import draft_event
from .plan import Options


def options_from(kw: dict[str, Any]) -> Options:
    return Options(
        style=kw.get("style"),
        points=kw.get("points"),
        length=kw.get("length"),
        minutes=kw.get("minutes"),
        rate=kw.get("rate") or 180,
        seed=kw.get("seed"),
        mark_missing=bool(kw.get("mark_missing")),
        banks=tuple(kw.get("banks") or ()),
        templates=tuple(kw.get("templates") or ()),
    )


def choose_format(out: str | None, fmt: str | None) -> str:
    if fmt:
        return fmt
    if out and out != "-":
        ext = Path(out).suffix.lower().lstrip(".")
        if ext in FORMATS:
            return ext
        if ext:
            raise ConfigError(f"{out}: cannot tell the format from .{ext}; use --format {'|'.join(FORMATS)}")
    return "md" if out == "-" else "docx"


def output_path(event: Event, out: str | None, fmt: str) -> Path:
    if out:
        return Path(out)
    return Path.cwd() / default_name(event.date.isoformat(), event.get("meeting.name"), event.get("output"), fmt)


def layout_from(kw: dict[str, Any]):  # noqa: ANN201
    from dataclasses import replace

    from .export.layout import Layout, load_layout

    layout = load_layout(kw["layout"]) if kw.get("layout") else Layout()
    return replace(layout, title_breaks=tuple(kw.get("title_break") or ()))


def render_one(event_path: Path, out: str | None, fmt: str | None, **kw: Any) -> None:
    fmt = choose_format(out, fmt)
    if out == "-" and fmt not in TEXT_FORMATS:
        raise ConfigError(f"-o - writes text to standard output; {fmt} needs a file name")
    event = load_event(event_path)
    layout = layout_from(kw)
    if kw.get("reference") and not Path(kw["reference"]).is_file():
        raise ConfigError(f"--reference-docx {kw['reference']}: no such file")
    path = None if out == "-" else output_path(event, out, fmt)
    if path is not None and path.exists() and not kw.get("force"):
        raise OutputError(f"{path}: exists; use --force to overwrite")
    draft = draft_event(event, options_from(kw))
    report = review(draft, event, strict=bool(kw.get("strict")))
    data = export(draft, fmt, layout, explain=bool(kw.get("explain")), reference=kw.get("reference"))
    if fmt == "pdf":
        from .export.fonts import fallback_warning

        report.extend(filter(None, [fallback_warning(layout)]))
    if path is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        if path.parent.is_dir():
            clean_stale_temporaries(path.parent)  # what a killed run left (only dead processes')
        write_atomic(path, data, force=bool(kw.get("force")))
    summary = (
        f"{path or '<stdout>'}: {draft.han_count()} Han characters, about {draft.minutes(draft.meta['rate'])} minutes"
    )
    click.echo(summary, err=True)
    for line in report:
        click.echo(line, err=True)


def review(draft: Draft, event: Event, strict: bool) -> list[str]:
    """Warnings to print after a render: missing facts, length, and the draft checker's findings."""
    from .checks import check_draft
    from .errors import SpeechgenError

    lines = [f"warning: {w}" for w in draft.meta.get("warnings", [])]
    for path, alias in draft.meta.get("missing", {}).items():
        marked = "marked 【待补充】" if draft.meta.get("mark_missing") else "sentences left out"
        lines.append(f"missing: {path} ({alias}): {marked}")
    findings = check_draft(draft, event)
    errors = [f for f in findings if f.severity == "error"]
    lines.extend(f"check: {f}" for f in findings if f.severity != "info")
    if strict and errors:
        raise SpeechgenError("\n".join(["--strict: the draft has check errors; no file written", *lines]))
    return lines
