"""Every paragraph develops one point (issue: headings that keep their promise, an order inside each
paragraph, no self-contradiction)."""

from __future__ import annotations

from pathlib import Path

import pytest

from speechgen import api
from speechgen.cli import main
from speechgen.compose.variant import ROLES

from .conftest import DATA, ROOT, TYPES, example

EVENTS = ROOT / "tests" / "data" / "events"
PATHS = (
    [example(t) for t in TYPES] + [example("team_assessment"), example("posting_up")] + sorted(EVENTS.glob("*.yaml"))
)
SEEDS = range(1, 9)
CODES = ("heading-promise", "topic-shift", "section-overlap", "contradicted-praise")


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_drafts_keep_every_promise_and_stay_on_their_points(path: Path) -> None:
    event = api.load_event(path)
    for seed in SEEDS:
        draft = api.draft(event, options=api.Options(seed=seed))
        found = [f for f in api.review(draft, event=event).findings if f.code in CODES]
        assert found == [], (seed, [str(f) for f in found])
        topics = [t for s in draft.sections for t in s.topics]
        assert len(topics) == len(set(topics)), seed


@pytest.mark.parametrize("path", PATHS[:4], ids=lambda p: p.stem)
def test_a_units_sentences_come_in_the_order_of_their_roles(path: Path) -> None:
    order = {r: i for i, r in enumerate(ROLES)}
    draft = api.draft(api.load_event(path), options=api.Options(seed=3))
    for p in draft.paragraphs():
        roles = [s.slot.rsplit(".", 1)[1] for s in p.sentences if s.slot.startswith("u.")]
        roles = [r for r in roles if r in order]
        units = [s.slot.rsplit(".", 1)[0] for s in p.sentences if s.slot.startswith("u.")]
        if len(set(units)) == 1:
            assert roles == sorted(roles, key=order.get), roles


def test_the_check_reports_each_fault_in_a_hand_made_draft(runner) -> None:
    result = runner.invoke(
        main, ["check", str(DATA / "drafts" / "incoherent.md"), "--event", str(DATA / "drafts" / "event_short.yaml")]
    )
    out = result.output
    assert "warning: ¶6: the heading promises 「召回」, which its paragraphs never take up" in out
    assert "warning: ¶8: the heading promises 「档案」, which its paragraphs never take up" in out
    assert "warning: ¶9: the paragraph turns from difficulty to teamwork: 「良好的团队意识也很关键。」" in out
    assert "warning: ¶10: two sections on one subject (care); the first is ¶4" in out
    assert (
        "warning: ¶13: praises attendance, which the event names as a shortcoming (「个别挂职干部到岗不够稳定」)" in out
    )


def test_the_check_reports_usage_and_rhythm_in_a_hand_made_draft(runner) -> None:
    result = runner.invoke(main, ["check", str(DATA / "drafts" / "usage_bad.md")])
    out = result.output
    assert "warning: ¶3: 「二点」: before a measure word write 两" in out
    assert "quotation marks are “” (inner ‘’), not 「」 or straight quotes" in out
    assert "5 prohibitions (不能/不要/严禁) in 98 characters: the draft scolds" in out
    assert "info: ¶5: two images in one sentence: 「基层是沃土，也是考场。」" in out


def test_banks_check_reports_a_unit_without_keys_or_moment(tmp_path: Path, runner) -> None:
    bank = tmp_path / "mine"
    bank.mkdir()
    (bank / "u.yaml").write_text(
        "units:\n  - id: mine.role\n    topic: role\n    heading: [融入新的环境]\n    lead: [要主动融入当地。]\n",
        encoding="utf-8",
    )
    result = runner.invoke(main, ["banks", "check", str(bank)])
    assert (
        f"{bank / 'u.yaml'}:2: unit mine.role: warning: has no keys: the key words its heading promises"
        in result.output
    )
    assert "has no moment: before, during or end" in result.output


def test_builtin_units_carry_keys_and_moments() -> None:
    banks = api.bank_set("formal")
    assert banks.units, "the built-in banks hold units"
    bare = [u.id for u in banks.units.values() if not u.tags.moment or (not u.keys and not u.facts)]
    assert bare == []
