"""One exception base for everything speechgen reports to a user.

Each error knows how to print itself; the CLI catches ``SpeechgenError`` in one
place, prints ``str(error)`` and exits with ``error.exit_code``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input file, at a known place where possible."""

    file: str
    message: str
    line: int | None = None
    col: int | None = None
    key: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.col is not None:
                where += f":{self.col}"
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class SpeechgenError(Exception):
    """Base of every error speechgen raises on purpose."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(SpeechgenError):
    """A user's file (event, bank, layout) has one or more problems."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class BankError(InputError):
    """A phrase bank or template is broken or unsafe."""


class OutputError(SpeechgenError):
    """An output file cannot be written (exists, bad name, unwritable)."""


class ConfigError(SpeechgenError):
    """An option has a value outside its range or choices."""


class ToolMissingError(SpeechgenError):
    """An external program (LibreOffice) is needed and not installed."""
