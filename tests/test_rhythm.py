"""Facts carry the argument; the rhythm, restraint and usage of a real speech; no sentence twice across an
office's speeches (issue: facts, rhythm and usage)."""

from __future__ import annotations

import functools
import re
from itertools import combinations
from pathlib import Path

import pytest

from speechgen import api
from speechgen.cli import main
from speechgen.compose.rhythm import prohibitions
from speechgen.compose.sentence import said_sentences, text_grams
from speechgen.draft import Draft, han_count

from .conftest import ROOT, TYPES, example

EVENTS = ROOT / "tests" / "data" / "events"
SEEDS = range(1, 9)
PATHS = [example(t) for t in TYPES] + [example("team_assessment"), example("posting_up")]


def body(draft: Draft) -> str:
    return "\n".join(t for k, t in draft.lines() if k not in ("title", "speaker", "date"))


@functools.lru_cache(maxsize=1)
def drafts() -> list[tuple[Path, int, Draft]]:
    return [(p, seed, api.draft(api.load_event(p), options=api.Options(seed=seed))) for p in PATHS for seed in SEEDS]


def test_quotation_marks_are_chinese_ones() -> None:
    for path, seed, draft in drafts():
        assert not re.search(r"[「」『』\"']", body(draft)), (path.stem, seed)


def test_prohibitions_are_rare() -> None:
    rates = []
    for path, seed, draft in drafts():
        text = body(draft)
        rate = prohibitions(text) * 1000 / han_count(text)
        assert rate <= 2, (path.stem, seed, rate)
        rates.append(rate)
    assert sum(rates) / len(rates) <= 1


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_two_points_are_两点(path: Path) -> None:
    for seed in SEEDS:
        draft = api.draft(api.load_event(path), options=api.Options(seed=seed, points=2))
        text = body(draft)
        assert len(draft.sections) == 2
        assert re.search(r"两(点|个方面)", draft.opening[-1].text), (seed, draft.opening[-1].text)
        assert not re.search(r"(?<![第十])二(点|个方面)", text), seed


def test_no_bare_semicolon_list_of_achievements_or_rules() -> None:
    for path, seed, draft in drafts():
        event = api.load_event(path)
        text = body(draft)
        for field in ("review.achievements", "program.rules", "program.tasks"):
            items = event.get(field) or ()
            for a, b in zip(items, items[1:], strict=False):
                assert f"{a}；{b}" not in text, (path.stem, seed, field)
        for item in event.get("review.achievements") or ():
            after = text.split(item, 1)[1][:2] if item in text else ""
            assert not after.startswith("；"), (path.stem, seed, item)


def test_every_shortcoming_is_named() -> None:
    for path, seed, draft in drafts():
        for item in api.load_event(path).get("review.shortcomings") or ():
            assert item in body(draft), (path.stem, seed, item)


def test_every_fact_list_is_used() -> None:
    """Tasks, rules and achievements given are each used in every draft (the unused would be listed)."""
    for path, seed, draft in drafts():
        unused = [
            (p, v) for p, v in draft.info.unused_facts if p in ("program.tasks", "program.rules", "review.achievements")
        ]
        assert unused == [], (path.stem, seed, unused)


def _shared(a: str, b: str) -> set[str]:
    return {s for s in re.split(r"(?<=[。！？；])", a) if han_count(s) >= 12} & {
        s for s in re.split(r"(?<=[。！？；])", b) if han_count(s) >= 12
    }


