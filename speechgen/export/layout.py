"""The page and type settings of the Word output, and the --layout YAML that overrides them.

Defaults follow GB/T 9704-2012 with the customs of speech drafts (see
docs/docx-layout.md). Every font and size can be overridden.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from speechgen.i18n import _

from ..errors import InputError, Problem
from ..event.yamlsafe import parse_single, read_text

PAGE_NUMBER_POSITIONS = ("outside", "centre", "none")
CHINESE_SIZES = {
    "初号": 42,
    "小初": 36,
    "一号": 26,
    "小一": 24,
    "二号": 22,
    "小二": 18,
    "三号": 16,
    "小三": 15,
    "四号": 14,
    "小四": 12,
    "五号": 10.5,
    "小五": 9,
}
FALLBACKS = {"仿宋_GB2312": "仿宋", "楷体_GB2312": "楷体", "方正小标宋简体": "宋体", "黑体": "SimHei", "宋体": "SimSun"}


@dataclass(frozen=True)
class Fonts:
    title: str = "方正小标宋简体"
    speaker: str = "楷体_GB2312"
    body: str = "仿宋_GB2312"
    heading1: str = "黑体"
    heading2: str = "楷体_GB2312"
    heading3: str = "仿宋_GB2312"
    page_number: str = "宋体"
    latin: str = "Times New Roman"


@dataclass(frozen=True)
class Sizes:
    title: float = 22
    speaker: float = 16
    body: float = 16
    heading1: float = 16
    heading2: float = 16
    heading3: float = 16
    page_number: float = 14


@dataclass(frozen=True)
class Margins:
    top: float = 37
    bottom: float = 35
    left: float = 28
    right: float = 26


@dataclass(frozen=True)
class Layout:
    fonts: Fonts = field(default_factory=Fonts)
    sizes: Sizes = field(default_factory=Sizes)
    margins: Margins = field(default_factory=Margins)
    line_spacing: float = 28.95  # points, exact: 22 lines in the 225 mm type area
    chars_per_line: int = 28
    page_numbers: str = "outside"  # outside: odd pages right, even pages left; centre; none
    first_line_indent: float = 2  # characters
    title_line_spacing: float = 30  # points, exact, off the line grid: the two lines of a title sit close
    title_breaks: tuple[str, ...] = ()  # --title-break: break the title after each of these texts

    @property
    def type_width(self) -> float:
        """The width of the type area in points (156 mm by default)."""
        return (210 - self.margins.left - self.margins.right) / 25.4 * 72

    @property
    def title_chars(self) -> float:
        """How many full-width characters of the title fit on one line, with a point to spare (20 by default)."""
        return (self.type_width - 1) / self.sizes.title


def load_layout(path: str | Path) -> Layout:
    """Read a --layout YAML file; every bad setting is named with its file:line."""
    name = str(path)
    root = parse_single(read_text(Path(path), name), name)
    problems: list[Problem] = []
    layout = Layout()
    groups = {"fonts": Fonts, "sizes": Sizes, "margins": Margins}
    for key, entry in root.value.items():
        node = entry.node
        if key in groups:
            if node.kind != "map":
                problems.append(Problem(name, _("expected a mapping"), node.line, node.col, key))
                continue
            cls = groups[key]
            known = {f.name for f in fields(cls)}
            values: dict[str, Any] = {}
            for sub, e in node.value.items():
                where = f"{key}.{sub}"
                if sub not in known:
                    problems.append(
                        Problem(
                            name,
                            _("unknown setting; expected one of: {join}").format(join=", ".join(sorted(known))),
                            e.key_line,
                            e.key_col,
                            where,
                        )
                    )
                    continue
                value, err = _value(key, e.node.value)
                if err:
                    problems.append(Problem(name, err, e.node.line, e.node.col, where))
                else:
                    values[sub] = value
            layout = replace(layout, **{key: replace(getattr(layout, key), **values)})
        elif key == "page_numbers":
            if node.value not in PAGE_NUMBER_POSITIONS:
                problems.append(
                    Problem(
                        name,
                        _("expected one of: {join}, found {value!r}").format(
                            join=", ".join(PAGE_NUMBER_POSITIONS), value=node.value
                        ),
                        node.line,
                        node.col,
                        key,
                    )
                )
            else:
                layout = replace(layout, page_numbers=node.value)
        elif key in ("line_spacing", "first_line_indent", "chars_per_line", "title_line_spacing"):
            v = node.value
            lo, hi = {
                "line_spacing": (12, 60),
                "first_line_indent": (0, 4),
                "chars_per_line": (20, 40),
                "title_line_spacing": (12, 80),
            }[key]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi:
                problems.append(
                    Problem(
                        name,
                        _("expected a number from {lo} to {hi}, found {v!r}").format(lo=lo, hi=hi, v=v),
                        node.line,
                        node.col,
                        key,
                    )
                )
            else:
                layout = replace(layout, **{key: v})
        else:
            problems.append(
                Problem(
                    name,
                    _(
                        "unknown setting; expected fonts, sizes, margins, line_spacing, title_line_spacing, "
                        "first_line_indent, chars_per_line or page_numbers"
                    ),
                    entry.key_line,
                    entry.key_col,
                    key,
                )
            )
    if problems:
        raise InputError(problems)
    return layout


_NOT_IN_A_NAME = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ue000-\uf8ff\ufffe\uffff\U000f0000-\U0010ffff]")


def _value(group: str, v: Any) -> tuple[Any, str | None]:
    if group == "fonts":
        if not isinstance(v, str) or not v.strip() or len(v) > 60:
            return None, f"expected a font name, found {v!r}"
        bad = _NOT_IN_A_NAME.search(v)
        if bad:  # a control character or U+FFFE cannot stand in the document's XML
            return None, f"a font name cannot hold the character U+{ord(bad.group()):04X}"
        return v.strip(), None
    if group == "sizes" and isinstance(v, str) and v.strip() in CHINESE_SIZES:
        return CHINESE_SIZES[v.strip()], None
    lo, hi = (6, 72) if group == "sizes" else (5, 60)
    unit = "points (or a Chinese size such as 三号)" if group == "sizes" else "millimetres"
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi:
        return None, f"expected {unit} from {lo} to {hi}, found {v!r}"
    return float(v), None
