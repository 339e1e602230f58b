"""Chinese numerals: read 一百三十六 as 136, write 3 as 三.

Event files may give counts in Chinese (人数: 一百二十); drafts write ordinals and
heading numbers in Chinese (第二批, 三点意见).
"""

from __future__ import annotations

import re

_DIGITS = {
    "零": 0,
    "〇": 0,
    "○": 0,
    "一": 1,
    "壹": 1,
    "二": 2,
    "贰": 2,
    "两": 2,
    "三": 3,
    "叁": 3,
    "四": 4,
    "肆": 4,
    "五": 5,
    "伍": 5,
    "六": 6,
    "陆": 6,
    "七": 7,
    "柒": 7,
    "八": 8,
    "捌": 8,
    "九": 9,
    "玖": 9,
}
_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
_LIANG = re.compile(r"(?<![第十百千万零一二三四五六七八九两])二(?=[点个条项年名位批次天种类件])")


_ARABIC_UNIT = re.compile(r"(\d{1,8}(?:\.\d{1,4})?)([十百千万亿萬億])")


def parse_int(text: str) -> int | None:
    """A whole number written in Arabic, full-width or Chinese numerals; None if it is not one.

    Read as a secretary means it: 一百二 is 120 and 三万五 is 35,000 (the elided unit of everyday speech),
    0120 is 120 (never octal), 1.2万 is 12,000. An estimate (二三十, 十几, 一百多) is not a number.

    >>> parse_int("一百三十六"), parse_int("十二"), parse_int("一二〇"), parse_int("１２０")
    (136, 12, 120, 120)
    >>> parse_int("一百二"), parse_int("一千二"), parse_int("三万五"), parse_int("一千零二"), parse_int("0120")
    (120, 1200, 35000, 1002, 120)
    """
    s = text.strip().translate(_FULLWIDTH).replace(",", "").replace("，", "")
    for suffix in ("名", "人", "个", "批"):
        if s.endswith(suffix) and len(s) > 1:
            s = s[: -len(suffix)]
    if s.startswith("第"):
        s = s[1:]
    if not s:
        return None
    if s.isascii() and s.isdigit():
        return int(s)
    m = _ARABIC_UNIT.fullmatch(s)
    if m:  # 3万, 1.2万, 12千
        scaled = round(float(m.group(1)) * {**_UNITS, **_BIG}[m.group(2)], 6)
        return int(scaled) if scaled.is_integer() else None
    if all(c in _DIGITS for c in s):  # digit by digit: 一二〇, 二〇二六 (二三 is an estimate, 2 or 3)
        return int("".join(str(_DIGITS[c]) for c in s)) if len(s) > 2 or len(s) == 1 else None
    if not all(c in _DIGITS or c in _UNITS or c in _BIG for c in s):
        return None
    return _parse_positional(s)


def _parse_positional(s: str) -> int | None:
    total, section, digit = 0, 0, None
    last_unit = 10**12
    unit_before: int | None = None  # the unit just before the current digit (三万五: 万), for the elided unit
    previous_unit: int | None = None
    for c in s:
        if c in _DIGITS:
            if digit is not None and _DIGITS[c] != 0 and digit != 0:
                return None  # two digits in a row (一二百, 一百二三) is not a number
            digit = _DIGITS[c]
            unit_before, previous_unit = (previous_unit if digit else None), None
        elif c in _UNITS:
            unit = _UNITS[c]
            if unit >= last_unit:
                return None
            section += (1 if digit is None else digit) * unit
            digit, last_unit, previous_unit, unit_before = None, unit, unit, None
        else:
            big = _BIG[c]
            section += digit or 0
            if section == 0 or (total and big >= _biggest(total)):
                return None
            total += section * big
            section, digit, last_unit, previous_unit, unit_before = 0, None, 10**12, big, None
    if digit and unit_before and unit_before >= 100:
        return total + section + digit * unit_before // 10  # 一百二 = 120, 一千二 = 1200, 三万五 = 35000
    return total + section + (digit or 0)


def _biggest(total: int) -> int:
    """The big unit a total was last multiplied by (亿 after 万 is refused: 三万二亿)."""
    return 100_000_000 if total % 100_000_000 == 0 else 10_000


def to_chinese(n: int) -> str:
    """An integer from 0 to 99,999 in Chinese numerals (三, 十二, 一百零五).

    >>> to_chinese(3), to_chinese(12), to_chinese(105), to_chinese(2026)
    ('三', '十二', '一百零五', '二千零二十六')
    """
    if n < 0 or n >= 100_000:
        return str(n)
    if n == 0:
        return "零"
    digits = "零一二三四五六七八九"
    units = ["", "十", "百", "千", "万"]
    out: list[str] = []
    s = str(n)
    zero = False
    for i, ch in enumerate(s):
        d = int(ch)
        pos = len(s) - 1 - i
        if d == 0:
            zero = True
            continue
        if zero and out:
            out.append("零")
        zero = False
        out.append(digits[d] + units[pos])
    text = "".join(out)
    return text[1:] if text.startswith("一十") else text


def liang(text: str) -> str:
    """两 before a measure word where a number is written in words: 讲二点 → 讲两点, 二个方面 → 两个方面;
    an ordinal (第二批), a compound (十二个) and an enumeration (二是, 二、) stay as they are."""
    return _LIANG.sub("两", text)