def test_a_batch_of_eight_meetings_of_one_type_shares_no_sentence(runner, workdir: Path) -> None:
    events = "".join(
        f"  - meeting: {{name: 全县第{n}批挂职干部动员会, date: 2026-0{n}-01}}\n    program: {{cadres: {10 + n}}}\n"
        for n in range(1, 9)
    )
    (workdir / "b.yaml").write_text(
        "defaults:\n  type: mobilisation\n  speaker: {title: 县委常委、组织部部长, on_behalf_of: 县委组织部}\n"
        "  program: {kind: 挂职锻炼, duration: 一年, from_units: 县直机关, to_units: 各乡镇}\n"
        "  meeting: {before_speech: [县委组织部负责同志宣读了挂职干部名单]}\nevents:\n" + events,
        encoding="utf-8",
    )
    result = runner.invoke(main, ["batch", "b.yaml", "-o", "out", "--format", "txt", "-j", "2", "-q"])
    assert result.exit_code == 0, result.output
    texts = [p.read_text(encoding="utf-8") for p in sorted((workdir / "out").iterdir())]
    assert len(texts) == 8
    for a, b in combinations(texts, 2):
        shared = _shared(a.split("\n", 6)[-1], b.split("\n", 6)[-1])
        assert not shared, shared


def test_a_sixth_draft_repeats_nothing_of_five_earlier_ones(runner, workdir: Path) -> None:
    earlier = workdir / "earlier"
    earlier.mkdir()
    for seed in range(1, 6):
        result = runner.invoke(
            main, ["render", str(example("summary")), "-o", f"earlier/{seed}.txt", "--seed", str(seed)]
        )
        assert result.exit_code == 0, result.output
    result = runner.invoke(
        main, ["render", str(example("summary")), "-o", "new.txt", "--seed", "9", "--history", "earlier"]
    )
    assert result.exit_code == 0, result.output
    assert re.search(r"history: \d+ variant\(s\) passed over", result.stderr)
    new = (workdir / "new.txt").read_text(encoding="utf-8").split("\n", 6)[-1]
    earlier_texts = [p.read_text(encoding="utf-8") for p in earlier.iterdir()]
    said = set().union(*(said_sentences(t) for t in earlier_texts))
    values = api.load_event(example("summary")).facts.values()
    facts = [str(i) for v in values for i in (v if isinstance(v, tuple) else (v,))]

    def own_words(text: str) -> str:  # the event's facts may recur; the banks' words may not
        for fact in facts:
            text = text.replace(fact, "|")
        return text

    grams = set().union(*(text_grams(own_words(t)) for t in earlier_texts))
    fresh = [s for s in said_sentences(new) if not any(f in s for f in facts if len(f) > 6)]
    assert len(fresh) > 40
    # no sentence of twelve characters or more said again, and no run of twelve characters inside one
    assert [s for s in fresh if s in said or text_grams(own_words(s)) & grams] == []


def test_claims_of_this_round_need_a_field_that_says_so(tmp_path: Path, runner) -> None:
    findings = api.check_banks()
    assert not [f for f in findings if "claims 「" in f.message]
    bank = tmp_path / "mine"
    bank.mkdir()
    (bank / "a.yaml").write_text("closing.wishes:\n  - 最后，感谢大家顶着烈日奔波，祝工作顺利！\n", encoding="utf-8")
    result = runner.invoke(main, ["banks", "check", str(bank)])
    assert "claims 「顶着烈日」 of this round" in result.output and result.exit_code == 1
    draft = tmp_path / "d.md"
    draft.write_text("# 在会上的讲话\n\n同志们：\n\n不少同志顶着烈日跑现场。\n\n谢谢大家！\n", encoding="utf-8")
    result = runner.invoke(main, ["check", str(draft), "--event", str(example("summary"))])
    assert "info: ¶3: 「顶着烈日」 claims something of this round the event does not say: 「顶着烈日」" in result.output


def test_a_word_the_event_ends_with_is_not_said_twice(tmp_path: Path) -> None:
    """考核 + 工作工作, 党外干部 + 党外干部挂职锻炼: a word a fact already holds is said once."""
    text = example("summary").read_text(encoding="utf-8").replace("kind: 挂职锻炼", "kind: 党外干部挂职锻炼")
    assert "党外干部挂职锻炼" in text
    (tmp_path / "e.yaml").write_text(text, encoding="utf-8")
    for seed in SEEDS:
        said = body(api.draft(api.load_event(tmp_path / "e.yaml"), options=api.Options(seed=seed)))
        assert not re.search(r"(党外干部|工作|锻炼)\1", said), seed
