"""`speechgen banks try`: each variant as it reads with one event's facts, and whether it can be chosen.

A variant can be chosen for an event when its slot comes up somewhere in that event's speech (the
template asks for it, a section of the event's outline writes it, or a unit of a topic a section takes has
that role), its tags fit that place (``compose/variant.py``: ``tags_fit``, explained by ``misfits``) and
the event gives the facts it uses. The places are found with the composer's own pieces (an exploring
Composer for the template, ``plan_section`` for a section's context, ``fact_units`` for units bound to
facts); nothing here decides fit by itself.

Each reason is a code and a whole sentence (no fragments glued together), so that a catalogue can
translate it later.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from speechgen.compose.banks import BankSet, Variant
from speechgen.compose.composer import Composer, template_environment
from speechgen.compose.plan import FactSpec, Plan, SectionSpec
from speechgen.compose.sentence import to_sentence
from speechgen.compose.setting import Setting, load_lexicon
from speechgen.compose.units import fact_units, plan_section, rule_owner
from speechgen.compose.variables import present
from speechgen.compose.variant import Context, Unit, misfits
from speechgen.draft import with_count
from speechgen.errors import ConfigError, SpeechgenError
from speechgen.event.model import Event
from speechgen.event.schema import MEETING_TYPES, alias_of, leaves
from speechgen.i18n import _
from speechgen.review.bankcheck import reachable_slots

LIST_FIELDS = frozenset(".".join(p) for p, f in leaves() if f.kind == "texts")

MESSAGES = {
    "fact": "missing fact: the event gives no {field} ({alias})",
    "types": "wrong meeting type: written for {wanted}; this is a {actual} meeting",
    "slot_type": "wrong meeting type: slot {slot} belongs to {wanted} meetings; this is a {actual} meeting",
    "styles": "wrong style: written for {wanted}; this draft is in style {actual}",
    "kinds": "wrong kind of work: written for {wanted}; this event's work is {actual}",
    "direction": "wrong direction: written for people going {wanted}; here they go {actual}",
    "moment": "wrong moment: written for {wanted}; this part of the speech speaks {actual}",
    "speakers": "wrong speaker role: written for {wanted}; this speaker is {actual}",
    "front_united": "united-front meetings only; this meeting is not one",
    "front_general": "not for united-front meetings; this meeting is one",
    "claims": "contradicted by a shortcoming: it praises {wanted}, which a shortcoming of the event contradicts",
    "section": "wrong kind of work: a {type} meeting about {family} work has no section {section}",
    "topic": "no section of this meeting takes topic {topic} (a {type} meeting about {family} work)",
    "no_item": "no item of {field} goes to this unit (it takes items that match: {match})",
    "no_item_general": "no item of {field} goes to this unit: unit {other} takes those that no unit matches",
    "not_asked": "this event's speech does not ask for slot {slot} (the template asks for it only with other facts)",
    "unused": "no template or unit asks for slot {slot}; run speechgen banks check for a likely misspelling",
    "no_role": "unit {unit} has no role {role}, so slot {slot} is never asked for",
    "unknown": "uses {names}, which no event provides",
    "render": "cannot be rendered: {error}",
}


@dataclass(frozen=True)
class Reason:
    """Why a variant cannot be chosen: a code (its catalogue entry) and the values its sentence names."""

    code: str
    values: tuple[tuple[str, str], ...] = ()

    @property
    def message(self) -> str:
        return MESSAGES[self.code].format(**dict(self.values))

    def __str__(self) -> str:
        return self.message


def reason(code: str, **values: object) -> Reason:
    return Reason(code, tuple((k, str(v)) for k, v in values.items()))


@dataclass(frozen=True)
class Trial:
    """One variant tried against an event."""

    slot: str
    where: str  # file:line
    variant: str  # the bank text
    text: str  # as it reads with this event's facts (【待补充：…】 for a fact the event does not give)
    reasons: tuple[Reason, ...] = ()

    @property
    def possible(self) -> bool:
        return not self.reasons


@dataclass(frozen=True)
class Place:
    """Where a slot comes up in this event's speech: its context, its bindings, the unit it belongs to."""

    ctx: Context
    bind: dict[str, Any] = field(default_factory=dict)
    unit: Unit | None = None
    blocked: tuple[Reason, ...] = ()  # a unit bound to facts the event does not give, or not matched


def select(banks: BankSet, slot: str | None, user_files: Collection[str]) -> list[Variant]:
    """The variants to try: those of one slot (or of the slots under it), else those of the user's files."""
    if slot:
        slots = [s for s in banks.slots if s == slot or s.startswith(slot + ".")]
        if not slots:
            import difflib

            close = difflib.get_close_matches(slot, list(banks.slots), n=3)
            if close:
                message = f'no slot "{slot}" in the banks of style {banks.style}; did you mean {", ".join(close)}?'
            else:
                message = f'no slot "{slot}" in the banks of style {banks.style}'
            raise ConfigError(message)
        return [v for s in slots for v in banks.variants(s)]
    if not user_files:
        raise ConfigError(_("banks try needs your folder (--banks DIR) or a slot (--slot SLOT)"))
    found = [v for vs in banks.slots.values() for v in vs if v.file in user_files]
    return sorted(found, key=lambda v: (v.file, v.line))


