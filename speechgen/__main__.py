"""`speechgen` and `python -m speechgen`: start the command line.

Importing the command line takes a few tens of milliseconds; a Ctrl-C in that time used to print a
traceback. Until the command line is ready Ctrl-C ends the process the way a shell expects of any
program (killed by SIGINT: status 130, nothing printed); from then on the command line handles it.
"""

from __future__ import annotations

import signal


def run() -> None:
    previous = signal.signal(signal.SIGINT, signal.SIG_DFL)
    from speechgen.cli import main

    signal.signal(signal.SIGINT, previous)
    main()


if __name__ == "__main__":
    run()
