"""Worker processes for a batch, used only when the caller asks for more than one job.

Only a few events per worker are in flight at any time and drafts are never sent back, so memory stays
flat however long the batch; outcomes come back in input order, so names, summary and report do not
depend on the number of jobs. Workers ignore Ctrl-C (the caller decides, through its cancel flag, and
what is running finishes) and die with the process that started them (PR_SET_PDEATHSIG on Linux, a
watcher thread elsewhere). A worker that dies (SIGTERM to the whole group, a kill, out of memory) stops
nothing: what it had in hand is settled from the disk (its file there, complete since writes are atomic,
or else a failure, or nothing at all when the batch is being interrupted anyway) and, unless the batch
is being stopped, a fresh pool takes the rest. So the summary and the report always match the files.
The start method is ``fork`` where that is safe (Linux, called
from a single-threaded process: banks and templates loaded once are shared), else ``spawn`` (Windows,
macOS, a server's thread); ``SPEECHGEN_START_METHOD`` forces one. With ``spawn`` each worker loads the
banks itself, from the on-disk cache.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from speechgen.errors import SpeechgenError
from speechgen.i18n import _
from speechgen.run.inputs import Job
from speechgen.run.job import BatchSettings, Outcome, draft_job, run_job
from speechgen.run.signals import group_signals

IN_FLIGHT_PER_WORKER = 4


class WorkerDied(SpeechgenError):
    """A worker process died (out of memory?); what was written is complete."""


def start_method() -> str:
    forced = os.environ.get("SPEECHGEN_START_METHOD")
    if forced in mp.get_all_start_methods():
        return forced
    alone = threading.active_count() == 1 and threading.current_thread() is threading.main_thread()
    return "fork" if sys.platform == "linux" and alone else "spawn"


MAX_RESTARTS = 3  # fresh pools after workers died; past that the batch stops (WorkerDied)


@dataclass
class _InFlight:
    """A job handed to a worker, and what its target looked like before (to settle it if the worker dies)."""

    future: Future[Outcome]
    job: Job
    before: tuple[int, int, int] | None


class Pool:
    def __init__(self, settings: BatchSettings, jobs: int) -> None:
        self.settings, self.jobs = settings, jobs
        self.pending: deque[_InFlight | Outcome] = deque()
        self.method = start_method()
        self.restarts = 0
        if self.method == "fork":
            warm_up(settings)  # loaded before the fork, shared by every worker
        self.executor = self._executor()

    def _executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            self.jobs,
            mp_context=mp.get_context(self.method),
            initializer=init_worker,
            initargs=(self.settings, os.getpid()),
        )

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: Any) -> None:
        for item in self.pending:
            if isinstance(item, _InFlight):
                item.future.cancel()
        self.executor.shutdown(wait=True, cancel_futures=True)  # running drafts finish: every file is complete

    def results(self, stream: Iterator[Job], cancel: threading.Event) -> Iterator[Outcome]:
        window = self.jobs * IN_FLIGHT_PER_WORKER
        for job in stream:
            if cancel.is_set():
                break
            self.pending.append(self._submit(job) if job.event is not None else run_job(job, self.settings))
            while self.pending and (len(self.pending) >= window or _done(self.pending[0])):
                yield from self._next(cancel)
        if cancel.is_set():
            yield from self.drain()
            return
        while self.pending:
            yield from self._next(cancel)

    def _submit(self, job: Job) -> _InFlight:
        before = _identity(self.settings.folder / job.output)
        try:
            future = self.executor.submit(draft_job, job, self.settings)
        except BrokenProcessPool:  # the pool broke since the last result: a fresh one
            self._restart()
            future = self.executor.submit(draft_job, job, self.settings)
        return _InFlight(future, job, before)

    def _next(self, cancel: threading.Event) -> Iterator[Outcome]:
        """The first pending outcome; when a worker died, every job in hand is settled and, unless the batch
        is being stopped, a fresh pool started."""
        item = self.pending.popleft()
        try:
            outcome = _result(item)
        except BrokenProcessPool:
            lost = [item, *self.pending]
            self.pending.clear()
            for x in lost:
                settled = self._settle(x, interrupted=cancel.is_set())
                if settled is not None:
                    yield settled
            if not cancel.is_set():
                self._restart()
            return
        yield outcome

    def _settle(self, item: _InFlight | Outcome, interrupted: bool = False) -> Outcome | None:
        if not isinstance(item, _InFlight):
            return item
        try:
            return item.future.result()
        except (BrokenProcessPool, CancelledError):
            return settled_from_disk(item.job, item.before, self.settings, interrupted)

    def _restart(self) -> None:
        self.restarts += 1
        with contextlib.suppress(Exception):
            self.executor.shutdown(wait=True, cancel_futures=True)
        if self.restarts > MAX_RESTARTS:
            raise WorkerDied(
                _("batch stopped: worker processes keep dying (out of memory?); run again to draft the rest")
            )
        self.executor = self._executor()

    def drain(self) -> list[Outcome]:
        """Stop: what has not started is dropped; what is running finishes and is reported."""
        started = [x for x in self.pending if not (isinstance(x, _InFlight) and x.future.cancel())]
        self.pending.clear()
        settled = [self._settle(x, interrupted=True) for x in started]
        return [x for x in settled if x is not None]


def _identity(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def settled_from_disk(
    job: Job, before: tuple[int, int, int] | None, s: BatchSettings, interrupted: bool = False
) -> Outcome | None:
    """The outcome of a job whose worker died: its file, if written since (complete: writes are atomic);
    else a failure, or nothing when the batch is being interrupted (like a job that never started)."""
    path = s.folder / job.output
    now = _identity(path)
    event_type = job.event.type if job.event is not None else ""
    if now is not None and now != before:
        note = "the worker process that wrote it stopped before reporting; the file is complete"
        return Outcome(job.label, "drafted", output=job.output, type=event_type, warnings=[note])
    if interrupted:
        return None
    problem = job.locate("a worker process died while drafting this event (out of memory?); run again to draft it")
    return Outcome(job.label, "failed", output=job.output, type=event_type, errors=[problem])


def _done(item: _InFlight | Outcome) -> bool:
    return not isinstance(item, _InFlight) or item.future.done()


def _result(item: _InFlight | Outcome) -> Outcome:
    return item.future.result() if isinstance(item, _InFlight) else item


def warm_up(settings: BatchSettings) -> None:
    """Load banks, templates and the base document now, so that forked workers share them."""
    from speechgen.compose.banks import DEFAULT_STYLE, load_banks
    from speechgen.compose.composer import template_environment
    from speechgen.event.schema import MEETING_TYPES
    from speechgen.resources import env_bank_dirs

    opts = settings.render.options
    with contextlib.suppress(SpeechgenError):  # a broken bank or template is reported per event
        load_banks(opts.style or DEFAULT_STYLE, (*env_bank_dirs(), *opts.banks))
        env = template_environment(opts.templates)
        for meeting_type in MEETING_TYPES:
            with contextlib.suppress(Exception):
                env.get_template(f"{meeting_type}.j2")
    if settings.fmt in ("docx", "pdf") and settings.render.reference is None:
        from speechgen.export.docx import warm_up as docx_warm_up

        docx_warm_up(settings.render.layout)


def init_worker(settings: BatchSettings | None, parent: int | None = None) -> None:
    """In each worker: leave the console's signals to the parent, stop when told to, and die with it."""
    from speechgen.compose.banks import check_files_once

    check_files_once()  # a worker lives for one batch: its bank files are checked once
    for signum in group_signals():  # Ctrl-C, Ctrl-Break, a closed terminal reach the whole group
        signal.signal(signum, signal.SIG_IGN)
    # not the parent's handler, inherited through fork: a worker told to stop stops (the pool itself ends
    # broken workers with SIGTERM)
    signal.signal(signal.SIGTERM, _stop_worker)
    _die_with_parent(parent if parent is not None else os.getppid())


