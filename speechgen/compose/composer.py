"""Compose: render the type's template, filling slots from the banks, into a Draft.

Template calls (``s``, ``opt``, ``section`` …) pick variants and leave marks in
the rendered text; ``tree.build`` turns the marks into the Draft tree. The
choices themselves (seeded per place, no repeats, fixed choices honoured) are
the picker's (``compose/picker.py``).
"""

from __future__ import annotations

import functools
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from jinja2 import TemplateError, TemplateNotFound
from jinja2.exceptions import SecurityError

from speechgen.compose import tree
from speechgen.compose.banks import BankSet, Variant
from speechgen.compose.context import present, variables, vocabulary_words
from speechgen.compose.jinjaenv import PRIVATE, Emitted, SpeechEnvironment, new_environment, substitute
from speechgen.compose.picker import Alternative, Picker
from speechgen.compose.plan import Plan
from speechgen.draft import COUNT_MARK, Draft, DraftInfo, Sentence, finalise, with_count
from speechgen.errors import BankError, Problem
from speechgen.event.model import Event, FrozenMap
from speechgen.event.schema import alias_of
from speechgen.resources import display_path, templates_dir

PARAGRAPH_PICKS = 4
SCALES = (1.0, 1.3, 1.6, 2.0, 2.5)


@functools.lru_cache(maxsize=16)
def template_environment(dirs: tuple[Path, ...]) -> SpeechEnvironment:
    """One environment per template search path (user folders first), reused across drafts."""
    return new_environment([*dirs, templates_dir()])


