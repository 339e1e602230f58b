"""Numbers read as a secretary means them (issue 14, class 4): no invented facts.

一百二 is 120 in everyday Chinese (the unit after the last digit is left unsaid), not 102; 0120 is a
hundred and twenty, not YAML 1.1's octal 80; 1:20 is not base 60. What is ambiguous (1:20 as a count, an
estimate such as 二三十) is refused with a located message, and a text field keeps the text as written.
"""

from __future__ import annotations

import pytest

from speechgen import api
from speechgen.errors import InputError
from speechgen.event.numerals import parse_int

HEAD = """type: village_stay
meeting:
  name: 全县选派干部驻村蹲点工作会议
  date: 2026-03-16
speaker:
  title: 县委常委、组织部部长
program:
"""


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("一百二", 120),
        ("一千二", 1200),
        ("三万五", 35000),
        ("两万三", 23000),
        ("一万二千三", 12300),
        ("一千二百三", 1230),
        ("一百一", 110),
        ("一亿二", 120_000_000),
        # the written-out forms keep their meaning
        ("一百零二", 102),
        ("一千零二", 1002),
        ("三万零五", 30005),
        ("一百二十", 120),
        ("十二", 12),
        ("二十", 20),
        ("一二〇", 120),
        # Arabic numerals: never octal
        ("0120", 120),
        ("１２０", 120),
        ("1.2万", 12000),
        ("3万", 30000),
    ],
)
def test_numerals_as_meant(text: str, value: int) -> None:
    assert parse_int(text) == value


@pytest.mark.parametrize("text", ["二三十", "一百二三", "十几", "一百多", "二三", "1:20", "0x1F", "三万二亿"])
def test_estimates_and_other_forms_are_not_numbers(text: str) -> None:
    assert parse_int(text) is None


def _event(program: str) -> api.Event:
    return api.parse_event(HEAD + program, name="e.yaml")


@pytest.mark.parametrize(
    ("written", "value"), [("一百二", 120), ("一千二", 1200), ("三万五", 35000), ("0120", 120), ("'0120'", 120)]
)
def test_counts_in_an_event(written: str, value: int) -> None:
    assert _event(f"  cadres: {written}\n").get("program.cadres") == value


def test_a_count_that_reads_as_base_60_is_refused_with_its_place() -> None:
    with pytest.raises(InputError) as caught:
        _event("  cadres: 1:20\n")
    assert str(caught.value) == (
        'e.yaml:8:11: program.cadres (人数): expected a whole number, found "1:20"'
        " — a time or a ratio? write the number itself"
    )


@pytest.mark.parametrize(
    ("written", "kept"),
    [("1:30", "1:30"), ("0120", "0120"), ("1.50", "1.50"), ("0x1F", "0x1F"), ("1_000", "1_000"), (".nan", ".nan")],
)
def test_a_text_field_keeps_the_text_as_written(written: str, kept: str) -> None:
    """期限 is text: YAML 1.1 read 1:30 as 90 and 0120 as 80; here the draft says what the file says."""
    assert _event(f"  duration: {written}\n").get("program.duration") == kept
