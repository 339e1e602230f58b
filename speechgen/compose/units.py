"""Which units a section writes: first one for each fact it takes (a task, a rule, a group of
achievements, a shortcoming), then units of its own topics, one a topic, chosen by the seed.

A fact goes to the unit whose ``match`` words (or lexicon class) it contains, else to the list's general
unit; a rule goes to the section that owns its unit's topic. Nothing here writes text: it returns the plan
of a section, which the composer renders role by role.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from speechgen.compose.banks import BankSet
from speechgen.compose.plan import FactSpec, SectionSpec
from speechgen.compose.setting import Lexicon
from speechgen.compose.variant import Context, Unit, tags_fit
from speechgen.event.model import Event

GROUPED = frozenset({"program.rules", "review.achievements"})  # items of one unit share it; others get one each
MAX_FACT_UNITS = 5
MAX_SECTION_UNITS = 5  # points a section holds at most, however long the speech
TABLES = {"program.rules": "rules", "review.achievements": "achievements", "review.shortcomings": "claims"}


@dataclass(frozen=True)
class UnitUse:
    """One unit as a section writes it: in which context, for which fact items."""

    unit: Unit
    ctx: Context
    items: tuple[str, ...] = ()
    source: str = ""  # the fact list the items come from
    passage: bool = False  # achievements: sentences in the section's first paragraph, no heading
    tail: bool = False  # shortcomings named after the praise: one paragraph at the section's end


@dataclass
class SectionPlan:
    spec: SectionSpec
    ctx: Context
    uses: list[UnitUse] = field(default_factory=list)

    @property
    def topics(self) -> set[str]:
        return {u.unit.topic for u in self.uses}


def unit_matches(unit: Unit, item: str, lexicon: Lexicon) -> bool:
    """Does a fact item belong to this unit? (its match words, or its lexicon class, occur in the item)"""
    if not unit.match:
        return False
    table = TABLES.get(unit.facts)
    if table and len(unit.match) == 1 and unit.match[0] in getattr(lexicon, table):
        return any(w in item for w in getattr(lexicon, table)[unit.match[0]])
    return any(w in item for w in unit.match)


def fact_units(
    banks: BankSet, fact: FactSpec, items: Sequence[str], ctx: Context, lexicon: Lexicon
) -> list[tuple[Unit, list[str]]]:
    """(unit, its items) for each item of a fact list, in the order the items were given."""
    candidates = [
        u for u in banks.units.values() if u.facts == fact.list and u.use == fact.use and tags_fit(u.tags, ctx)
    ]
    general = [u for u in candidates if not u.match]
    out: list[tuple[Unit, list[str]]] = []
    for item in items:
        unit = next((u for u in candidates if unit_matches(u, item, lexicon)), general[0] if general else None)
        if unit is None:
            continue
        group = next((g for g in out if g[0] is unit), None) if fact.list in GROUPED else None
        if group is not None:
            group[1].append(item)
        else:
            out.append((unit, [item]))
    if len(out) > MAX_FACT_UNITS and general:  # the rest are said together, in the list's general unit
        head, rest = out[: MAX_FACT_UNITS - 1], out[MAX_FACT_UNITS - 1 :]
        out = [*head, (general[0], [i for _, items in rest for i in items])]
    return out


def rule_owner(rule_unit: Unit, sections: Sequence[SectionSpec]) -> SectionSpec | None:
    owner = next((s for s in sections if rule_unit.topic in s.topics), None)
    if owner is None:
        owner = next((s for s in sections if s.rules), None)
    return owner or (sections[-1] if sections else None)


def plan_section(
    spec: SectionSpec,
    sections: Sequence[SectionSpec],
    event: Event,
    banks: BankSet,
    base: Context,
    lexicon: Lexicon,
    seed: int,
    extra: int = 0,
    fresh: Callable[[Unit], float] | None = None,
) -> SectionPlan:
    # a split section's heading and intro speak to both groups; its units to one group each
    direction = base.direction if spec.direction in ("", "split") else spec.direction
    ctx = Context(base.setting, base.style, direction, spec.moment or base.moment)
    plan = SectionPlan(spec, ctx)
    facts = list(spec.facts)
    rules = FactSpec("program.rules")
    rule_items = event.get("program.rules") or ()
    for fact in facts:
        items = event.get(fact.list) or ()
        for unit, taken in fact_units(banks, fact, items, ctx, lexicon):
            passage, tail = fact.list == "review.achievements", fact.use == "name"
            plan.uses.append(UnitUse(unit, ctx, tuple(taken), fact.list, passage=passage, tail=tail))
    if rule_items and all(f.list != "program.rules" for f in facts):
        for unit, taken in fact_units(banks, rules, rule_items, ctx, lexicon):
            if rule_owner(unit, sections) is spec:
                plan.uses.append(UnitUse(unit, ctx, tuple(taken), rules.list))
    covered = {u.unit.topic for u in plan.uses if not (u.passage or u.tail)}
    topics = [t for t in spec.topics if t not in covered and not (t == "selection" and base.setting.selected)]
    facts_written = sum(1 for u in plan.uses if not (u.passage or u.tail))
    # the section's facts count towards its points; its own topics still get one at least
    wanted = max(1 if topics else 0, spec.units + extra - facts_written)
    if not spec.topics:
        return plan
    rng = random.Random(f"{seed}:units:{spec.key}")
    directions = ["down", "up"] if spec.direction == "split" else [ctx.direction]
    chosen: list[UnitUse] = []
    for i in range(wanted):
        direction = directions[i % len(directions)]
        here = Context(ctx.setting, ctx.style, direction, ctx.moment)
        taken = {c.unit.topic for c in chosen}
        options = [
            (t, u)
            for t in topics
            for u in banks.units_of(t)
            if not u.facts and tags_fit(u.tags, here) and t not in taken
        ]
        if not options and i >= spec.units and len(chosen) + facts_written < MAX_SECTION_UNITS:
            # a longer speech: a second point of a topic already spoken of (its units make different points)
            used = {c.unit.id for c in chosen}
            twice = {t for t in taken if sum(c.unit.topic == t for c in chosen) > 1}
            options = [
                (t, u)
                for t in topics
                for u in banks.units_of(t)
                if not u.facts and tags_fit(u.tags, here) and u.id not in used and t not in twice
            ]
        if not options:
            continue
        # a unit whose wording the office's earlier drafts have used up gives way to a fresher one
        weights = [u.weight * (fresh(u) + 0.05 if fresh else 1.0) for _, u in options]
        _, unit = rng.choices(options, weights=weights)[0]
        chosen.append(UnitUse(unit, here))
    order = {t: i for i, t in enumerate(spec.topics)}
    group = {"down": 0, "up": 1}  # a split section speaks to those going down, then to those coming up
    chosen.sort(key=lambda u: (group.get(u.ctx.direction, 0), order.get(u.unit.topic, 99)))
    plan.uses.extend(chosen)
    return plan
