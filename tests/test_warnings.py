"""Warnings that are true and visible (issue 15): the slips of a Chinese input method, GBK files, batch's
warnings per event, unused facts after render, and the checker's false alarms."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from speechgen import api
from speechgen.cli import main
from speechgen.review.checks import Finding, check_lines
from speechgen.run.job import SETTINGS, review_lines

from .conftest import DATA, example

GBK = DATA / "encodings" / "gbk.yaml"

SLIPS = """\
type: 动员会
meeting:
  日期: 2026-03-16
  名称：全县年轻干部挂职锻炼动员会
  地点:县委党校
\u3000\u3000层级: 县
speaker:
  职务: 县委常委、组织部部长
  姓名: 县委书记：作重要讲话
"""


def test_each_slip_is_named_at_its_line_and_column_in_chinese(runner, workdir: Path, chinese) -> None:
    (workdir / "e.yaml").write_text(SLIPS, encoding="utf-8")
    for command in ("validate", "render"):
        result = runner.invoke(main, [command, "e.yaml"])
        assert result.exit_code == 1
        assert result.stderr.splitlines() == [
            "e.yaml:4:5: 第4行“名称”后面用了中文冒号“：”，请改为英文冒号加空格“: ”",
            "e.yaml:5:5: 第5行“地点”后面的冒号后缺少空格，请改为英文冒号加空格“: ”",
            "e.yaml:6:1: 第6行的缩进用了全角空格“　”，请改用半角空格缩进",
        ]


def test_a_colon_inside_a_value_or_a_block_is_not_a_slip(runner, workdir: Path) -> None:
    text = example("village_stay").read_text(encoding="utf-8")
    text += "\n".join(["", "  # 名称：这是注释", ""])
    text = text.replace("context:\n", "context:\n  - 县委书记：作重要讲话\n  - |\n    名称：块中的文字\n", 1)
    (workdir / "e.yaml").write_text(text, encoding="utf-8")
    result = runner.invoke(main, ["validate", "e.yaml"])
    assert result.exit_code == 0, result.output


def test_a_gbk_file_renders_with_a_note(runner, workdir: Path) -> None:
    (workdir / "g.yaml").write_bytes(GBK.read_bytes())
    for args in (["validate", "g.yaml"], ["render", "g.yaml", "-o", "g.md"]):
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
        assert "warning: g.yaml: read as GBK (GB18030) text; saving it as UTF-8 is safer" in result.stderr.splitlines()
    assert (workdir / "g.md").exists()


def test_batch_reads_a_gbk_file_with_its_note_and_names_every_slip_of_a_file(runner, workdir: Path) -> None:
    (workdir / "g.yaml").write_bytes(GBK.read_bytes())
    (workdir / "e.yaml").write_text(SLIPS, encoding="utf-8")
    result = runner.invoke(main, ["batch", "g.yaml", "e.yaml", "-o", "out", "-j", "1"])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert "warning: g.yaml: read as GBK (GB18030) text; saving it as UTF-8 is safer" in lines
    assert lines[-3:] == [
        'e.yaml:4:5: after "名称" on line 4 is a Chinese colon "："; write an English colon and a space ": "',
        'e.yaml:5:5: the colon after "地点" on line 5 has no space after it; write ": " (a colon and a space)',
        'e.yaml:6:1: line 6 is indented with full-width spaces "　"; indent with ordinary (half-width) spaces',
    ]


def test_a_gbk_note_names_its_file_once_in_chinese(runner, workdir: Path, chinese) -> None:
    (workdir / "g.yaml").write_bytes(GBK.read_bytes())
    note = "提醒：g.yaml：文件是 GBK（GB18030）编码，已按此读取；建议另存为 UTF-8 编码"
    for args in (["validate", "g.yaml"], ["batch", "g.yaml", "-o", "out", "-j", "1"]):
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
        assert note in result.stderr.splitlines()


def test_render_lists_every_fact_it_did_not_use(runner, workdir: Path) -> None:
    draft = api.draft(api.load_event(example("summary_mobilisation")))
    assert draft.info.unused_facts  # the control: this draft leaves facts out
    result = runner.invoke(main, ["render", str(example("summary_mobilisation")), "-o", "s.md"])
    assert result.exit_code == 0, result.output
    listed = [line for line in result.stderr.splitlines() if line.startswith("not used: ")]
    assert [line.split(" = ")[0] for line in listed] == [
        f"not used: {path} ({api_alias(path)})" for path, _value in draft.info.unused_facts if path not in SETTINGS
    ]
    assert all(
        line.endswith("no sentence of this draft takes it; another --seed or a longer draft may") for line in listed
    )


def api_alias(path: str) -> str:
    from speechgen.event.schema import alias_of

    return alias_of(tuple(path.split(".")))


def test_batch_counts_warnings_per_event_in_its_summary_and_report(runner, workdir: Path) -> None:
    sources = [str(example("village_stay")), str(example("summary_mobilisation"))]
    result = runner.invoke(main, ["batch", *sources, "-o", "out", "--format", "md", "--report", "r.json", "-j", "1"])
    assert result.exit_code == 0, result.output
    rows = json.loads((workdir / "r.json").read_text(encoding="utf-8"))
    lines = result.stderr.splitlines()
    assert all(row["warnings"] for row in rows)  # both leave facts out or missing
    for row in rows:
        assert f"{row['input']}: {len(row['warnings'])} warning(s)" in lines
        assert all(f"warning: {row['input']}: {w}" in lines for w in row["warnings"])
    total = sum(len(r["warnings"]) for r in rows)
    assert lines[-2:] == [f"warnings: {total} in 2 event(s)", "drafted 2, skipped 0, failed 0"]
    quiet = runner.invoke(main, ["batch", *sources, "-o", "out2", "--format", "md", "-q", "-j", "1"])
    assert quiet.stderr.splitlines() == ["drafted 2, skipped 0, failed 0"]  # the report keeps the warnings


def test_markers_asked_for_are_reported_once_as_missing_facts() -> None:
    marker = Finding("error", "placeholder", "a 【待补充】 marker is still to be filled in", 3, "【待补充：出席领导】")
    other = Finding("error", "placeholder", "placeholder xx left in the text", 4, "xx")
    missing = {"meeting.leaders_present": "出席领导"}
    asked = api.Review((marker, other), missing, (), True)
    assert review_lines(asked) == [
        "missing: meeting.leaders_present (出席领导): marked 【待补充】",
        f"check: {other}",
    ]
    not_asked = api.Review((marker,), missing, (), False)  # a marker the user did not ask for is an error
    assert review_lines(not_asked) == [
        "missing: meeting.leaders_present (出席领导): sentences left out",
        f"check: {marker}",
    ]


def test_check_without_the_event_takes_a_higher_level_with_quan_as_the_users_own() -> None:
    title = ("title", "在全县驻村干部工作推进会上的讲话")

    def jurisdiction(*body: str) -> list[str]:
        found = check_lines([title, *(("body", b) for b in body)], None, [])
        return [f.message for f in found if f.code == "jurisdiction"]

    assert jurisdiction("贯彻落实全省组织工作会议精神，全县上下要迅速行动起来。") == []
    assert jurisdiction("我省的工作要求，我县要跟上。") == ["mixed jurisdiction words: 我省/全省 and 我县/全县"]
    assert jurisdiction("全县上下要行动起来，全区干部要跟上。") == ["mixed jurisdiction words: 我县/全县 and 我区/全区"]


def test_check_of_the_readme_example_without_the_event_raises_no_jurisdiction_error(runner, workdir: Path) -> None:
    result = runner.invoke(main, ["render", str(example("village_stay")), "-o", "v.md"])
    assert result.exit_code == 0, result.output
    assert "全省" in (workdir / "v.md").read_text(encoding="utf-8")  # from the event's context
    checked = runner.invoke(main, ["check", "v.md"])
    assert "mixed jurisdiction words" not in checked.output


def test_check_with_the_event_finds_facts_written_with_full_width_brackets(runner, workdir: Path) -> None:
    text = example("village_stay").read_text(encoding="utf-8")
    name = api.load_event(example("village_stay")).get("meeting.name")
    (workdir / "e.yaml").write_text(text.replace(name, name + "（第二批）"), encoding="utf-8")
    (workdir / "d.md").write_text(f"# 在{name}（第二批）上的讲话\n\n同志们：\n\n今天开会。\n", encoding="utf-8")
    checked = runner.invoke(main, ["check", "d.md", "--event", "e.yaml", "--format", "json"])
    found = [f for f in json.loads(checked.output)["d.md"] if f["code"] == "unmentioned-fact"]
    assert not any("meeting.name" in f["message"] for f in found)
    assert any("program.cadres" in f["message"] for f in found)  # the control: a fact the draft lacks is named


@pytest.mark.parametrize("name", ["动员会", "总结会", "总结暨动员会", "驻村蹲点"])
def test_an_untouched_new_file_renders_warning_only_of_its_samples(runner, workdir: Path, name: str) -> None:
    made = runner.invoke(main, ["new", name, "-o", "e.yaml"])
    assert made.exit_code == 0, made.output
    text = (workdir / "e.yaml").read_text(encoding="utf-8")
    assert "出席领导: " in text
    assert not [line for line in text.splitlines() if line.lstrip().startswith(("时长", "字数", "options", "选项"))]
    result = runner.invoke(main, ["render", "e.yaml", "-o", "e.md"])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert not [line for line in lines if line.startswith("missing: ")]
    samples = [line for line in lines if line.endswith("— 示例值，请替换")]
    assert any("meeting.name (名称)" in line for line in samples) and any(
        "speaker.name (姓名)" in line for line in samples
    )
    concise = runner.invoke(main, ["render", "e.yaml", "-o", "c.md", "--style", "简明"])
    assert concise.exit_code == 0, concise.output

    def length(out: str) -> int:
        return int(out.splitlines()[0].split(": ")[1].split()[0])

    assert length(concise.stderr) < length(result.stderr)


def test_every_optional_field_is_in_the_new_file(runner, workdir: Path) -> None:
    from speechgen.event.schema import leaves

    made = runner.invoke(main, ["new", "summary_mobilisation", "--lang", "en"])
    for path, _field in leaves():
        if path[0] in ("output", "type") or path == ("options", "choices"):
            continue
        assert f"{path[-1]}:" in made.output, path
