"""The command line: parse options, call the library, print, set the exit status.

Errors are caught in one place (``SpeechgenCLI.invoke``): a ``SpeechgenError``
prints its own message and exits 1; anything else is a bug, reported in one
line (the traceback only with --debug). SIGTERM unwinds like Ctrl-C (exit 143),
so no temporary file outlives a terminated write. Heavy modules are imported inside the
commands so that ``speechgen --help`` stays fast.
"""

from __future__ import annotations

import signal
import sys
import threading
import traceback
import unicodedata
from pathlib import Path
from typing import Any

import click

from . import __version__

FORMAT_CHOICES = ("docx", "md", "txt", "json", "pdf")
TYPE_CHOICES = ("mobilisation", "summary", "summary_mobilisation", "village_stay")


def printable(message: str) -> str:
    """A message safe for a terminal: escape sequences, bidi overrides and lone surrogates shown as \\x1b, \\u202e.

    Messages quote the user's own text ("found …", unknown keys), which a hostile file can fill with controls.
    """
    out = []
    for ch in message:
        if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Zl", "Zp"):
            out.append(ch)
        else:
            out.append(ascii(ch)[1:-1])
    return "".join(out)


class Terminated(KeyboardInterrupt):
    """SIGTERM as an exception, so that a write in progress unwinds and removes its temporary."""


def _terminate(signum: int, frame: Any) -> None:
    raise Terminated


def _catch_sigterm() -> Any:
    """Route SIGTERM to Terminated while a command runs; the previous handler, or None if not possible."""
    if threading.current_thread() is not threading.main_thread():
        return None
    previous = signal.signal(signal.SIGTERM, _terminate)
    return signal.SIG_DFL if previous is None else previous


def _silence_stdout() -> None:
    """Point stdout at the null device, so that the final flush at exit does not fail a second time."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


class SpeechgenCLI(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        from .errors import SpeechgenError

        previous = _catch_sigterm()
        try:
            return super().invoke(ctx)
        except SpeechgenError as exc:
            click.echo(printable(str(exc)), err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except BrokenPipeError:  # `speechgen banks list | head`: the reader has gone; end quietly
            _silence_stdout()
            ctx.exit(141)
        except KeyboardInterrupt as exc:
            terminated = isinstance(exc, Terminated)
            click.echo(f"speechgen: {'terminated' if terminated else 'interrupted'}", err=True)
            ctx.exit(143 if terminated else 130)
        except Exception as exc:  # a bug: one line, the traceback only on request
            if ctx.meta.get("debug"):
                traceback.print_exc()
            message = f"speechgen: internal error: {type(exc).__name__}: {exc} (rerun with --debug)"
            click.echo(printable(message), err=True)
            ctx.exit(1)
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)


@click.group(cls=SpeechgenCLI, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="speechgen")
@click.option("--debug", is_flag=True, help="Show a traceback for internal errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Draft leaders' speeches (讲话稿) for meetings about cadres on temporary assignment."""
    ctx.meta["debug"] = debug


def render_options(f: Any) -> Any:
    """Options shared by render and batch."""
    for option in reversed(
        [
            click.option(
                "--style", metavar="NAME", help="Bank style: formal (default), warm, concise, or a user style."
            ),
            click.option(
                "--banks",
                "banks",
                multiple=True,
                type=click.Path(path_type=Path),
                help="A folder of phrase banks layered over the built-in ones (repeatable).",
            ),
            click.option(
                "--templates",
                "templates",
                multiple=True,
                type=click.Path(path_type=Path),
                help="A folder of templates searched before the built-in ones (repeatable).",
            ),
            click.option("--seed", type=int, help="Seed for the choice of phrases (default: from the event)."),
            click.option("--points", type=click.IntRange(2, 5), help="Number of main sections, 2–5."),
            click.option("--length", type=click.IntRange(800, 12000), help="Target length in Han characters."),
            click.option("--minutes", type=click.FloatRange(5, 60), help="Target speaking time in minutes."),
            click.option(
                "--rate",
                type=click.IntRange(100, 300),
                default=180,
                show_default=True,
                help="Characters a minute, for --minutes and the time estimate.",
            ),
            click.option("--mark-missing", is_flag=True, help="Leave 【待补充：字段】 where a fact is missing."),
            click.option("--explain", is_flag=True, help="Record the bank line of every sentence."),
            click.option(
                "--layout", "layout", type=click.Path(path_type=Path), help="YAML overriding fonts, sizes, margins."
            ),
            click.option(
                "--reference-docx",
                "reference",
                type=click.Path(path_type=Path),
                help="Take styles and page setup from an office's own .docx.",
            ),
            click.option(
                "--title-break",
                "title_break",
                multiple=True,
                metavar="TEXT",
                help="Break the title after TEXT (repeatable); a | in meeting.name does the same.",
            ),
            click.option("--strict", is_flag=True, help="Treat any check error as fatal: no file is written."),
            click.option("--force", is_flag=True, help="Overwrite existing files."),
        ]
    ):
        f = option(f)
    return f


