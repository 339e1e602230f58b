"""`speechgen batch`, the running side: draft jobs in worker processes, show progress, summarise, report.

The main process reads, validates and names events (speechgen.batch); workers
compose, export and write. Only a few events per worker are in flight at any
time and drafts are never sent back, so memory stays flat however long the
batch. Outcomes come back in input order, so the summary, the report and the
file names do not depend on --jobs.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import json
import multiprocessing as mp
import os
import signal
import sys
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import click

from speechgen.errors import ConfigError, OutputError, SpeechgenError
from speechgen.run.inputs import Job, Namer, read_inputs
from speechgen.run.output import OutputExists, clean_stale_temporaries, write_atomic

REPORT_FIELDS = [
    "input",
    "output",
    "type",
    "style",
    "seed",
    "han_characters",
    "minutes",
    "warnings",
    "status",
    "errors",
]
IN_FLIGHT_PER_WORKER = 4


@dataclass
class Outcome:
    """What became of one event; all the report needs, and nothing of the draft itself."""

    label: str
    status: str  # drafted | skipped | failed
    output: str = ""
    type: str = ""
    style: str = ""
    seed: int | None = None
    han_characters: int = 0
    minutes: float = 0.0
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM: stop drafting, keep what is complete."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__()
        self.signum = signum


def run_batch(
    inputs: tuple[str, ...],
    folder: Path,
    fmt: str,
    jobs: int,
    force: bool,
    fail_fast: bool,
    report: Path | None,
    quiet: bool,
    settings: dict[str, Any],
) -> int:
    """Draft every event of inputs into folder; the exit status: 0 only when every event was drafted."""
    _check_report(report, force)
    prepare_folder(folder)
    settings = dict(settings, folder=str(folder), format=fmt, force=force)
    _warm_up(settings, jobs)
    stream = Namer(folder, fmt).assign(read_inputs(inputs))
    outcomes: list[Outcome] = []
    show = not quiet and sys.stderr.isatty()
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        with (
            _Runner(settings, jobs) as runner,
            click.progressbar(
                runner.results(stream), label="drafting", file=sys.stderr, show_pos=True, hidden=not show
            ) as bar,
        ):
            for outcome in bar:
                outcomes.append(outcome)
                if fail_fast and outcome.status == "failed":
                    outcomes.extend(runner.drain())
                    break
    except KeyboardInterrupt as exc:
        clean_stale_temporaries(folder, [os.getpid()])
        clean_stale_temporaries(folder)
        _summary(outcomes, quiet)
        click.echo("batch interrupted: the files written are complete; run again to draft the rest", err=True)
        return 128 + (exc.signum if isinstance(exc, Interrupted) else signal.SIGINT)
    except BrokenProcessPool:
        _summary(outcomes, quiet)
        click.echo("batch stopped: a worker process died (out of memory?); run again to draft the rest", err=True)
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
    _summary(outcomes, quiet)
    if report is not None:
        prepare_folder(report.parent)  # made like the -o folder
        write_atomic(report, _report(outcomes, report.suffix.lower()), force=force)
    if not outcomes:
        click.echo("no events found in the inputs", err=True)
    return 0 if outcomes and all(o.status == "drafted" for o in outcomes) else 1


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Interrupted(signum)


def _check_report(report: Path | None, force: bool) -> None:
    if report is None:
        return
    if report.suffix.lower() not in (".csv", ".json"):
        raise ConfigError(f"--report {report}: give a .csv or .json file name")
    if report.exists() and not force:
        raise ConfigError(f"--report {report}: exists; use --force to overwrite")
    if report.parent.exists() and not report.parent.is_dir():
        raise ConfigError(f"--report {report}: {report.parent} is not a folder")


def prepare_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder}: exists and is not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot create folder: {exc.strerror or exc}") from None
    clean_stale_temporaries(folder)


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def _warm_up(settings: dict[str, Any], jobs: int) -> None:
    """Load banks, templates and the base document once, before the workers fork, so they share them."""
    from speechgen.compose.banks import DEFAULT_STYLE, load_banks
    from speechgen.compose.composer import template_environment
    from speechgen.event.schema import MEETING_TYPES
    from speechgen.pipeline import bank_dirs

    opts = settings["options"]
    load_banks(opts.style or DEFAULT_STYLE, bank_dirs(opts))
    env = template_environment(opts.templates)
    for meeting_type in MEETING_TYPES if jobs > 1 else ():  # compiled once here, not once per worker
        with contextlib.suppress(Exception):  # a broken template is reported per event, with its file
            env.get_template(f"{meeting_type}.j2")
    if settings["format"] in ("docx", "pdf") and settings.get("reference") is None:
        from speechgen.export.docx import warm_up

        warm_up(settings["layout"])


class _Runner:
    """Outcomes in input order: in this process for --jobs 1, else from a pool with a bounded queue."""

    def __init__(self, settings: dict[str, Any], jobs: int) -> None:
        self.settings, self.jobs = settings, jobs
        self.pool: ProcessPoolExecutor | None = None
        self.pending: deque[Future[Outcome] | Outcome] = deque()

    def __enter__(self) -> _Runner:
        if self.jobs > 1:
            gc.freeze()  # loaded before the fork, shared: the workers' collector leaves it (and its pages) alone
            ctx = mp.get_context("fork") if sys.platform == "linux" else None
            self.pool = ProcessPoolExecutor(
                self.jobs, mp_context=ctx, initializer=init_worker, initargs=(self.settings,)
            )
        else:
            _use(self.settings)
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if self.pool is not None:
            for item in self.pending:
                if isinstance(item, Future):
                    item.cancel()
            # running drafts finish (workers ignore SIGINT), so every file they write is complete
            self.pool.shutdown(wait=True, cancel_futures=True)
            gc.unfreeze()

    def results(self, stream: Iterator[Job]) -> Iterator[Outcome]:
        if self.pool is None:
            for job in stream:
                yield run_job(job)
            return
        window = self.jobs * IN_FLIGHT_PER_WORKER
        for job in stream:
            self.pending.append(self.pool.submit(draft_job, job) if job.event is not None else run_job(job))
            while self.pending and (len(self.pending) >= window or _done(self.pending[0])):
                yield _result(self.pending.popleft())
        while self.pending:
            yield _result(self.pending.popleft())

    def drain(self) -> list[Outcome]:
        """Stop: what has not started is dropped; what is running finishes and is reported."""
        started = [item for item in self.pending if not (isinstance(item, Future) and item.cancel())]
        self.pending.clear()
        return [_result(item) for item in started if isinstance(item, Future)]


def _done(item: Future[Outcome] | Outcome) -> bool:
    return not isinstance(item, Future) or item.done()


def _result(item: Future[Outcome] | Outcome) -> Outcome:
    return item.result() if isinstance(item, Future) else item


# -- worker side ------------------------------------------------------------------------------------

_SETTINGS: dict[str, Any] = {}


def _use(settings: dict[str, Any]) -> None:
    _SETTINGS.clear()
    _SETTINGS.update(settings)


def init_worker(settings: dict[str, Any]) -> None:
    _use(settings)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the parent decides
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler, inherited through fork


def run_job(job: Job) -> Outcome:
    if job.event is None:
        return Outcome(job.label, "failed", errors=job.problems)
    return draft_job(job)


def draft_job(job: Job) -> Outcome:
    """Compose, export and write one event (in a worker process, or inline for --jobs 1)."""
    from speechgen.export import export
    from speechgen.pipeline import draft_event

    s = _SETTINGS
    assert job.event is not None
    out = Outcome(job.label, "failed", output=job.output, type=job.event.type)
    path = Path(s["folder"]) / job.output
    try:
        if not s["force"] and (path.exists() or path.is_symlink()):
            raise OutputExists(path)  # before drafting: a rerun after an interruption is quick
        draft = draft_event(job.event, s["options"])
        if s.get("strict"):
            from speechgen.run.render import review

            review(draft, job.event, strict=True)
        data = export(draft, s["format"], s["layout"], explain=s["explain"], reference=s["reference"])
        write_atomic(path, data, force=s["force"], sync=False)
    except OutputExists as exc:
        out.status, out.errors = "skipped", [f"skipped: {exc}"]
        return out
    except SpeechgenError as exc:
        out.errors = [job.locate(line) for line in str(exc).splitlines() if line.strip()]
        return out
    except Exception as exc:  # noqa: BLE001 - a bug must not stop the other events
        out.errors = [job.locate(f"internal error: {type(exc).__name__}: {exc}")]
        return out
    out.status = "drafted"
    out.style, out.seed = draft.meta["style"], draft.meta["seed"]
    meta = draft.meta  # compose counted them already; counting again costs a regex over the whole speech
    out.han_characters = meta["han_characters"] if "han_characters" in meta else draft.han_count()
    out.minutes = meta["minutes"] if "minutes" in meta else draft.minutes(meta["rate"])
    own = f"{job.file}: "  # event warnings name their file; the label (with the document) replaces it
    out.warnings = [w[len(own) :] if w.startswith(own) else w for w in draft.meta.get("warnings", [])]
    return out


# -- summary and report -----------------------------------------------------------------------------


def _summary(outcomes: list[Outcome], quiet: bool) -> None:
    if not quiet:
        for o in outcomes:
            for w in o.warnings:
                click.echo(f"warning: {o.label}: {w}", err=True)
    counts = {s: sum(o.status == s for o in outcomes) for s in ("drafted", "skipped", "failed")}
    click.echo(f"drafted {counts['drafted']}, skipped {counts['skipped']}, failed {counts['failed']}", err=True)
    for status in ("failed", "skipped"):
        for o in outcomes:
            if o.status == status:
                for e in o.errors:
                    click.echo(e, err=True)


def _report(outcomes: list[Outcome], suffix: str) -> bytes:
    rows = []
    for o in outcomes:
        d = asdict(o)
        rows.append({"input": d["label"], **{k: d[k] for k in REPORT_FIELDS if k != "input"}})
    if suffix == ".json":
        return (json.dumps(rows, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=REPORT_FIELDS, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({**r, "warnings": "; ".join(r["warnings"]), "errors": "; ".join(r["errors"])})
    return buf.getvalue().encode("utf-8-sig")
