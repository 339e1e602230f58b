"""The command line: parse options, call the library API, print, set the exit status.

Errors are caught in one place (``SpeechgenCLI.invoke``): a ``SpeechgenError`` prints its own message and
exits with its code; anything else is a bug, reported in one line (the traceback only with --debug).
SIGTERM unwinds like Ctrl-C (exit 143), so no temporary file outlives a terminated write; a closed
standard output (``| head``) ends the command quietly. Heavy modules are imported inside the commands so
that ``speechgen --help`` stays fast.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from typing import Any

import click

from speechgen import __version__
from speechgen.cli.say import say


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
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


class SpeechgenCLI(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        from speechgen.errors import SpeechgenError

        previous = _catch_sigterm()
        try:
            return super().invoke(ctx)
        except SpeechgenError as exc:
            say(str(exc))
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except BrokenPipeError:  # `speechgen banks list | head`: the reader has gone; end quietly
            _silence_stdout()
            ctx.exit(141)
        except KeyboardInterrupt as exc:
            terminated = isinstance(exc, Terminated)
            say(f"speechgen: {'terminated' if terminated else 'interrupted'}")
            ctx.exit(143 if terminated else 130)
        except Exception as exc:  # a bug: one line, the traceback only on request
            if ctx.meta.get("debug"):
                import traceback

                traceback.print_exc()
            say(f"speechgen: internal error: {type(exc).__name__}: {exc} (rerun with --debug)")
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


def _register() -> None:
    from speechgen.cli import banks, draft, fonts

    for command in (draft.render, draft.validate, draft.new, draft.check, draft.batch, banks.banks, fonts.fonts):
        main.add_command(command)


_register()
