"""Commands that draft and check: render, validate, new, check, batch."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from speechgen.cli.meeting import MeetingType, finite, type_list
from speechgen.cli.say import archive_line, default_jobs, echo, env_paths, printable, say, summary
from speechgen.event.schema import (
    LENGTH_RANGE,
    MINUTES_RANGE,
    POINTS_RANGE,
    RATE_RANGE,
)
from speechgen.export import FORMATS
from speechgen.i18n import _

if TYPE_CHECKING:  # importing them costs start-up time
    from speechgen.run.render import RenderSettings


def render_options(f: Any) -> Any:
    """Options shared by render and batch."""
    from speechgen.event.schema import DEFAULT_RATE

    for option in reversed(
        [
            click.option(
                "--style", metavar="NAME", help=_("Bank style: formal (default), warm, concise, or a user style.")
            ),
            click.option(
                "--banks",
                "banks",
                multiple=True,
                type=click.Path(path_type=Path),
                help=_("A folder of phrase banks layered over the built-in ones (repeatable)."),
            ),
            click.option(
                "--templates",
                "templates",
                multiple=True,
                type=click.Path(path_type=Path),
                help=_("A folder of templates searched before the built-in ones (repeatable)."),
            ),
            click.option("--seed", type=int, help=_("Seed for the choice of phrases (default: from the event).")),
            click.option(
                "--points",
                type=click.IntRange(*POINTS_RANGE),
                help=_("Number of main sections, {POINTS_RANGE}–{POINTS_RANGE2}.").format(
                    POINTS_RANGE=POINTS_RANGE[0], POINTS_RANGE2=POINTS_RANGE[1]
                ),
            ),
            click.option("--length", type=click.IntRange(*LENGTH_RANGE), help=_("Target length in Han characters.")),
            click.option(
                "--minutes",
                type=click.FloatRange(*MINUTES_RANGE),
                callback=finite,
                help=_("Target speaking time in minutes."),
            ),
            click.option(
                "--rate",
                type=click.IntRange(*RATE_RANGE),
                default=DEFAULT_RATE,
                show_default=True,
                help=_("Characters a minute, for --minutes and the time estimate."),
            ),
            click.option("--mark-missing", is_flag=True, help=_("Leave 【待补充：字段】 where a fact is missing.")),
            click.option("--explain", is_flag=True, help=_("Record the bank line of every sentence.")),
            click.option(
                "--layout", "layout", type=click.Path(path_type=Path), help=_("YAML overriding fonts, sizes, margins.")
            ),
            click.option(
                "--reference-docx",
                "reference",
                type=click.Path(path_type=Path),
                help=_("Take styles and page setup from an office's own .docx."),
            ),
            click.option(
                "--title-break",
                "title_break",
                multiple=True,
                metavar="TEXT",
                help=_("Break the title after TEXT (repeatable); a | in meeting.name does the same."),
            ),
            click.option(
                "--history",
                "history",
                multiple=True,
                type=click.Path(path_type=Path, exists=True),
                help=_("Earlier drafts (files or folders) whose sentences the new draft does not repeat (repeatable)."),
            ),
            click.option("--strict", is_flag=True, help=_("Treat any check error as fatal: no file is written.")),
            click.option("--force", is_flag=True, help=_("Overwrite existing files.")),
        ]
    ):
        f = option(f)
    return f


def settings_from(kw: dict[str, Any]) -> RenderSettings:
    """The typed, frozen settings of a render from the command line's options."""
    from dataclasses import replace

    from speechgen import api
    from speechgen.export.layout import Layout
    from speechgen.run.render import RenderSettings

    options = api.Options(
        style=kw.get("style"),
        points=kw.get("points"),
        length=kw.get("length"),
        minutes=kw.get("minutes"),
        rate=kw["rate"],
        seed=kw.get("seed"),
        mark_missing=bool(kw.get("mark_missing")),
        banks=tuple(kw.get("banks") or ()),
        templates=tuple(kw.get("templates") or ()),
    )
    layout = api.load_layout(kw["layout"]) if kw.get("layout") else Layout()
    return RenderSettings(
        options=options,
        layout=replace(layout, title_breaks=tuple(kw.get("title_break") or ())),
        explain=bool(kw.get("explain")),
        reference=kw.get("reference"),
        strict=bool(kw.get("strict")),
        force=bool(kw.get("force")),
        history=(*env_paths("SPEECHGEN_HISTORY"), *(kw.get("history") or ())),
    )