def try_variants(
    event: Event, banks: BankSet, plan: Plan, setting: Setting, variants: Sequence[Variant]
) -> list[Trial]:
    lexicon = load_lexicon()
    sections = plan.sections_for(event, plan.max_points(event))
    composer = Composer(
        event, plan, banks, sections, template_environment(plan.template_dirs), setting, lexicon, explore=True
    )
    composer.env.get_template(f"{event.type}.j2").render(composer.values | composer.functions())
    places = _places(event, banks, plan, setting, sections, composer)
    count = len(plan.sections_for(event, min(plan.points, plan.max_points(event))))
    reachable = reachable_slots(event.type, banks, plan.template_dirs)
    return [_trial(v, places, composer, count, reachable, event, setting) for v in variants]


# -- where each slot comes up ----------------------------------------------------------------------------


def _places(
    event: Event, banks: BankSet, plan: Plan, setting: Setting, sections: tuple[SectionSpec, ...], composer: Composer
) -> dict[str, list[Place]]:
    out: dict[str, list[Place]] = {}
    base = composer.base
    section_slots = {f"{event.type}.{s.key}.{part}" for s in plan.outline for part in ("heading", "intro")}
    for slot in composer.calls:
        if slot not in section_slots:
            out.setdefault(slot, []).append(Place(base))
    lexicon = load_lexicon()
    for spec in sections:
        ctx = plan_section(spec, sections, event, banks, base, lexicon, plan.seed).ctx
        for part in ("heading", "intro"):
            out.setdefault(f"{event.type}.{spec.key}.{part}", []).append(Place(ctx))
        directions = ["down", "up"] if spec.direction == "split" else [ctx.direction]
        for direction in directions:
            here = Context(ctx.setting, ctx.style, direction, ctx.moment)
            for topic in spec.topics:
                if topic == "selection" and setting.selected:
                    continue
                for unit in banks.units_of(topic):
                    if not unit.facts:
                        _add_unit(out, unit, Place(here, unit=unit))
        facts = list(spec.facts)
        if all(f.list != "program.rules" for f in facts):  # rules go to the section that owns their topic
            owned = [u for u in banks.units.values() if u.facts == "program.rules" and rule_owner(u, sections) is spec]
            _fact_places(out, event, banks, FactSpec("program.rules"), ctx, owned)
        for fact in facts:
            units = [u for u in banks.units.values() if u.facts == fact.list and u.use == fact.use]
            _fact_places(out, event, banks, fact, ctx, units)
    return out


def _fact_places(
    out: dict[str, list[Place]], event: Event, banks: BankSet, fact: FactSpec, ctx: Context, units: list[Unit]
) -> None:
    items = event.get(fact.list) or ()
    if not items:
        blocked = (reason("fact", field=fact.list, alias=alias_of(tuple(fact.list.split(".")))),)
        for unit in units:
            _add_unit(out, unit, Place(ctx, unit=unit, blocked=blocked))
        return
    taken_units = fact_units(banks, fact, items, ctx, load_lexicon())
    taken = {id(u): got for u, got in taken_units}
    for unit in units:
        got = taken.get(id(unit))
        if got:
            _add_unit(out, unit, Place(ctx, {"item": "，".join(got), "items": list(got)}, unit))
        elif misfits(unit.tags, ctx):  # the unit itself does not fit: its tags say why
            _add_unit(out, unit, Place(ctx, {"item": items[0], "items": [items[0]]}, unit))
        elif unit.match:
            blocked = (reason("no_item", field=fact.list, match="、".join(unit.match)),)
            _add_unit(out, unit, Place(ctx, unit=unit, blocked=blocked))
        else:
            other = next((u.id for u, _items in taken_units if not u.match), "-")
            blocked = (reason("no_item_general", field=fact.list, other=other),)
            _add_unit(out, unit, Place(ctx, unit=unit, blocked=blocked))


def _add_unit(out: dict[str, list[Place]], unit: Unit, place: Place) -> None:
    for role in ("heading", *unit.roles):
        out.setdefault(unit.slot(role), []).append(place)


# -- one variant -------------------------------------------------------------------------------------------


def _trial(
    v: Variant,
    places: dict[str, list[Place]],
    composer: Composer,
    count: int,
    reachable: set[str],
    event: Event,
    setting: Setting,
) -> Trial:
    here = places.get(v.slot, [])
    found: list[tuple[Reason, ...]] = [_place_reasons(v, p, composer) for p in here]
    if v.unknown:
        reasons: tuple[Reason, ...] = (reason("unknown", names=", ".join(v.unknown)),)
    elif here:
        reasons = min(found, key=len)
    else:
        reasons = _nowhere(v, composer, reachable, event, setting)
    bind = next((p.bind for p, r in zip(here, found, strict=True) if not r), here[0].bind if here else {})
    text, error = _render(v, composer, bind, count)
    if error is not None:
        reasons = (*reasons, error)
    return Trial(v.slot, v.where, v.text, text, reasons)


