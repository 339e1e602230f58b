"""`speechgen batch` (issue: batch drafting): input forms, names, errors, reports, parallelism, interruption."""

from __future__ import annotations

import csv
import json
import os
import pty
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from docx import Document

from speechgen import api
from speechgen.cli import main
from speechgen.draft import Paragraph, Sentence
from speechgen.event.load import load_event
from speechgen.export.docx import to_docx, with_python_docx
from speechgen.export.layout import Layout
from speechgen.run.output import TMP_PREFIX, clean_stale_temporaries, safe_name, write_atomic

from .conftest import EXAMPLES, example

SUMMARY_OK = "drafted {}, skipped 0, failed 0"


def event(name: str = "全县挂职干部动员会", date: str = "2026-04-01", extra: str = "") -> str:
    """A small valid mobilisation event (8 lines, then extra)."""
    head = f"type: mobilisation\nmeeting:\n  name: {name}\n  date: {date}\n  level: 县\n"
    return head + "speaker:\n  title: 县委副书记\n" + extra


def batch(runner, *args: str):
    return runner.invoke(main, ["batch", *args])


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def outcome_lines(result) -> list[str]:  # noqa: ANN001
    """Standard error without the warnings of drafted events and their counts (tests/test_warnings.py)."""
    lines = result.stderr.splitlines()
    return [
        line
        for line in lines
        if not (line.startswith(("warning: ", "warnings: ")) or re.search(r": \d+ warning\(s\)$", line))
    ]


def report_rows(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))


# -- input forms ------------------------------------------------------------------------------------


def test_one_file_is_named_after_date_and_meeting(runner, workdir: Path) -> None:
    result = batch(runner, str(example("village_stay")), "-o", "out", "-j", "1")
    assert result.exit_code == 0, result.output
    assert outcome_lines(result) == [SUMMARY_OK.format(1)]
    assert files(workdir / "out") == ["2026-03-16-全县驻村干部选派部署会.docx"]


def test_folder_takes_yaml_and_yml_sorted_and_nothing_else(runner, workdir: Path) -> None:
    ev = workdir / "ev"
    ev.mkdir()
    (ev / "b.yml").write_text(event("乙县挂职干部动员会"), encoding="utf-8")
    (ev / "a.yaml").write_text(event("甲县挂职干部动员会"), encoding="utf-8")
    (ev / "notes.txt").write_text("not an event", encoding="utf-8")
    (ev / ".draft.yaml").write_text("editor: backup", encoding="utf-8")
    (ev / "sub.yaml").mkdir()
    result = batch(runner, "ev", "-o", "out", "--report", "r.json", "--format", "md")
    assert result.exit_code == 0, result.output
    assert [r["input"] for r in report_rows(workdir / "r.json")] == ["ev/a.yaml", "ev/b.yml"]
    assert files(workdir / "out") == ["2026-04-01-乙县挂职干部动员会.md", "2026-04-01-甲县挂职干部动员会.md"]


def test_globs_expand_sorted_and_an_unmatched_one_is_a_named_failure(runner, workdir: Path) -> None:
    for n in (2, 1):
        (workdir / f"e{n}.yaml").write_text(event(f"全县第{n}批挂职干部动员会"), encoding="utf-8")
    result = batch(runner, "e*.yaml", "none/*.yaml", "-o", "out", "--format", "txt", "--report", "r.json")
    assert result.exit_code == 1
    assert [r["input"] for r in report_rows(workdir / "r.json")] == ["e1.yaml", "e2.yaml", "none/*.yaml"]
    assert outcome_lines(result) == ["drafted 2, skipped 0, failed 1", "none/*.yaml: no file matches this pattern"]


def test_the_same_file_named_twice_is_drafted_once(runner, workdir: Path) -> None:
    (workdir / "a.yaml").write_text(event(), encoding="utf-8")
    result = batch(runner, "a.yaml", ".", "*.yaml", "-o", "out", "--format", "md")
    assert result.exit_code == 0, result.output
    assert files(workdir / "out") == ["2026-04-01-全县挂职干部动员会.md"]


