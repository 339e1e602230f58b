"""The draft checker: each check catches a hand-written faulty draft and passes a clean one."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from speechgen import api
from speechgen.cli import main
from speechgen.compose.plan import Options
from speechgen.event.load import load_event
from speechgen.review.checks import check_draft, check_lines
from speechgen.review.reader import read_draft

from .conftest import DATA, TYPES, example

DRAFTS = DATA / "drafts"
EVENT = DRAFTS / "event.yaml"


def findings(name: str, with_event: bool = False, today: dt.date | None = None):
    lines = read_draft(DRAFTS / name)
    return check_lines(lines, load_event(EVENT) if with_event else None, today=today or dt.date(2026, 3, 16))


def codes(found, severity: str | None = None) -> list[str]:
    return [f.code for f in found if severity is None or f.severity == severity]


def test_clean_draft_has_no_error_or_warning() -> None:
    found = findings("clean.md", with_event=True)
    assert codes(found, "error") == [] and codes(found, "warning") == []
    assert [f.message for f in found] == ["the event gives program.cadres = 120, which the draft never mentions"]


def test_placeholders_are_errors() -> None:
    found = [f for f in findings("placeholder.txt") if f.code == "placeholder"]
    messages = sorted({f.message for f in found})
    assert messages == [
        "a 【待补充】 marker is still to be filled in",
        "placeholder * left in the text",
        "placeholder xx left in the text",
        "placeholder 某某 left in the text",
        "template code left in the text",
        "the word None stands where a fact was expected",
    ]
    assert all(f.severity == "error" for f in found)
    xx = next(f for f in found if "xx" in f.message)
    assert xx.paragraph == 2 and "xx" in xx.excerpt


def test_repeated_sentence_is_an_error_and_repeated_phrase_a_warning() -> None:
    found = findings("repeated.md")
    sentence = [f for f in found if f.code == "repeated-sentence"]
    assert [(f.severity, f.paragraph, f.message) for f in sentence] == [("error", 6, "sentence repeated (first in ¶5)")]
    phrase = [f for f in found if f.code == "repeated-phrase"]
    assert phrase and phrase[-1].paragraph == 7 and phrase[-1].severity == "warning"


def test_announced_count_must_match_the_sections() -> None:
    found = [f for f in findings("miscount.md") if f.code == "announced-count"]
    assert [(f.severity, f.paragraph, f.message) for f in found] == [
        ("error", 3, "announces 3 points but 2 level-1 sections follow")
    ]
    assert not [f for f in findings("clean.md") if f.code == "announced-count"]


def test_numbering_gaps_and_repeats() -> None:
    found = [f for f in findings("numbering.md") if f.code == "numbering"]
    messages = [f.message for f in found]
    assert "heading numbers skip or repeat: expected 3, found 4" in messages
    assert "（一）（二） numbers skip or repeat: expected 2, found 3" in messages
    assert "一是/二是 sequence goes from 2 to 4" in messages
    assert not [f for f in findings("clean.md") if f.code == "numbering"]


def test_mixed_jurisdiction_words() -> None:
    found = [f for f in findings("jurisdiction.md") if f.code == "jurisdiction"]
    assert [f.message for f in found] == ["mixed jurisdiction words: 我县/全县 and 我市/全市"]
    assert not [f for f in findings("clean.md") if f.code == "jurisdiction"]


def test_dated_formulations_against_the_meeting_date() -> None:
    found = [f for f in findings("dated.md") if f.code == "dated"]
    by_severity = sorted((f.severity, f.message.split(" (")[0]) for f in found)
    assert by_severity == [
        ("error", "「三严三实」 was the theme of a 2015 专题教育 campaign"),
        ("warning", "the 国务院扶贫开发领导小组办公室 became the 国家乡村振兴局 on 2021-02-25"),
        ("warning", "「十四五」 names the 2021–2025 five-year plan period"),
    ]
    early = [f for f in findings("dated.md", today=dt.date(2024, 6, 1)) if f.code == "dated"]
    assert "十四五" not in " ".join(f.message for f in early), "still current in 2024"


def test_numbers_not_in_the_event_are_invented() -> None:
    found = findings("invented.md", with_event=True)
    invented = [f.message for f in found if f.code == "invented-number"]
    assert invented == ["the number 45 is not in the event file", "the number 3200 is not in the event file"]
    assert not [f for f in findings("clean.md", with_event=True) if f.code == "invented-number"]


def test_user_formulations_extend_the_list(tmp_path: Path, runner) -> None:
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "formulations.yaml").write_text(
        "formulations:\n  - {pattern: 提高认识, severity: warning, message: 本单位不用这个说法, until: 2020-01-01}\n",
        encoding="utf-8",
    )
    result = runner.invoke(main, ["check", str(DRAFTS / "clean.md"), "--banks", str(tmp_path)])
    assert result.exit_code == 0
    assert (
        "warning: ¶7: 本单位不用这个说法 (current until 2020-01-01): 「一、提高认识，把驻村工作摆上重要位置」"
        in result.output
    )


def test_check_command_exit_status_and_json(runner) -> None:
    bad = runner.invoke(main, ["check", str(DRAFTS / "miscount.md")])
    assert bad.exit_code == 1
    assert bad.output.splitlines()[-1].endswith("miscount.md: 1 error(s), 0 warning(s), 0 info")
    good = runner.invoke(main, ["check", str(DRAFTS / "clean.md"), "--event", str(EVENT), "--format", "json"])
    assert good.exit_code == 0
    data = json.loads(good.output)
    assert [f["code"] for f in data[str(DRAFTS / "clean.md")]] == ["unmentioned-fact"]


@pytest.mark.parametrize("meeting_type", TYPES)
@pytest.mark.parametrize("fmt", ["docx", "md", "txt"])
def test_every_example_renders_with_no_check_error(runner, workdir: Path, meeting_type: str, fmt: str) -> None:
    assert runner.invoke(main, ["render", str(example(meeting_type)), "-o", f"d.{fmt}"]).exit_code == 0
    result = runner.invoke(main, ["check", f"d.{fmt}", "--event", str(example(meeting_type))])
    assert result.exit_code == 0, result.output
    assert " 0 error(s), 0 warning(s)" in result.output.splitlines()[-1]


@pytest.mark.parametrize("meeting_type", TYPES)
def test_generated_drafts_pass_their_own_check(meeting_type: str) -> None:
    event = load_event(example(meeting_type))
    for seed in range(6):
        found = check_draft(api.draft(event, options=Options(seed=seed)), event)
        assert [f for f in found if f.severity != "info"] == [], (seed, found)


def test_strict_render_refuses_a_draft_with_check_errors(runner, workdir: Path) -> None:
    text = example("village_stay").read_text(encoding="utf-8")
    Path("e.yaml").write_text(text.replace("贯彻落实全省组织工作会议精神", "落实三严三实要求"), encoding="utf-8")
    loose = runner.invoke(main, ["render", "e.yaml", "-o", "a.md"])
    assert loose.exit_code == 0 and "check: error:" in loose.output
    strict = runner.invoke(main, ["render", "e.yaml", "-o", "b.md", "--strict"])
    assert strict.exit_code == 1
    assert strict.output.splitlines()[0] == "--strict: the draft has check errors; no file written"
    assert not Path("b.md").exists()
