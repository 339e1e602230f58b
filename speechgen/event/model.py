"""The Event: a validated meeting description, with no I/O and no text generation.

Facts are kept under canonical dotted keys (``program.cadres``), normalised (Chinese numerals read,
dates parsed, the jurisdiction level settled once), and read-only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from speechgen.errors import InputError, Problem
from speechgen.event import schema as S


class FrozenMap(Mapping[str, Any]):
    """A read-only mapping that, unlike MappingProxyType, travels to worker processes (pickles)."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any] = ()) -> None:  # type: ignore[assignment]
        object.__setattr__(self, "_data", dict(data))

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMap, (self._data,))


@dataclass(frozen=True)
class Event:
    """A validated meeting description. ``facts`` holds canonical dotted keys."""

    type: str
    facts: Mapping[str, Any]
    source: str = "<event>"
    warnings: tuple[str, ...] = ()
    marks: Mapping[str, tuple[int, int, str]] = field(default_factory=dict)  # path → (line, col, key as written)

    def __post_init__(self) -> None:
        if not isinstance(self.facts, FrozenMap):
            object.__setattr__(self, "facts", FrozenMap(self.facts))
        if not isinstance(self.marks, FrozenMap):
            object.__setattr__(self, "marks", FrozenMap(self.marks))

    def get(self, path: str, default: Any = None) -> Any:
        return self.facts.get(path, default)

    @property
    def level(self) -> str:
        return self.facts["meeting.level"]

    @property
    def date(self) -> dt.date:
        return self.facts["meeting.date"]

    def identity(self) -> str:
        """What makes two meetings different, for deriving a default seed."""
        return "|".join([self.type, self.facts["meeting.name"], self.date.isoformat(), self.facts["speaker.title"]])


def located(event: Event, path: str, message: str) -> InputError:
    """An error about a field of the event, at the place the user wrote it."""
    line, col, shown = event.marks.get(path, (None, None, path))
    alias = S.alias_of(tuple(path.split(".")))
    other = path.split(".")[-1] if not shown.split(".")[-1].isascii() else alias
    return InputError([Problem(event.source, message, line, col, f"{shown} ({other})")])