def test_multi_document_stream(runner, workdir: Path) -> None:
    docs = [event(f"第{n}批挂职干部动员会") for n in "一二三"]
    (workdir / "s.yaml").write_text("---\n" + "\n---\n".join(docs) + "\n---\n", encoding="utf-8")
    result = batch(runner, "s.yaml", "-o", "out", "--format", "md", "--report", "r.json")
    assert result.exit_code == 0, result.output
    assert [(r["input"], r["output"]) for r in report_rows(workdir / "r.json")] == [
        (f"s.yaml#{i}", f"2026-04-01-第{n}批挂职干部动员会.md") for i, n in enumerate("一二三", 1)
    ]


def test_batch_file_deep_merges_defaults_under_each_event(runner, workdir: Path) -> None:
    (workdir / "b.yaml").write_text(
        "defaults:\n  type: mobilisation\n  speaker: {title: 县委副书记, name: 李明}\n  program: {cadres: 30}\n"
        "events:\n"
        "  - meeting: {name: 全县挂职干部动员会, date: 2026-04-01}\n"
        "    讲话人: {姓名: 王强}\n"  # a Chinese key merges with its English default
        "  - meeting: {name: 全县驻村蹲点工作会议, date: 2026-05-01}\n    type: village_stay\n",
        encoding="utf-8",
    )
    result = batch(runner, "b.yaml", "-o", "out", "--format", "json", "--report", "r.json")
    assert result.exit_code == 0, result.output
    rows = report_rows(workdir / "r.json")
    assert [(r["input"], r["type"]) for r in rows] == [("b.yaml[1]", "mobilisation"), ("b.yaml[2]", "village_stay")]
    first = json.loads((workdir / "out" / rows[0]["output"]).read_text(encoding="utf-8"))
    second = json.loads((workdir / "out" / rows[1]["output"]).read_text(encoding="utf-8"))
    assert "王强" in first["speaker_line"] and "县委副书记" in first["speaker_line"]
    assert "李明" in second["speaker_line"]


def test_the_example_batch_file(runner, workdir: Path) -> None:
    result = batch(runner, str(EXAMPLES / "batch.yaml"), "-o", "out")
    assert result.exit_code == 0, result.output
    assert len(files(workdir / "out")) == 3
    for name in files(workdir / "out"):
        assert Document(str(workdir / "out" / name)).paragraphs[-1].text == "谢谢大家！"


def test_a_batch_file_larger_than_one_documents_value_budget(runner, workdir: Path) -> None:
    tasks = "program: {tasks: [一, 二, 三, 四, 五, 六, 七, 八, 九, 十]}"  # 12 values, 16 an event: 24,000 in all
    entry = "  - {{meeting: {{name: 第{}次挂职干部动员会, date: 2026-04-01}}, {}}}\n"
    entries = "".join(entry.format(i, tasks) for i in range(1500))
    text = "defaults: {type: mobilisation, speaker: {title: 县委副书记}, meeting: {level: 县}}\nevents:\n" + entries
    (workdir / "big.yaml").write_text(text, encoding="utf-8")
    result = runner.invoke(main, ["validate", "big.yaml"])
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 1500


def test_aliases_cannot_multiply_work_across_entries(runner, workdir: Path) -> None:
    bomb = (
        "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
    )
    text = f"defaults: {{type: mobilisation, x: {{{bomb.replace(chr(10), ', ')}}}}}\nevents:\n" + "  - *c\n" * 200
    (workdir / "bomb.yaml").write_text(text.replace(", }", "}"), encoding="utf-8")
    result = runner.invoke(main, ["validate", "bomb.yaml"])
    assert result.exit_code == 1
    assert "file expands to more values than it has characters (alias bomb?)" in result.stderr
    assert len(outcome_lines(result)) < 100


