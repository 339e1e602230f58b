"""Length and speaking time on target (±15%), for every type and style."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from speechgen import api
from speechgen.cli import main
from speechgen.compose.plan import Options
from speechgen.draft import han_count
from speechgen.event.load import load_event

from .conftest import TYPES, example

STYLES = ("formal", "warm", "concise")


@pytest.mark.parametrize("meeting_type", TYPES)
@pytest.mark.parametrize("target", [1500, 2200, 3000])
@pytest.mark.parametrize("style", STYLES)
def test_length_within_15_percent(meeting_type: str, target: int, style: str) -> None:
    event = load_event(example(meeting_type))
    draft = api.draft(event, options=Options(length=target, style=style, seed=target % 7))
    count = draft.han_count()
    assert abs(count - target) <= 0.15 * target, (count, target)
    assert not draft.info.warnings
    assert draft.closing[-1].text == "谢谢大家！"


@pytest.mark.parametrize("meeting_type", TYPES)
def test_a_length_the_banks_cannot_honestly_fill_is_said(meeting_type: str) -> None:
    """Beyond what the banks can say about the meeting, the draft is as long as they allow (more points,
    a second point of a topic) and a warning names the length reached; nothing is padded."""
    event = load_event(example(meeting_type))
    usual = api.draft(event, options=Options(length=3000, seed=1)).han_count()
    draft = api.draft(event, options=Options(length=9000, seed=1))
    assert draft.han_count() >= usual
    assert draft.info.warnings == (
        f"length {draft.han_count()} characters is {(draft.han_count() - 9000) / 9000:+.0%} off the target of "
        "9000: the banks cannot fit it closer",
    )


@pytest.mark.parametrize("meeting_type", TYPES)
@pytest.mark.parametrize(("minutes", "rate"), [(10, 180), (15, 180), (16, 150)])
def test_minutes_and_rate(meeting_type: str, minutes: int, rate: int) -> None:
    draft = api.draft(load_event(example(meeting_type)), options=Options(minutes=minutes, rate=rate))
    assert abs(draft.han_count() - minutes * rate) <= 0.15 * minutes * rate
    assert abs(draft.minutes(rate) - minutes) <= 0.15 * minutes


def test_long_speeches_keep_paragraphs_speakable() -> None:
    draft = api.draft(load_event(example("village_stay")), options=Options(length=5000, seed=3))
    sizes = [han_count(p.text) for p in draft.paragraphs() if p.text != "谢谢大家！"]
    assert max(sizes) <= 400, max(sizes)


def test_event_options_set_the_target(tmp_path: Path) -> None:
    text = example("summary").read_text(encoding="utf-8") + "options:\n  length: 2000\n"
    (tmp_path / "e.yaml").write_text(text, encoding="utf-8")
    draft = api.draft(load_event(tmp_path / "e.yaml"))
    assert abs(draft.han_count() - 2000) <= 300
    (tmp_path / "m.yaml").write_text(text.replace("length: 2000", "minutes: 12"), encoding="utf-8")
    assert abs(api.draft(load_event(tmp_path / "m.yaml")).han_count() - 2160) <= 324


def test_concise_style_is_shorter_by_default() -> None:
    event = load_event(example("mobilisation"))
    formal = api.draft(event, options=Options(seed=1)).han_count()
    concise = api.draft(event, options=Options(seed=1, style="concise")).han_count()
    assert concise < 0.7 * formal


def test_unreachable_target_is_a_warning_saying_how_far(runner, workdir: Path) -> None:
    result = runner.invoke(
        main, ["render", str(example("summary")), "-o", "x.json", "--length", "12000", "--points", "2"]
    )
    assert result.exit_code == 0
    warning = next(line for line in result.output.splitlines() if line.startswith("warning: length"))
    data = json.loads((workdir / "x.json").read_text(encoding="utf-8"))
    count = data["stats"]["han_characters"]
    assert warning == (
        f"warning: length {count} characters is {(count - 12000) / 12000:+.0%} off the target of 12000: "
        "the banks cannot fit it closer"
    )


def test_json_reports_characters_and_minutes(runner, workdir: Path) -> None:
    result = runner.invoke(main, ["render", str(example("mobilisation")), "-o", "x.json", "--minutes", "15"])
    assert result.exit_code == 0
    stats = json.loads((workdir / "x.json").read_text(encoding="utf-8"))["stats"]
    assert abs(stats["minutes"] - 15) <= 2.25
    assert stats["minutes"] == round(stats["han_characters"] / 180, 1)
