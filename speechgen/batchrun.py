"""Run a batch: dispatch jobs to worker processes, show progress, summarise, report."""

from __future__ import annotations

import csv
import io
import json
import multiprocessing as mp
import signal
import sys
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from .batch import Job, Namer, Outcome, draft_job, expand_inputs, init_worker, prepare_folder, read_jobs
from .errors import ConfigError
from .output import clean_stale_temporaries, write_atomic

REPORT_FIELDS = ["input", "output", "type", "style", "seed", "han_characters", "minutes", "warnings", "status", "errors"]


def run_batch(inputs: tuple[str, ...], folder: Path, fmt: str, jobs: int, force: bool, fail_fast: bool,
              report: Path | None, quiet: bool, settings: dict[str, Any]) -> int:
    if report is not None and report.suffix.lower() not in (".csv", ".json"):
        raise ConfigError(f"--report {report}: give a .csv or .json file name")
    if report is not None and report.exists() and not force:
        raise ConfigError(f"--report {report}: exists; use --force to overwrite")
    paths = expand_inputs(inputs)
    prepare_folder(folder)
    settings = dict(settings, folder=str(folder), format=fmt, force=force)
    namer = Namer(folder, fmt)
    outcomes: list[Outcome] = []
    _warm_up(settings)
    stream = _named(read_jobs(paths), namer)
    show = not quiet and sys.stderr.isatty()
    previous = signal.signal(signal.SIGTERM, _as_interrupt)
    try:
        with _results(stream, settings, jobs) as results, click.progressbar(
            results, label="drafting", file=sys.stderr, show_pos=True, hidden=not show
        ) as bar:
            for outcome in bar:
                outcomes.append(outcome)
                if fail_fast and outcome.status == "failed":
                    break
    except KeyboardInterrupt:
        clean_stale_temporaries(folder)
        click.echo("batch interrupted: files already written are complete; nothing half-written remains", err=True)
        _summary(outcomes, quiet)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    _summary(outcomes, quiet)
    if report is not None:
        write_atomic(report, _report(outcomes, report.suffix.lower()), force=force)
    return 0 if outcomes and all(o.status == "drafted" for o in outcomes) else 1


def _as_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _named(jobs: Iterator[Job], namer: Namer) -> Iterator[Job]:
    for job in jobs:
        if job.event is not None:
            try:
                job.output = namer.name_for(job.event)
            except Exception as exc:  # an output name that would escape the folder
                job.event, job.problems = None, [f"{job.label}: {exc}"]
        yield job


def _warm_up(settings: dict[str, Any]) -> None:
    """Load banks, templates and the base document before forking, so workers share them."""
    from .banks import DEFAULT_STYLE, load_banks
    from .compose import template_environment
    from .pipeline import bank_dirs

    opts = settings["options"]
    load_banks(opts.style or DEFAULT_STYLE, bank_dirs(opts))
    template_environment(opts.templates)
    if settings["format"] in ("docx", "pdf") and settings.get("reference") is None:
        from .export.docx import _base_document

        _base_document(settings["layout"])


class _results:
    """Outcomes in input order, from a pool of worker processes (or in-process for --jobs 1)."""

    def __init__(self, stream: Iterator[Job], settings: dict[str, Any], jobs: int) -> None:
        self.stream, self.settings, self.jobs = stream, settings, jobs
        self.pool: Any = None

    def __enter__(self) -> Iterator[Outcome]:
        if self.jobs <= 1:
            init_worker_inline(self.settings)
            return (_run(job) for job in self.stream)
        ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
        self.pool = ctx.Pool(self.jobs, initializer=init_worker, initargs=(self.settings,))
        return self.pool.imap(_run, self.stream, chunksize=2)

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if self.pool is not None:
            if exc_type is None:
                self.pool.close()
            else:
                self.pool.terminate()
            self.pool.join()


def init_worker_inline(settings: dict[str, Any]) -> None:
    from .batch import _SETTINGS

    _SETTINGS.update(settings)


def _run(job: Job) -> Outcome:
    if job.event is None:
        return Outcome(job.label, "failed", errors=job.problems)
    return draft_job(job)


def _summary(outcomes: list[Outcome], quiet: bool) -> None:
    counts = {s: sum(o.status == s for o in outcomes) for s in ("drafted", "skipped", "failed")}
    click.echo(f"drafted {counts['drafted']}, skipped {counts['skipped']}, failed {counts['failed']}", err=True)
    for o in outcomes:
        if o.status != "drafted":
            for e in o.errors:
                click.echo(f"{o.status}: {e}", err=True)
        elif not quiet:
            for w in o.warnings:
                click.echo(f"warning: {o.label}: {w}", err=True)


def _report(outcomes: list[Outcome], suffix: str) -> bytes:
    rows = []
    for o in outcomes:
        d = asdict(o)
        rows.append({"input": d["label"], **{k: d.get(k) for k in REPORT_FIELDS if k != "input"}})
    if suffix == ".json":
        return (json.dumps(rows, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=REPORT_FIELDS)
    writer.writeheader()
    for r in rows:
        writer.writerow({**r, "warnings": "; ".join(r["warnings"]), "errors": "; ".join(r["errors"])})
    return buf.getvalue().encode("utf-8-sig")
