"""The meeting form: generated from the schema the event loader uses, read back into an event mapping.

The form is the page's whole state: every request posts it, and nothing about a meeting is kept on the
server between requests (except the text of a file that was opened, so that saving keeps its comments).
A form becomes an event the way a file does: its mapping is written as YAML (``eventfile.dump_event``) and read
by the loader (``api.parse_event``), so the page drafts exactly what ``speechgen render`` drafts from the
file the page saves.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from speechgen import api
from speechgen.errors import Problem
from speechgen.event import schema as S
from speechgen.i18n import _, language
from speechgen.run import eventfile

NUMBER_KINDS = ("int", "points", "length", "minutes", "seed")
SELECT_KINDS = ("type", "level", "role", "direction", "style", "points")
TOOLBAR = ("options.style", "options.points", "options.length", "options.minutes", "options.seed")
HIDDEN = ("options.choices",)
FORM_NAME = "表单"  # the name of the form's text in messages (they show without it, beside each field)


def field_id(path: str) -> str:
    """An id for a dotted path (meeting.name → meeting-name), safe in a CSS selector."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", path)


@dataclass(frozen=True)
class FieldView:
    """One input of the form, ready for the template."""

    path: str
    id: str
    label: str
    help: str
    kind: str
    required: bool
    value: str = ""
    items: tuple[str, ...] = ()  # the rows of a list field
    options: tuple[tuple[str, str], ...] = ()  # (value, label) of a select
    placeholder: str = ""
    problems: tuple[str, ...] = ()

    @property
    def is_list(self) -> bool:
        return self.kind == "texts"

    @property
    def is_select(self) -> bool:
        return self.kind in SELECT_KINDS

    @property
    def numeric(self) -> bool:
        return self.kind in NUMBER_KINDS


@dataclass(frozen=True)
class GroupView:
    """A fieldset: the required fields shown, the optional ones folded (open once one holds a value)."""

    path: str
    id: str
    label: str
    required: tuple[FieldView, ...]
    optional: tuple[FieldView, ...]
    types: tuple[str, ...] = ()  # shown only for these meeting types ("" : all)
    problems: tuple[str, ...] = ()

    @property
    def open(self) -> bool:
        return any(f.value or f.items or f.problems for f in self.optional)


