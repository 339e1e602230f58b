"""Worker processes for a batch, used only when the caller asks for more than one job.

Only a few events per worker are in flight at any time and drafts are never sent back, so memory stays
flat however long the batch; outcomes come back in input order, so names, summary and report do not
depend on the number of jobs. Workers ignore Ctrl-C (the caller decides, through its cancel flag), and
die with the process that started them. The start method is ``fork`` where that is safe (Linux, called
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
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
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


class Pool:
    def __init__(self, settings: BatchSettings, jobs: int) -> None:
        self.settings, self.jobs = settings, jobs
        self.pending: deque[Future[Outcome] | Outcome] = deque()
        self.method = start_method()
        if self.method == "fork":
            warm_up(settings)  # loaded before the fork, shared by every worker
        self.executor = ProcessPoolExecutor(
            jobs, mp_context=mp.get_context(self.method), initializer=init_worker, initargs=(settings,)
        )

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: Any) -> None:
        for item in self.pending:
            if isinstance(item, Future):
                item.cancel()
        self.executor.shutdown(wait=True, cancel_futures=True)  # running drafts finish: every file is complete

    def results(self, stream: Iterator[Job], cancel: threading.Event) -> Iterator[Outcome]:
        window = self.jobs * IN_FLIGHT_PER_WORKER
        try:
            for job in stream:
                if cancel.is_set():
                    break
                item = (
                    self.executor.submit(draft_job, job, self.settings)
                    if job.event is not None
                    else run_job(job, self.settings)
                )
                self.pending.append(item)
                while self.pending and (len(self.pending) >= window or _done(self.pending[0])):
                    yield _result(self.pending.popleft())
            if cancel.is_set():
                yield from self.drain()
                return
            while self.pending:
                yield _result(self.pending.popleft())
        except BrokenProcessPool:
            raise WorkerDied(
                _("batch stopped: a worker process died (out of memory?); run again to draft the rest")
            ) from None

    def drain(self) -> list[Outcome]:
        """Stop: what has not started is dropped; what is running finishes and is reported."""
        started = [item for item in self.pending if not (isinstance(item, Future) and item.cancel())]
        self.pending.clear()
        return [_result(item) for item in started]


def _done(item: Future[Outcome] | Outcome) -> bool:
    return not isinstance(item, Future) or item.done()


def _result(item: Future[Outcome] | Outcome) -> Outcome:
    return item.result() if isinstance(item, Future) else item


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


def init_worker(settings: BatchSettings | None) -> None:
    """In each worker: leave the console's signals to the parent, and die with it."""
    for signum in group_signals():  # Ctrl-C, Ctrl-Break, a closed terminal reach the whole group
        signal.signal(signum, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler, inherited through fork
    _die_with_parent()


def _die_with_parent() -> None:
    """A worker whose parent is killed (even with SIGKILL) must not live on holding the parent's pipes.

    Linux: the kernel kills it (PR_SET_PDEATHSIG). Elsewhere, or where prctl cannot be called, a thread waits
    on the parent's sentinel that multiprocessing gives every child (a process handle on Windows, a pipe
    that closes on POSIX) and ends the worker when it fires.
    """
    parent = os.getppid()
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
