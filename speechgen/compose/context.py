"""What a template or a variant may see: the event's facts and a few settled words.

Facts are exposed as attribute namespaces (``program.cadres``); a missing fact
is ``None``, and a variant that needs it is never chosen. The jurisdiction
words (我县/全县/县委) and the programme vocabulary are settled here, once per
event, so one draft never mixes them.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from speechgen.event.model import Event
from speechgen.event.schema import SCHEMA, TYPE_LABELS, Group

JURISDICTION = {
    "省": ("我省", "全省", "省委", "省政府"),
    "市": ("我市", "全市", "市委", "市政府"),
    "县": ("我县", "全县", "县委", "县政府"),
    "区": ("我区", "全区", "区委", "区政府"),
    "乡": ("我乡", "全乡", "乡党委", "乡政府"),
    "镇": ("我镇", "全镇", "镇党委", "镇政府"),
}


def is_village(event: Event) -> bool:
    kind = event.get("program.kind") or ""
    return event.type == "village_stay" or "驻村" in kind


def vocabulary(event: Event) -> dict[str, Any]:
    village = is_village(event)
    our, whole, party, gov = JURISDICTION[event.level]
    return {
        "work": event.get("program.kind") or ("驻村蹲点" if village else "挂职锻炼"),
        "cadre": "驻村干部" if village else "挂职干部",
        "host": "驻点村" if village else "接收单位",
        "stint": "驻村" if village else "挂职",
        "jur": SimpleNamespace(level=event.level, our=our, whole=whole, party=party, gov=gov),
        "date_cn": f"{event.date.year}年{event.date.month}月{event.date.day}日",
        "type_label": TYPE_LABELS[event.type],
        "T": event.type,
    }


def facts_namespace(event: Event) -> dict[str, Any]:
    """meeting/speaker/program/review as namespaces with every schema field (None when absent)."""
    out: dict[str, Any] = {}
    for key, child in SCHEMA.fields.items():
        if isinstance(child, Group):
            out[key] = SimpleNamespace(**{f: _value(event.get(f"{key}.{f}")) for f in child.fields})
        elif key == "context":
            out[key] = _value(event.get("context"))
    return out


def _value(v: Any) -> Any:
    return list(v) if isinstance(v, tuple) else v


def present(event: Event, path: str) -> bool:
    """Is the fact at `path` given (non-empty)?"""
    v = event.get(path)
    return v is not None and v != "" and v != ()


def variables(event: Event) -> dict[str, Any]:
    return facts_namespace(event) | vocabulary(event)


def vocabulary_words(event: Event) -> set[str]:
    """The settled words a draft repeats by design, unless they are the user's own facts."""
    v = vocabulary(event)
    words = {v["cadre"], v["host"], v["stint"], v["type_label"], *vars(v["jur"]).values()}
    if not event.get("program.kind"):
        words.add(v["work"])
    return words