# -- broken events ----------------------------------------------------------------------------------


def test_broken_events_are_named_and_the_rest_are_written(runner, workdir: Path) -> None:
    (workdir / "a.yaml").write_text(event("全县甲批挂职干部动员会"), encoding="utf-8")
    (workdir / "s.yaml").write_text(
        event("全县乙批挂职干部动员会") + "---\n" + event(extra="program:\n  cadres: 很多\n") + "---\nmeting: x\n",
        encoding="utf-8",
    )
    (workdir / "b.yaml").write_text(
        "defaults: {type: mobilisation, speaker: {title: 县委副书记}}\nevents:\n"
        "  - meeting: {name: 全县丙批挂职干部动员会, date: 2026-04-01}\n  - meeting: {name: 全县会议}\n  - 7\n",
        encoding="utf-8",
    )
    (workdir / "bad.yaml").write_text("type: [mobilisation\n", encoding="utf-8")
    (workdir / "end.yaml").write_text(event("全县丁批挂职干部动员会"), encoding="utf-8")
    result = batch(runner, "a.yaml", "s.yaml", "b.yaml", "bad.yaml", "missing.yaml", "end.yaml", "-o", "out", "-q")
    assert result.exit_code == 1
    assert outcome_lines(result) == [
        "drafted 4, skipped 0, failed 6",
        's.yaml:17:11: document 2: program.cadres (人数): expected a whole number, found "很多"',
        's.yaml:19:1: document 3: unknown key "meting" — did you mean "meeting"?',
        "s.yaml:19:1: document 3: type (类型): required, but not given",
        "s.yaml:19:1: document 3: meeting.name (名称): required, but not given",
        "s.yaml:19:1: document 3: meeting.date (日期): required, but not given",
        "s.yaml:19:1: document 3: speaker.title (职务): required, but not given",
        "b.yaml:4:5: events[2]: meeting.date (日期): required, but not given",
        "b.yaml:5:5: events[3]: expected a mapping (an event)",
        "bad.yaml:2:1: invalid YAML: did not find expected ',' or ']'",
        "missing.yaml: no such file",
    ]
    assert files(workdir / "out") == [f"2026-04-01-全县{n}批挂职干部动员会.docx" for n in "丁丙乙甲"]


def test_a_yaml_error_mid_stream_keeps_the_documents_before_it(runner, workdir: Path) -> None:
    text = "---\n".join([event("全县甲批挂职干部动员会"), event("全县乙批挂职干部动员会"), "type: [x\n", event()])
    (workdir / "s.yaml").write_text(text, encoding="utf-8")
    result = batch(runner, "s.yaml", "-o", "out", "--format", "md")
    assert result.exit_code == 1
    assert outcome_lines(result) == [
        "drafted 2, skipped 0, failed 1",
        "s.yaml:18:1: document 3: invalid YAML: did not find expected ',' or ']'",
    ]
    assert len(files(workdir / "out")) == 2


def test_fail_fast_stops_at_the_first_failure(runner, workdir: Path) -> None:
    docs = [event("全县甲批挂职干部动员会"), "meeting: 1\n", event("全县乙批挂职干部动员会")]
    (workdir / "s.yaml").write_text("---\n".join(docs), encoding="utf-8")
    result = batch(runner, "s.yaml", "-o", "out", "--format", "md", "--fail-fast", "-j", "1", "-q")
    assert result.exit_code == 1
    assert outcome_lines(result)[0] == "drafted 1, skipped 0, failed 1"
    assert files(workdir / "out") == ["2026-04-01-全县甲批挂职干部动员会.md"]