@dataclass
class FormState:
    """What the form says: raw values by dotted path, the fixed choices, and the file it belongs to."""

    values: dict[str, str | list[str]] = field(default_factory=dict)
    choices: dict[str, str] = field(default_factory=dict)
    name: str = ""  # the file in the folder it was opened from or saved to ("" : new)
    doc: str = ""  # the key of the opened file's text on the server (comments are kept when saving)

    @classmethod
    def from_form(cls, form: Any) -> FormState:
        values: dict[str, str | list[str]] = {}
        for path, f in S.leaves():
            dotted = ".".join(path)
            if f.kind == "choices":
                continue
            if f.kind == "texts":
                values[dotted] = [v.strip() for v in form.getlist(dotted) if str(v).strip()]
            elif dotted in form:
                values[dotted] = str(form.get(dotted, "")).strip()
        places, variants = form.getlist("choice.place"), form.getlist("choice.variant")
        choices = {str(p): str(v) for p, v in zip(places, variants, strict=False) if str(p).strip() and str(v).strip()}
        return cls(values, choices, str(form.get("file.name", "")), str(form.get("file.doc", "")))

    @classmethod
    def from_data(cls, data: Mapping[str, Any], name: str = "", doc: str = "") -> FormState:
        """From what a file says (``eventfile.event_data``): every value as the form shows it."""
        values: dict[str, str | list[str]] = {}
        choices: dict[str, str] = {}
        for path, f in S.leaves():
            value = _at(data, path)
            if value is None:
                continue
            dotted = ".".join(path)
            if f.kind == "choices":
                if isinstance(value, Mapping):
                    choices = {str(k): str(v) for k, v in value.items()}
            elif f.kind == "texts":
                items = value if isinstance(value, list) else [value]
                values[dotted] = [_shown(v) for v in items if v is not None]
            else:
                values[dotted] = _shown(value)
        return cls(values, choices, name, doc)

    @property
    def type(self) -> str:
        value = self.values.get("type", "")
        return value if isinstance(value, str) else ""

    def mapping(self) -> dict[str, Any]:
        """The nested mapping of canonical keys an event file holds, typed as YAML would read it."""
        out: dict[str, Any] = {}
        for path, f in S.leaves():
            dotted = ".".join(path)
            if path[0] == "review" and self.type in S.MEETING_TYPES and self.type not in S.REVIEW_TYPES:
                continue  # a fieldset the page hides for this type
            value = self.choices if f.kind == "choices" else self.values.get(dotted)
            typed = _typed(f, value)
            if typed in (None, "", [], {}):
                continue
            node = out
            for part in path[:-1]:
                node = node.setdefault(part, {})
            node[path[-1]] = typed
        return out

    def text(self, original: str | None = None, lang: str = "en") -> str:
        return eventfile.dump_event(self.mapping(), original=original, lang=lang)

    def event(self) -> api.Event:
        """The event the form describes; InputError with every problem, keyed by the canonical path."""
        return api.parse_event(self.text(), name=FORM_NAME)

    def with_choice(self, place: str, variant: str | None) -> FormState:
        choices = dict(self.choices)
        if variant is None:
            choices.pop(place, None)
        else:
            choices[place] = variant
        return FormState(dict(self.values), choices, self.name, self.doc)

    def with_value(self, path: str, value: str) -> FormState:
        return FormState({**self.values, path: value}, dict(self.choices), self.name, self.doc)