@main.command()
@click.argument("event", type=click.Path(path_type=Path))
@click.option(
    "-o", "--output", "out", help="Output file, or - for standard output (Markdown unless --format says txt or json)."
)
@click.option("--format", "fmt", type=click.Choice(FORMAT_CHOICES), help="Output format (default: from -o, else docx).")
@render_options
def render(event: Path, out: str | None, fmt: str | None, **kw: Any) -> None:
    """Draft the speech for one EVENT file."""
    from .render import render_one

    render_one(event, out, fmt, **kw)


@main.command()
@click.argument("events", nargs=-1, required=True)
def validate(events: tuple[str, ...]) -> None:
    """Check EVENTS: files, folders, globs, YAML streams and batch files, as batch reads them; list every
    problem; exit 1 if any."""
    from .batch import read_inputs

    bad = 0
    for job in read_inputs(events):
        if job.event is None:
            bad += 1
            click.echo(printable("\n".join(job.problems)), err=True)
            continue
        for w in job.event.warnings:
            click.echo(f"warning: {w}", err=True)
        click.echo(f"{job.label}: ok ({job.event.type})")
    if bad:
        sys.exit(1)


@main.command()
@click.argument("meeting_type", metavar="TYPE", type=click.Choice(TYPE_CHOICES))
@click.option(
    "-o", "--output", "out", type=click.Path(path_type=Path), help="File to write (default: standard output)."
)
@click.option(
    "--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="Keys in Chinese or English."
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def new(meeting_type: str, out: Path | None, lang: str, force: bool) -> None:
    """Write a commented event file for a meeting TYPE."""
    from .newevent import new_event
    from .output import write_atomic

    text = new_event(meeting_type, lang)
    if out is None:
        click.echo(text, nl=False)
        return
    write_atomic(out, text.encode("utf-8"), force=force)
    click.echo(f"{out}: written; edit it, then run: speechgen render {out}", err=True)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--event", "event_path", type=click.Path(path_type=Path), help="The event file the draft was made from.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--banks",
    "banks",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Folders whose checks/formulations.yaml add to the built-in list.",
)
def check(files: tuple[Path, ...], event_path: Path | None, fmt: str, banks: tuple[Path, ...]) -> None:
    """Review .docx/.md/.txt drafts: placeholders, repeats, counts, numbering, dated wording, invented numbers."""
    import json

    from .checks import check_lines
    from .event import load_event
    from .formulations import load_formulations
    from .reader import read_draft

    event = load_event(event_path) if event_path else None
    formulations = load_formulations(banks)
    results = {}
    for path in files:
        results[str(path)] = check_lines(read_draft(path), event, formulations)
    errors = sum(f.severity == "error" for found in results.values() for f in found)
    if fmt == "json":
        click.echo(json.dumps({k: [f.to_dict() for f in v] for k, v in results.items()}, ensure_ascii=False, indent=2))
    else:
        for path, found in results.items():
            for f in found:
                click.echo(f"{path}: {f}")
            counts = {s: sum(f.severity == s for f in found) for s in ("error", "warning", "info")}
            click.echo(f"{path}: {counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} info")
    if errors:
        sys.exit(1)


@main.group()
def banks() -> None:
    """Inspect and check phrase banks (built-in, styles, and your own folders)."""


def _bank_dirs(dirs: tuple[Path, ...]) -> tuple[Path, ...]:
    from .resources import env_bank_dirs

    return (*env_bank_dirs(), *dirs)