@click.command(help=_("Draft the speech for one EVENT file."))
@click.argument("event", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "out",
    help=_("Output file, or - for standard output (Markdown unless --format says txt or json)."),
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), help=_("Output format (default: from -o, else docx)."))
@render_options
def render(event: Path, out: str | None, fmt: str | None, **kw: Any) -> None:
    from speechgen.errors import ConfigError
    from speechgen.run.job import review_lines
    from speechgen.run.render import render_file

    if out == "-" and sys.stdout is None:
        raise ConfigError(_("-o -: standard output is closed; give a file name"))
    done = render_file(event, out=out, fmt=fmt, settings=settings_from(kw))
    if done.path is None:
        sys.stdout.buffer.write(done.data)
        sys.stdout.flush()
    info = done.draft.info
    say(
        _("{value}: {han_characters} Han characters, about {minutes} minutes").format(
            value=done.path or "<stdout>", han_characters=info.han_characters, minutes=info.minutes
        )
    )
    if done.draft.info.avoided or done.draft.info.exhausted:
        ran_out = (
            _("; ran out of fresh wording in: {slots}").format(slots=", ".join(info.exhausted))
            if info.exhausted
            else ""
        )
        say(
            _("history: {avoided} variant(s) passed over as said in earlier drafts{ran_out}").format(
                avoided=info.avoided, ran_out=ran_out
            )
        )
    for line in review_lines(done.review, done.draft):
        say(line)
    for line in done.notes:
        say(line)


SHEET_HELP = _("Of a spreadsheet (.xlsx): read this sheet, not the first.")


@click.command(
    help=_(
        "Check EVENTS: files, folders, globs, YAML streams, batch files and spreadsheets (.xlsx or .csv, one meeting "
        "a row), as batch reads them; list every problem; exit 1 if any."
    )
)
@click.argument("events", nargs=-1, required=True)
@click.option("--sheet", metavar="NAME", help=SHEET_HELP)
def validate(events: tuple[str, ...], sheet: str | None) -> None:
    from speechgen.run.inputs import read_inputs
    from speechgen.run.job import without_file

    bad = 0
    for job in read_inputs(events, sheet=sheet):
        if job.event is None:
            bad += 1
            say("\n".join(str(p) for p in job.problems))
            continue
        for w in job.event.warnings:  # said of the job: its document of a stream, its row of a sheet
            say(_("warning: {label}: {w}").format(label=job.label, w=without_file(w, job.file)))
        say(_("{label}: ok ({type})").format(label=job.label, type=job.event.type), err=False)
    if bad:
        sys.exit(1)


@click.command(
    epilog=_("TYPE: {type_list}").format(type_list=type_list()),
    help=_("Write a commented event file for a meeting TYPE, or with --xlsx a spreadsheet template for many meetings."),
)
@click.argument("meeting_type", metavar="[TYPE]", type=MeetingType(), required=False)
@click.option(
    "-o", "--output", "out", type=click.Path(path_type=Path), help=_("File to write (default: standard output).")
)
@click.option(
    "--xlsx",
    type=click.Path(path_type=Path),
    help=_("Write a spreadsheet template (.xlsx, one meeting a row) instead; TYPE sets its example row."),
)
@click.option(
    "--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help=_("Keys in Chinese or English.")
)
@click.option("--force", is_flag=True, help=_("Overwrite an existing file."))
def new(meeting_type: str | None, out: Path | None, xlsx: Path | None, lang: str, force: bool) -> None:
    from speechgen import api
    from speechgen.i18n import _
    from speechgen.run.output import write_atomic

    if xlsx is not None:
        if out is not None:
            raise click.UsageError(_("give -o (an event file) or --xlsx (a spreadsheet), not both"))
        from speechgen.run.workbook import write_template

        write_template(xlsx, meeting_type, lang=lang, force=force)
        say(
            _("{path}: written; fill in one row per meeting, then run: speechgen batch {path} -o drafts").format(
                path=xlsx
            )
        )
        return
    if meeting_type is None:
        raise click.UsageError(_("give a meeting TYPE (or --xlsx FILE for a spreadsheet)"))
    text = api.new_event(meeting_type, lang=lang)
    if out is None:
        echo(text, nl=False)
        return
    write_atomic(out, text.encode("utf-8"), force=force)
    say(_("{out}: written; edit it, then run: speechgen render {out}").format(out=out))