def test_fail_fast_with_workers_counts_every_file_it_wrote(runner, workdir: Path) -> None:
    docs = [event("全县首批挂职干部动员会"), "meeting: 1\n"] + [event(f"全县第{i}批挂职干部动员会") for i in range(30)]
    (workdir / "s.yaml").write_text("---\n".join(docs), encoding="utf-8")
    result = batch(runner, "s.yaml", "-o", "out", "--format", "md", "--fail-fast", "-j", "2", "-q")
    assert result.exit_code == 1
    drafted, skipped, failed = (int(w) for w in outcome_lines(result)[0].replace(",", "").split()[1::2])
    assert (skipped, failed) == (0, 1) and 1 <= drafted < 31
    assert len(files(workdir / "out")) == drafted


def test_strict_fails_an_event_whose_draft_has_check_errors(runner, workdir: Path) -> None:
    source = str(example("village_stay"))  # without 出席领导, so --mark-missing leaves a 【待补充】 marker
    result = batch(runner, source, "-o", "out", "--mark-missing", "--strict", "-q")
    assert result.exit_code == 1
    lines = outcome_lines(result)
    assert lines[:2] == [
        "drafted 0, skipped 0, failed 1",
        f"{source}:2: --strict: the draft has check errors; no file written",
    ]
    assert any(line.startswith(f"{source}:2: check: error: ") for line in lines)
    assert files(workdir / "out") == []


def test_an_empty_folder_is_a_failure(runner, workdir: Path) -> None:
    (workdir / "ev").mkdir()
    result = batch(runner, "ev", "-o", "out")
    assert result.exit_code == 1
    assert outcome_lines(result) == [
        "drafted 0, skipped 0, failed 1",
        "ev: no *.yaml or *.yml files in this folder",
    ]


# -- output names -----------------------------------------------------------------------------------


def test_names_are_sanitised_and_never_paths(runner, workdir: Path) -> None:
    docs = [
        event('全县"挂职/干部..动员会*?<>|'),
        event("全县挂职干部动员会", extra="output: 'CON.docx'\n"),
        event("全县挂职干部动员会", extra='output: "讲话稿:第\\u0007一稿\\u202e.pdf"\n'),
        event("全县" + "很长的会议名称" * 40),
    ]
    (workdir / "s.yaml").write_text("---\n".join(docs), encoding="utf-8")
    result = batch(runner, "s.yaml", "-o", "out", "--format", "md", "--report", "r.json")
    assert result.exit_code == 0, result.output
    names = [r["output"] for r in report_rows(workdir / "r.json")]
    assert names[:3] == ["2026-04-01-全县_挂职_干部_动员会_____.md", "_CON.md", "讲话稿_第一稿.md"]
    assert len(names[3].encode("utf-8")) <= 255 - len("-99999") and names[3].endswith(".md")
    assert sorted(names) == files(workdir / "out")


@pytest.mark.parametrize(
    ("given", "ext", "expected"),
    [
        ("../../etc/passwd", "docx", "___etc_passwd.docx"),
        ("..", "md", "speech.md"),
        (" a.b. ", "txt", "a.b.txt"),
        ("报告.DOCX", "json", "报告.json"),
        ("nul.txt", "md", "_nul.md"),
        ("a\tb\nc", "md", "a_b_c.md"),
        ("右\u202e到左\u200b", "md", "右_到左_.md"),
        ("长" * 100, "md", "长" * 66 + ".md"),  # 200 bytes of UTF-8 at most, leaving room for "-2" and the extension
    ],
)
def test_safe_name(given: str, ext: str, expected: str) -> None:
    assert safe_name(given, ext) == expected


