"""What a bank holds: variants (one way of saying a slot's sentence) and units (a point: a heading and the
sentences that develop it, in roles), each tagged with the settings it fits.

Tags say where a variant may stand (phrasebanks/README.md, "Tags"): meeting types, styles, kinds of work,
the direction the people go, the moment it speaks from, the speaker's role, united-front meetings, and what
a praise claims. Untagged means "anywhere".
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

from speechgen.compose.setting import Setting

ROLES = ("lead", "fact", "reason", "example", "comment", "demand", "close")  # the order inside a unit
OPTIONAL_ROLES = frozenset({"example", "close"})  # dropped first when a speech must be shorter
TAG_KEYS = ("types", "styles", "kinds", "direction", "moment", "speakers", "front", "claims")
FRONTS = ("united", "general")
UNIT_KEYS = frozenset({"id", "topic", "keys", "facts", "match", "use", "weight", "heading", *TAG_KEYS, *ROLES})
FACT_LISTS = ("program.tasks", "program.rules", "review.achievements", "review.shortcomings")
USES = ("name", "answer", "both")


@dataclass(frozen=True)
class Tags:
    types: tuple[str, ...] = ()
    styles: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    direction: tuple[str, ...] = ()
    moment: tuple[str, ...] = ()
    speakers: tuple[str, ...] = ()
    front: str = ""
    claims: tuple[str, ...] = ()

    def under(self, unit: Tags) -> Tags:
        """A variant's tags within its unit: its own where it gives them, else the unit's."""
        return replace(unit, **{f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)})

    def to_list(self) -> list[Any]:
        return [
            list(self.types),
            list(self.styles),
            list(self.kinds),
            list(self.direction),
            list(self.moment),
            list(self.speakers),
            self.front,
            list(self.claims),
        ]

    @classmethod
    def from_list(cls, data: list[Any]) -> Tags:
        t, s, k, d, m, sp, front, c = data
        return cls(tuple(t), tuple(s), tuple(k), tuple(d), tuple(m), tuple(sp), front, tuple(c))


@dataclass(frozen=True)
class Context:
    """Where a sentence is to stand: the meeting's setting, the style, and the section's direction and moment."""

    setting: Setting
    style: str
    direction: str
    moment: str


def tags_fit(tags: Tags, ctx: Context) -> bool:
    s = ctx.setting
    return (
        (not tags.types or s.type in tags.types)
        and (not tags.styles or ctx.style in tags.styles)
        and (not tags.kinds or not s.kinds.isdisjoint(tags.kinds))
        and (not tags.direction or ctx.direction in tags.direction)
        and (not tags.moment or ctx.moment in tags.moment or "any" in tags.moment)
        and (not tags.speakers or s.role in tags.speakers)
        and (not tags.front or (tags.front == "united") == s.united_front)
        and (not tags.claims or s.contradicted.isdisjoint(tags.claims))
    )  # isdisjoint, no set built: the picker asks this of every variant of a slot


def misfits(tags: Tags, ctx: Context) -> tuple[str, ...]:
    """The tags that keep a variant out of this context, in TAG_KEYS order (empty: it fits).

    Each tag is judged alone by ``tags_fit`` itself (an untagged field always fits), so the explanation
    can never disagree with the choice."""
    return tuple(k for k in TAG_KEYS if getattr(tags, k) and not tags_fit(Tags(**{k: getattr(tags, k)}), ctx))


@dataclass(eq=False)
class Variant:
    """One way of saying a slot's sentence, with where it was written."""

    text: str
    slot: str
    file: str
    line: int
    tags: Tags = field(default_factory=Tags)
    weight: int = 1
    requires: frozenset[str] = frozenset()
    unknown: tuple[str, ...] = ()  # names that are neither event fields nor derived words
    _template: Any = field(default=None, repr=False)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    @property
    def types(self) -> tuple[str, ...]:
        return self.tags.types

    @property
    def styles(self) -> tuple[str, ...]:
        return self.tags.styles

    def fits(self, meeting_type: str, style: str) -> bool:
        """Type and style only (what `banks check` counts per type and style)."""
        return (not self.tags.types or meeting_type in self.tags.types) and (
            not self.tags.styles or style in self.tags.styles
        )


@dataclass
class Unit:
    """A point: a heading and the sentences that develop it, in the order of ROLES.

    Its roles are slots of their own (``u.<id>.<role>``), so a user bank can add to them or replace them
    like any slot. A unit bound to a list of facts (``facts``) is written once for each item (or group of
    items) its ``match`` takes, with the item's text as ``{{ item }}``.
    """

    id: str
    topic: str
    file: str
    line: int
    keys: tuple[str, ...] = ()  # the heading's key words: each role paragraph says one of them
    tags: Tags = field(default_factory=Tags)
    facts: str = ""  # program.tasks | program.rules | review.achievements | review.shortcomings
    match: tuple[str, ...] = ()  # words, or one class of the lexicon's table for that list
    use: str = ""  # for shortcomings: name (only named), answer (the measure), both
    weight: int = 1
    roles: tuple[str, ...] = ()  # the roles it has, in order (heading aside)

    def slot(self, role: str) -> str:
        return f"u.{self.id}.{role}"

    def to_list(self) -> list[Any]:
        return [
            self.id,
            self.topic,
            self.file,
            self.line,
            list(self.keys),
            self.tags.to_list(),
            self.facts,
            list(self.match),
            self.use,
            self.weight,
            list(self.roles),
        ]

    @classmethod
    def from_list(cls, data: list[Any]) -> Unit:
        uid, topic, file, line, keys, tags, facts, match, use, weight, roles = data
        return cls(
            uid, topic, file, line, tuple(keys), Tags.from_list(tags), facts, tuple(match), use, weight, tuple(roles)
        )
