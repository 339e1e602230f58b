"""Drafts that fit their meeting (issue: the job, the direction, the speaker's role and the programme
shape the speech). Checked over several seeds and styles, by the tags of the variants each sentence came
from where a word list would be too weak."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from speechgen import api
from speechgen.compose.banks import BankSet
from speechgen.compose.variant import Variant
from speechgen.draft import Draft

from .conftest import ROOT, example

EVENTS = ROOT / "tests" / "data" / "events"
SEEDS = range(1, 9)
STYLES = ("formal", "warm", "concise")
TEAM_EVENTS = [
    example("team_assessment"),
    EVENTS / "inspection_mobilisation.yaml",
    EVENTS / "supervision_mobilisation.yaml",
]
POSTING_WORDS = ("挂职", "送行", "派出单位", "接收单位", "驻村")


def draft_of(path: Path, seed: int, style: str = "formal") -> Draft:
    return api.draft(api.load_event(path), options=api.Options(seed=seed, style=style))


def body(draft: Draft) -> str:
    return "\n".join(t for k, t in draft.lines() if k not in ("title", "speaker", "date"))


def headings(draft: Draft) -> list[str]:
    return [t for k, t in draft.lines() if k in ("heading1", "heading2")]


def variant_of(banks: BankSet, slot: str, text: str) -> Variant | None:
    return next((v for v in banks.variants(slot) if v.text == text), None)


def tagged(draft: Draft, style: str = "formal") -> list[tuple[str, Variant]]:
    """(sentence, the bank variant it came from) for every sentence of a draft."""
    banks = api.bank_set(style)
    out = []
    for s in draft.sentences():
        v = variant_of(banks, s.slot, s.variant) if s.slot else None
        if v is not None:
            out.append((s.text, v))
    return out


@pytest.mark.parametrize("path", TEAM_EVENTS, ids=lambda p: p.stem)
@pytest.mark.parametrize("style", STYLES)
def test_a_task_team_speech_is_about_its_job(path: Path, style: str) -> None:
    event = api.load_event(path)
    job = next(j for j in ("考核", "巡察", "督导") if j in event.get("program.kind"))
    for seed in SEEDS:
        draft = api.draft(event, options=api.Options(seed=seed, style=style))
        text = body(draft)
        assert not [w for w in POSTING_WORDS if w in text], (seed, [w for w in POSTING_WORDS if w in text])
        assert sum(job in h for h in headings(draft)) >= 2, (seed, headings(draft))
        tasks = event.get("program.tasks")
        assert all(t in text for t in tasks), (seed, [t for t in tasks if t not in text])


def test_a_posting_up_never_sends_anyone_down() -> None:
    path = example("posting_up")
    for seed in SEEDS:
        draft = draft_of(path, seed)
        wrong = [t for t, v in tagged(draft) if v.tags.direction and "up" not in v.tags.direction]
        assert wrong == [], (seed, wrong)
        assert not re.search(r"到基层去|下到基层|扎根基层|驻村|村里", body(draft)), seed


def test_a_two_way_exchange_speaks_to_both_groups() -> None:
    for path in (EVENTS / "exchange_mobilisation.yaml", example("summary_mobilisation")):
        for seed in SEEDS:
            directions = {d for _, v in tagged(draft_of(path, seed)) for d in v.tags.direction}
            assert {"down", "up"} <= directions, (path.stem, seed, directions)


ORDERS_TO_LEVEL = re.compile(
    r"(?:[省市县区]委)(?:、[省市县区]政府)?(?:要|必须|务必)|[省市县区]政府要|(?:组织|统战|宣传)部门要"
)


@pytest.mark.parametrize(
    "path",
    [example("mobilisation"), example("summary"), example("village_stay"), example("team_assessment")],
    ids=lambda p: p.stem,
)
def test_a_department_head_gives_no_order_to_the_committee_or_a_peer(path: Path) -> None:
    for seed in SEEDS:
        draft = draft_of(path, seed)
        principal_only = [t for t, v in tagged(draft) if v.tags.speakers and "department" not in v.tags.speakers]
        assert principal_only == [], (seed, principal_only)
        own = api.load_event(path).get("speaker.on_behalf_of") or ""
        orders = [m.group(0) for m in ORDERS_TO_LEVEL.finditer(body(draft)) if m.group(0)[:3] not in own]
        assert orders == [], (seed, orders)


def test_a_principal_leader_may_direct_every_body() -> None:
    drafts = [draft_of(EVENTS / "posting_summary_mobilisation.yaml", seed) for seed in SEEDS]
    principal = [t for d in drafts for t, v in tagged(d) if v.tags.speakers == ("principal",)]
    assert principal, "a 区委书记's drafts take the variants only a principal leader may say"


def test_a_united_front_summary_speaks_of_the_united_front() -> None:
    for seed in SEEDS:
        text = body(draft_of(example("summary"), seed))
        assert "党外" in text and "统一战线" in text, seed


def test_no_speech_is_praised_when_only_a_name_list_was_read() -> None:
    path = EVENTS / "village_mobilisation.yaml"
    for seed in SEEDS:
        draft = draft_of(path, seed)
        opening = "".join(p.text for p in draft.opening)  # where the programme before the speech is taken up
        assert "发言" not in opening, seed
        assert not any(w in body(draft) for w in ("讲得很好", "讲得都很好", "听了大家的发言")), seed


def test_the_speaker_hands_over_to_the_next_item_of_the_programme() -> None:
    for seed in SEEDS:
        draft = draft_of(example("posting_up"), seed)
        closing = "".join(p.text for p in draft.closing)
        assert "市委副书记还要作重要讲话" in closing, (seed, closing)
        assert draft.closing[-1].text == "谢谢大家！"


def test_leaders_present_are_greeted_by_name_and_post() -> None:
    draft = draft_of(EVENTS / "posting_summary_mobilisation.yaml", 1)
    assert draft.salutation == "尊敬的张华副部长，同志们："


def test_cadres_already_chosen_are_not_told_how_to_be_selected() -> None:
    for seed in SEEDS:
        draft = draft_of(example("village_stay"), seed)
        assert not [s.text for s in draft.sentences() if s.topic == "selection"], seed


def test_the_new_fields_are_read_with_aliases(tmp_path: Path) -> None:
    path = tmp_path / "e.yaml"
    path.write_text(
        "类型: 动员会\n会议: {名称: 全市基层干部上挂锻炼动员会, 日期: 2026-05-12, 会后议程: [市委书记作重要讲话]}\n"
        "讲话人: {职务: 市委组织部副部长, 角色: 部门负责同志}\n工作: {类别: 挂职锻炼, 方向: 上挂}\n",
        encoding="utf-8",
    )
    event = api.load_event(path)
    assert (event.get("program.direction"), event.get("speaker.role")) == ("up", "department")
    assert event.get("meeting.after_speech") == ("市委书记作重要讲话",)
    bad = tmp_path / "bad.yaml"
    bad.write_text(path.read_text(encoding="utf-8").replace("上挂", "往上"), encoding="utf-8")
    with pytest.raises(api.InputError) as caught:
        api.load_event(bad)
    (problem,) = caught.value.problems
    assert (problem.line, problem.key) == (4, "工作.方向 (direction)")
    assert problem.message == 'expected one of: 下派 | 上挂 | 双向, found "往上"'
