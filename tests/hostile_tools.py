"""Helpers for the hostile-input tests of issue 14: run speechgen in a process of its own, with a time
limit (a hang fails the test instead of stopping the suite), an address-space limit (a runaway allocation
fails fast instead of eating the machine), and its peak memory read back from the kernel (wait4)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SPEECHGEN = [sys.executable, "-m", "speechgen"]


@dataclass
class Run:
    returncode: int | None  # None: killed at the time limit
    stdout: str
    stderr: str
    peak_mb: float  # the process's peak resident memory


def run(
    args: list[str],
    cwd: Path,
    timeout: float = 120,
    memory_mb: int = 3000,
    env: dict[str, str] | None = None,
    command: list[str] | None = None,
) -> Run:
    """speechgen args in cwd; killed after timeout seconds, refused memory past memory_mb of address space."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 2**20, memory_mb * 2**20))

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            [*(command or SPEECHGEN), *args],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env={**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})},
            preexec_fn=limit,
        )
        deadline = time.monotonic() + timeout
        status, usage = None, None
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                _, status, usage = os.wait4(proc.pid, 0)
                status = None
                break
            time.sleep(0.02)
        proc.returncode = 0  # reaped above; keep Popen from waiting again
        out.seek(0)
        err.seek(0)
        code = None if status is None else os.waitstatus_to_exitcode(status)
        return Run(
            code, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"), usage.ru_maxrss / 1024
        )
