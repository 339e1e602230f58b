"""Draft invariants for every meeting type and several seeds (issue: end-to-end drafting)."""

from __future__ import annotations

import re
import unicodedata

import pytest

from speechgen import api
from speechgen.compose.plan import Options
from speechgen.draft import Draft
from speechgen.event.load import load_event
from speechgen.event.numerals import to_chinese

from .conftest import TYPES, example

SEEDS = (1, 2, 3, 5, 8)
FORBIDDEN = ("xx", "XX", "***", "某某", "{{", "}}", "None", "【待补充")


def drafts():
    for t in TYPES:
        event = load_event(example(t))
        for seed in SEEDS:
            yield t, seed, event, api.draft(event, options=Options(seed=seed))


ALL = list(drafts())
IDS = [f"{t}-{s}" for t, s, _, _ in ALL]


def sentences(draft: Draft) -> list[str]:
    text = "\n".join(text for _, text in draft.lines())
    return [s.strip() for s in re.split(r"(?<=[。！？])|\n", text) if len(s.strip()) > 4]


@pytest.mark.parametrize(("meeting_type", "seed", "event", "draft"), ALL, ids=IDS)
def test_skeleton(meeting_type, seed, event, draft: Draft) -> None:
    assert draft.title == f"在{event.get('meeting.name')}上的讲话"
    assert draft.speaker_line == f"{event.get('speaker.title')}　{event.get('speaker.name')}"
    d = event.date
    assert draft.date_line == f"（{d.year}年{d.month}月{d.day}日）"
    assert draft.salutation.endswith("同志们：")
    assert draft.closing[-1].text == "谢谢大家！"
    assert len(draft.closing) >= 3, "a call to action, the wishes, then the thanks"
    assert draft.closing[-2].text.startswith("最后，"), "the wishes come last before 谢谢大家"
    assert not draft.closing[0].text.startswith("最后"), "the call comes before the wishes"


@pytest.mark.parametrize(("meeting_type", "seed", "event", "draft"), ALL, ids=IDS)
def test_opening_states_purpose_and_refers_back(meeting_type, seed, event, draft: Draft) -> None:
    opening = "".join(p.text for p in draft.opening)
    # the meeting named, or the occasion said in the speaker's own words (the title names it anyway)
    assert event.get("meeting.name") in opening or re.search(r"今天|这次会议|召开", opening[:120]), opening[:60]
    before = event.get("meeting.before_speech")
    assert before, "every example gives before_speech"
    assert all(item in opening for item in before)


@pytest.mark.parametrize(("meeting_type", "seed", "event", "draft"), ALL, ids=IDS)
def test_announced_count_matches_sections(meeting_type, seed, event, draft: Draft) -> None:
    opening = "".join(p.text for p in draft.opening)
    said = re.findall(r"讲([一两三四五])(?:点|个方面)", opening)
    n = len(draft.sections)
    assert said == ["两" if n == 2 else to_chinese(n)]
    assert [s.number for s in draft.sections] == [f"{to_chinese(i)}、" for i in range(1, len(draft.sections) + 1)]
    assert 2 <= len(draft.sections) <= 5


@pytest.mark.parametrize(("meeting_type", "seed", "event", "draft"), ALL, ids=IDS)
def test_no_placeholder_and_no_sentence_twice(meeting_type, seed, event, draft: Draft) -> None:
    text = "\n".join(t for _, t in draft.lines())
    for bad in FORBIDDEN:
        assert bad not in text, bad
    seen = sentences(draft)
    assert len(seen) == len(set(seen)), [s for s in seen if seen.count(s) > 1]


@pytest.mark.parametrize(("meeting_type", "seed", "event", "draft"), ALL, ids=IDS)
def test_every_arabic_number_comes_from_the_event(meeting_type, seed, event, draft: Draft) -> None:
    source = unicodedata.normalize("NFKC", example(meeting_type).read_text(encoding="utf-8"))
    allowed = set(re.findall(r"\d+", source)) | {str(v) for v in event.facts.values() if isinstance(v, int)}
    for kind, text in draft.lines():
        if kind == "date":
            continue
        for number in re.findall(r"\d+", text):
            assert number in allowed, (number, text)