def _at(data: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = data
    for part in path:
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


def _shown(value: Any) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _typed(f: S.Field, value: Any) -> Any:
    """A form's text as YAML would read the same text in a file: 36 a number, 2026-03-16 a date."""
    if f.kind == "choices":
        return dict(value) if value else None
    if f.kind == "texts":
        return [str(v) for v in value or () if str(v).strip()]
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if f.kind in NUMBER_KINDS and re.fullmatch(r"[0-9]{1,12}", text):
        return int(text)
    if f.kind == "date":
        m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return text
    return text


# -- problems beside their fields ----------------------------------------------------------------------


def problem_path(p: Problem) -> str:
    """The dotted path a problem is about ("program.cadres (人数)" → program.cadres), "" when none."""
    if not p.key:
        return ""
    return p.key.split(" (", 1)[0].strip()


GROUPS = tuple(k for k, v in S.SCHEMA.fields.items() if isinstance(v, S.Group))


def problems_by_field(problems: Iterable[Problem]) -> dict[str, list[str]]:
    """Messages by field id: a field's own, its group's ("review"), or the form's ("form")."""
    out: dict[str, list[str]] = {}
    for p in problems:
        path = problem_path(p)
        if path in S.FIELD_PATHS or path in GROUPS:
            out.setdefault(field_id(path), []).append(p.message)
        else:
            out.setdefault("form", []).append(f"{p.key}: {p.message}" if p.key else p.message)
    return out


def problem_slots() -> tuple[str, ...]:
    """Every place a problem can be shown: each field, each group, and the form as a whole."""
    fields = [field_id(".".join(p)) for p, f in S.leaves() if ".".join(p) not in HIDDEN]
    return (*fields, *(field_id(g) for g in GROUPS), "form")


# -- the form as the template shows it -----------------------------------------------------------------


def label(path: tuple[str, ...], node: S.Field | S.Group) -> str:
    if language() == "en":
        return f"{path[-1].replace('_', ' ')} ({node.alias})" if node.alias else path[-1]
    return node.alias or path[-1]


def select_options(f: S.Field, styles: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    auto = ("", _("(automatic)"))
    if f.kind == "type":
        return tuple((t, f"{S.TYPE_LABELS[t]}（{t}）") for t in S.MEETING_TYPES)
    if f.kind == "level":
        return (("", _("(from the meeting name)")), *((lv, lv) for lv in S.LEVELS))
    if f.kind == "role":
        return (("", _("(from the speaker's title)")), *S.ROLE_LABELS.items())
    if f.kind == "direction":
        return (("", _("(from the kind of work)")), *S.DIRECTION_LABELS.items())
    if f.kind == "style":
        return (("", _("(the default: formal)")), *((s, s) for s in styles))
    if f.kind == "points":
        low, high = S.POINTS_RANGE
        return (auto, *((str(n), str(n)) for n in range(low, high + 1)))
    return ()


def field_view(
    path: tuple[str, ...],
    f: S.Field,
    state: FormState,
    problems: Mapping[str, list[str]],
    hints: Mapping[str, Any],
    styles: tuple[str, ...] = (),
) -> FieldView:
    dotted = ".".join(path)
    raw = state.values.get(dotted, [] if f.kind == "texts" else "")
    hint = hints.get(dotted)
    if isinstance(hint, list):
        hint = "、".join(str(h) for h in hint)
    placeholder = _("e.g. {sample}").format(sample=hint) if hint not in (None, "") else ""
    if f.kind == "date" and not placeholder:
        placeholder = "2026-03-16"
    return FieldView(
        path=dotted,
        id=field_id(dotted),
        label=label(path, f),
        help=f.help,
        kind=f.kind,
        required=f.required,
        value=raw if isinstance(raw, str) else "",
        items=tuple(raw) if isinstance(raw, list) else (),
        options=select_options(f, styles),
        placeholder=placeholder,
        problems=tuple(problems.get(field_id(dotted), ())),
    )


def groups(state: FormState, problems: Mapping[str, list[str]], styles: tuple[str, ...]) -> list[GroupView]:
    """The fieldsets of the form, in schema order (type and the toolbar's options are shown elsewhere)."""
    meeting_type = state.type if state.type in S.MEETING_TYPES else S.MEETING_TYPES[0]
    hints = eventfile.event_samples(meeting_type)
    out: list[GroupView] = []
    loose: list[FieldView] = []
    for key, node in S.SCHEMA.fields.items():
        if key == "type" or key == "options":
            continue
        if isinstance(node, S.Field):
            loose.append(field_view((key,), node, state, problems, hints))
            continue
        views = [
            field_view((key, k), f, state, problems, hints) for k, f in node.fields.items() if isinstance(f, S.Field)
        ]
        out.append(
            GroupView(
                path=key,
                id=field_id(key),
                label=label((key,), node),
                required=tuple(v for v in views if v.required),
                optional=tuple(v for v in views if not v.required),
                types=S.REVIEW_TYPES if key == "review" else (),
                problems=tuple(problems.get(field_id(key), ())),
            )
        )
    out.append(GroupView("other", "other", _("Other"), (), tuple(loose)))
    return out


def type_field(state: FormState, problems: Mapping[str, list[str]]) -> FieldView:
    node = S.SCHEMA.fields["type"]
    assert isinstance(node, S.Field)
    # the schema's help lists the file format's type names; each choice already shows its own (动员会（mobilisation）)
    return replace(field_view(("type",), node, state, problems, {}), help="")


def toolbar(state: FormState, problems: Mapping[str, list[str]], styles: tuple[str, ...]) -> list[FieldView]:
    options = S.SCHEMA.fields["options"]
    assert isinstance(options, S.Group)
    views = [
        field_view(("options", k), f, state, problems, {}, styles)
        for k, f in options.fields.items()
        if isinstance(f, S.Field) and f"options.{k}" in TOOLBAR
    ]
    return [v if v.placeholder else replace(v, placeholder=_("(automatic)")) for v in views]  # as the selects say
