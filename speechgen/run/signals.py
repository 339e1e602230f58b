"""The signals that ask a process to stop, as each system sends them.

SIGTERM (kill, a service manager) exists everywhere but Windows never delivers it from outside; a closed
terminal sends SIGHUP (POSIX only); Ctrl-Break sends SIGBREAK (Windows only). SIGINT (Ctrl-C) is handled
apart: it reaches a whole console group, workers included.
"""

from __future__ import annotations

import signal

STOP_NAMES = ("SIGTERM", "SIGHUP", "SIGBREAK")
GROUP_NAMES = ("SIGINT", "SIGHUP", "SIGBREAK")  # sent to every process of a terminal or console


def stop_signals() -> list[signal.Signals]:
    """The stop signals this system has, SIGTERM first."""
    return [getattr(signal, name) for name in STOP_NAMES if hasattr(signal, name)]


def group_signals() -> list[signal.Signals]:
    """The signals a terminal or console sends to every process in it (the parent of workers decides)."""
    return [getattr(signal, name) for name in GROUP_NAMES if hasattr(signal, name)]