def _stop_worker(signum: int, frame: Any) -> None:
    """Stop now, as SIG_DFL would, but first end a PDF conversion under way and remove its folder."""
    pdf = sys.modules.get("speechgen.export.pdf")
    if pdf is not None:
        with contextlib.suppress(Exception):
            pdf.abandon()
    os._exit(128 + signum)


def _die_with_parent(parent: int) -> None:
    """A worker whose parent is killed (even with SIGKILL) must not live on holding the parent's pipes.

    `parent` is the pid the parent gave before the fork: if it died before this runs, the worker has
    already been handed to another process and getppid() no longer matches. Linux: the kernel kills it
    (PR_SET_PDEATHSIG). Elsewhere, or where prctl cannot be called, a thread waits on the parent's sentinel
    that multiprocessing gives every child (a process handle on Windows, a pipe that closes on POSIX) and
    ends the worker when it fires.
    """
    if os.getppid() != parent:
        os._exit(1)
    if sys.platform == "linux":
        with contextlib.suppress(Exception):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(1, signal.SIGKILL, 0, 0, 0) == 0:  # PR_SET_PDEATHSIG
                if os.getppid() != parent:  # the parent died before the call
                    os._exit(1)
                return
    watcher = threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="speechgen-parent-watch")
    watcher.start()


def _watch_parent(parent: int) -> None:
    process = mp.parent_process()
    if process is not None:
        process.join()  # returns once the parent is gone
    else:  # not started by multiprocessing: poll (on POSIX an orphan's parent id changes)
        import time

        while os.getppid() == parent:
            time.sleep(0.5)
    os._exit(1)