def _place_reasons(v: Variant, place: Place, composer: Composer) -> tuple[Reason, ...]:
    out: list[Reason] = list(place.blocked)
    tags = [v.tags] if place.unit is None else [place.unit.tags, v.tags]
    seen: set[str] = set()
    for t in tags:
        for key in misfits(t, place.ctx):
            if key not in seen:
                seen.add(key)
                out.append(_tag_reason(key, getattr(t, key), place.ctx))
    if not place.blocked:
        for path in sorted(v.requires):
            if path == "item":
                continue  # bound by the place (a unit bound to facts the event gives)
            if not present(composer.event, path):
                out.append(reason("fact", field=path, alias=alias_of(tuple(path.split(".")))))
    return tuple(out)


def _tag_reason(key: str, wanted: Any, ctx: Context) -> Reason:
    s = ctx.setting
    words = ", ".join(wanted) if isinstance(wanted, tuple) else str(wanted)
    if key == "front":
        return reason("front_united" if wanted == "united" else "front_general")
    actual = {
        "types": s.type,
        "styles": ctx.style,
        "kinds": ", ".join(sorted(s.kinds)),
        "direction": ctx.direction,
        "moment": ctx.moment,
        "speakers": s.role,
        "claims": ", ".join(sorted(s.contradicted)),
    }[key]
    if key == "claims":
        words = ", ".join(sorted(set(wanted) & s.contradicted))
    return reason(key, wanted=words, actual=actual)


def _nowhere(v: Variant, composer: Composer, reachable: set[str], event: Event, setting: Setting) -> tuple[Reason, ...]:
    """Why the slot never comes up in this event's speech."""
    slot = v.slot
    head = slot.split(".", 1)[0]
    if head in MEETING_TYPES and head != event.type:
        return (reason("slot_type", slot=slot, wanted=head, actual=event.type),)
    parts = slot.split(".")
    plan = composer.plan
    if head == event.type and len(parts) == 3 and parts[2] in ("heading", "intro") and parts[1] != "opening":
        spec = next((s for s in plan.outline if s.key == parts[1]), None)
        if spec is None:
            return (reason("section", type=event.type, family=setting.family, section=parts[1]),)
        lacking = [r for r in spec.requires if not event.get(r)]
        return tuple(reason("fact", field=r, alias=alias_of(tuple(r.split(".")))) for r in lacking) or (
            reason("not_asked", slot=slot),
        )
    if slot.startswith("u."):
        unit = next((u for u in composer.banks.units.values() if slot.startswith(f"u.{u.id}.")), None)
        if unit is None:
            return (reason("unused", slot=slot),)
        role = slot[len(f"u.{unit.id}.") :]
        if role not in ("heading", *unit.roles):
            return (reason("no_role", unit=unit.id, role=role, slot=slot),)
        tags = tuple(_tag_reason(k, getattr(unit.tags, k), composer.base) for k in misfits(unit.tags, composer.base))
        return (reason("topic", topic=unit.topic, type=event.type, family=setting.family), *tags)
    if slot in reachable:
        return (reason("not_asked", slot=slot),)
    return (reason("unused", slot=slot),)


def _render(v: Variant, composer: Composer, bind: dict[str, Any], count: int) -> tuple[str, Reason | None]:
    """The variant as it reads here; a fact the event does not give is shown as 【待补充：alias】."""
    lacking = [r for r in v.requires if r != "item" and not present(composer.event, r)]
    saved = dict(composer.values)
    try:
        for path in lacking:
            _fill(composer.values, path)
        if "item" in v.requires and bind.get("item") is None:
            bind = {"item": "【待补充：事项】", "items": ["【待补充：事项】"]}
        text = to_sentence(composer.render(v, bind), v.slot, v.where).text
    except (SpeechgenError, ValueError, TypeError) as exc:
        if lacking:  # a stand-in a filter cannot take (|cn of 【待补充：批次】): show the text as written
            return v.text, None
        message = exc.message if isinstance(exc, SpeechgenError) else str(exc)
        return v.text, reason("render", error=message.splitlines()[0])
    finally:
        composer.values.clear()
        composer.values.update(saved)
    if v.slot.endswith(".heading"):
        text = text.rstrip("。；，")
    return with_count(text, count), None


def _fill(values: dict[str, Any], path: str) -> None:
    root, _dot, leaf = path.partition(".")
    mark = f"【待补充：{alias_of(tuple(path.split('.')))}】"
    if not leaf:
        values[root] = mark
        return
    ns = SimpleNamespace(**vars(values[root]))
    setattr(ns, leaf, [mark] if path in LIST_FIELDS else mark)
    values[root] = ns