@pytest.mark.parametrize(("meeting_type", "seed", "event", "draft"), ALL, ids=IDS)
def test_jurisdiction_words_not_mixed(meeting_type, seed, event, draft: Draft) -> None:
    text = "".join(t for k, t in draft.lines() if k not in ("title", "speaker", "date"))
    facts = [v for value in event.facts.values() for v in (value if isinstance(value, tuple) else (value,))]
    for fact in sorted((v for v in facts if isinstance(v, str)), key=len, reverse=True):
        text = text.replace(fact, "")
    levels = set(re.findall(r"[我全]([省市县区乡镇])", text))
    assert levels <= {event.level}, levels


def test_same_event_and_seed_give_the_same_draft() -> None:
    event = load_event(example("summary"))
    a = api.draft(event, options=Options(seed=42)).to_dict()
    b = api.draft(load_event(example("summary")), options=Options(seed=42)).to_dict()
    assert a == b
    c = api.draft(event, options=Options(seed=43)).to_dict()
    assert a["sections"] != c["sections"]


def test_default_seed_comes_from_the_event_identity(tmp_path) -> None:
    text = example("village_stay").read_text(encoding="utf-8").replace("  seed: 7\n", "")
    (tmp_path / "a.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(text.replace("2026-03-16", "2026-03-17"), encoding="utf-8")
    a1 = api.draft(load_event(tmp_path / "a.yaml"))
    a2 = api.draft(load_event(tmp_path / "a.yaml"))
    b = api.draft(load_event(tmp_path / "b.yaml"))
    assert a1.to_dict() == a2.to_dict()
    assert a1.info.seed != b.info.seed


@pytest.mark.parametrize("points", [2, 3, 4, 5])
def test_points_option_sets_the_number_of_sections(points: int) -> None:
    event = load_event(example("mobilisation"))
    draft = api.draft(event, options=Options(points=points))
    held = api.draft(event, options=Options(points=2)).info  # the outline's sections, whatever was asked
    most = len(api.draft(event, options=Options(points=5)).sections)
    assert most == 4 and held.warnings == ()  # a posting's mobilisation outline has four sections
    assert len(draft.sections) == min(points, most)
    if points > most:
        assert draft.info.warnings == (
            f"{points} points asked for; this meeting's outline holds {most}, so the draft has that many",
        )
    points = min(points, most)
    said = "两" if points == 2 else to_chinese(points)
    assert f"讲{said}" in "".join(p.text for p in draft.opening)


def test_missing_facts_leave_sentences_out_or_marked(tmp_path) -> None:
    path = tmp_path / "bare.yaml"
    path.write_text(
        "type: mobilisation\nmeeting: {name: 全县挂职干部动员会, date: 2026-05-01}\nspeaker: {title: 县委组织部部长}\n",
        encoding="utf-8",
    )
    event = load_event(path)
    plain = api.draft(event, options=Options(seed=1))
    text = "".join(t for _, t in plain.lines())
    assert "【待补充" not in text and "刚才" not in text, "nothing happened before the speech: no 刚才"
    assert "program.cadres" in plain.info.missing
    marked = api.draft(event, options=Options(seed=1, mark_missing=True))
    marked_text = "".join(t for _, t in marked.lines())
    labels = set(re.findall(r"【待补充：(.+?)】", marked_text))
    assert labels and all(label in marked.info.missing.values() for label in "、".join(labels).split("、"))
    assert set(marked.info.missing) == set(plain.info.missing)
    body = "".join(t for k, t in plain.lines() if k != "date")
    assert not re.search(r"\d", body), "no number of its own in a draft without facts"


def test_vocative_opens_a_paragraph_once() -> None:
    from speechgen.draft import Paragraph, Sentence, _one_vocative

    p = Paragraph(
        [Sentence("大家要干实事。", "x"), Sentence("同志们，要抓落实。", "y"), Sentence("同志们，要有担当。", "z")]
    )
    _one_vocative(p)
    assert p.text == "同志们，要抓落实。大家要干实事。要有担当。"
    for _, _, _, draft in ALL:
        for para in draft.paragraphs():
            assert not any(s.text.startswith("同志们，") for s in para.sentences[1:])


@pytest.mark.parametrize(("meeting_type", "seed", "event", "draft"), ALL, ids=IDS)
def test_paragraphs_stay_speakable(meeting_type, seed, event, draft: Draft) -> None:
    from speechgen.draft import han_count

    assert max(han_count(p.text) for p in draft.paragraphs()) <= 400
