"""Printing for the user: one message at a time, made safe for a terminal and for its encoding.

A Windows console redirected to a file, or a terminal set to GBK (cp936), cannot encode every character a
message may quote (a rare Han character of a name, 䶮, is outside GBK): such characters are written as
\\u4dae escapes instead of failing the command.
"""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path
from typing import Any, TextIO

import click


def printable(message: str) -> str:
    """A message safe for a terminal: escape sequences, bidi overrides and lone surrogates shown as \\x1b, \\u202e.

    Messages quote the user's own text ("found …", unknown keys), which a hostile file can fill with controls.
    """
    if message.isprintable():  # no control, format, surrogate or separator character (most messages): as is
        return message
    out = []
    for ch in message:
        if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Zl", "Zp"):
            out.append(ch)
        else:
            out.append(ascii(ch)[1:-1])
    return "".join(out)


def encodable(text: str, stream: TextIO | None) -> str:
    """text, with what stream's encoding cannot encode written as backslash escapes (\\u4dae)."""
    encoding = getattr(stream, "encoding", None)
    if not encoding:
        return text
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode(encoding, "backslashreplace").decode(encoding)
    except LookupError:
        pass
    return text


def say(message: str, err: bool = True) -> None:
    """Print one message for the user (standard error unless told), made safe for the terminal."""
    echo(printable(message), err=err)


def echo(text: str, err: bool = False, nl: bool = True) -> None:
    """Print text (a report, a file's content) as it is, except what the stream cannot encode."""
    click.echo(encodable(text, sys.stderr if err else sys.stdout), err=err, nl=nl)


def archive_line(archive: Path, drafts: int | None) -> str:
    """The line that says what `batch --zip` wrote."""
    from speechgen.i18n import _

    if drafts is None:
        return _("{path}: not written, as the batch stopped before its end").format(path=archive)
    return _("{path}: {n} draft(s) and the report").format(path=archive, n=drafts)


def env_paths(name: str) -> tuple[Path, ...]:
    """The folders named in an environment variable (a path list, like PATH)."""
    import os

    return tuple(Path(p) for p in os.environ.get(name, "").split(os.pathsep) if p.strip())


def default_jobs() -> int:
    import os

    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def summary(outcomes: list[Any], found: dict[str, int], quiet: bool) -> None:
    """What batch says at its end: each event's warnings and their count (--quiet leaves them to the report),
    the counts, then every failure and every skip."""
    from speechgen.i18n import _

    warned = [o for o in outcomes if o.warnings]
    if not quiet and warned:
        for o in warned:
            for w in o.warnings:
                say(_("warning: {label}: {w}").format(label=o.label, w=w))
        for o in warned:
            say(_("{label}: {count} warning(s)").format(label=o.label, count=len(o.warnings)))
        total = sum(len(o.warnings) for o in warned)
        say(_("warnings: {count} in {events} event(s)").format(count=total, events=len(warned)))
    say(
        _("drafted {found}, skipped {found2}, failed {found3}").format(
            found=found["drafted"], found2=found["skipped"], found3=found["failed"]
        )
    )
    for status in ("failed", "skipped"):
        for o in outcomes:
            if o.status == status:
                for p in o.errors:
                    say(_("skipped: {problem}").format(problem=p) if status == "skipped" else str(p))
