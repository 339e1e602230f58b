"""Writing bank YAML that a person will edit: one variant a line, plain where YAML allows it, quoted where
it must be, and a record of which line came from where (a spreadsheet row, for messages).

Used by `banks new-style` (commented examples) and `banks import` (a folder from a workbook).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml

from speechgen.compose.variant import TAG_KEYS, Tags

_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")
_FLOW = set(",[]{}")


def scalar(text: str, flow: bool = False) -> str:
    """A string as YAML: plain when that reads back as the same string, else double-quoted."""
    if (
        text
        and text == text.strip()
        and text[0] not in _INDICATORS
        and ": " not in text
        and " #" not in text
        and not text.endswith(":")
        and not any(ch in text for ch in "\n\r\t")
        and not (flow and any(ch in _FLOW for ch in text))
    ):
        try:
            if yaml.safe_load(text) == text:
                return text
        except yaml.YAMLError:
            pass
    return json.dumps(text, ensure_ascii=False)  # JSON strings are YAML double-quoted scalars


def words(values: Iterable[str]) -> str:
    return "[" + ", ".join(scalar(v, flow=True) for v in values) + "]"


def tag_pairs(tags: Tags) -> list[tuple[str, str]]:
    out = []
    for key in TAG_KEYS:
        value = getattr(tags, key)
        if value:
            out.append((key, scalar(value, flow=True) if isinstance(value, str) else words(value)))
    return out


def variant_item(text: str, tags: Tags | None = None, weight: int = 1) -> str:
    """One variant as a list item, on one line: `- text` or `- {text: …, kinds: [..], weight: 2}`."""
    pairs = tag_pairs(tags or Tags()) + ([("weight", str(weight))] if weight != 1 else [])
    if not pairs:
        return f"- {scalar(text)}"
    inner = ", ".join([f"text: {scalar(text, flow=True)}", *(f"{k}: {v}" for k, v in pairs)])
    return f"- {{{inner}}}"


def own_tags(tags: Tags, within: Tags) -> Tags:
    """A variant's tags without those it takes from its unit (what it says of itself)."""
    return Tags(**{k: (v if v != getattr(within, k) else type(v)()) for k, v in vars(tags).items()})


@dataclass
class Text:
    """Lines of a YAML file being written, each remembering where it came from (for messages)."""

    lines: list[str] = field(default_factory=list)
    origins: dict[int, Any] = field(default_factory=dict)  # 1-based line → origin

    def add(self, line: str, origin: Any = None) -> None:
        self.lines.append(line)
        if origin is not None:
            self.origins[len(self.lines)] = origin

    def extend(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.add(line)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"
