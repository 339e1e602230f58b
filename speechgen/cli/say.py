"""Printing for the user: one message at a time, made safe for a terminal and for its encoding.

A Windows console redirected to a file, or a terminal set to GBK (cp936), cannot encode every character a
message may quote (a rare Han character of a name, 䶮, is outside GBK): such characters are written as
\\u4dae escapes instead of failing the command.
"""

from __future__ import annotations

import sys
import unicodedata
from typing import TextIO

import click


def printable(message: str) -> str:
    """A message safe for a terminal: escape sequences, bidi overrides and lone surrogates shown as \\x1b, \\u202e.

    Messages quote the user's own text ("found …", unknown keys), which a hostile file can fill with controls.
    """
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
