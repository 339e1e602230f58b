"""Printing for the user: one message at a time, made safe for a terminal."""

from __future__ import annotations

import unicodedata

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


def say(message: str, err: bool = True) -> None:
    """Print one message for the user (standard error unless told), made safe for the terminal."""
    click.echo(printable(message), err=err)