@dataclass
class Composer:
    """Holds the choices of one draft; its methods are the template's functions."""

    event: Event
    plan: Plan
    banks: BankSet
    sections: tuple[str, ...]
    env: SpeechEnvironment
    values: dict[str, Any] = field(default_factory=dict)
    registry: list[Sentence] = field(default_factory=list)
    heads: dict[str, str] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    explore: bool = False  # reach every slot (for `banks check`), never a real draft
    scale: float = 1.0  # >1 for speeches longer than the usual skeleton holds
    fixed: Mapping[str, str] = field(default_factory=dict)  # place → variant text to keep
    picker: Picker = field(init=False)

    def __post_init__(self) -> None:
        self.values = variables(self.event) | {"count": Emitted(COUNT_MARK)}
        self.picker = Picker(
            self.banks,
            self.plan.seed,
            fits=lambda v: v.fits(self.event.type, self.plan.style),
            eligible=lambda v: all(present(self.event, r) for r in v.requires),
            render=self.render,
            words=frozenset(vocabulary_words(self.event)),
            fixed=self.fixed,
        )

    # -- template functions ---------------------------------------------------------------
    def functions(self) -> dict[str, Any]:
        return {
            "s": self.s,
            "opt": self.opt,
            "item": self.item,
            "br": self.br,
            "head": self.head,
            "section": self.section,
            "point": self.point,
            "intro": self.intro,
            "unit": self.unit,
            "choose": self.choose,
            "closing": self.closing,
            "plan": {"sections": list(self.sections), "points": len(self.sections), "style": self.plan.style},
        }

    def s(self, slot: str) -> Emitted:
        return self._emit(slot, tree.SENT)

    def opt(self, slot: str) -> Emitted:
        return self._emit(slot, tree.SENT, optional=True)

    def item(self, slot: str) -> Emitted:
        return self._emit(slot, tree.SENT, item=True)

    def br(self) -> Emitted:
        return Emitted(tree.BREAK)

    def closing(self) -> Emitted:
        return Emitted(tree.CLOSING)

    def head(self, kind: str, text: str) -> Emitted:
        self.heads[kind] = "".join(ch for ch in str(text) if ch not in PRIVATE).strip()  # event text, verbatim
        return Emitted("")

    def section(self, base: str) -> Emitted:
        key = base.rsplit(".", 1)[-1]
        return self._emit(f"{base}.heading", tree.SECTION, heading=True, key=key)

    def intro(self, base: str, picks: int = 2) -> Emitted:
        return Emitted(self._facts(base) + self._picks(f"{base}.intro", picks) + tree.BREAK)

    def unit(self, base: str, picks: int = 3) -> Emitted:
        lead = self.item(f"{base}.lead")
        return Emitted(lead + self._facts(base) + self._picks(f"{base}.body", picks) + tree.BREAK)

    def point(self, base: str, picks: int = 4) -> Emitted:
        head = self._emit(f"{base}.heading", tree.POINT, heading=True)
        return Emitted(tree.BREAK + head + self._facts(base) + self._picks(f"{base}.body", picks) + tree.BREAK)

    def choose(self, k: int, bases: Sequence[str]) -> list[str]:
        """k of the bases, seeded, in their listed order (all of them when exploring)."""
        if self.explore:
            return list(bases)
        rng = random.Random(f"{self.plan.seed}:choose:{','.join(bases)}")
        k = k + 1 if self.scale >= 1.3 else k  # a long speech takes one more point where there is one
        keep = set(rng.sample(list(bases), min(k, len(bases))))
        return [b for b in bases if b in keep]

    # -- picking -----------------------------------------------------------------------------
    def _facts(self, base: str) -> str:
        slot = f"{base}.facts"
        return self._emit(slot, tree.SENT) if self.banks.variants(slot) else ""

    def _picks(self, slot: str, picks: int) -> str:
        """`picks` sentences from a pool (more for a long speech), one required; a paragraph break
        every PARAGRAPH_PICKS so that paragraphs stay speakable."""
        n = max(1, round(picks * self.scale))
        parts = [self.s(slot)]
        for i in range(1, n):
            if i % PARAGRAPH_PICKS == 0:
                parts.append(tree.BREAK)
            parts.append(self.opt(slot))
        return "".join(parts)

    def _emit(self, slot: str, mark: str, heading: bool = False, key: str = "", **flags: Any) -> Emitted:
        sentence = self.pick(slot, heading=heading, **flags)
        if sentence is None:
            return Emitted("")
        sentence_id = len(self.registry)
        self.registry.append(sentence)
        return Emitted(f"{mark}{sentence_id}{'|' + key if key else ''}{tree.END}")

    def pick(self, slot: str, heading: bool = False, **flags: Any) -> Sentence | None:
        n = self.calls.get(slot, 0)
        self.calls[slot] = n + 1
        if self.explore:
            return None
        variants = self.banks.variants(slot)
        if not variants and slot not in self.banks.slots:
            raise BankError([Problem(self._template_name(), f'the template uses slot "{slot}", which no bank defines')])
        sentence = self.picker.pick(slot, f"{slot}#{n}", heading=heading, **flags)
        if sentence is not None:
            return sentence
        fitting = [v for v in variants if v.fits(self.event.type, self.plan.style)]
        if fitting and not any(self.picker.eligible(v) for v in fitting):
            return self._mark_missing(slot, fitting, flags)
        return None

    def _mark_missing(self, slot: str, fitting: list[Variant], flags: dict[str, Any]) -> Sentence | None:
        fewest = min(fitting, key=lambda v: sum(not present(self.event, r) for r in v.requires))
        lacking = sorted(r for r in fewest.requires if not present(self.event, r))
        for r in lacking:
            self.missing[r] = alias_of(tuple(r.split(".")))
        if not self.plan.mark_missing:
            return None
        label = "、".join(self.missing[r] for r in lacking)
        return Sentence(f"【待补充：{label}】", slot, fewest.where, **flags)

    def render(self, v: Variant) -> str:
        if "{" not in v.text:
            return v.text  # plain text: nothing to render
        quick = substitute(v.text, self.values)
        if quick is not None:
            return quick
        try:
            if v._template is None:
                v._template = self.env.from_string(v.text)
            return v._template.render(self.values)
        except SecurityError as exc:
            raise BankError([Problem(v.file, f"unsafe variant refused: {exc}", v.line, key=v.slot)]) from None
        except (TemplateError, ValueError, TypeError) as exc:
            raise BankError([Problem(v.file, f"cannot render variant: {exc}", v.line, key=v.slot)]) from None

    def _template_name(self) -> str:
        return f"templates/{self.event.type}.j2"


