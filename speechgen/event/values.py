"""Reading one value of an event file: text, lists, numbers, dates, choices.

Each converter takes a YAML node and returns the normalised value, or raises ``Bad`` with the message
the user sees beside the key.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from typing import Any

from speechgen.event import schema as S
from speechgen.event.numerals import parse_int
from speechgen.event.yamlsafe import MAX_NUMBER_TEXT, Node
from speechgen.i18n import N_, _


class Bad(Exception):
    """A value that cannot be read; the message says what was expected and what was found."""


def found(node: Node) -> str:
    if node.kind == "map":
        return _("a mapping")
    if node.kind == "seq":
        return _("a list")
    v = node.value
    if isinstance(v, bool):
        return f"{'true' if v else 'false'}"
    if isinstance(v, int) and abs(v) >= 10**MAX_NUMBER_TEXT:
        return _("a number with more than {count} digits").format(count=MAX_NUMBER_TEXT)
    if isinstance(v, (int, float)):
        return str(v)
    text = str(v)
    return f'"{text[:40]}…"' if len(text) > 40 else f'"{text}"'


def clean_text(text: str) -> str:
    """Event text as a single line of data: controls and private-use marks removed."""
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in "\t\r\n\u2028\u2029":
            out.append(" ")
        elif (cat in ("Cc", "Co", "Cs", "Cf") and ch != "\u200d") or ch in "\ufffe\uffff":  # U+FFFE/F: not XML
            continue
        else:
            out.append(ch)
    return re.sub(r"\s+", " ", "".join(out)).strip()


def _text(node: Node) -> str:
    v = node.value
    if node.kind != "scalar" or isinstance(v, bool) or v is None:
        raise Bad(_("expected text, found {found}").format(found=found(node)))
    if isinstance(v, (dt.date, dt.datetime)):
        v = _cn_date(v if isinstance(v, dt.date) else v.date())
    elif isinstance(v, (int, float)) and node.raw is not None:
        v = node.raw  # text keeps what was written: 期限 1.50 is not 1.5
    text = clean_text(str(v))
    if not text:
        raise Bad(_("expected text, found an empty value"))
    if len(text) > S.MAX_TEXT:
        raise Bad(
            _("text is {n_text} characters; at most {MAX_TEXT} are accepted").format(
                n_text=len(text), MAX_TEXT=S.MAX_TEXT
            )
        )
    return text


def _texts(node: Node) -> tuple[str, ...]:
    if node.kind == "scalar":
        return (_text(node),)
    if node.kind != "seq":
        raise Bad(_("expected a list of short phrases, found {found}").format(found=found(node)))
    if len(node.value) > S.MAX_ITEMS:
        raise Bad(
            _("list has {n_value} items; at most {MAX_ITEMS} are accepted").format(
                n_value=len(node.value), MAX_ITEMS=S.MAX_ITEMS
            )
        )
    items = []
    for i, item in enumerate(node.value, 1):
        if item.kind == "bad":
            continue  # refused when read, and reported then
        try:
            items.append(_text(item))
        except Bad as bad:
            raise Bad(_("item {i}: {bad}").format(i=i, bad=bad)) from None
    if not items:
        return ()
    return tuple(items)


def _int(node: Node, lo: int = 0, hi: int = 1_000_000, what: str = N_("a whole number")) -> int:
    v = node.value
    if node.kind != "scalar" or isinstance(v, bool):
        raise Bad(_("expected {what}, found {found}").format(what=_(what), found=found(node)))
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, int):
        n: int | None = v
    else:  # a long digit string would overflow Python's int/str conversion limit: no count needs 40 digits
        n = parse_int(str(v)) if len(str(v)) <= MAX_NUMBER_TEXT else None
    if n is None:
        raise Bad(_("expected {what}, found {found}").format(what=_(what), found=found(node)) + _number_hint(v))
    if not lo <= n <= hi:
        raise Bad(
            _("expected {what} from {lo} to {hi}, found {found}").format(what=_(what), lo=lo, hi=hi, found=found(node))
        )  # as written: 一千万, 1e+308
    return n


def _number_hint(v: Any) -> str:
    """Why a number-like text was not read as one: YAML 1.1 would have read 1:20 as 80."""
    text = str(v).strip()
    if re.fullmatch(r"[-+]?\d+(?::\d+)+(?:\.\d*)?", text):
        return _(" — a time or a ratio? write the number itself")
    return ""


_CN_DATE = re.compile(r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?\s*$")
_ISO_DATE = re.compile(r"^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\s*$")


def _date(node: Node) -> dt.date:
    v = node.value
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if node.kind == "scalar" and isinstance(v, str):
        m = _CN_DATE.match(v.translate(str.maketrans("０１２３４５６７８９", "0123456789"))) or _ISO_DATE.match(v)
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                raise Bad(_('no such date: "{v}"').format(v=v)) from None
    raise Bad(_("expected a date as YYYY-MM-DD or 2026年3月16日, found {found}").format(found=found(node)))


def _cn_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _choice(node: Node, table: dict[str, str], allowed: tuple[str, ...], what: str) -> str:
    v = node.value
    if node.kind == "scalar" and isinstance(v, str):
        key = v.strip()
        if key in allowed:
            return key
        if key in table:
            return table[key]
    shown = " | ".join(allowed)
    raise Bad(_("expected {what}: {shown}, found {found}").format(what=what, shown=shown, found=found(node)))


def _type(node: Node) -> str:
    """A meeting type by its key or a Chinese name; a miss lists the Chinese names with a did-you-mean."""
    v = node.value
    key = v.strip() if node.kind == "scalar" and isinstance(v, str) else None
    if key in S.MEETING_TYPES:
        return key
    if key in S.TYPE_ALIASES:
        return S.TYPE_ALIASES[key]
    choices = " | ".join(f"{S.TYPE_LABELS[t]} ({t})" for t in S.MEETING_TYPES)
    names = [*S.TYPE_ALIASES, *S.MEETING_TYPES]
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.5) if key else []
    hint = _(' — did you mean "{name}"?').format(name=close[0]) if close else ""
    return _bad_type(choices, found(node), hint)


def _bad_type(choices: str, given: str, hint: str) -> str:
    raise Bad(
        _("expected a meeting type: {choices}, found {found}{hint}").format(choices=choices, found=given, hint=hint)
    )


def _level(node: Node) -> str:
    v = node.value
    if node.kind == "scalar" and isinstance(v, str):
        s = v.strip().removesuffix("级")
        if s in S.LEVELS:
            return s
    raise Bad(_("expected one of: {join}, found {found}").format(join=" | ".join(S.LEVELS), found=found(node)))


def _style(node: Node) -> str:
    v = node.value
    if node.kind != "scalar" or not isinstance(v, str) or not re.fullmatch(r"[\w\-]{1,40}", v.strip()):
        raise Bad(_("expected a style name such as formal, warm or concise, found {found}").format(found=found(node)))
    return S.STYLE_ALIASES.get(v.strip(), v.strip())


def _labelled(node: Node, labels: dict[str, str]) -> str:
    """One of a few choices, given by its Chinese label or its English key; the message lists the labels."""
    v = node.value
    if node.kind == "scalar" and isinstance(v, str):
        key = v.strip()
        if key in labels:
            return key
        for k, label in labels.items():
            if key == label:
                return k
    raise Bad(_("expected one of: {join}, found {found}").format(join=" | ".join(labels.values()), found=found(node)))


def _role(node: Node) -> str:
    return _labelled(node, S.ROLE_LABELS)


def _direction(node: Node) -> str:
    return _labelled(node, S.DIRECTION_LABELS)


MAX_CHOICES = 400
MAX_CHOICE_TEXT = 2000


def _choices(node: Node) -> dict[str, str]:
    """Fixed choices: place (``opening.announce#0``) → the bank text of the variant kept there."""
    if node.kind != "map":
        raise Bad(_("expected a mapping of places to sentences, found {found}").format(found=found(node)))
    if len(node.value) > MAX_CHOICES:
        raise Bad(
            _("{n_value} fixed choices; at most {MAX_CHOICES} are accepted").format(
                n_value=len(node.value), MAX_CHOICES=MAX_CHOICES
            )
        )
    out: dict[str, str] = {}
    for key, entry in node.value.items():
        if not re.fullmatch(r"[\w.\-]{1,120}#\d{1,4}", key):
            raise Bad(_('"{key}" is not a place such as opening.announce#0').format(key=key))
        v = entry.node.value
        if entry.node.kind != "scalar" or not isinstance(v, str) or not v.strip():
            raise Bad(
                _("{key}: expected the text of a variant, found {found}").format(key=key, found=found(entry.node))
            )
        if len(v) > MAX_CHOICE_TEXT:
            raise Bad(
                _("{key}: text is {n_v} characters; at most {MAX_CHOICE_TEXT} are accepted").format(
                    key=key, n_v=len(v), MAX_CHOICE_TEXT=MAX_CHOICE_TEXT
                )
            )
        out[key] = " ".join(v.split())
    return out


def _filename(node: Node) -> str:
    text = _text(node)
    if "/" in text or "\\" in text or text in (".", "..") or text.startswith("."):
        raise Bad(_('expected a file name, not a path, found "{text}"').format(text=text))
    return text


CONVERTERS: dict[str, Any] = {
    "text": _text,
    "texts": _texts,
    "int": _int,
    "date": _date,
    "level": _level,
    "type": _type,
    "style": _style,
    "filename": _filename,
    "role": _role,
    "direction": _direction,
    "choices": _choices,
    "points": lambda n: _int(n, *S.POINTS_RANGE, what=N_("a number of main points")),
    "length": lambda n: _int(n, *S.LENGTH_RANGE, what=N_("a number of characters")),
    "minutes": lambda n: _int(n, *S.MINUTES_RANGE, what=N_("a number of minutes")),
    "seed": lambda n: _int(n, 0, 2**32 - 1, what=N_("a whole-number seed")),
}