def test_same_names_get_numbered_in_input_order_whatever_the_jobs(runner, workdir: Path) -> None:
    docs = [event("全县挂职干部动员会", extra=f"options: {{seed: {i}}}\n") for i in range(4)]
    docs.insert(2, event("全县挂职干部动员会", extra="output: 2026-04-01-全县挂职干部动员会-2.md\n"))
    (workdir / "s.yaml").write_text("---\n".join(docs), encoding="utf-8")
    for jobs in ("1", "3"):
        result = batch(runner, "s.yaml", "-o", f"out{jobs}", "--format", "md", "-j", jobs, "--report", f"r{jobs}.json")
        assert result.exit_code == 0, result.output
        assert [(r["input"], r["output"]) for r in report_rows(workdir / f"r{jobs}.json")] == [
            ("s.yaml#1", "2026-04-01-全县挂职干部动员会.md"),
            ("s.yaml#2", "2026-04-01-全县挂职干部动员会-2.md"),
            ("s.yaml#3", "2026-04-01-全县挂职干部动员会-2-2.md"),
            ("s.yaml#4", "2026-04-01-全县挂职干部动员会-3.md"),
            ("s.yaml#5", "2026-04-01-全县挂职干部动员会-4.md"),
        ]
    for name in files(workdir / "out1"):
        assert (workdir / "out1" / name).read_bytes() == (workdir / "out3" / name).read_bytes()


def test_names_differing_only_in_case_do_not_collide(runner, workdir: Path) -> None:
    docs = [event(extra="output: Speech.md\n"), event(extra="output: speech.md\n")]
    (workdir / "s.yaml").write_text("---\n".join(docs), encoding="utf-8")
    result = batch(runner, "s.yaml", "-o", "out", "--format", "md")
    assert result.exit_code == 0, result.output
    assert files(workdir / "out") == ["Speech.md", "speech-2.md"]


@pytest.mark.parametrize("force", [False, True])
def test_a_link_inside_the_folder_is_never_followed_out(runner, workdir: Path, force: bool) -> None:
    (workdir / "out").mkdir()
    outside = workdir / "precious.md"
    outside.write_text("keep me", encoding="utf-8")
    (workdir / "out" / "s.md").symlink_to(outside)
    (workdir / "out" / "d.md").symlink_to(workdir / "nowhere.md")
    (workdir / "s.yaml").write_text(
        event(extra="output: s.md\n") + "---\n" + event(extra="output: d.md\n"), encoding="utf-8"
    )
    result = batch(runner, "s.yaml", "-o", "out", "--format", "md", *(["--force"] if force else []))
    assert result.exit_code == 1
    assert outcome_lines(result) == [
        "drafted 0, skipped 0, failed 2",
        "s.yaml:1: document 1: out/s.md: is a symbolic link; refusing to write through it",
        "s.yaml:10: document 2: out/d.md: is a symbolic link; refusing to write through it",
    ]
    assert outside.read_text(encoding="utf-8") == "keep me"
    assert not (workdir / "nowhere.md").exists()


def test_existing_files_are_skipped_unless_forced(runner, workdir: Path) -> None:
    (workdir / "out").mkdir()
    (workdir / "out" / "2026-04-01-全县挂职干部动员会.md").write_text("old", encoding="utf-8")
    (workdir / "a.yaml").write_text(event(), encoding="utf-8")
    (workdir / "b.yaml").write_text(event("全县驻村干部动员会"), encoding="utf-8")
    result = batch(runner, "a.yaml", "b.yaml", "-o", "out", "--format", "md", "--report", "r.csv")
    assert result.exit_code == 1
    assert outcome_lines(result) == [
        "drafted 1, skipped 1, failed 0",
        "skipped: out/2026-04-01-全县挂职干部动员会.md: exists; use --force to overwrite",
    ]
    assert (workdir / "out" / "2026-04-01-全县挂职干部动员会.md").read_text(encoding="utf-8") == "old"
    with open(workdir / "r.csv", encoding="utf-8-sig", newline="") as f:
        assert [row["status"] for row in csv.DictReader(f)] == ["skipped", "drafted"]
    result = batch(runner, "a.yaml", "b.yaml", "-o", "out", "--format", "md", "--force", "--report", "r.csv")
    assert result.exit_code == 0, result.output
    assert (workdir / "out" / "2026-04-01-全县挂职干部动员会.md").read_text(encoding="utf-8").startswith("# ")


