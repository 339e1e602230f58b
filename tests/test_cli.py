"""The command line, through click's CliRunner (issue: end-to-end drafting)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document

from speechgen import __version__
from speechgen.cli import main

from .conftest import EXAMPLES, ROOT, TYPES, example

FORMATS = ("docx", "md", "txt", "json")


@pytest.mark.parametrize("meeting_type", TYPES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_example_renders_in_every_format(runner, workdir: Path, meeting_type: str, fmt: str) -> None:
    out = workdir / f"draft.{fmt}"
    result = runner.invoke(main, ["render", str(example(meeting_type)), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file()
    if fmt == "docx":
        doc = Document(str(out))
        assert doc.paragraphs[0].text.startswith("在") and doc.paragraphs[0].text.endswith("上的讲话")
        assert doc.paragraphs[-1].text == "谢谢大家！"
    elif fmt == "json":
        data = json.loads(out.read_text(encoding="utf-8"))
        assert data["closing"][-1]["text"] == "谢谢大家！"
        assert len(data["sections"]) == data["info"]["points"]
    else:
        text = out.read_text(encoding="utf-8")
        assert "谢谢大家！" in text and "同志们：" in text


def test_render_prints_one_summary_line(runner, workdir: Path) -> None:
    result = runner.invoke(main, ["render", str(example("village_stay")), "-o", "v.md"])
    assert result.exit_code == 0
    first = result.output.splitlines()[0]
    assert first.startswith("v.md: ") and first.endswith(" minutes")
    han = int(first.split(": ")[1].split(" ")[0])
    minutes = float(first.split("about ")[1].split(" ")[0])
    assert minutes == round(han / 180, 1)


def test_default_output_name_is_date_and_meeting_name(runner, workdir: Path) -> None:
    result = runner.invoke(main, ["render", str(example("village_stay"))])
    assert result.exit_code == 0, result.output
    assert (workdir / "2026-03-16-全县驻村干部选派部署会.docx").is_file()


def test_event_output_field_names_the_file(runner, workdir: Path) -> None:
    text = example("village_stay").read_text(encoding="utf-8") + "output: 驻村会议讲话.docx\n"
    (workdir / "e.yaml").write_text(text, encoding="utf-8")
    result = runner.invoke(main, ["render", "e.yaml", "--format", "md"])
    assert result.exit_code == 0, result.output
    assert (workdir / "驻村会议讲话.md").is_file()


def test_format_follows_the_extension_and_dash_writes_stdout(runner, workdir: Path) -> None:
    result = runner.invoke(main, ["render", str(example("summary")), "-o", "-", "--format", "txt"])
    assert result.exit_code == 0
    assert result.stdout.startswith("在全县党外干部挂职锻炼工作总结会上的讲话")
    assert list(workdir.iterdir()) == []
    refused = runner.invoke(main, ["render", str(example("summary")), "-o", "-", "--format", "docx"])
    assert refused.exit_code == 1
    assert refused.output.strip() == "-o - writes text to standard output; docx needs a file name"


def test_existing_file_is_not_overwritten_without_force(runner, workdir: Path) -> None:
    target = workdir / "keep.md"
    target.write_text("my edits", encoding="utf-8")
    result = runner.invoke(main, ["render", str(example("summary")), "-o", "keep.md"])
    assert result.exit_code == 1
    assert result.output.strip() == "keep.md: exists; use --force to overwrite"
    assert target.read_text(encoding="utf-8") == "my edits"
    forced = runner.invoke(main, ["render", str(example("summary")), "-o", "keep.md", "--force"])
    assert forced.exit_code == 0
    assert "谢谢大家！" in target.read_text(encoding="utf-8")


def test_same_seed_gives_identical_bytes(runner, workdir: Path) -> None:
    for name in ("a.md", "b.md"):
        assert runner.invoke(main, ["render", str(example("mobilisation")), "-o", name, "--seed", "9"]).exit_code == 0
    assert (workdir / "a.md").read_bytes() == (workdir / "b.md").read_bytes()


def test_validate_lists_every_problem_and_sets_exit_status(runner, workdir: Path) -> None:
    good = runner.invoke(main, ["validate", *[str(example(t)) for t in TYPES]])
    assert good.exit_code == 0
    assert good.output.count(": ok (") == 4
    (workdir / "bad.yaml").write_text(
        "type: summary\nmeeting:\n  name: 全县总结会\n  date: 明天\n"
        "speaker:\n  titel: 部长\nprogram:\n  cadres: 很多\n",
        encoding="utf-8",
    )
    bad = runner.invoke(main, ["validate", "bad.yaml", str(example("summary"))])
    assert bad.exit_code == 1
    assert bad.output.splitlines() == [
        'bad.yaml:4:9: meeting.date (日期): expected a date as YYYY-MM-DD or 2026年3月16日, found "明天"',
        'bad.yaml:6:3: unknown key "speaker.titel" — did you mean "title"?',
        'bad.yaml:8:11: program.cadres (人数): expected a whole number, found "很多"',
        "bad.yaml:5:1: speaker.title (职务): required, but not given",
        "bad.yaml:1:1: review (回顾): a summary meeting needs review.achievements (成效) or review.cadres (人数)",
        f"{example('summary')}: ok (summary)",
    ]


def test_broken_event_writes_no_file(runner, workdir: Path) -> None:
    (workdir / "bad.yaml").write_text("type: meeting\n", encoding="utf-8")
    result = runner.invoke(main, ["render", "bad.yaml", "-o", "out.docx"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.output.splitlines()[0] == (
        "bad.yaml:1:7: type (类型): expected a meeting type: 动员会 (mobilisation) | 总结会 (summary) | "
        '总结暨动员会 (summary_mobilisation) | 驻村蹲点工作会议 (village_stay), found "meeting"'
    )
    assert not (workdir / "out.docx").exists()


@pytest.mark.parametrize("meeting_type", TYPES)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_new_writes_an_event_that_validates_and_renders(runner, workdir: Path, meeting_type: str, lang: str) -> None:
    made = runner.invoke(main, ["new", meeting_type, "-o", "e.yaml", "--lang", lang])
    assert made.exit_code == 0, made.output
    text = (workdir / "e.yaml").read_text(encoding="utf-8")
    assert ("类型:" in text) == (lang == "zh") and ("type:" in text) == (lang == "en")
    assert runner.invoke(main, ["validate", "e.yaml"]).exit_code == 0
    rendered = runner.invoke(main, ["render", "e.yaml", "-o", "e.md"])
    assert rendered.exit_code == 0, rendered.output
    assert "示例值，请替换" in rendered.output  # an untouched file says its samples are still there
    again = runner.invoke(main, ["new", meeting_type, "-o", "e.yaml"])
    assert again.exit_code == 1 and "exists" in again.output


EXAMPLE_FILES = sorted(p.name for p in (ROOT / "examples").glob("*.yaml") if p.name != "batch.yaml")


@pytest.mark.parametrize("example", EXAMPLE_FILES)
def test_no_example_holds_a_sample_value_of_new(runner, workdir: Path, example: str) -> None:
    rendered = runner.invoke(main, ["render", str(ROOT / "examples" / example), "-o", "e.txt"])
    assert rendered.exit_code == 0, rendered.output
    assert "示例值" not in rendered.output


def test_version_help_and_usage_errors(runner) -> None:
    assert runner.invoke(main, ["--version"]).output.strip() == f"speechgen, version {__version__}"
    for command in ([], ["render"], ["validate"], ["new"], ["batch"], ["check"], ["banks"], ["banks", "check"]):
        result = runner.invoke(main, [*command, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output
    assert runner.invoke(main, ["render"]).exit_code == 2
    assert runner.invoke(main, ["render", str(EXAMPLES / "summary.yaml"), "--points", "9"]).exit_code == 2
    assert runner.invoke(main, ["new", "party"]).exit_code == 2


def test_unknown_style_lists_the_styles(runner, workdir: Path) -> None:
    result = runner.invoke(main, ["render", str(example("summary")), "-o", "x.md", "--style", "poetic"])
    assert result.exit_code == 1
    assert (
        result.output.strip() == 'unknown style "poetic"; available styles: 简明 (concise), 正式 (formal), 温情 (warm)'
    )
    assert not (workdir / "x.md").exists()


# -- the docs and the behaviour agree (issue: green on a fresh machine) ----------------------------------


def test_validate_takes_folders_and_globs_as_batch_does(runner, workdir: Path) -> None:
    folder = workdir / "events"
    folder.mkdir()
    for t in ("mobilisation", "summary"):
        (folder / f"{t}.yaml").write_bytes(example(t).read_bytes())
    by_folder = runner.invoke(main, ["validate", "events"])
    assert by_folder.exit_code == 0, by_folder.output
    assert by_folder.stdout.splitlines() == [
        "events/mobilisation.yaml: ok (mobilisation)",
        "events/summary.yaml: ok (summary)",
    ]
    by_glob = runner.invoke(main, ["validate", "events/s*.yaml"])
    assert by_glob.exit_code == 0 and by_glob.stdout == "events/summary.yaml: ok (summary)\n"
    none = runner.invoke(main, ["validate", "nothing/*.yaml"])
    assert none.exit_code == 1 and "nothing/*.yaml: no file matches this pattern" in none.stderr


def test_help_spells_the_marker_with_a_full_width_colon(runner) -> None:
    result = runner.invoke(main, ["render", "--help"])
    assert "【待补充：字段】" in result.output and "【待补充:" not in result.output


def test_standard_output_gets_markdown_unless_told(runner, workdir: Path) -> None:
    md = runner.invoke(main, ["render", str(example("summary")), "-o", "-"])
    assert md.exit_code == 0 and md.stdout.startswith("# 在")
    txt = runner.invoke(main, ["render", str(example("summary")), "-o", "-", "--format", "txt"])
    assert txt.exit_code == 0 and txt.stdout.startswith("在") and "# " not in txt.stdout
    docx = runner.invoke(main, ["render", str(example("summary")), "-o", "-", "--format", "docx"])
    assert docx.exit_code == 1 and "needs a file name" in docx.stderr


def test_the_docs_give_the_ranges_the_code_enforces() -> None:
    from speechgen.event.schema import LENGTH_RANGE, MINUTES_RANGE, POINTS_RANGE

    docs = (ROOT / "docs" / "event-format.md").read_text(encoding="utf-8")
    assert f"`minutes` {MINUTES_RANGE[0]}–{MINUTES_RANGE[1]}" in docs
    assert f"`points` {POINTS_RANGE[0]}–{POINTS_RANGE[1]}" in docs
    assert f"`length` {LENGTH_RANGE[0]}–{LENGTH_RANGE[1]}" in docs
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"{MINUTES_RANGE[0]}–{MINUTES_RANGE[1]} minutes" in readme


def test_the_readme_names_real_tests() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for file, name in re.findall(r"`(tests/test_\w+\.py)::(\w+)`", readme):
        assert f"def {name}(" in (ROOT / file).read_text(encoding="utf-8"), name


def test_bank_headers_point_at_the_bank_guide() -> None:
    for path in (ROOT / "phrasebanks").rglob("*.yaml"):
        head = path.read_text(encoding="utf-8")[:400]
        assert "/work/" not in head and "brief" not in head, path


def test_banks_show_prints_the_file_really_read(runner) -> None:
    result = runner.invoke(main, ["banks", "show", "closing.wishes"])
    assert result.exit_code == 0
    first = result.stdout.splitlines()[0]
    path = Path(first.split(":", 1)[0])
    assert path.is_absolute() and path.is_file() and path.name == "common.yaml"


def test_a_closed_pipe_ends_the_command_quietly(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "speechgen", "banks", "list"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # like `| head` that has read enough
    err = proc.stderr.read()
    proc.wait(timeout=60)
    assert err == b""
    assert proc.returncode == 141


def test_batch_makes_the_report_folder_as_it_makes_the_output_folder(runner, workdir: Path) -> None:
    result = runner.invoke(main, ["batch", str(example("summary")), "-o", "out", "--report", "reports/r.csv", "-q"])
    assert result.exit_code == 0, result.output
    assert (workdir / "reports" / "r.csv").is_file()
