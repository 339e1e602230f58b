"""`speechgen banks check`: what a bank editor needs to know before a draft goes wrong."""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from speechgen.compose.banks import (
    BankSet,
    Variant,
    all_files,
    available_styles,
    load_banks,
    read_bank_file,
    shared_environment,
)
from speechgen.compose.plan import Plan, load_catalogue
from speechgen.errors import InputError, Problem
from speechgen.event.schema import DEFAULT_RATE, MEETING_TYPES

MIN_VARIANTS = 6
_PLACEHOLDER = re.compile(r"(?<![A-Za-z])[xX]{2,}(?![A-Za-z])|某某|\*|……")
_DIGIT = re.compile(r"[0-9０-９]")


@dataclass(frozen=True)
class BankFinding:
    severity: str  # error | warning
    where: str
    slot: str
    message: str

    def __str__(self) -> str:
        slot = f" {self.slot}:" if self.slot else ""
        return f"{self.where}:{slot} {self.severity}: {self.message}"


def reachable_slots(meeting_type: str, banks: BankSet, template_dirs: Sequence[Path] = ()) -> set[str]:
    """Every slot the type's template can call, with every section and every choice taken."""
    return reach_all(meeting_type, banks, tuple(template_dirs))


def reach_all(meeting_type: str, banks: BankSet, template_dirs: tuple[Path, ...]) -> set[str]:
    """The slots a type's template calls when every section and every choice is taken."""
    from speechgen.compose.composer import Composer, template_environment
    from speechgen.compose.plan import load_catalogue
    from speechgen.event.model import Event

    env = template_environment(template_dirs)
    sections = tuple(s.key for s in load_catalogue(template_dirs)[meeting_type].sections)
    facts = {
        "meeting.name": "会议",
        "meeting.date": __import__("datetime").date(2026, 1, 1),
        "meeting.level": "县",
        "speaker.title": "职务",
        "meeting.before_speech": ("议程",),
    }
    event = Event(meeting_type, facts)
    plan = _explore_plan(meeting_type, template_dirs)
    composer = Composer(event, plan, banks, sections, env, explore=True)
    env.get_template(f"{meeting_type}.j2").render(composer.values | composer.functions())
    return set(composer.calls)


def _explore_plan(meeting_type: str, template_dirs: tuple[Path, ...]) -> Plan:

    return Plan(
        meeting_type,
        "formal",
        0,
        5,
        True,
        3000,
        False,
        DEFAULT_RATE,
        False,
        load_catalogue(template_dirs)[meeting_type],
        template_dirs,
    )


def check_banks(user_dirs: Sequence[Path] = (), template_dirs: Sequence[Path] = ()) -> list[BankFinding]:
    findings: list[BankFinding] = []
    env = shared_environment()
    for path in all_files(user_dirs):
        problems: list[Problem] = []
        try:
            _, entries = read_bank_file(path, env, problems)
        except InputError as exc:
            findings.extend(BankFinding("error", _loc(p), p.key or "", p.message) for p in exc.problems)
            continue
        findings.extend(BankFinding("error", _loc(p), p.key or "", p.message) for p in problems)
        for slot, _, variants in entries:
            findings.extend(_variant_findings(slot, variants))
    if any(f.severity == "error" for f in findings):
        return findings
    for style in available_styles(user_dirs):
        banks = load_banks(style, user_dirs)
        for meeting_type in MEETING_TYPES:
            for slot in sorted(reachable_slots(meeting_type, banks, template_dirs)):
                usable = [v for v in banks.variants(slot) if v.fits(meeting_type, style)]
                if slot.endswith(".facts") and not banks.variants(slot):
                    continue
                if len(usable) < MIN_VARIANTS:
                    where = usable[0].file if usable else "(no bank)"
                    findings.append(
                        BankFinding(
                            "error",
                            where,
                            slot,
                            f"{len(usable)} variant(s) for {meeting_type}/{style}; at least {MIN_VARIANTS} needed",
                        )
                    )
    return _dedupe(findings)


@functools.lru_cache(maxsize=1)
def _sample_values() -> dict:
    """Every event field filled, to try each variant once (what no event could render is an error)."""
    import datetime as dt

    from speechgen.compose.context import variables
    from speechgen.compose.jinjaenv import Emitted
    from speechgen.event.model import Event
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
            "options.style": "formal",
        }
    )
    return variables(Event("summary_mobilisation", facts)) | {"count": Emitted("三")}


def _trial_render(v: Variant, values: dict) -> str | None:
    """None if the variant renders; else why not (sandbox refusal, template error)."""
    from jinja2 import TemplateError

    env = shared_environment()
    try:
        env.from_string(v.text).render(values)
    except TemplateError as exc:  # SecurityError, UndefinedError and syntax errors are all TemplateErrors
        return f"cannot be rendered: {exc}"
    except (TypeError, ValueError, AttributeError) as exc:
        return f"cannot be rendered: {exc}"
    return None


def _variant_findings(slot: str, variants: list[Variant]) -> list[BankFinding]:
    out: list[BankFinding] = []
    values = _sample_values()
    for v in variants:
        if "{" in v.text and not v.unknown:
            why = _trial_render(v, values)
            if why:
                out.append(BankFinding("error", v.where, slot, why))
        if v.unknown:
            out.append(
                BankFinding(
                    "error",
                    v.where,
                    slot,
                    f"uses {', '.join(v.unknown)}, which no event provides; the variant can never be chosen",
                )
            )
        plain = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "", v.text)
        if _DIGIT.search(plain):
            out.append(BankFinding("error", v.where, slot, "has a number of its own; numbers come only from the event"))
        if _PLACEHOLDER.search(plain):
            out.append(BankFinding("error", v.where, slot, "has placeholder-looking text (xx, 某某, *, ……)"))
    plain = [re.sub(r"\{\{.*?\}\}", "", v.text) for v in variants]
    for i, a in enumerate(variants):
        for j in range(i + 1, len(variants)):
            b = variants[j]
            if a.text == b.text:
                out.append(BankFinding("error", b.where, slot, f"duplicate of the variant at {a.where}"))
            elif len(plain[i]) >= 20 and difflib.SequenceMatcher(None, plain[i], plain[j]).ratio() > 0.8:
                out.append(BankFinding("warning", b.where, slot, f"nearly the same as the variant at {a.where}"))
    return out


def _loc(p: Problem) -> str:
    return p.file + (f":{p.line}" if p.line else "") + (f":{p.col}" if p.line and p.col else "")


def _dedupe(findings: list[BankFinding]) -> list[BankFinding]:
    seen, out = set(), []
    for f in findings:
        if (f.where, f.slot, f.message) not in seen:
            seen.add((f.where, f.slot, f.message))
            out.append(f)
    return out