def compose_once(event: Event, plan: Plan, banks: BankSet, points: int, scale: float = 1.0) -> tuple[Draft, Composer]:
    """One full draft (every optional sentence kept) with `points` sections."""
    env = template_environment(plan.template_dirs)
    sections = plan.sections_for(event, points)
    composer = Composer(event, plan, banks, sections, env, scale=scale, fixed=dict(plan.choices))
    name = f"{event.type}.j2"
    try:
        template = env.get_template(name)
        rendered = template.render(composer.values | composer.functions())
    except BankError:
        raise
    except TemplateNotFound as exc:
        raise BankError([Problem(name, f"template not found: {exc.name}")]) from None
    except SecurityError as exc:
        where, line = _template_place(name, exc)
        raise BankError([Problem(where, f"unsafe template refused: {exc}", line)]) from None
    except TemplateError as exc:
        where, line = _template_place(name, exc)
        raise BankError([Problem(where, f"template error: {exc}", line)]) from None
    draft = tree.build(rendered, composer.registry, composer.heads, source=f"templates/{name}")
    return draft, composer


def _template_place(name: str, exc: Exception) -> tuple[str, int | None]:
    """(file, line) of the template line that failed.

    A syntax error carries its file and line; a runtime error (a sandbox refusal, an
    undefined name) is found in the traceback, where Jinja maps frames to template lines.
    """
    filename, lineno = getattr(exc, "filename", None), getattr(exc, "lineno", None)
    if not filename:
        tb = exc.__traceback__
        while tb is not None:
            code = tb.tb_frame.f_code.co_filename
            if code.endswith((".j2", ".jinja", ".html")) or code == "<template>":
                filename, lineno = code, tb.tb_lineno
            tb = tb.tb_next
    where = display_path(Path(filename)) if filename and filename != "<template>" else name
    return where, lineno


@dataclass(frozen=True)
class Composition:
    """A finished draft and the choices behind it (for listing alternatives)."""

    draft: Draft
    composer: Composer

    def kept_places(self) -> set[str]:
        return {s.place for s in self.draft.sentences() if s.place}

    def alternatives(self, place: str) -> list[Alternative]:
        """What else could stand at a place of the finished draft, as it would read there."""
        found = self.composer.picker.alternatives(place, self.kept_places())
        n = len(self.draft.sections)
        return [replace(a, text=with_count(a.text, n)) for a in found]


def compose(event: Event, plan: Plan, banks: BankSet) -> Draft:
    """The draft for the plan: points chosen and optional sentences trimmed to the target length."""
    return composition(event, plan, banks).draft


def composition(event: Event, plan: Plan, banks: BankSet) -> Composition:
    points, top = min(plan.points, plan.max_points(event)), plan.max_points(event)
    best: tuple[float, Draft, Composer] | None = None
    scales = iter(SCALES)
    scale = next(scales)
    while True:
        draft, composer = compose_once(event, plan, banks, points, scale)
        lo, hi = tree.length_range(draft)
        miss = max(lo - plan.target, plan.target - hi, 0) / plan.target
        if best is None or miss < best[0]:
            best = (miss, draft, composer)
        if not plan.target_given or miss == 0:
            break
        if hi < plan.target and not plan.points_fixed and points < top:
            points += 1  # first more sections, then longer ones
        elif hi < plan.target:
            scale = next(scales, 0.0)
            if not scale:
                break
        elif lo > plan.target and not plan.points_fixed and points > 2 and scale == 1.0:
            points -= 1
        else:
            break
    _, draft, composer = best
    tree.trim(draft, plan.target)
    tree.split_long(draft)
    finalise(draft)
    draft.info = _info(event, plan, draft, composer)
    return Composition(draft, composer)


def _info(event: Event, plan: Plan, draft: Draft, composer: Composer) -> DraftInfo:
    count = draft.han_count()
    warnings = list(event.warnings)
    off = (count - plan.target) / plan.target
    if plan.target_given and abs(off) > 0.15:
        warnings.append(
            f"length {count} characters is {off:+.0%} off the target of {plan.target}: the banks cannot fit it closer"
        )
    kept = {s.place for s in draft.sentences() if s.place}
    unused = tuple(p for p, _ in plan.choices if p not in kept or p not in composer.picker.reached)
    return DraftInfo(
        type=event.type,
        style=plan.style,
        seed=plan.seed,
        points=len(draft.sections),
        target=plan.target,
        han_characters=count,
        minutes=draft.minutes(plan.rate),
        rate=plan.rate,
        meeting=event.get("meeting.name") or "",
        date=event.date.isoformat(),
        author=event.get("speaker.name") or event.get("meeting.organizer") or event.get("speaker.title") or "",
        mark_missing=plan.mark_missing,
        missing=FrozenMap(dict(sorted(composer.missing.items()))),
        warnings=tuple(warnings),
        unused_choices=unused,
    )
