"""`speechgen banks check`: what a bank editor needs to know before a draft goes wrong.

Three passes: each file on its own (YAML, fields, the genre's rules, duplicates); the layered banks of
each style (slots nobody calls, units that break their promises); and coverage (for every meeting type,
kind of work, speaker's role and direction: enough variants for every slot a draft asks for, and role
pools large enough that about six drafts of one type a year share no sentence).
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jinja2 import TemplateError

from speechgen.compose.bankfile import read_bank_file
from speechgen.compose.banks import BankSet, all_files, available_styles, load_banks, shared_environment
from speechgen.compose.composer import Composer, template_environment
from speechgen.compose.jinjaenv import substitute
from speechgen.compose.plan import FAMILIES, Plan, SectionSpec, load_catalogue
from speechgen.compose.setting import Setting, load_lexicon, words_for
from speechgen.compose.variables import variables
from speechgen.compose.variant import Context, Variant, tags_fit
from speechgen.errors import InputError, Problem
from speechgen.event.model import Event
from speechgen.event.schema import DEFAULT_RATE, MEETING_TYPES
from speechgen.review.banklint import (
    BankFinding,
    duplicate_findings,
    is_builtin,
    unit_findings,
    variant_findings,
)

MIN_VARIANTS = 6  # for every slot a draft asks for, in every setting it can meet
FRESH = 6  # a year of speeches: about six drafts of one type should share no sentence
POOL_ROLES = ("heading", "lead", "reason", "demand")
__all__ = ["BankFinding", "check_banks", "reachable_slots"]


def check_banks(
    user_dirs: Sequence[Path] = (), template_dirs: Sequence[Path] = (), only: Sequence[Path] | None = None
) -> list[BankFinding]:
    """Every finding; with `only`, the files are checked one by one only in those folders (the layered
    checks still see every layer)."""
    findings = _file_findings(user_dirs, only)
    templates = tuple(template_dirs)
    for style in available_styles(user_dirs):
        try:
            banks = load_banks(style, user_dirs)
        except InputError:
            return _dedupe(findings)  # the files' own errors say why (they are listed above)
        findings += _layer_findings(banks, templates)
        findings += _coverage_findings(banks, style, templates)
    return _dedupe(findings)


# -- each file on its own -----------------------------------------------------------------------------


def _file_findings(user_dirs: Sequence[Path], only: Sequence[Path] | None = None) -> list[BankFinding]:
    findings: list[BankFinding] = []
    env = shared_environment()
    for path in all_files(user_dirs):
        if only is not None and not any(path.is_relative_to(d) for d in only):
            continue
        problems: list[Problem] = []
        try:
            _, entries, _ = read_bank_file(path, env, problems)
        except InputError as exc:
            findings.extend(BankFinding("error", _loc(p), p.key or "", p.message) for p in exc.problems)
            continue
        findings.extend(BankFinding("error", _loc(p), p.key or "", p.message) for p in problems)
        for slot, _, variants in entries:
            for v in variants:
                findings.extend(_render_findings(v))
                findings.extend(variant_findings(v))
            findings.extend(duplicate_findings(slot, variants))
    return findings


def _render_findings(v: Variant) -> list[BankFinding]:
    if v.unknown:
        names = ", ".join(v.unknown)
        return [BankFinding("error", v.where, v.slot, f"uses {names}, which no event provides; never chosen")]
    if "{" not in v.text:
        return []
    values = _sample_values() | {"item": "示例事项", "items": ["示例事项"]}
    if substitute(v.text, values) is not None:
        return []  # the common form: fields and the project's filters, rendered without Jinja
    try:
        shared_environment().from_string(v.text).render(values)
    except (TemplateError, TypeError, ValueError, AttributeError) as exc:
        return [BankFinding("error", v.where, v.slot, f"cannot be rendered: {exc}")]
    return []


@functools.lru_cache(maxsize=1)
def _sample_values() -> dict[str, Any]:
    """Every event field filled, to try each variant once (what no event could render is an error)."""
    from speechgen.compose.jinjaenv import Emitted
    from speechgen.compose.setting import settle
    from speechgen.event.new import COMMON_SAMPLE, SAMPLES

    facts = dict(COMMON_SAMPLE)
    for sample in SAMPLES.values():
        facts.update(sample)
    facts = {k: tuple(v) if isinstance(v, list) else v for k, v in facts.items()}
    facts.update(
        {
            "meeting.date": dt.date(2026, 3, 16),
            "meeting.level": "县",
            "program.batch": 2,
            "meeting.leaders_present": ("市委组织部负责同志",),
            "meeting.after_speech": ("县委书记作重要讲话",),
            "options.style": "formal",
        }
    )
    event = Event("summary_mobilisation", facts)
    return variables(event, settle(event)) | {"count": Emitted("三")}


# -- the layered banks of a style ---------------------------------------------------------------------


_REACHED: dict[
    tuple[str, int, tuple[Path, ...]], tuple[BankSet, set[str]]
] = {}  # holds the bank set: its id stays its own


def reachable_slots(meeting_type: str, banks: BankSet, template_dirs: Sequence[Path] = ()) -> set[str]:
    """Every slot a type's template and outlines can call, units' roles aside (once per bank set)."""
    key = (meeting_type, id(banks), tuple(template_dirs))
    if key not in _REACHED:
        if len(_REACHED) > 64:
            _REACHED.clear()
        _REACHED[key] = (banks, _reach(meeting_type, banks, tuple(template_dirs)))
    return _REACHED[key][1]


def _reach(meeting_type: str, banks: BankSet, template_dirs: tuple[Path, ...]) -> set[str]:
    env = template_environment(template_dirs)
    catalogue = load_catalogue(template_dirs)
    calls: set[str] = set()
    for family in FAMILIES:
        sections = catalogue[meeting_type].outlines[family]
        event = _probe_event(meeting_type)
        setting = _setting(meeting_type, family, "", "department", "down")
        plan = _plan(meeting_type, template_dirs, family)
        composer = Composer(event, plan, banks, sections, env, setting, load_lexicon(), explore=True)
        env.get_template(f"{meeting_type}.j2").render(composer.values | composer.functions())
        calls |= set(composer.calls)
    return calls


def _probe_event(meeting_type: str) -> Event:
    facts = {
        "meeting.name": "会议",
        "meeting.date": dt.date(2026, 1, 1),
        "meeting.level": "县",
        "speaker.title": "职务",
        "meeting.before_speech": ("议程",),
        "meeting.after_speech": ("领导作重要讲话",),
        "meeting.leaders_present": ("领导",),
    }
    return Event(meeting_type, facts)


def _plan(meeting_type: str, template_dirs: tuple[Path, ...], family: str) -> Plan:
    catalogue = load_catalogue(template_dirs)[meeting_type]
    return Plan(
        meeting_type, "formal", 0, 5, True, 3000, False, DEFAULT_RATE, False, catalogue, template_dirs, family=family
    )


def _setting(meeting_type: str, family: str, job: str, role: str, direction: str) -> Setting:
    lex = load_lexicon()
    job = job or (next(iter(lex.jobs)) if family == "team" else "")
    return Setting(meeting_type, family, job, direction, role, False, True, True, words_for(family, job, lex))


def _layer_findings(banks: BankSet, template_dirs: tuple[Path, ...]) -> list[BankFinding]:
    out: list[BankFinding] = []
    called = set().union(*(reachable_slots(t, banks, template_dirs) for t in MEETING_TYPES))
    unit_slots = {u.slot(r) for u in banks.units.values() for r in ("heading", *u.roles)}
    known = called | unit_slots
    for slot, variants in banks.slots.items():
        if slot in known or not variants:
            continue
        near = sorted(k for k in known if k.split(".")[0] == slot.split(".")[0]) or sorted(known)
        close = difflib.get_close_matches(slot, near, n=1, cutoff=0.75)
        hint = f'; did you mean "{close[0]}"?' if close else "; no template or unit asks for it"
        out.append(BankFinding("error", variants[0].where, slot, f"no template or unit uses this slot{hint}"))
    catalogue = load_catalogue(template_dirs)
    owned = {t for spec in catalogue.values() for o in spec.outlines.values() for s in o for t in s.topics}
    for unit in banks.units.values():
        roles = {r: banks.variants(unit.slot(r)) for r in ("heading", *unit.roles)}
        out += unit_findings(unit, roles, is_builtin(unit.file))
        if unit.topic not in owned and not unit.facts:
            out.append(
                BankFinding(
                    "warning",
                    f"{unit.file}:{unit.line}",
                    f"unit {unit.id}",
                    f'topic "{unit.topic}" belongs to no section of templates/outlines.yaml; never used',
                )
            )
    return out


# -- coverage: every setting a draft can meet -----------------------------------------------------------


def _settings(meeting_type: str, family: str) -> list[tuple[str, str, str]]:
    """(job, role, direction) to try for a family."""
    lex = load_lexicon()
    jobs = list(lex.jobs) if family == "team" else [""]
    directions = {"posting": ["down", "up"], "exchange": ["both"], "village": ["down"]}.get(family, ["any"])
    return [(j, r, d) for j in jobs for r in ("department", "principal") for d in directions]


def _coverage_findings(banks: BankSet, style: str, template_dirs: tuple[Path, ...]) -> list[BankFinding]:
    worst: dict[tuple[str, str], tuple[int, str, str]] = {}  # (slot or topic/role, kind) → (count, where, setting)

    def note(key: str, kind: str, count: int, where: str, label: str) -> None:
        if (key, kind) not in worst or count < worst[key, kind][0]:
            worst[key, kind] = (count, where, label)

    catalogue = load_catalogue(template_dirs)
    for meeting_type in MEETING_TYPES:
        spec = catalogue[meeting_type]
        for family in FAMILIES:
            if meeting_type == "village_stay" and family != "village":
                continue
            for job, role, direction in _settings(meeting_type, family):
                setting = _setting(meeting_type, family, job, role, direction)
                label = f"{meeting_type}/{style}/{job or family}/{role}/{direction}"
                base = Context(setting, style, direction, spec.moment)
                for slot in _skeleton_slots(meeting_type, banks, template_dirs):
                    fit = [v for v in banks.variants(slot) if tags_fit(v.tags, base)]
                    note(slot, "slot", len(fit), fit[0].where if fit else _first_where(banks, slot), label)
                for section in spec.outlines[family]:
                    _section_coverage(banks, section, meeting_type, base, label, note)
    out = []
    for (key, kind), (count, where, label) in sorted(worst.items()):
        if kind == "slot" and count < MIN_VARIANTS:
            out.append(
                BankFinding("error", where, key, f"{count} variant(s) fit {label}; at least {MIN_VARIANTS} needed")
            )
        elif kind == "topic" and count == 0:
            out.append(BankFinding("warning", where, key, f"no unit fits {label}; the section has a point less"))
        elif kind == "pool" and 0 < count < FRESH:
            message = f"{count} variant(s) fit {label}; too few to stay fresh over {FRESH} drafts of one type"
            out.append(BankFinding("warning", where, key, message))
    return out


def _section_coverage(banks: BankSet, section: SectionSpec, meeting_type: str, base: Context, label: str, note) -> None:  # noqa: ANN001
    moment = section.moment or base.moment
    direction = base.direction if section.direction in ("", "split") else section.direction
    ctx = Context(base.setting, base.style, direction, moment)
    where_label = f"{label}/{section.key}"
    for part in ("heading", "intro", "close"):
        slot = f"{section.slots or meeting_type}.{section.key}.{part}"
        if part == "close" and not banks.variants(slot):
            continue  # a section's closing line is optional
        fit = [v for v in banks.variants(slot) if tags_fit(v.tags, ctx)]
        note(slot, "slot", len(fit), fit[0].where if fit else _first_where(banks, slot), where_label)
    directions = ["down", "up"] if section.direction == "split" else [direction]
    contexts = [Context(base.setting, base.style, d, moment) for d in directions]
    for topic in section.topics:
        if topic == "selection" and base.setting.selected:
            continue
        fitting = [(u, c) for u in banks.units_of(topic) for c in contexts if not u.facts and tags_fit(u.tags, c)]
        where = f"{fitting[0][0].file}:{fitting[0][0].line}" if fitting else "(no bank)"
        note(f"topic {topic}", "topic", len(fitting), where, where_label)
        for role in POOL_ROLES:
            pool = [v for u, c in fitting for v in banks.variants(u.slot(role)) if tags_fit(v.tags, c)]
            if fitting:
                note(f"topic {topic} {role}", "pool", len(pool), where, where_label)


def _skeleton_slots(meeting_type: str, banks: BankSet, template_dirs: tuple[Path, ...]) -> list[str]:
    """The opening and closing slots of a type (the sections' slots are counted per section)."""
    called = reachable_slots(meeting_type, banks, template_dirs)
    return sorted(
        s for s in called if not s.endswith((".heading", ".intro", ".close")) and banks.variants(s) is not None
    )


def _first_where(banks: BankSet, slot: str) -> str:
    variants = banks.variants(slot)
    return variants[0].where if variants else "(no bank)"


def _loc(p: Problem) -> str:
    return p.file + (f":{p.line}" if p.line else "") + (f":{p.col}" if p.line and p.col else "")


def _dedupe(findings: list[BankFinding]) -> list[BankFinding]:
    seen, out = set(), []
    for f in findings:
        if (f.where, f.slot, f.message) not in seen:
            seen.add((f.where, f.slot, f.message))
            out.append(f)
    return out
