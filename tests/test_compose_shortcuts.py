"""The composer's shortcuts (issue 19) give what the general paths give: a sentence without event data
skips the data split, its phrases are cached, the picker re-seeds one Random, tags_fit builds no sets."""

from __future__ import annotations

import random

from speechgen.compose import sentence as sentence_mod
from speechgen.compose.jinjaenv import DATA_CLOSE, DATA_OPEN
from speechgen.compose.picker import Picker
from speechgen.compose.sentence import grams_of, to_sentence
from speechgen.compose.setting import Setting
from speechgen.compose.variant import Context, Tags, tags_fit
from speechgen.draft import han_runs

# bank texts with ASCII punctuation, spaces, a doubled word and Han runs long enough for phrases
PLAIN = [
    " 要把考核工作工作抓紧抓实, 切实做到下得去、蹲得住、干得好; 确保取得实效! ",
    "各级党组织要(高度重视)选派干部干部工作:统筹谋划,精心组织。",
    "同志们",
    "",
]


def _general(rendered: str) -> str:
    """The data path of to_sentence, forced by an empty data mark at the end (it adds no text)."""
    return to_sentence(rendered + DATA_OPEN + DATA_CLOSE, "s", "f:1").text


def test_a_sentence_without_data_reads_as_the_general_path_reads_it() -> None:
    for text in PLAIN:
        assert to_sentence(text, "s", "f:1").text == _general(text)
    expected = "要把考核工作抓紧抓实，切实做到下得去、蹲得住、干得好；确保取得实效！"
    assert to_sentence(PLAIN[0], "s", "f:1").text == expected


def test_phrases_of_bank_text_are_those_of_its_han_runs_and_cannot_be_changed() -> None:
    for text in PLAIN:
        for n in (4, 8, 12):
            assert set(grams_of(text, n=n)) == set(han_runs(text, n))
            assert grams_of(text, n=n) == grams_of(text + DATA_OPEN + DATA_CLOSE, n=n)
    cached = grams_of(PLAIN[0])
    assert isinstance(cached, frozenset)  # shared between drafts: nobody may add to it
    assert sentence_mod._plain_grams.cache_info().hits >= 1


def test_the_picker_orders_places_as_a_new_random_seeded_by_the_place_would() -> None:
    class Banks:
        def variants(self, slot: str) -> list:
            return []

    picker = Picker(
        banks=Banks(), seed=7, fits=lambda v: True, eligible=lambda v, bind: True, render=lambda v, bind: ""
    )

    class V:
        def __init__(self, weight: int) -> None:
            self.weight = weight

    candidates = [V(w) for w in (1, 3, 1, 2, 5, 1, 1, 4)]
    for place in ("a.b#1", "a.b#2", "c#10", "a.b#1"):
        slot = place.rsplit("#", 1)[0]
        rng = random.Random(f"7:{slot}:{place.rsplit('#', 1)[1]}")
        expected = sorted(candidates, key=lambda v: rng.random() ** (1.0 / v.weight), reverse=True)
        assert picker.order(slot, place, candidates) == expected


def _setting(**kw: object) -> Setting:
    base = dict(
        type="mobilisation",
        family="village",
        job="",
        direction="down",
        role="principal",
        united_front=False,
        selected=False,
        speeches=False,
        contradicted=frozenset({"veteran"}),
    )
    return Setting(**{**base, **kw})  # type: ignore[arg-type]


def test_kinds_and_claims_fit_as_sets_would_say() -> None:
    ctx = Context(_setting(), "formal", "down", "start")
    cases = [
        (Tags(kinds=("village",)), True),
        (Tags(kinds=("team", "village")), True),
        (Tags(kinds=("team",)), False),
        (Tags(claims=("veteran",)), False),
        (Tags(claims=("first", "veteran")), False),
        (Tags(claims=("first",)), True),
        (Tags(), True),
    ]
    for tags, fits in cases:
        assert tags_fit(tags, ctx) is fits, tags
