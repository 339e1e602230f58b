"""Hostile and broken input: clear errors, nothing executed, nothing half-written.

The corpus in tests/data/broken/ holds one broken event file per mistake; BROKEN maps
each file to the exact text `speechgen render` must print on standard error. Every
case must also exit 1, print no traceback and leave no file behind.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from docx import Document

from speechgen.cli import main
from speechgen.compose.banks import available_styles
from speechgen.event.yamlsafe import MAX_FILE_BYTES
from speechgen.run.output import TMP_PREFIX

from .conftest import DATA, example

BROKEN_DIR = DATA / "broken"
HOSTILE_BANKS = DATA / "hostile_banks"

HEAD = """type: village_stay
meeting:
  name: 全县选派干部驻村蹲点工作会议
  date: 2026-03-16
speaker:
  title: 县委常委、组织部部长
"""

STYLE_NAMES = {"formal": "正式 (formal)", "warm": "温情 (warm)", "concise": "简明 (concise)"}
TYPES_CHOICE = (
    "动员会 (mobilisation) | 总结会 (summary) | 总结暨动员会 (summary_mobilisation) | 驻村蹲点工作会议 (village_stay)"
)

# file name → the exact standard error of `speechgen render <file>` (without the final newline)
BROKEN: dict[str, str] = {
    # YAML syntax
    "bad_indent.yaml": "bad_indent.yaml:4:8: invalid YAML: mapping values are not allowed in this context"
    ' — check the indentation; a value that contains ": " must be put in quotes',
    "tab_indent.yaml": "tab_indent.yaml:3:1: invalid YAML: found character that cannot start any token"
    " — a tab character; indent with spaces, not tabs",
    "unclosed_quote.yaml": "unclosed_quote.yaml:8:9: invalid YAML: found unexpected end of stream"
    " — a quote or a bracket is left open",
    # hostile YAML
    "python_tag.yaml": "python_tag.yaml:8:9: tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed;"
    " only plain YAML values are",
    "python_name_tag.yaml": "python_name_tag.yaml:7:10: tag 'tag:yaml.org,2002:python/name:os.system' is not allowed;"
    " only plain YAML values are",
    "unknown_tag.yaml": "unknown_tag.yaml:8:9: tag '!include' is not allowed; only plain YAML values are",
    "tag_directive.yaml": "tag_directive.yaml:8:10: tag 'tag:yaml.org,2002:python/object/apply:os.system'"
    " is not allowed; only plain YAML values are",
    "alias_bomb.yaml": "alias_bomb.yaml:7:30: document expands to more than 20,000 values (an alias bomb?); refused",
    "alias_loop.yaml": "alias_loop.yaml:7:10: values are nested more than 40 levels deep; refused",
    "deep_nesting.yaml": "deep_nesting.yaml:7:49: values are nested more than 40 levels deep; refused",
    "merge_key.yaml": "merge_key.yaml:9:3: merge keys (<<) are not supported\n"  # and the rest, at once (issue 14)
    'merge_key.yaml:7:1: unknown key "base" — expected one of: type, meeting, speaker, program, review, context,'
    " options, output",
    "complex_key.yaml": "complex_key.yaml:7:3: a key must be a plain word, not a list or mapping",
    "duplicate_key.yaml": "duplicate_key.yaml:7:1: speaker: duplicate key (first given at line 5)",
    "duplicate_alias.yaml": "duplicate_alias.yaml:7:1: 类型: given twice (also as 'type')",
    "control_char_raw.yaml": "control_char_raw.yaml:3:19: invalid YAML: the character U+000B is not allowed;"
    " delete it or retype the text around it",
    "control_chars.yaml": f"control_chars.yaml:1:7: type (类型): expected a meeting type: {TYPES_CHOICE},"
    ' found "\\x1b[2J\\x1b[31mvillage\\u202estay" — did you mean "village_stay"?',
    # not a single mapping
    "top_level_list.yaml": "top_level_list.yaml:1:1: top level must be a mapping of keys, found a list",
    "top_level_scalar.yaml": "top_level_scalar.yaml:1:1: top level must be a mapping of keys, found a single value",
    "empty.yaml": "empty.yaml: file is empty; expected a YAML mapping such as `type: mobilisation`",
    "comments_only.yaml": "comments_only.yaml: file is empty; expected a YAML mapping such as `type: mobilisation`",
    "two_documents.yaml": "two_documents.yaml: file holds 2 YAML documents; use `speechgen batch` for a stream",
    # not UTF-8 text
    "binary.yaml": "binary.yaml: this is a binary file, not a YAML text file",
    "latin1.yaml": "latin1.yaml:3:13: file is neither UTF-8 nor GBK text; save it as UTF-8",
    # the slips of a Chinese input method, each at its own line and column with the fix
    "fullwidth_colon.yaml": 'fullwidth_colon.yaml:4:5: after "名称" on line 4 is a Chinese colon "："; write an English'
    ' colon and a space ": "',
    "no_space_after_colon.yaml": 'no_space_after_colon.yaml:4:5: the colon after "日期" on line 4 has no space after'
    ' it; write ": " (a colon and a space)',
    "fullwidth_indent.yaml": 'fullwidth_indent.yaml:4:1: line 4 is indented with full-width spaces "　"; indent with'
    " ordinary (half-width) spaces",
    "utf16.yaml": 'utf16.yaml: file is UTF-16 text (Notepad\'s "Unicode"); save it as UTF-8',
    # keys
    "misspelt_key.yaml": 'misspelt_key.yaml:2:1: unknown key "meting" — did you mean "meeting"?\n'
    "misspelt_key.yaml:1:1: meeting.name (名称): required, but not given\n"
    "misspelt_key.yaml:1:1: meeting.date (日期): required, but not given",
    "misspelt_nested_key.yaml": 'misspelt_nested_key.yaml:6:3: unknown key "speaker.titel" — did you mean "title"?\n'
    "misspelt_nested_key.yaml:5:1: speaker.title (职务): required, but not given",
    "missing_required.yaml": "missing_required.yaml:2:1: meeting.name (名称): required, but not given\n"
    "missing_required.yaml:2:1: meeting.date (日期): required, but not given\n"
    "missing_required.yaml:1:1: speaker.title (职务): required, but not given",
    "summary_without_review.yaml": "summary_without_review.yaml:1:1: review (回顾): a summary meeting needs"
    " review.achievements (成效) or review.cadres (人数)",
    "empty_values.yaml": "empty_values.yaml:1:6: type (类型): required, but left empty\n"
    "empty_values.yaml:4:8: meeting.date (日期): required, but left empty\n"
    "empty_values.yaml:7:10: speaker.title (职务): required, but left empty\n"
    "empty_values.yaml:3:9: meeting.level (层级): required: the meeting name does not show"
    " whether this is a 省/市/县/区/乡/镇 meeting",  # `date:` left blank passed, then crashed
    "empty_review.yaml": "empty_review.yaml:1:1: review (回顾): a summary meeting needs review.achievements (成效)"
    " or review.cadres (人数)",
    "no_level.yaml": "no_level.yaml:3:9: meeting.level (层级): required: the meeting name does not show whether"
    " this is a 省/市/县/区/乡/镇 meeting",
    # values
    "bad_date.yaml": 'bad_date.yaml:4:9: meeting.date (日期): no such date: "2026-02-30"',
    "words_in_date.yaml": "words_in_date.yaml:4:9: meeting.date (日期): expected a date as YYYY-MM-DD"
    ' or 2026年3月16日, found "下周一"',
    "words_in_number.yaml": 'words_in_number.yaml:9:7: program.人数 (cadres): expected a whole number, found "很多"',
    "fraction_in_number.yaml": "fraction_in_number.yaml:8:11: program.cadres (人数): expected a whole number,"
    " found 12.5",
    "bool_in_number.yaml": "bool_in_number.yaml:8:10: program.batch (批次): expected a whole number, found true",
    "huge_number.yaml": "huge_number.yaml:8:11: program.cadres (人数): expected a whole number from 0 to 1000000,"
    " found 100000000000000000000000000000",
    "giant_number.yaml": "giant_number.yaml:8:9: options.seed (随机种子): expected a whole-number seed,"
    ' found "0xffffffffffffffffffffffffffffffffffffff…"',
    "unknown_type.yaml": "unknown_type.yaml:1:7: type (类型): expected a meeting type:"
    f' {TYPES_CHOICE}, found "party_congress"',
    "bad_level.yaml": "bad_level.yaml:4:10: meeting.level (层级): expected one of: 省 | 市 | 县 | 区 | 乡 | 镇,"
    ' found "村"',
    "wrong_types.yaml": "wrong_types.yaml:2:10: meeting (会议): expected a mapping of keys, found a list\n"
    "wrong_types.yaml:3:10: speaker (讲话人): expected a mapping of keys,"
    ' found "县委常委、组织部部长"\n'
    "wrong_types.yaml:1:1: meeting.name (名称): required, but not given\n"
    "wrong_types.yaml:1:1: meeting.date (日期): required, but not given\n"
    "wrong_types.yaml:1:1: speaker.title (职务): required, but not given",
    "wrong_leaf_types.yaml": "wrong_leaf_types.yaml:1:7: type (类型): expected a meeting type:"
    f" {TYPES_CHOICE}, found a list\n"
    "wrong_leaf_types.yaml:3:9: meeting.name (名称): expected text, found a mapping\n"
    "wrong_leaf_types.yaml:4:9: meeting.date (日期): expected a date as YYYY-MM-DD"
    " or 2026年3月16日, found 20260316\n"
    "wrong_leaf_types.yaml:6:10: speaker.title (职务): expected text, found true\n"
    "wrong_leaf_types.yaml:8:10: program.tasks (任务): expected a list of short phrases,"
    " found a mapping",
    "overlong_text.yaml": "overlong_text.yaml:8:9: program.kind (类别): text is 320 characters;"
    " at most 300 are accepted",
    "too_many_items.yaml": "too_many_items.yaml:9:5: program.tasks (任务): list has 31 items; at most 30 are accepted",
    # absurd options
    "absurd_points.yaml": "absurd_points.yaml:8:11: options.points (要点数): expected a number of main points"
    " from 2 to 5, found 40",
    "negative_length.yaml": "negative_length.yaml:8:11: options.length (字数): expected a number of characters"
    " from 800 to 12000, found -5",
    "absurd_minutes.yaml": "absurd_minutes.yaml:8:7: 选项.时长 (minutes): expected a number of minutes from 5 to 60,"
    " found 600",
    "too_few_minutes.yaml": "too_few_minutes.yaml:8:12: options.minutes (时长): expected a number of minutes"
    " from 5 to 60, found 3",  # 3 minutes were accepted, then refused as 540 characters
    "length_and_minutes.yaml": "length_and_minutes.yaml:9:12: options.minutes (时长): give options.length (字数)"
    " or options.minutes (时长), not both",
    "bad_style_name.yaml": "bad_style_name.yaml:8:10: options.style (风格): expected a style name such as formal,"
    ' warm or concise, found "../../etc"',
    "unknown_style.yaml": 'unknown_style.yaml:8:10: options.style (风格): unknown style "fancy";'
    " available styles: {styles}",
    # output names that try to leave the folder
    "output_traversal.yaml": "output_traversal.yaml:7:9: output (输出): expected a file name, not a path,"
    ' found "../../evil.docx"',
    "output_absolute.yaml": "output_absolute.yaml:7:9: output (输出): expected a file name, not a path,"
    ' found "/tmp/evil.docx"',
    "output_backslash.yaml": "output_backslash.yaml:7:5: 输出 (output): expected a file name, not a path,"
    ' found "..\\..\\evil.docx"',
    "output_hidden.yaml": 'output_hidden.yaml:7:9: output (输出): expected a file name, not a path, found ".bashrc"',
}

# Known gaps outside the files this suite may change; strict, so they fail loudly once fixed.
GAPS = {}


def _expected(name: str) -> str:
    return BROKEN[name].replace("{styles}", ", ".join(STYLE_NAMES.get(s, s) for s in available_styles())) + "\n"


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _render(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(main, ["render", *args], catch_exceptions=False)


def test_corpus_is_complete() -> None:
    on_disk = {p.name for p in BROKEN_DIR.iterdir()}
    assert on_disk == set(BROKEN), "every file in tests/data/broken needs its expected message, and vice versa"
    assert len(on_disk) >= 20


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=GAPS[n])) if n in GAPS else n for n in sorted(BROKEN)],
)
def test_broken_file_is_refused_verbatim(name: str, runner: CliRunner, workdir: Path) -> None:
    shutil.copy(BROKEN_DIR / name, workdir / name)
    result = _render(runner, name)
    assert result.stderr == _expected(name)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert _files(workdir) == [name]  # no draft, no temporary, and nothing a python tag might have run


@pytest.mark.parametrize("name", ["bad_date.yaml", "python_tag.yaml", "alias_bomb.yaml"])
def test_broken_file_with_output_option(name: str, runner: CliRunner, workdir: Path) -> None:
    shutil.copy(BROKEN_DIR / name, workdir / name)
    result = _render(runner, name, "-o", "speech.docx", "--force")
    assert (result.exit_code, result.stderr) == (1, _expected(name))
    assert _files(workdir) == [name]


def test_file_over_one_megabyte(runner: CliRunner, workdir: Path) -> None:
    big = workdir / "big.yaml"
    padding = "# " + "很" * 400 + "\n"
    text = HEAD + padding * (MAX_FILE_BYTES // len(padding.encode("utf-8")) + 1)
    big.write_text(text, encoding="utf-8")
    size = big.stat().st_size
    assert size > MAX_FILE_BYTES
    result = _render(runner, "big.yaml")
    assert result.stderr == f"big.yaml: file is {size:,} bytes; the limit is 1,000,000 bytes (1 MB)\n"
    assert result.exit_code == 1
    assert _files(workdir) == ["big.yaml"]


def test_nesting_a_megabyte_deep_is_refused(tmp_path: Path) -> None:
    """In a process of its own: libyaml's composer recursed in C on [[[[… and crashed (SIGSEGV)."""
    (tmp_path / "deep.yaml").write_text("context: " + "[" * 490_000 + "]" * 490_000 + "\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "speechgen", "render", "deep.yaml"],
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert proc.stderr.decode("utf-8") == "deep.yaml:1:49: values are nested more than 40 levels deep; refused\n"
    assert proc.returncode == 1
    assert _files(tmp_path) == ["deep.yaml"]


def test_alias_bomb_is_refused_quickly(runner: CliRunner, workdir: Path) -> None:
    shutil.copy(BROKEN_DIR / "alias_bomb.yaml", workdir / "alias_bomb.yaml")
    start = time.monotonic()
    result = _render(runner, "alias_bomb.yaml")
    assert result.exit_code == 1
    assert time.monotonic() - start < 2.0  # 9**10 values if it were expanded


def test_bom_is_accepted(runner: CliRunner, workdir: Path) -> None:
    """The control for the encoding cases: UTF-8 with a BOM (Notepad's "UTF-8") is fine."""
    (workdir / "bom.yaml").write_bytes(b"\xef\xbb\xbf" + example("village_stay").read_bytes())
    result = _render(runner, "bom.yaml", "-o", "bom.md")
    assert result.exit_code == 0, result.stderr
    assert "全县驻村干部选派部署会" in (workdir / "bom.md").read_text(encoding="utf-8")


def test_debug_shows_no_traceback_for_user_errors(runner: CliRunner, workdir: Path) -> None:
    shutil.copy(BROKEN_DIR / "bad_date.yaml", workdir / "bad_date.yaml")
    result = runner.invoke(main, ["--debug", "render", "bad_date.yaml"])
    assert (result.exit_code, result.stderr) == (1, _expected("bad_date.yaml"))


def test_missing_file_and_folder(runner: CliRunner, workdir: Path) -> None:
    (workdir / "events").mkdir()
    result = _render(runner, "nope.yaml")
    assert (result.exit_code, result.stderr) == (1, "nope.yaml: no such file\n")
    result = _render(runner, "events")
    assert (result.exit_code, result.stderr) == (1, "events: is a folder, not a file\n")
    assert _files(workdir) == ["events"]


@pytest.mark.parametrize("name", ["python_tag.yaml", "latin1.yaml", "alias_bomb.yaml", "binary.yaml"])
def test_real_process_exit_status(name: str, tmp_path: Path) -> None:
    """Outside CliRunner too: exit status 1, the message alone on stderr, no file."""
    shutil.copy(BROKEN_DIR / name, tmp_path / name)
    proc = subprocess.run(
        [sys.executable, "-m", "speechgen", "render", name],
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert proc.returncode == 1
    assert proc.stderr.decode("utf-8") == _expected(name)
    assert proc.stdout == b""
    assert _files(tmp_path) == [name]


def test_validate_command_reports_the_same_problems(runner: CliRunner, workdir: Path) -> None:
    for name in ("bad_date.yaml", "control_chars.yaml", "latin1.yaml", "fullwidth_colon.yaml", "python_tag.yaml"):
        shutil.copy(BROKEN_DIR / name, workdir / name)
        result = runner.invoke(main, ["validate", name])
        assert (result.exit_code, result.stderr) == (1, _expected(name))


# -- event values are data, never templates ------------------------------------------------------------

INJECTION = """type: village_stay
meeting:
  name: "全县{{ 7*7 }}驻村蹲点{% if true %}工作{% endif %}会议{# x #}"
  date: 2026-03-16
  before_speech: ["宣读了{{ config }}名单", "{{ self.__init__.__globals__ }}代表作了发言"]
speaker:
  title: "县委常委、{{ ''.__class__.__mro__[1].__subclasses__() }}部长"
  name: "${HOME}$(id)`id`"
program:
  kind: 驻村蹲点
  cadres: 120
  tasks: ["{{ lipsum.__globals__ }}", "{% raw %}发展集体经济"]
context:
  - "{{ cycler.__init__.__globals__.os.popen('id').read() }}"
options:
  seed: 7
"""


def _docx_text(path: Path) -> list[str]:
    return [p.text for p in Document(str(path)).paragraphs if p.text.strip()]


def test_event_values_are_never_rendered(runner: CliRunner, workdir: Path) -> None:
    (workdir / "inject.yaml").write_text(INJECTION, encoding="utf-8")
    result = _render(runner, "inject.yaml", "-o", "speech.docx")
    assert result.exit_code == 0, result.stderr
    paragraphs = _docx_text(workdir / "speech.docx")
    text = "\n".join(paragraphs)
    name = "全县{{ 7*7 }}驻村蹲点{% if true %}工作{% endif %}会议{# x #}"
    title = paragraphs[0].replace("\n", "")  # a long title is broken into lines (w:br)
    assert name.replace(" ", "") in title.replace(" ", "")  # and in the title
    assert "{{ cycler.__init__.__globals__.os.popen('id').read() }}" in text  # context is used verbatim
    assert "49" not in text
    assert "<class" not in text and "uid=" not in text and "Undefined" not in text


@pytest.mark.parametrize(
    ("field", "value"), [("meeting.name", "全县" + "长" * 290 + "会议"), ("speaker.name", "王" * 300)]
)
def test_longest_valid_texts_are_drafted(field: str, value: str, runner: CliRunner, workdir: Path) -> None:
    """Texts of MAX_TEXT characters are valid, so they must make a draft."""
    if field == "meeting.name":
        text = HEAD.replace("全县选派干部驻村蹲点工作会议", value)
    else:
        text = HEAD + f"  name: {value}\n"  # HEAD ends inside speaker:
    (workdir / "long.yaml").write_text(text, encoding="utf-8")
    result = _render(runner, "long.yaml", "-o", "speech.docx")
    assert result.exit_code == 0, result.stderr
    assert _files(workdir) == ["long.yaml", "speech.docx"]


ODD = "全县\ufffe\uffff驻村\x1b[2J蹲点\u202e工作\u200b会议👩\u200d👩\u200d👧𠀀\ue030"


def test_odd_unicode_makes_a_valid_document(runner: CliRunner, workdir: Path) -> None:
    """Characters XML cannot hold (U+FFFE, U+FFFF, ESC), bidi and zero-width marks, emoji, astral Han."""
    event = yaml.safe_load(HEAD)
    event["meeting"]["name"], event["speaker"]["title"] = ODD, ODD[::-1]
    (workdir / "odd.yaml").write_text(yaml.safe_dump(event, allow_unicode=True), encoding="utf-8")  # \uFFFE escaped
    result = _render(runner, "odd.yaml", "-o", "speech.docx")
    assert result.exit_code == 0, result.stderr
    title = _docx_text(workdir / "speech.docx")[0].replace("\n", "")  # a long title is broken into lines (w:br)
    assert "全县驻村[2J蹲点工作会议👩\u200d👩\u200d👧𠀀" in title


# -- user banks and templates run in the sandbox ----------------------------------------------------------

VARIANT_LANGUAGE = (  # issue 14: refused when the banks load, before anything renders
    "is not allowed in a bank variant; a variant may use text, fields such as {{ program.cadres }}, the filters cn,"
    ' join_cn, join, first, last, length, trim (with a short text at most: join("；")) and {% if %} over fields'
)
SANDBOX = {
    "mro": 'the name "__mro__"',
    "cycler_globals": 'the name "__globals__"',
    "format_string": "a call (…())",
    "attr_filter": 'the filter "attr"',
    "namespace_dict": 'the name "__dict__"',
    "mutate_list": "a call (…())",
}


@pytest.mark.parametrize("case", sorted(SANDBOX))
def test_hostile_bank_variant_is_refused(case: str, runner: CliRunner, workdir: Path) -> None:
    shutil.copytree(HOSTILE_BANKS / case, workdir / "mybanks")
    result = _render(runner, str(example("village_stay")), "--banks", "mybanks", "-o", "speech.docx")
    assert result.stderr == f"mybanks/evil.yaml:5:7: opening.announce: {SANDBOX[case]} {VARIANT_LANGUAGE}\n"
    assert result.exit_code == 1
    assert _files(workdir) == ["mybanks"]


def test_benign_bank_variant_is_used(runner: CliRunner, workdir: Path) -> None:
    """The control for the sandbox cases: the same slot, harmless, renders and is used."""
    shutil.copytree(HOSTILE_BANKS / "benign", workdir / "mybanks")
    result = _render(runner, str(example("village_stay")), "--banks", "mybanks", "-o", "speech.docx")
    assert result.exit_code == 0, result.stderr
    assert "下面，围绕全县驻村干部选派部署会，我讲几点意见。" in "\n".join(_docx_text(workdir / "speech.docx"))


HOSTILE_TEMPLATE = """{% extends "base.j2" %}
{% block opening %}
{{ super() }}
{# a block the base template has (issue 14: section_significance had gone, so nothing ran) #}
{{ s.__globals__ }}
{% endblock %}
"""


def test_hostile_template_is_refused(runner: CliRunner, workdir: Path) -> None:
    (workdir / "mytemplates").mkdir()
    (workdir / "mytemplates" / "village_stay.j2").write_text(HOSTILE_TEMPLATE, encoding="utf-8")
    result = _render(runner, str(example("village_stay")), "--templates", "mytemplates", "-o", "speech.docx")
    assert result.exit_code == 1
    assert "unsafe template refused: access to attribute '__globals__' of 'method' object is unsafe." in result.stderr
    assert "Traceback" not in result.output
    assert _files(workdir) == ["mytemplates"]


def test_hostile_template_error_names_file_and_line(runner: CliRunner, workdir: Path) -> None:
    (workdir / "mytemplates").mkdir()
    (workdir / "mytemplates" / "village_stay.j2").write_text(HOSTILE_TEMPLATE, encoding="utf-8")
    result = _render(runner, str(example("village_stay")), "--templates", "mytemplates", "-o", "speech.docx")
    assert result.stderr.startswith("mytemplates/village_stay.j2:5: ")


# -- output names never leave the output folder -------------------------------------------------------------


@pytest.mark.parametrize(
    "output",
    [
        "CON",  # a Windows device name
        '"a:b*c?<d>|e.docx"',  # Windows-illegal characters
        "．．／．．／evil",  # full-width look-alikes of ../../
        '"会议\\u202e\\0xcod.docx"',  # a bidi override and a NUL
        "纪要..docx",
        '"\\u2024\\u2024"',  # one-dot leaders: ․․
        "长" * 300,  # longer than a file name may be
    ],
)
def test_output_name_stays_in_folder(output: str, runner: CliRunner, workdir: Path) -> None:
    (workdir / "event.yaml").write_text(HEAD + f"output: {output}\n", encoding="utf-8")
    before = set(workdir.parent.iterdir())
    result = _render(runner, "event.yaml")
    assert result.exit_code == 0, result.stderr
    written = set(_files(workdir)) - {"event.yaml"}
    assert len(written) == 1, written
    name = written.pop()
    assert name.endswith(".docx") and not name.startswith(".")
    assert (workdir / name).resolve().parent == workdir.resolve()
    assert set(workdir.parent.iterdir()) == before
    assert Document(str(workdir / name)).paragraphs


def test_batch_output_names_stay_in_folder(runner: CliRunner, workdir: Path) -> None:
    (workdir / "out").mkdir()
    (workdir / "out" / "evil.docx").symlink_to("../outside.docx")
    (workdir / "events.yaml").write_text(
        """defaults:
  type: village_stay
  meeting: {name: 全县选派干部驻村蹲点工作会议, date: 2026-03-16}
  speaker: {title: 县委常委、组织部部长}
events:
  - output: ../escape.docx
  - output: {outside}/escape.docx
  - output: evil.docx
  - output: 正常.docx
""".replace("{outside}", str(workdir.parent)),
        encoding="utf-8",
    )
    result = runner.invoke(main, ["batch", "events.yaml", "-o", "out", "--jobs", "1", "--quiet"])
    assert result.exit_code == 1
    assert _files(workdir) == ["events.yaml", "out"]
    assert _files(workdir / "out") == ["evil.docx", "正常.docx"]
    assert (workdir / "out" / "evil.docx").is_symlink() and not (workdir / "outside.docx").exists()
    assert not (workdir.parent / "escape.docx").exists()
    assert "events.yaml:6:13: events[1]: output (输出): expected a file name, not a path" in result.stderr
    assert "events.yaml:7:13: events[2]: output (输出): expected a file name, not a path" in result.stderr
    assert "evil.docx: is a symbolic link; refusing to write through it" in result.stderr


# -- a killed render leaves the finished file or nothing --------------------------------------------------

KILL_RUNS = int(os.environ.get("SPEECHGEN_KILL_RUNS", "3"))  # per signal and moment; bounded
RENDER = ["render", str(example("village_stay")), "-o", "speech.docx"]
UNNAMED = [sys.executable, "-m", "speechgen", *RENDER]  # Linux: O_TMPFILE, named only once complete
NAMED = [sys.executable, "-c", "import os; del os.O_TMPFILE; from speechgen.cli import main; main()", *RENDER]
needs_proc = pytest.mark.skipif(
    not Path("/proc/self/fd").is_dir() or not hasattr(os, "O_TMPFILE"), reason="needs Linux /proc and O_TMPFILE"
)


def _writing(pid: int, folder: Path) -> bool:
    """Has process pid started writing a file in folder (the unnamed or temporary draft, open and not empty)?"""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    prefix = f"{folder.resolve()}/"
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}").startswith(prefix) and os.stat(f"/proc/{pid}/fd/{fd}").st_size:
                return True
        except OSError:
            continue
    return False


def _check_folder(folder: Path) -> None:
    names = _files(folder)
    assert names in ([], ["speech.docx"]), f"left behind: {names}"
    for name in names:
        Document(str(folder / name))  # a complete Word document, or no file at all


def _kill(command: list[str], folder: Path, sig: int, late: float | None, pause: float = 0.0) -> None:
    """Start a render in folder; send sig after `late` seconds, or `pause` seconds into writing its output."""
    proc = subprocess.Popen(command, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if late is not None:
            time.sleep(late)
        else:
            deadline = time.monotonic() + 60
            while proc.poll() is None and time.monotonic() < deadline and not _writing(proc.pid, folder):
                pass
            time.sleep(pause)
        proc.send_signal(sig)
    finally:
        proc.wait(timeout=60)


def _kill_loop(tmp_path: Path, command: list[str], signals: tuple[int, ...]) -> None:
    rng = random.Random(int(os.environ.get("SPEECHGEN_KILL_SEED", time.time_ns())))
    calibrate = tmp_path / "calibrate"
    calibrate.mkdir()
    start = time.monotonic()
    subprocess.run(command, cwd=calibrate, capture_output=True, check=True, timeout=120)
    full = time.monotonic() - start
    assert _files(calibrate) == ["speech.docx"]
    _check_folder(calibrate)
    for i in range(KILL_RUNS * 2 * len(signals)):
        folder = tmp_path / f"run{i}"
        folder.mkdir()
        sig = signals[i % len(signals)]
        # half at a random moment late in the run (drafting, exporting, writing), half as the write begins
        late = rng.uniform(0.5, 1.1) * full if (i // len(signals)) % 2 == 0 else None
        _kill(command, folder, sig, late, rng.uniform(0, 0.002))
        _check_folder(folder)


@needs_proc
def test_killed_render_leaves_no_partial_file(tmp_path: Path) -> None:
    _kill_loop(tmp_path, UNNAMED, (signal.SIGTERM, signal.SIGKILL))


@needs_proc
def test_terminated_render_removes_its_temporary(tmp_path: Path) -> None:
    """Where O_TMPFILE is missing (macOS, Windows, some file systems) a named temporary is used: SIGTERM removes it."""
    _kill_loop(tmp_path, NAMED, (signal.SIGTERM,))


@needs_proc
def test_temporary_of_a_killed_render_is_removed_by_the_next(tmp_path: Path) -> None:
    """kill -9 cannot be caught: the named temporary it leaves must go the next time the folder is written to."""
    for _ in range(10):
        _kill(NAMED, tmp_path, signal.SIGKILL, None)
        if any(name.startswith(TMP_PREFIX) for name in _files(tmp_path)):
            break
        for p in tmp_path.iterdir():
            p.unlink()
    else:
        pytest.skip("the kill never landed during the write")
    subprocess.run([*NAMED, "--force"], cwd=tmp_path, capture_output=True, check=True, timeout=120)
    assert _files(tmp_path) == ["speech.docx"]


@pytest.mark.parametrize("mode", ["named", "force"])
def test_signal_as_temporary_appears(mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGTERM delivered the instant the temporary gets its name (the kill loop above hits this now and then)."""
    from speechgen.cli import Terminated
    from speechgen.run.output import write_atomic

    real_open, real_link = os.open, os.link

    def open_then_signal(path: Any, flags: int, *args: Any, **kw: Any) -> int:
        fd = real_open(path, flags, *args, **kw)
        if TMP_PREFIX in str(path):
            os.close(fd)
            raise Terminated
        return fd

    def link_then_signal(src: Any, dst: Any, *args: Any, **kw: Any) -> None:
        real_link(src, dst, *args, **kw)
        if TMP_PREFIX in str(dst):
            raise Terminated

    if mode == "named":
        monkeypatch.delattr(os, "O_TMPFILE", raising=False)
        monkeypatch.setattr(os, "open", open_then_signal)
    else:
        if not hasattr(os, "O_TMPFILE"):
            pytest.skip("needs O_TMPFILE")
        (tmp_path / "speech.docx").write_bytes(b"old")
        monkeypatch.setattr(os, "link", link_then_signal)
    with pytest.raises(Terminated):
        write_atomic(tmp_path / "speech.docx", b"new", force=True)
    assert not [n for n in _files(tmp_path) if n.startswith(TMP_PREFIX)]
