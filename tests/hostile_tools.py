"""Helpers for the hostile-input tests of issue 14: run speechgen in a process of its own, with a time
limit (a hang fails the test instead of stopping the suite), an address-space limit (a runaway allocation
fails fast instead of eating the machine), and its peak memory read back from the kernel (wait4)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

SPEECHGEN = [sys.executable, "-m", "speechgen"]
LAUNCHER = """
import os, resource, signal, sys
limit, report, argv = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
pid = os.fork()
if pid == 0:
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        os.execvp(argv[0], argv)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
with open(report, "w") as f:
    f.write(str(usage.ru_maxrss))
if os.WIFSIGNALED(status):
    signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
    os.kill(os.getpid(), os.WTERMSIG(status))
sys.exit(os.waitstatus_to_exitcode(status))
"""


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
    """speechgen args in cwd; killed after timeout seconds, refused memory past memory_mb of address space.

    The command runs under a small launcher process: Linux keeps a process's peak memory across exec, so a
    child forked straight from this (large) test process would report the test process's size."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "peak"
        proc = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, str(memory_mb * 2**20), str(report), *(command or SPEECHGEN), *args],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env={**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})},
            start_new_session=True,
        )
        try:
            proc.wait(timeout=timeout)
            status: int | None = proc.returncode
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            status = None
        out.seek(0)
        err.seek(0)
        peak = int(report.read_text()) if report.is_file() and report.read_text().strip() else 0
        return Run(status, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"), peak / 1024)