def test_the_output_folder_must_be_a_folder(runner, workdir: Path) -> None:
    (workdir / "out").write_text("", encoding="utf-8")
    result = batch(runner, str(example("village_stay")), "-o", "out")
    assert result.exit_code == 1
    assert result.stderr == "out: exists and is not a folder\n"


# -- report, progress, summary ----------------------------------------------------------------------


def test_report_json_and_csv_hold_one_row_per_event(runner, workdir: Path) -> None:
    (workdir / "s.yaml").write_text(
        event(extra="options: {seed: 5, style: warm}\n") + "---\nmeeting: 1\n", encoding="utf-8"
    )
    for name in ("r.json", "r.csv"):
        result = batch(runner, "s.yaml", "-o", "out", "--format", "md", "--report", name, "--force")
        assert result.exit_code == 1
    good, bad = report_rows(workdir / "r.json")
    assert (good["input"], good["output"], good["type"], good["style"], good["seed"], good["status"]) == (
        "s.yaml#1",
        "2026-04-01-全县挂职干部动员会.md",
        "mobilisation",
        "warm",
        5,
        "drafted",
    )
    text = (workdir / "out" / good["output"]).read_text(encoding="utf-8")
    assert good["han_characters"] > 1000 and good["minutes"] == round(good["han_characters"] / 180, 1)
    assert good["errors"] == []  # its warnings: tests/test_warnings.py
    assert "同志们" in text
    assert (bad["input"], bad["status"], bad["output"]) == ("s.yaml#2", "failed", "")
    assert bad["errors"][0] == "s.yaml:10:10: document 2: meeting (会议): expected a mapping of keys, found 1"
    raw = (workdir / "r.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel opens UTF-8 CSV with a BOM correctly
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert list(rows[0]) == [
        "input",
        "output",
        "type",
        "style",
        "seed",
        "han_characters",
        "minutes",
        "warnings",
        "status",
        "errors",
    ]
    assert [(r["input"], r["seed"], r["han_characters"], r["status"]) for r in rows] == [
        ("s.yaml#1", "5", str(good["han_characters"]), "drafted"),
        ("s.yaml#2", "", "0", "failed"),
    ]


def test_report_name_and_overwrite_are_checked_before_drafting(runner, workdir: Path) -> None:
    result = batch(runner, str(example("village_stay")), "-o", "out", "--report", "r.txt")
    assert (result.exit_code, result.stderr) == (1, "--report r.txt: give a .csv or .json file name\n")
    (workdir / "r.csv").write_text("mine", encoding="utf-8")
    result = batch(runner, str(example("village_stay")), "-o", "out", "--report", "r.csv")
    assert (result.exit_code, result.stderr) == (1, "--report r.csv: exists; use --force to overwrite\n")
    assert not (workdir / "out").exists()


def test_warnings_are_printed_unless_quiet(runner, workdir: Path) -> None:
    (workdir / "a.yaml").write_text(event(extra="review: {cadres: 3}\n"), encoding="utf-8")
    result = batch(runner, "a.yaml", "-o", "out", "--format", "md")
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert "warning: a.yaml: review (回顾) is not used in a mobilisation speech and is ignored" in lines
    assert lines[-1] == SUMMARY_OK.format(1)
    result = batch(runner, "a.yaml", "-o", "out2", "--format", "md", "-q")
    assert result.stderr.splitlines() == [SUMMARY_OK.format(1)]


def _on_a_terminal(*args: str, cwd: Path) -> tuple[int, str]:
    """Run speechgen with its standard error on a pseudo-terminal; (exit status, what the terminal showed)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "speechgen", *args],
        cwd=cwd,
        stderr=slave,
        stdout=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the other side is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    return proc.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace")


def test_a_progress_bar_on_a_terminal_only(runner, workdir: Path) -> None:
    args = ("batch", str(EXAMPLES / "batch.yaml"), "-o", "out", "--format", "md", "-j", "1")
    status, shown = _on_a_terminal(*args, cwd=workdir)
    assert status == 0 and "drafting" in shown and shown.rstrip().endswith(SUMMARY_OK.format(3))
    status, shown = _on_a_terminal(*args[:3], "out2", *args[4:], "--quiet", cwd=workdir)
    assert (status, shown.strip()) == (0, SUMMARY_OK.format(3))
    result = batch(runner, *args[1:3], "out3", *args[4:])  # not a terminal: the summary only
    assert outcome_lines(result) == [SUMMARY_OK.format(3)]


@pytest.mark.parametrize("fmt", ["docx", "md", "txt", "json"])
def test_every_format(runner, workdir: Path, fmt: str) -> None:
    result = batch(runner, str(EXAMPLES / "batch.yaml"), "-o", "out", "--format", fmt, "-j", "2")
    assert result.exit_code == 0, result.output
    names = files(workdir / "out")
    assert len(names) == 3 and all(n.endswith(f".{fmt}") for n in names)
    for name in names:  # each file read back as its format: complete, a whole speech
        path = workdir / "out" / name
        if fmt == "docx":
            paragraphs = [p.text for p in Document(str(path)).paragraphs]
            assert paragraphs[0].startswith("在") and paragraphs[-1] == "谢谢大家！"
        elif fmt == "json":
            data = json.loads(path.read_text(encoding="utf-8"))
            assert data["format"] == "speechgen.draft" and data["closing"][-1]["text"] == "谢谢大家！"
            assert len(data["sections"]) == data["info"]["points"] >= 2
        else:
            text = path.read_text(encoding="utf-8")
            assert text.lstrip("# ").startswith("在") and text.rstrip().endswith("谢谢大家！")
            assert "同志们：" in text and "一、" in text


# -- parallel, and the fast .docx writer ------------------------------------------------------------


def test_output_is_byte_identical_whatever_the_number_of_jobs(runner, workdir: Path) -> None:
    inputs = [str(example(t)) for t in ("mobilisation", "summary", "summary_mobilisation", "village_stay")]
    inputs.append(str(EXAMPLES / "batch.yaml"))
    for jobs in ("1", "2", "3"):
        result = batch(runner, *inputs, "-o", f"out{jobs}", "-j", jobs, "--report", f"r{jobs}.json")
        assert result.exit_code == 0, result.output
    assert files(workdir / "out1") == files(workdir / "out2") == files(workdir / "out3")
    assert len(files(workdir / "out1")) == 7
    for name in files(workdir / "out1"):
        data = (workdir / "out1" / name).read_bytes()
        assert data == (workdir / "out2" / name).read_bytes() == (workdir / "out3" / name).read_bytes()
    reports = {(workdir / f"r{jobs}.json").read_bytes() for jobs in "123"}
    assert len(reports) == 1


@pytest.mark.parametrize("page_numbers", ["outside", "centre", "none"])
def test_fast_docx_writer_writes_what_python_docx_writes(page_numbers: str) -> None:
    layout = Layout(page_numbers=page_numbers)
    for meeting_type in ("mobilisation", "summary", "summary_mobilisation", "village_stay"):
        draft = api.draft(load_event(example(meeting_type)))
        assert to_docx(draft, layout) == with_python_docx(draft, layout)
    awkward = (" 前后有空格 ", "a\tb", "c\nd\r\ne", "<&>\"'", "", "　全角")
    draft.opening.insert(0, Paragraph([Sentence(t) for t in awkward]))
    draft.title = "标题 & <副标题>\t"
    assert to_docx(draft, layout) == with_python_docx(draft, layout)


# -- interruption and temporaries -------------------------------------------------------------------


def _many(workdir: Path, n: int) -> list[str]:
    (workdir / "s.yaml").write_text("---\n".join(event(f"第{i}次挂职干部动员会") for i in range(n)), encoding="utf-8")
    return [f"2026-04-01-第{i}次挂职干部动员会.docx" for i in range(n)]


def _complete(path: Path) -> bool:
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
    return Document(str(path)).paragraphs[-1].text == "谢谢大家！"


@pytest.mark.parametrize(
    ("signum", "jobs", "force"),
    [
        (signal.SIGTERM, "2", False),
        (signal.SIGINT, "2", False),
        (signal.SIGTERM, "1", True),
        (signal.SIGINT, "1", True),
    ],
)
def test_an_interrupted_batch_leaves_only_complete_files(
    runner, workdir: Path, signum: int, jobs: str, force: bool
) -> None:
    names = _many(workdir, 150)
    out = workdir / "out"
    out.mkdir()
    if force:
        for name in names:
            (out / name).write_bytes(b"old")
    cmd = [sys.executable, "-m", "speechgen", "batch", "s.yaml", "-o", "out", "-j", jobs, "-q"]
    proc = subprocess.Popen(cmd + (["--force"] if force else []), cwd=workdir, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while sum((out / n).stat().st_size > 3 for n in names if (out / n).exists()) < 4:
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signum
    assert err.splitlines()[-1] == "batch interrupted: the files written are complete; run again to draft the rest"
    assert sorted(p.name for p in out.iterdir()) == sorted(n for n in names if (out / n).exists())  # no temporaries
    new = [n for n in names if (out / n).exists() and (out / n).read_bytes() != b"old"]
    assert 4 <= len(new) < len(names)
    assert all(_complete(out / n) for n in new)
    if not force:
        result = batch(runner, "s.yaml", "-o", "out", "-j", "2", "-q")
        assert outcome_lines(result)[0] == f"drafted {len(names) - len(new)}, skipped {len(new)}, failed 0"
        assert files(out) == sorted(names)


def test_temporaries_of_dead_writers_are_removed_and_live_ones_kept(runner, workdir: Path) -> None:
    out = workdir / "out"
    out.mkdir()
    dead, live = out / f"{TMP_PREFIX}999999999-0a1b2c3d.docx", out / f"{TMP_PREFIX}{os.getpid()}-0a1b2c3d.docx"
    dead.write_bytes(b"half")
    live.write_bytes(b"half")
    result = batch(runner, str(example("village_stay")), "-o", "out")
    assert result.exit_code == 0, result.output
    assert not dead.exists() and live.exists()
    clean_stale_temporaries(out, [os.getpid()])
    assert files(out) == ["2026-03-16-全县驻村干部选派部署会.docx"]


@pytest.mark.parametrize(("unnamed", "force"), [(True, True), (False, True), (False, False)])
def test_write_atomic_interrupted_leaves_no_temporary(tmp_path: Path, monkeypatch, unnamed: bool, force: bool) -> None:
    if not unnamed:
        monkeypatch.delattr(os, "O_TMPFILE", raising=False)

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)  # the last step: the data is complete under a temporary name
    with pytest.raises(KeyboardInterrupt):
        write_atomic(tmp_path / "x.docx", b"data" * 1000, force=force)
    assert list(tmp_path.iterdir()) == []


def test_write_atomic_refuses_to_overwrite_and_replaces_a_link_itself(tmp_path: Path) -> None:
    (tmp_path / "outside.txt").write_text("keep", encoding="utf-8")
    (tmp_path / "d").mkdir()
    link = tmp_path / "d" / "x.md"
    link.symlink_to(tmp_path / "outside.txt")
    with pytest.raises(Exception, match="exists; use --force to overwrite"):
        write_atomic(link, b"new")
    write_atomic(link, b"new", force=True)
    assert not link.is_symlink() and link.read_bytes() == b"new"
    assert (tmp_path / "outside.txt").read_text(encoding="utf-8") == "keep"
