"""One exception base for everything speechgen reports to a user.

Each error knows how to print itself; the CLI catches ``SpeechgenError`` in one
place, prints ``str(error)`` and exits with ``error.exit_code``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input, at a known place where possible.

    Kept as data all the way to the edge (the CLI's message, the batch report, a web form beside its
    field, a spreadsheet cell) and formatted only there. ``context`` says which part of a file holding
    several events it concerns: "document 3", "events[2]", or a spreadsheet's cell "工作表1!E7" (with the
    sheet's "!", and no line), which is printed like a line number: ``plan.xlsx:工作表1!E7: …``.
    """

    file: str
    message: str
    line: int | None = None
    col: int | None = None
    key: str | None = None
    context: str | None = None

    @property
    def where(self) -> str:
        """file:line:col, as far as known."""
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.col is not None:
                where += f":{self.col}"
        return where

    @property
    def in_sheet(self) -> bool:
        """Whether context is a place in a spreadsheet (工作表1!E7, a sheet's row 工作表1!7), not of a text file."""
        return self.line is None and self.context is not None and "!" in self.context

    def __str__(self) -> str:
        if self.in_sheet:  # plan.xlsx:工作表1!E7: the cell stands where a text file's line would
            parts = [f"{self.file}:{self.context}", self.key, self.message]
        else:
            parts = [self.where, self.context, self.key, self.message]
        return ": ".join(p for p in parts if p)

    def within(self, context: str | None) -> Problem:
        """The same problem, said of one part of a file (document 3, events[2] …)."""
        if not context:
            return self
        inner = f"{context}: {self.context}" if self.context else context
        return Problem(self.file, self.message, self.line, self.col, self.key, inner)

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "key": self.key,
            "context": self.context,
            "message": self.message,
        }


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


class StrictError(SpeechgenError):
    """--strict: the draft has checker errors, so nothing was written; the findings come as data."""

    def __init__(self, message: str, findings: tuple[object, ...]) -> None:
        super().__init__(message)
        self.findings = findings


class ToolMissingError(SpeechgenError):
    """An external program (LibreOffice) is needed and not installed."""