@click.command(
    help=_("Review .docx/.md/.txt drafts: placeholders, repeats, counts, numbering, dated wording, invented numbers.")
)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--event", "event_path", type=click.Path(path_type=Path), help=_("The event file the draft was made from.")
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--banks",
    "banks",
    multiple=True,
    type=click.Path(path_type=Path),
    help=_("Folders whose checks/formulations.yaml add to the built-in list."),
)
def check(files: tuple[Path, ...], event_path: Path | None, fmt: str, banks: tuple[Path, ...]) -> None:
    import json

    from speechgen import api

    event = api.load_event(event_path) if event_path else None
    results = {str(path): api.check_file(path, event=event, banks=banks) for path in files}
    errors = sum(f.severity == "error" for found in results.values() for f in found)
    if fmt == "json":
        echo(json.dumps({k: [f.to_dict() for f in v] for k, v in results.items()}, ensure_ascii=False, indent=2))
    else:
        for path, found in results.items():
            if found:  # one write for every finding (100,000 of them are printed in one go, not line by line)
                echo("\n".join(printable(f"{path}: {f}") for f in found))
            counts = {s: sum(f.severity == s for f in found) for s in ("error", "warning", "info")}
            say(
                _("{path}: {counts} error(s), {counts2} warning(s), {counts3} info").format(
                    path=path, counts=counts["error"], counts2=counts["warning"], counts3=counts["info"]
                ),
                err=False,
            )
    if errors:
        sys.exit(1)


@click.command(
    help=_(
        "Draft every event in INPUTS (files, folders, globs, YAML streams, batch files, spreadsheets) into a "
        "folder. A broken event is reported and skipped; existing files are skipped unless --force. Exit status 0 "
        "only when every event was drafted."
    )
)
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "-o", "--output-dir", "out", required=True, type=click.Path(path_type=Path), help=_("Folder for the drafts.")
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="docx", show_default=True)
@click.option("--jobs", "-j", type=click.IntRange(1, 64), help=_("Worker processes (default: the number of cores)."))
@click.option("--fail-fast", is_flag=True, help=_("Stop at the first event that cannot be drafted."))
@click.option("--report", type=click.Path(path_type=Path), help=_("Write a per-event report (.csv or .json)."))
@click.option(
    "--zip", "archive", type=click.Path(path_type=Path), help=_("Also pack every draft and the report into one .zip.")
)
@click.option("--sheet", metavar="NAME", help=SHEET_HELP)
@click.option(
    "--quiet", "-q", is_flag=True, help=_("No progress bar and no warnings (the report keeps them); the summary only.")
)
@render_options
def batch(
    inputs: tuple[str, ...],
    out: Path,
    fmt: str,
    jobs: int | None,
    fail_fast: bool,
    report: Path | None,
    archive: Path | None,
    sheet: str | None,
    quiet: bool,
    **kw: Any,
) -> None:
    from speechgen.run.batch import Batch, BatchSettings, counts

    settings = BatchSettings(
        folder=out,
        fmt=fmt,
        render=settings_from(kw),
        jobs=jobs or default_jobs(),
        fail_fast=fail_fast,
        report=report,
        sheet=sheet,
        archive=archive,
    )
    cancel = threading.Event()
    run = Batch(inputs, settings, cancel)
    caught: list[int] = []

    def stop(signum: int, frame: Any) -> None:
        caught.append(signum)
        cancel.set()  # the batch finishes what is being written, then stops

    from speechgen.run.signals import stop_signals

    signals = [signal.SIGINT, *stop_signals()]
    previous = {s: signal.signal(s, stop) for s in signals}  # kept until the report is written
    outcomes = []
    failure: Exception | None = None
    show = not quiet and sys.stderr.isatty()
    try:
        try:
            with click.progressbar(
                run.outcomes(), label="drafting", file=sys.stderr, show_pos=True, hidden=not show
            ) as bar:
                for outcome in bar:
                    outcomes.append(outcome)
        except Exception as exc:  # noqa: BLE001 - what was drafted is still summarised and reported
            failure = exc
        found = counts(outcomes)
        summary(outcomes, found, quiet)
        run.write_report(outcomes)
        archived = run.write_archive(outcomes)
        if archive is not None:
            say(archive_line(archive, archived))
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    if failure is not None:
        raise failure
    if caught:
        say(_("batch interrupted: the files written are complete; run again to draft the rest"))
        sys.exit(128 + caught[0])
    if not outcomes:
        say(_("no events found in the inputs"))
    sys.exit(0 if outcomes and found["drafted"] == len(outcomes) else 1)
