"""What a template or a variant may see: the event's facts and the words the setting settles.

Facts are exposed as attribute namespaces (``program.cadres``); a missing fact is ``None``, and a variant
that needs it is never chosen. The jurisdiction words (我县/全县/县委), the programme's words (挂职干部,
考核组 …) and the speaker's department are settled once per event, so one draft never mixes them.
"""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

from speechgen.compose.setting import JURISDICTION, Setting, honorific, load_lexicon
from speechgen.event.model import Event
from speechgen.event.schema import SCHEMA, TYPE_LABELS, Group


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


def handover(item: str) -> str:
    """县委书记作重要讲话 → 县委书记还要作重要讲话: what follows, said by the one who speaks before it."""
    if "还要" in item or "还将" in item:
        return item
    return re.sub(r"^(.+?)(作|讲|进行|部署|提出)", r"\1还要\2", item, count=1)


def speeches_after(event: Event) -> list[str]:
    """The items after this speech that are speeches (a leader's 讲话): the speaker hands over to them."""
    lex = load_lexicon()
    return [x for x in event.get("meeting.after_speech") or () if lex.classify("programme", x) == "speech"]


def own(event: Event, setting: Setting, party: str, gov: str) -> SimpleNamespace:
    """The body the speaker speaks for and directs: his department; the government for a 县长 or a deputy
    governor; the Party committee for its secretaries."""
    if setting.role == "department" and setting.dept:
        return SimpleNamespace(dept=setting.dept, short=setting.dept_short or setting.dept)
    title = event.get("speaker.title") or ""
    governs = setting.role == "deputy" or re.search(r"[县市区省镇乡]长$", title.strip())
    body = gov if governs else party
    return SimpleNamespace(dept=body, short=body)


def variables(event: Event, setting: Setting) -> dict[str, Any]:
    our, whole, party, gov = JURISDICTION[event.level]
    words = setting.words
    before = event.get("meeting.before_speech") or ()
    return facts_namespace(event) | {
        "work": words["work"],
        "people": words["people"],
        "cadre": words["people"],  # the name of the first banks
        "group": words["group"],
        "host": words["host"],
        "sender": words["sender"],
        "stint": words["stint"],
        "job": setting.job or words["work"],
        "jur": SimpleNamespace(level=event.level, our=our, whole=whole, party=party, gov=gov),
        "own": own(event, setting, party, gov),
        "leaders": [honorific(x) for x in event.get("meeting.leaders_present") or ()] or None,
        "date_cn": f"{event.date.year}年{event.date.month}月{event.date.day}日",
        "type_label": TYPE_LABELS[event.type],
        "T": event.type,
        "programme": SimpleNamespace(
            speeches=setting.speeches,
            after=[handover(x) for x in speeches_after(event)] or None,
            before=list(before) or None,
        ),
    }


def vocabulary_words(event: Event, values: dict[str, Any]) -> set[str]:
    """The settled words a draft repeats by design (挂职干部, 我县 …), unless they are the user's own facts."""
    words = {values[k] for k in ("people", "group", "host", "sender", "stint", "type_label")}
    words |= set(vars(values["jur"]).values()) | {values["own"].dept, values["own"].short}
    if not event.get("program.kind"):
        words.add(values["work"])
    return {w for w in words if isinstance(w, str) and w}
