"""The choices of one draft: which variant stands at each place, and what else could stand there.

A *place* is a slot and its occurrence in the draft (``opening.announce#0``). At each place the picker
takes, in an order seeded by the place, the first variant that fits the meeting, has its facts, has not
been used, and repeats no sentence and no 8-character phrase already in the draft. A *fixed choice*
(place → the variant's bank text) is taken wherever its place comes up; its text and phrases are
reserved from the start, so that no earlier place takes them. The same event, seed and fixed choices
give the same choices.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass, field
from typing import Any

from speechgen.compose.banks import BankSet, Variant
from speechgen.compose.sentence import FRESH_GRAM, grams_of, said_sentences, to_sentence
from speechgen.draft import Sentence, han_runs

HEADING_GRAM = 4  # two headings of one speech share no four-character phrase


@dataclass(frozen=True)
class Alternative:
    """A variant that could stand at a place of a finished draft, rendered with this event's facts."""

    place: str
    variant: str  # the bank text (what a fixed choice names)
    text: str  # as it reads in this draft
    source: str  # file:line
    current: bool = False


Fits = Callable[[Variant], bool]


@dataclass
class Picker:
    banks: BankSet
    seed: int
    fits: Fits  # the setting allows it (type, style, kind …); a place may narrow it further
    eligible: Callable[[Variant, dict[str, Any]], bool]  # and its facts are given (with the place's bindings)
    render: Callable[[Variant, dict[str, Any]], str]  # with the place's bindings ({{ item }} …)
    words: frozenset[str] = frozenset()
    fixed: Mapping[str, str] = field(default_factory=dict)
    used: set[int] = field(default_factory=set)
    used_texts: set[str] = field(default_factory=set)
    used_grams: set[str] = field(default_factory=set)
    heading_grams: set[str] = field(default_factory=set)
    grams_at: dict[str, Set[str]] = field(default_factory=dict)  # place → its phrases
    text_at: dict[str, str] = field(default_factory=dict)
    reached: set[str] = field(default_factory=set)  # fixed places that came up
    fits_at: dict[str, Fits] = field(default_factory=dict)  # place → what may stand there
    bind_at: dict[str, dict[str, Any]] = field(default_factory=dict)  # place → its bindings
    accept: Callable[[str], bool] = lambda text: True  # the draft's budgets (prohibitions, 排比)
    taken: Callable[[str], None] = lambda text: None
    avoid: frozenset[str] = frozenset()  # 12-character runs and sentences of the office's earlier drafts
    resolve: Callable[[str], str] = lambda text: text  # a sentence as it will be printed (the count written in)
    avoided: int = 0  # variants passed over because an earlier draft said them
    exhausted: set[str] = field(default_factory=set)  # slots where every variant had been said before
    _fresh: bool = True  # False while a slot that ran out is filled from what was said before
    _reserved: dict[int, str] = field(default_factory=dict)  # id(variant) → its fixed place
    _reserved_grams: set[str] = field(default_factory=set)
    _rng: random.Random = field(default_factory=random.Random, repr=False)  # re-seeded for every place

    def __post_init__(self) -> None:
        for place, text in sorted(self.fixed.items()):
            v = self.find(place, text, {})
            if v is not None:
                self._reserved[id(v)] = place
                self._reserved_grams |= grams_of(self.render(v, {}), self.words)

    def find(self, place: str, text: str, bind: dict[str, Any]) -> Variant | None:
        """The eligible variant of the place's slot whose bank text is `text`."""
        slot = slot_of(place)
        return next((v for v in self.banks.variants(slot) if v.text == text and self.eligible(v, bind)), None)

    def order(self, slot: str, place: str, candidates: list[Variant]) -> list[Variant]:
        rng = self._rng  # seeding with the string gives the sequence random.Random(string) would
        rng.seed(f"{self.seed}:{slot}:{place.rsplit('#', 1)[1]}")
        return sorted(candidates, key=lambda v: rng.random() ** (1.0 / v.weight), reverse=True)

    def pick(
        self,
        slot: str,
        place: str,
        fits: Fits | None = None,
        bind: dict[str, Any] | None = None,
        heading: bool = False,
        prefer: Callable[[Variant], bool] | None = None,
        **flags: Any,
    ) -> Sentence | None:
        """The sentence at a place, or None when no variant may stand there. Variants `prefer` likes come
        first (a paragraph that takes up its heading's words), in the seeded order among themselves."""
        fits, bind = fits or self.fits, bind or {}
        self.fits_at[place], self.bind_at[place] = fits, bind
        if place in self.fixed:
            v = self.find(place, self.fixed[place], bind)
            if v is not None and (self._reserved.get(id(v)) == place or id(v) not in self._reserved):
                self.reached.add(place)
                return self._take(v, slot, place, bind, heading, flags, check=False)
        candidates = [v for v in self.banks.variants(slot) if fits(v) and self.eligible(v, bind)]
        ordered = self.order(slot, place, candidates)
        if prefer is not None:
            ordered = [v for v in ordered if prefer(v)] + [v for v in ordered if not prefer(v)]
        before = self.avoided
        for v in ordered:
            if id(v) in self.used or id(v) in self._reserved:
                continue
            sentence = self._take(v, slot, place, bind, heading, flags, check=True)
            if sentence is not None:
                return sentence
        if self.avoided > before:  # every fresh variant was said before: say one again, and report it
            self.exhausted.add(slot)
            self._fresh = False
            try:
                for v in ordered:
                    if id(v) not in self.used and id(v) not in self._reserved:
                        sentence = self._take(v, slot, place, bind, heading, flags, check=True)
                        if sentence is not None:
                            return sentence
            finally:
                self._fresh = True
        return None

    def _take(
        self, v: Variant, slot: str, place: str, bind: dict[str, Any], heading: bool, flags: dict[str, Any], check: bool
    ) -> Sentence | None:
        rendered = self.render(v, bind)
        sentence = to_sentence(rendered, slot, v.where, place=place, variant=v.text, **flags)
        grams = grams_of(rendered, self.words)
        heads = set(han_runs(sentence.text, HEADING_GRAM)) if heading else set()
        if check and (
            sentence.text in self.used_texts
            or grams & self.used_grams
            or grams & self._reserved_grams
            or heads & self.heading_grams
            or not self.accept(sentence.text)
        ):
            return None
        if check and self._fresh and self.avoid and self.said_before(rendered, sentence.text):
            self.avoided += 1
            return None
        self.taken(sentence.text)
        self.heading_grams |= heads
        self.used.add(id(v))
        self.used_texts.add(sentence.text)
        self.used_grams |= grams
        self.grams_at[place] = grams
        self.text_at[place] = sentence.text
        if heading:
            sentence.text = sentence.text.rstrip("。；，")
        return sentence

    def said_before(self, rendered: str, text: str) -> bool:
        """Did an earlier draft say this: a run of twelve of its own characters, or a whole sentence?"""
        if grams_of(rendered, n=FRESH_GRAM) & self.avoid:
            return True
        return bool(said_sentences(self.resolve(text)) & self.avoid)

    def alternatives(self, place: str, kept: set[str]) -> list[Alternative]:
        """Every variant that could stand at `place` in the draft whose places are `kept`: it fits, has its
        facts, and repeats no other sentence or phrase of that draft."""
        slot = slot_of(place)
        current = self.text_at.get(place)
        others = kept - {place}
        texts = {self.text_at[p] for p in others if p in self.text_at}
        grams: set[str] = set()
        for p in others:
            grams |= self.grams_at.get(p, set())
        out: list[Alternative] = []
        seen: set[str] = set()
        fits, bind = self.fits_at.get(place, self.fits), self.bind_at.get(place, {})
        for v in self.banks.variants(slot):
            if not (fits(v) and self.eligible(v, bind)) or v.text in seen:
                continue
            seen.add(v.text)
            rendered = self.render(v, bind)
            sentence = to_sentence(rendered, slot, v.where)
            if sentence.text in texts or grams_of(rendered, self.words) & grams:
                continue
            out.append(Alternative(place, v.text, sentence.text, v.where, sentence.text == current))
        return out


def slot_of(place: str) -> str:
    return place.rsplit("#", 1)[0]
