"""The composer: the functions a speech template calls, and the choice behind each sentence.

Templates lay out the skeleton (head lines, opening, the sections of the outline, closing); each call
picks a variant for its place (``compose/picker.py``) among those that fit the setting and the section
(``compose/variant.py``), leaving a mark in the rendered text that ``tree.build`` turns into the Draft.
A section writes its heading, its intro, then its units (``compose/units.py``), each unit its heading and
its roles in order: lead, fact, reason, example, comment, demand, close.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import TemplateError
from jinja2.exceptions import SecurityError

from speechgen.compose import tree
from speechgen.compose.banks import BankSet, Variant
from speechgen.compose.jinjaenv import PRIVATE, Emitted, SpeechEnvironment, mark_data, new_environment, substitute
from speechgen.compose.loader import absolute_folder
from speechgen.compose.picker import Picker
from speechgen.compose.plan import Plan, SectionSpec
from speechgen.compose.rhythm import PER_THOUSAND, parallel, prohibitions
from speechgen.compose.setting import Lexicon, Setting, concepts_in
from speechgen.compose.units import SectionPlan, UnitUse, plan_section
from speechgen.compose.variables import present, variables, vocabulary_words
from speechgen.compose.variant import OPTIONAL_ROLES, Context, Unit, tags_fit
from speechgen.draft import COUNT_MARK, Sentence, han_runs, with_count
from speechgen.errors import BankError, Problem
from speechgen.event.model import Event
from speechgen.event.schema import alias_of
from speechgen.i18n import _
from speechgen.resources import templates_dir

ITEM_END = "。；！？"
SHAPE_WEIGHTS = (2, 1, 1.5)  # a point's paragraph: every role / without its example / without its closing line


def template_environment(dirs: tuple[Path, ...]) -> SpeechEnvironment:
    """One environment per template search path (user folders first), reused across drafts: the same
    relative folder from another working folder is another search path (its cached templates differ)."""
    return _environment(tuple(absolute_folder(d) for d in dirs))


@functools.lru_cache(maxsize=16)
def _environment(dirs: tuple[Path, ...]) -> SpeechEnvironment:
    return new_environment([*dirs, templates_dir()])


@dataclass
class Composer:
    """Holds the choices of one draft; its methods are the template's functions."""

    event: Event
    plan: Plan
    banks: BankSet
    sections: tuple[SectionSpec, ...]
    env: SpeechEnvironment
    setting: Setting
    lexicon: Lexicon
    scale: float = 1.0  # >1 for speeches longer than the usual skeleton holds
    fixed: Mapping[str, str] = field(default_factory=dict)  # place → variant text to keep
    explore: bool = False  # reach every slot (for `banks check`), never a real draft
    values: dict[str, Any] = field(default_factory=dict)
    registry: list[Sentence] = field(default_factory=list)
    heads: dict[str, str] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    planned: dict[str, SectionPlan] = field(default_factory=dict)  # section key → its units
    used_items: dict[str, set[str]] = field(default_factory=dict)  # fact list → items a unit was written for
    picker: Picker = field(init=False)
    base: Context = field(init=False)
    _prohibitions: int = 0
    _parallel_in: set[str] = field(default_factory=set)  # sections that have had their 排比
    _section: str = ""
    _left_out: str = ""  # the role the last point's paragraph went without

    def __post_init__(self) -> None:
        self.values = variables(self.event, self.setting) | {"count": Emitted(COUNT_MARK), "item": None, "items": None}
        moment = self.plan.catalogue.moment
        self.base = Context(self.setting, self.plan.style, self.setting.direction, moment)
        self.picker = Picker(
            self.banks,
            self.plan.seed,
            fits=self.fits_in(self.base),
            eligible=self.eligible,
            render=self.render,
            words=frozenset(vocabulary_words(self.event, self.values)),
            fixed=self.fixed,
            accept=self.accept,
            taken=self.taken,
            avoid=self.plan.avoid,
            resolve=lambda text: with_count(text, len(self.sections)),
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
            "closing": self.closing,
            "plan": {
                "sections": [s.key for s in self.sections],
                "points": len(self.sections),
                "style": self.plan.style,
            },
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
        self._section = ""
        return Emitted(tree.CLOSING)

    def head(self, kind: str, text: str) -> Emitted:
        self.heads[kind] = "".join(ch for ch in str(text) if ch not in PRIVATE).strip()  # event text, verbatim
        return Emitted("")

    def section(self, key: str) -> Emitted:
        """A whole section of the outline: heading, intro, then its units."""
        spec = next((s for s in self.sections if s.key == key), None)
        if spec is None:
            return Emitted("")
        if self.explore:  # `banks check`: the slots a section asks for, without writing it
            for part in ("heading", "intro", "close"):
                self.pick(f"{spec.slots or self.event.type}.{key}.{part}")
            return Emitted("")
        self._section = key
        extra = round((self.scale - 1.0) / 0.3)  # a longer speech: one more unit a section for every step
        plan = plan_section(
            spec, self.sections, self.event, self.banks, self.base, self.lexicon, self.plan.seed, extra, self._fresh
        )
        self.planned[key] = plan
        slot = f"{spec.slots or self.event.type}.{key}"
        out = [self._emit(f"{slot}.heading", tree.SECTION, ctx=plan.ctx, heading=True, key=key)]
        intro = self._emit(f"{slot}.intro", tree.SENT, ctx=plan.ctx, prefer=self._taking_up(self.registry[-1:]))
        passage = [u for u in plan.uses if u.passage]
        if passage:
            out.append(intro + "".join(self._roles(u) for u in passage) + tree.BREAK)
        else:
            out.append(intro + tree.BREAK)
        for use in plan.uses:
            if not (use.passage or use.tail):
                out.append(self._unit(use, spec.layout))
        tail = "".join(self._roles(u) for u in plan.uses if u.tail)  # shortcomings named after the praise
        close = self._emit(f"{slot}.close", tree.SENT, ctx=plan.ctx, optional=True)
        if tail or close:
            out.append(tree.BREAK + tail + close + tree.BREAK)
        return Emitted("".join(out))

    # -- units ------------------------------------------------------------------------------
    def _unit(self, use: UnitUse, layout: str) -> str:
        bind = self._bind(use)
        heading_slot = use.unit.slot("heading")
        if layout == "points":
            head = self._emit(heading_slot, tree.POINT, ctx=use.ctx, bind=bind, heading=True, topic=use.unit.topic)
            body = self._roles(use, self._taking_up(self.registry[-1:]) if head else None)
            if not body:
                return ""
            return tree.BREAK + head + body + tree.BREAK
        lead = self._emit(heading_slot, tree.SENT, ctx=use.ctx, bind=bind, item=True, topic=use.unit.topic, lead=True)
        body = self._roles(use, self._taking_up(self.registry[-1:]) if lead else None)
        return (lead + body + tree.BREAK) if body else ""

    def _roles(self, use: UnitUse, prefer: Callable[[Variant], bool] | None = None) -> str:
        bind = self._bind(use)
        topic = "achievements" if use.passage else use.unit.topic  # a passage of facts is one subject
        parts: list[str] = []
        said: set[str] = set()  # the paragraph's own phrases: a later sentence says something new
        for i, role in enumerate(self._shape(use)):
            part = self._emit(
                use.unit.slot(role),
                tree.SENT,
                ctx=use.ctx,
                bind=bind,
                optional=role in OPTIONAL_ROLES,
                topic=topic,
                prefer=prefer if i == 0 else self._new_in_paragraph(said, use),
            )
            if part:
                said |= set(han_runs(self.registry[-1].text, 4))
            parts.append(part)
        body = "".join(parts)
        if body and use.items:
            self.used_items.setdefault(use.source, set()).update(use.items)
        return body

    def _fresh(self, unit: Unit) -> float:
        """The share of a unit's headings earlier drafts of the office have not said (1.0 without history)."""
        if not self.plan.avoid:
            return 1.0
        heads = self.banks.variants(unit.slot("heading"))
        if not heads:
            return 1.0
        return sum(not self.picker.said_before(v.text, v.text) for v in heads) / len(heads)

    def _shape(self, use: UnitUse) -> tuple[str, ...]:
        """The roles a unit's paragraph says. Points of one section do not all take the same course
        (claim, reason, example, demand, closing line): some go without the example, some without the
        closing line, never two neighbours with the same one left out. Facts and their passages keep all."""
        roles = use.unit.roles
        if use.items or use.passage or use.tail or not set(roles) >= OPTIONAL_ROLES:
            return roles
        rng = random.Random(f"{self.plan.seed}:shape:{use.unit.id}")
        shapes = ("", "example", "close")
        left_out = rng.choices(shapes, weights=SHAPE_WEIGHTS)[0]
        if left_out and left_out == self._left_out:
            left_out = ""
        self._left_out = left_out
        return tuple(r for r in roles if r != left_out)

    def _new_in_paragraph(self, said: set[str], use: UnitUse) -> Callable[[Variant], bool] | None:
        """Prefer a sentence that repeats no four-character phrase of its paragraph (common wording and
        the point's own key words aside): 放下架子 or a closing slogan said twice reads as padding."""
        if not said:
            return None
        common = self.banks.common_grams
        keys = use.unit.keys
        own = {g for g in said if g not in common and not any(k in g or g in k for k in keys)}
        if not own:
            return None
        return lambda v: not (set(han_runs(v.text, 4)) & own)

    def _taking_up(self, heading: list[Sentence]) -> Callable[[Variant], bool] | None:
        """Prefer a first sentence that says what its heading promises (the concepts its words name)."""
        if not heading:
            return None
        words = [w for c in concepts_in(heading[0].text, self.lexicon.concepts) for w in self.lexicon.concepts[c]]
        if not words:
            return None
        return lambda v: any(w in v.text for w in words)

    def _bind(self, use: UnitUse) -> dict[str, Any]:
        if not use.items:
            return {}
        joined = "，".join(use.items)
        return {"item": joined, "items": list(use.items)}

    # -- picking -----------------------------------------------------------------------------
    def fits_in(self, ctx: Context):  # noqa: ANN201 - a predicate on variants
        return lambda v: tags_fit(v.tags, ctx)

    def eligible(self, v: Variant, bind: dict[str, Any]) -> bool:
        return all(bind.get("item") is not None if r == "item" else present(self.event, r) for r in v.requires)

    def accept(self, text: str) -> bool:
        """The draft's budgets: few prohibitions (about one per 1,000 characters), one 排比 a section."""
        if prohibitions(text) and self._prohibitions + prohibitions(text) > self._prohibition_budget():
            return False
        return not (parallel(text) and self._section and self._section in self._parallel_in)

    def taken(self, text: str) -> None:
        self._prohibitions += prohibitions(text)
        if parallel(text) and self._section:
            self._parallel_in.add(self._section)

    def _prohibition_budget(self) -> int:
        return max(1, int(self.plan.target * PER_THOUSAND / 1000))

    def _emit(
        self,
        slot: str,
        mark: str,
        ctx: Context | None = None,
        bind: dict[str, Any] | None = None,
        heading: bool = False,
        key: str = "",
        lead: bool = False,
        prefer: Callable[[Variant], bool] | None = None,
        **flags: Any,
    ) -> Emitted:
        sentence = self.pick(slot, ctx=ctx, bind=bind, heading=heading, prefer=prefer, **flags)
        if sentence is None:
            return Emitted("")
        if lead and sentence.text and sentence.text[-1] not in ITEM_END:
            sentence.text += "。"
        sentence_id = len(self.registry)
        self.registry.append(sentence)
        return Emitted(f"{mark}{sentence_id}{'|' + key if key else ''}{tree.END}")

    def pick(
        self,
        slot: str,
        ctx: Context | None = None,
        bind: dict[str, Any] | None = None,
        heading: bool = False,
        prefer: Callable[[Variant], bool] | None = None,
        **flags: Any,
    ) -> Sentence | None:
        n = self.calls.get(slot, 0)
        self.calls[slot] = n + 1
        if self.explore:
            return None
        variants = self.banks.variants(slot)
        if not variants and slot not in self.banks.slots:
            if slot.startswith("u.") or slot.endswith((".intro", ".close")):
                return None  # a unit without this role, a section without an intro or a closing line
            raise BankError(
                [
                    Problem(
                        self._template_name(),
                        _('the template uses slot "{slot}", which no bank defines').format(slot=slot),
                    )
                ]
            )
        fits = self.fits_in(ctx or self.base)
        bind = bind or {}
        sentence = self.picker.pick(slot, f"{slot}#{n}", fits=fits, bind=bind, heading=heading, prefer=prefer, **flags)
        if sentence is not None:
            return sentence
        fitting = [v for v in variants if fits(v)]
        if fitting and not any(self.eligible(v, bind) for v in fitting):
            return self._mark_missing(slot, fitting, bind, flags)
        return None

    def _mark_missing(
        self, slot: str, fitting: list[Variant], bind: dict[str, Any], flags: dict[str, Any]
    ) -> Sentence | None:
        def lacking_of(v: Variant) -> list[str]:
            return sorted(r for r in v.requires if r != "item" and not present(self.event, r))

        fewest = min(fitting, key=lambda v: len(lacking_of(v)))
        lacking = lacking_of(fewest)
        if not lacking:
            return None
        for r in lacking:
            self.missing[r] = alias_of(tuple(r.split(".")))
        if not self.plan.mark_missing:
            return None
        label = "、".join(self.missing[r] for r in lacking)
        flags.pop("topic", None)
        return Sentence(f"【待补充：{label}】", slot, fewest.where, **flags)

    def render(self, v: Variant, bind: dict[str, Any] | None = None) -> str:
        if "{" not in v.text:
            return v.text  # plain text: nothing to render
        values = self.values | {k: (mark_data(x) if k == "item" else x) for k, x in (bind or {}).items()}
        quick = substitute(v.text, values)
        if quick is not None:
            return quick
        try:
            if v._template is None:
                v._template = self.env.from_string(v.text)
            return v._template.render(values)
        except SecurityError as exc:
            raise BankError(
                [Problem(v.file, _("unsafe variant refused: {exc}").format(exc=exc), v.line, key=v.slot)]
            ) from None
        except (TemplateError, ValueError, TypeError) as exc:
            raise BankError(
                [Problem(v.file, _("cannot render variant: {exc}").format(exc=exc), v.line, key=v.slot)]
            ) from None

    def _template_name(self) -> str:
        return f"templates/{self.event.type}.j2"
