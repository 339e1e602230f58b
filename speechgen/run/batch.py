"""The batch core: many inputs → drafts in a folder, one Outcome per event, in input order.

Callable from any thread: it prints nothing, installs no signal handler and stops when the caller's
cancel flag is set (what is being written is finished first, so every file on disk is complete and
counted). Worker processes are used only when the caller asks for more than one job
(``run/pool.py``). Reading, validating and naming stay in the calling process (``run/inputs.py``);
each worker drafts, exports and writes.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from speechgen import api
from speechgen.compose.banks import files_checked_once
from speechgen.errors import ConfigError, OutputError
from speechgen.i18n import _
from speechgen.run.archive import check_archive, write_archive
from speechgen.run.fresh import fresh_drafts
from speechgen.run.inputs import Namer, read_inputs
from speechgen.run.job import BatchSettings, Outcome, run_job
from speechgen.run.output import check_target, clean_stale_temporaries, write_atomic
from speechgen.run.pool import Pool

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
STATUSES = ("drafted", "skipped", "failed")


class Batch:
    """One batch run. Iterate ``outcomes()``; set ``cancel`` (a threading.Event) to stop early."""

    def __init__(self, inputs: Iterable[str | Path], settings: BatchSettings, cancel: threading.Event | None = None):
        self.settings = settings
        self.cancel = cancel or threading.Event()
        self.inputs = [str(i) for i in inputs]
        self.stopped = False  # fail-fast or cancel ended it before the inputs did
        _check_report(settings.report, settings.render.force)
        check_archive(settings.archive, settings.render.force)
        prepare_folder(settings.folder)

    def outcomes(self) -> Iterator[Outcome]:
        s = self.settings
        named = Namer(s.folder, s.fmt, reserved=_report_name(s)).assign(read_inputs(self.inputs, sheet=s.sheet))
        history = s.render.history
        jobs = fresh_drafts(named, s, api.history(history) if history else frozenset())
        with files_checked_once():  # bank files are checked once a batch, not once a draft
            if s.jobs > 1:
                with Pool(s, s.jobs) as pool:
                    yield from self._until_stopped(pool.results(jobs, self.cancel), pool.drain)
            else:
                going = itertools.takewhile(lambda _job: not self.cancel.is_set(), jobs)  # stop: draft no more
                yield from self._until_stopped((run_job(job, s) for job in going), list)

    def _until_stopped(self, results: Iterator[Outcome], drain) -> Iterator[Outcome]:  # noqa: ANN001
        for outcome in results:
            yield outcome
            if self.settings.fail_fast and outcome.status == "failed":
                self.stopped = True
                yield from drain()
                return
        if self.cancel.is_set():
            self.stopped = True
            clean_stale_temporaries(self.settings.folder, [os.getpid()])

    def write_report(self, outcomes: list[Outcome]) -> None:
        report = self.settings.report
        if report is not None:
            prepare_folder(report.parent)  # made like the -o folder
            write_atomic(report, report_bytes(outcomes, report.suffix.lower()), force=self.settings.render.force)

    def write_archive(self, outcomes: list[Outcome]) -> int | None:
        """--zip: the drafts on disk and the report in one archive; how many drafts (None: not written,
        the batch having stopped before its end)."""
        archive = self.settings.archive
        if archive is None or self.stopped:
            return None
        report = self.settings.report
        name = report.name if report is not None else "report.csv"
        data = report_bytes(outcomes, ".json" if name.lower().endswith(".json") else ".csv")
        return write_archive(archive, self.settings.folder, outcomes, (name, data), force=self.settings.render.force)


def run_batch(
    inputs: Iterable[str | Path], settings: BatchSettings, cancel: threading.Event | None = None
) -> list[Outcome]:
    """Draft every event of inputs into the folder; the outcomes, in input order (the report is written)."""
    batch = Batch(inputs, settings, cancel)
    outcomes = list(batch.outcomes())
    batch.write_report(outcomes)
    batch.write_archive(outcomes)
    return outcomes


def counts(outcomes: Iterable[Outcome]) -> dict[str, int]:
    found = {s: 0 for s in STATUSES}
    for o in outcomes:
        found[o.status] += 1
    return found


def _report_name(s: BatchSettings) -> tuple[str, ...]:
    """The report's name, when it is written into the drafts' folder: no draft may take it."""
    if s.report is None:
        return ()
    try:
        same = os.path.realpath(s.report.parent) == os.path.realpath(s.folder)
    except (OSError, ValueError):
        same = False
    return (s.report.name,) if same else ()


def _check_report(report: Path | None, force: bool) -> None:
    """Everything that would stop the report from being written, found before the first draft."""
    if report is None:
        return
    if report.suffix.lower() not in (".csv", ".json"):
        raise ConfigError(_("--report {report}: give a .csv or .json file name").format(report=report))
    try:
        exists = check_target(report)  # a link (even a dangling one) exists; a device or pipe is refused
    except OutputError as exc:
        raise ConfigError(_("--report {message}").format(message=exc.message)) from None
    if exists and not force:
        raise ConfigError(_("--report {report}: exists; use --force to overwrite").format(report=report))
    if report.parent.exists() and not report.parent.is_dir():
        raise ConfigError(_("--report {report}: {parent} is not a folder").format(report=report, parent=report.parent))


def prepare_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise OutputError(_("{folder}: exists and is not a folder").format(folder=folder))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            _("{folder}: cannot create folder: {value}").format(folder=folder, value=exc.strerror or exc)
        ) from None
    clean_stale_temporaries(folder)


def report_bytes(outcomes: list[Outcome], suffix: str) -> bytes:
    rows = []
    for o in outcomes:
        rows.append(
            {
                "input": o.label,
                "output": o.output,
                "type": o.type,
                "style": o.style,
                "seed": o.seed,
                "han_characters": o.han_characters,
                "minutes": o.minutes,
                "warnings": o.warnings,
                "status": o.status,
                "errors": [str(p) for p in o.errors],
                "problems": [p.to_dict() for p in o.errors],
            }
        )
    if suffix == ".json":
        return (json.dumps(rows, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=REPORT_FIELDS, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        row = {k: r[k] for k in REPORT_FIELDS}
        writer.writerow({**row, "warnings": "; ".join(r["warnings"]), "errors": "; ".join(r["errors"])})
    return buf.getvalue().encode("utf-8-sig")
