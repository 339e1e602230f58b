"""The command line: parse options, call the library API, print, set the exit status.

Errors are caught in one place (``SpeechgenCLI.invoke``): a ``SpeechgenError`` prints its own message and
exits with its code; anything else is a bug, reported in one line (the traceback only with --debug).
SIGTERM unwinds like Ctrl-C (exit 143), and so do a closed terminal (SIGHUP) and Windows' Ctrl-Break
(SIGBREAK), so no temporary file outlives a terminated write; a closed
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
from speechgen.i18n import _


class Terminated(KeyboardInterrupt):
    """A stop signal as an exception, so that a write in progress unwinds and removes its temporary."""

    def __init__(self, signum: int = signal.SIGTERM) -> None:
        super().__init__(signum)
        self.signum = signum


def _terminate(signum: int, frame: Any) -> None:
    raise Terminated(signum)


def _catch_stop_signals() -> dict[int, Any]:
    """Route the stop signals to Terminated while a command runs; the previous handlers (none off the main
    thread, where handlers cannot be set)."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    from speechgen.run.signals import stop_signals

    previous = {}
    for signum in stop_signals():
        handler = signal.signal(signum, _terminate)
        previous[signum] = signal.SIG_DFL if handler is None else handler
    return previous


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

        previous = _catch_stop_signals()
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
        except Terminated as exc:
            say(_("speechgen: terminated"))
            ctx.exit(128 + exc.signum)
        except KeyboardInterrupt:
            say(_("speechgen: interrupted"))
            ctx.exit(130)
        except Exception as exc:  # a bug: one line, the traceback only on request
            if ctx.meta.get("debug"):
                import traceback

                traceback.print_exc()
            say(
                _("speechgen: internal error: {name__}: {exc} (rerun with --debug)").format(
                    name__=type(exc).__name__, exc=exc
                )
            )
            ctx.exit(1)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)


@click.group(
    cls=SpeechgenCLI,
    context_settings={"help_option_names": ["-h", "--help"]},
    help=_("Draft leaders' speeches (讲话稿) for meetings about cadres on temporary assignment."),
)
@click.version_option(__version__, prog_name="speechgen")
@click.option("--debug", is_flag=True, help=_("Show a traceback for internal errors."))
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    ctx.meta["debug"] = debug


def _register() -> None:
    from speechgen.cli import banks, bundle, draft, fonts, serve
    from speechgen.cli.clickwords import speak_to_click

    speak_to_click()

    for command in (draft.render, draft.validate, draft.new, draft.check, draft.batch, banks.banks, fonts.fonts):
        main.add_command(command)
    for command in (bundle.bundle, bundle.shortcut):
        main.add_command(command)
    main.add_command(serve.serve)


_register()
