"""Breaking a long title into balanced lines at word boundaries (GB/T 9704-2012 7.3.3: 词意完整, 梯形或菱形).

Segmentation is a small rule set rather than a general segmenter: meeting titles are formulaic
(在 + 全县 … 挂职锻炼 … 动员会 + 上的讲话), so a domain word list (title_words.txt) decides where a
line may end, and every run of characters the list does not cover (a place or unit name) is kept
whole. Function characters bind to their neighbour: no line ends in 在/赴/到/和/暨 and none begins
with 的/上. The result is deterministic and the same on every install, and costs no start-up time,
which a statistical segmenter (jieba: a 5 MB dictionary, about a second to load, results that move
between versions, and 「动员会」 cut into 动员/会) would not give.

Among the breaks allowed, lines of balanced length win; of two equally balanced shapes the upper
line shorter (正梯形) or, with three lines, the middle longest (菱形); never 沙漏形, never a line of
fewer than MIN_CHARS characters. Only when a title has no allowed break do the rules relax, in two
steps (inside a name after 省/市/县/乡/村…, then anywhere but inside a number or brackets).
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Sequence
from importlib import resources

from speechgen.i18n import _

from ..errors import ConfigError

MARKS = "|｜"  # a forced break in meeting.name (or anywhere in the title)
MIN_CHARS = 4
_MARK_RE = re.compile(f"[{MARKS}]")
BIND_RIGHT = set("在于对向赴到从为把将由和与及同跟第各暨")  # no line ends with these
BIND_LEFT = set("的上中之等们")  # no line begins with these
OPENING = set("（(《〈「『“‘【〔[")
CLOSING = set("）)》〉」』”’】〕]、，。：；！？,.:;!?")
MEASURE = set("年月日届批期次名个号")
PLACE = set("省市县区州盟旗乡镇村")


def strip_marks(text: str) -> str:
    """text without break marks: for the name in running text, file names and document properties."""
    return _MARK_RE.sub("", text)


def width(text: str) -> float:
    """In full-width characters: ASCII letters and digits are half as wide as a Han character."""
    return sum(0.5 if " " <= ch <= "~" else 1.0 for ch in text)


def title_lines(title: str, capacity: float, after: Sequence[str] = ()) -> list[str]:
    """The lines of a title: broken at its marks (| ｜) and after each text in `after`; any part wider
    than `capacity` characters is broken further into balanced lines at word boundaries."""
    plain = strip_marks(title).strip()
    forced: set[int] = set()
    at = 0
    for piece in _MARK_RE.split(title.strip())[:-1]:
        at += len(piece)
        forced.add(at)
    for text in after:
        found = plain.find(text) if text else -1
        if found < 0:
            raise ConfigError(_("--title-break {text}: not in the title 「{plain}」").format(text=text, plain=plain))
        forced.add(found + len(text))
    cuts = sorted(p for p in forced if 0 < p < len(plain))
    lines: list[str] = []
    for start, end in zip([0, *cuts], [*cuts, len(plain)], strict=True):
        part = plain[start:end].strip()
        if part:
            lines.extend(balanced(part, capacity))
    return lines or [plain]


def balanced(text: str, capacity: float) -> list[str]:
    """text as one line if it fits, else as the best-shaped lines broken where the rules allow."""
    if width(text) <= capacity:
        return [text]
    tiers = allowed_breaks(text)
    fewest = max(2, -int(-width(text) // capacity))
    for tier in range(3):
        positions = [p for p, t in tiers.items() if t <= tier]
        for count in (fewest, fewest + 1, fewest + 2):
            best = _best(text, positions, count, capacity)
            if best is not None:
                return [text[a:b] for a, b in itertools.pairwise([0, *best, len(text)])]
    return [text]  # nothing fits (a title of one unbroken number): the renderer wraps it


def _best(text: str, positions: list[int], count: int, capacity: float) -> tuple[int, ...] | None:
    """The cuts making `count` lines of the best shape; every combination is tried when they are few (any
    title), else the most even lines are found by dynamic programming (a pathological name of 200
    characters)."""
    if math.comb(len(positions), count - 1) > 5000:
        return _even(text, positions, count, capacity)
    best, best_cost = None, float("inf")
    for cuts in itertools.combinations(positions, count - 1):
        bounds = [0, *cuts, len(text)]
        lines = [text[a:b] for a, b in itertools.pairwise(bounds)]
        if any(len(line) < MIN_CHARS or width(line) > capacity for line in lines):
            continue
        cost = shape_cost([width(line) for line in lines])
        if cost < best_cost:
            best, best_cost = cuts, cost
    return best


def _even(text: str, positions: list[int], count: int, capacity: float) -> tuple[int, ...] | None:
    """The cuts of `count` lines whose widths deviate least from their mean, in time linear in the text."""
    points = [0, *positions, len(text)]
    prefix = [0.0]
    for ch in text:
        prefix.append(prefix[-1] + width(ch))
    target = prefix[-1] / count
    cost: list[dict[int, tuple[float, int]]] = [{0: (0.0, -1)}]  # cost[k][j]: k lines ending at points[j]
    for _round in range(count):
        row: dict[int, tuple[float, int]] = {}
        for j, end in enumerate(points):
            for i in range(j - 1, -1, -1):
                line = prefix[end] - prefix[points[i]]
                if line > capacity:
                    break
                if i in cost[-1] and end - points[i] >= MIN_CHARS:
                    total = cost[-1][i][0] + (line - target) ** 2
                    if j not in row or total < row[j][0]:
                        row[j] = (total, i)
        cost.append(row)
    last = len(points) - 1
    if last not in cost[-1]:
        return None
    cuts, j = [], last
    for k in range(count, 0, -1):
        j = cost[k][j][1]
        cuts.append(points[j])
    return tuple(sorted(cuts[:-1]))


def shape_cost(lengths: list[float]) -> float:
    """Unevenness, plus a little for the shapes offices avoid: the upper line longer, equal lines, 沙漏形."""
    mean = sum(lengths) / len(lengths)
    cost = sum((n - mean) ** 2 for n in lengths)
    if len(lengths) == 2:
        top, bottom = lengths
        cost += 0.5 if top > bottom else 0.25 if top == bottom else 0
    else:
        middle = lengths[1:-1]
        if min(middle) < min(lengths[0], lengths[-1]):
            cost += 4  # 沙漏形
    return cost


@functools.cache
def lexicon() -> tuple[str, ...]:
    text = resources.files(__package__).joinpath("title_words.txt").read_text(encoding="utf-8")
    words = {line.split("#", 1)[0].strip() for line in text.splitlines()}
    return tuple(sorted((w for w in words if len(w) > 1), key=len, reverse=True))


def allowed_breaks(text: str) -> dict[int, int]:
    """Every position a line may break at (before text[i]), with the strictness tier that allows it:
    0 at word boundaries, 1 also inside an unknown name after a place character, 2 anywhere but inside
    a number, before closing or after opening punctuation."""
    inside_word = [False] * (len(text) + 1)  # inside_word[i]: a known word spans the gap before text[i]
    covered = [False] * len(text)
    for word in lexicon():
        start = text.find(word)
        while start >= 0:
            for i in range(start, start + len(word)):
                covered[i] = True
            for i in range(start + 1, start + len(word)):
                inside_word[i] = True
            start = text.find(word, start + 1)
    unknown = [
        not covered[i] and ch not in BIND_RIGHT | BIND_LEFT and ch not in OPENING | CLOSING for i, ch in enumerate(text)
    ]
    depth, bracketed = 0, [False] * (len(text) + 1)
    for i, ch in enumerate(text):
        if ch in OPENING:
            depth += 1
        elif ch in CLOSING and depth:
            depth -= 1
        bracketed[i + 1] = depth > 0
    tiers: dict[int, int] = {}
    for i in range(1, len(text)):
        left, right = text[i - 1], text[i]
        if _never(left, right):
            continue
        function_bound = (left in BIND_RIGHT and not covered[i - 1]) or (right in BIND_LEFT and not covered[i])
        name_inside = unknown[i - 1] and unknown[i]
        if inside_word[i] or bracketed[i] or right in OPENING or function_bound:
            tier = 2
        elif name_inside:
            tier = 1 if left in PLACE else 2
        else:
            tier = 0
        tiers[i] = tier
    return tiers


def _never(left: str, right: str) -> bool:
    ascii_run = left.isascii() and right.isascii() and left.strip() and right.strip()
    return bool(ascii_run) or right in CLOSING or left in OPENING or (left.isdigit() and right in MEASURE)