@banks.command("list")
@click.option("--style", default="formal", show_default=True, help="The style whose layers to show.")
@click.option("--banks", "dirs", multiple=True, type=click.Path(path_type=Path), help="User bank folders (repeatable).")
def banks_list(style: str, dirs: tuple[Path, ...]) -> None:
    """Every slot, its number of variants, and the files they come from."""
    from collections import Counter

    from .banks import load_banks
    from .resources import real_path

    bank_set = load_banks(style, _bank_dirs(dirs))
    click.echo(f"style {style}; layers, lowest first: {', '.join(str(real_path(f)) for f in bank_set.files)}")
    for slot in sorted(bank_set.slots):
        variants = bank_set.variants(slot)
        files = Counter(v.file for v in variants)
        origin = ", ".join(f"{f}×{n}" for f, n in files.items())
        click.echo(f"{slot}\t{len(variants)}\t{origin}")


@banks.command("show")
@click.argument("slot")
@click.option("--style", default="formal", show_default=True)
@click.option("--banks", "dirs", multiple=True, type=click.Path(path_type=Path), help="User bank folders (repeatable).")
def banks_show(slot: str, style: str, dirs: tuple[Path, ...]) -> None:
    """The variants of SLOT, each with its file:line."""
    import difflib

    from .banks import load_banks
    from .errors import ConfigError
    from .resources import real_path

    bank_set = load_banks(style, _bank_dirs(dirs))
    if slot not in bank_set.slots:
        close = difflib.get_close_matches(slot, list(bank_set.slots), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ConfigError(f'no slot "{slot}" in the banks of style {style}{hint}')
    for v in bank_set.variants(slot):
        tags = "".join(f" [{k}: {', '.join(t)}]" for k, t in (("types", v.types), ("styles", v.styles)) if t)
        needs = f" (needs {', '.join(sorted(v.requires))})" if v.requires else ""
        click.echo(f"{real_path(v.file)}:{v.line}: {v.text}{tags}{needs}")


@banks.command("check")
@click.argument("dirs", nargs=-1, type=click.Path(path_type=Path))
@click.option("--templates", "templates", multiple=True, type=click.Path(path_type=Path))
def banks_check(dirs: tuple[Path, ...], templates: tuple[Path, ...]) -> None:
    """Check the built-in banks and the folders DIRS: YAML, fields, duplicates, counts. Exit 1 on errors."""
    from .bankcheck import check_banks

    findings = check_banks(_bank_dirs(dirs), templates)
    for f in findings:
        click.echo(str(f))
    errors = sum(f.severity == "error" for f in findings)
    click.echo(f"banks check: {errors} error(s), {len(findings) - errors} warning(s)")
    if errors:
        sys.exit(1)


@main.command()
@click.option(
    "--layout", "layout", type=click.Path(path_type=Path), help="A --layout file whose faces to check instead."
)
def fonts(layout: Path | None) -> None:
    """The faces of the Word layout: installed or missing, and what Word/WPS and the PDF set instead."""
    from .export.fonts import format_report
    from .export.layout import Layout, load_layout

    click.echo(format_report(load_layout(layout) if layout else Layout()), nl=False)


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "-o", "--output-dir", "out", required=True, type=click.Path(path_type=Path), help="Folder for the drafts."
)
@click.option("--format", "fmt", type=click.Choice(FORMAT_CHOICES), default="docx", show_default=True)
@click.option("--jobs", "-j", type=click.IntRange(1, 64), help="Worker processes (default: the number of cores).")
@click.option("--fail-fast", is_flag=True, help="Stop at the first event that cannot be drafted.")
@click.option("--report", type=click.Path(path_type=Path), help="Write a per-event report (.csv or .json).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no warnings; the summary only.")
@render_options
def batch(
    inputs: tuple[str, ...],
    out: Path,
    fmt: str,
    jobs: int | None,
    fail_fast: bool,
    report: Path | None,
    quiet: bool,
    **kw: Any,
) -> None:
    """Draft every event in INPUTS (files, folders, globs, YAML streams, batch files) into a folder.

    A broken event is reported and skipped; existing files are skipped unless --force. Exit status 0 only when
    every event was drafted.
    """
    from .batchrun import default_jobs, run_batch
    from .render import layout_from, options_from

    if kw.get("reference") and not Path(kw["reference"]).is_file():
        from .errors import ConfigError

        raise ConfigError(f"--reference-docx {kw['reference']}: no such file")
    settings = {
        "options": options_from(kw),
        "layout": layout_from(kw),
        "explain": bool(kw.get("explain")),
        "reference": kw.get("reference"),
        "strict": bool(kw.get("strict")),
    }
    code = run_batch(
        inputs, out, fmt, jobs or default_jobs(), bool(kw.get("force")), fail_fast, report, quiet, settings
    )
    sys.exit(code)
