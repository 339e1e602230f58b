"""Batches that nothing stops (issue 14): one bad file, a large file, a signal or a dying worker.

Class 3: every kind of bad file becomes that file's located error; the others are drafted and the
summary and report are written. Class 6: memory is bounded by an input's size, and a batch file's
`events:` list is streamed. Class 8: after SIGINT, SIGTERM or a worker's death the summary and the report
say what is on disk, and no worker outlives a SIGKILLed parent.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from speechgen.cli import main
from speechgen.run.inputs import read_jobs

from .conftest import example
from .hostile_tools import run

EVENT = example("village_stay").read_text(encoding="utf-8")
BAD_VALUES = {
    "bool.yaml": "program:\n  batch: !!bool maybe\n",
    "timestamp.yaml": "meeting:\n  date: !!timestamp 明天\n",
    "int.yaml": "program:\n  cadres: !!int ''\n",
    "float.yaml": "program:\n  cadres: !!float ''\n",
}


def _bad_event(extra: str) -> str:
    """The example with one value replaced by a bad one (its key removed from the example first)."""
    key = extra.split("\n")[1].split(":")[0].strip()
    lines = [line for line in EVENT.splitlines() if not line.strip().startswith(f"{key}:")]
    group = extra.split(":")[0]
    at = next(i for i, line in enumerate(lines) if line.startswith(f"{group}:"))
    lines.insert(at + 1, extra.split("\n")[1])
    return "\n".join(lines) + "\n"


@pytest.fixture
def bad_inputs(workdir: Path) -> Path:
    folder = workdir / "in"
    folder.mkdir()
    (folder / "a-good.yaml").write_text(EVENT, encoding="utf-8")
    for name, extra in BAD_VALUES.items():
        (folder / name).write_text(_bad_event(extra), encoding="utf-8")
    (folder / "loop1.yaml").symlink_to("loop2.yaml")
    (folder / "loop2.yaml").symlink_to("loop1.yaml")
    os.mkfifo(folder / "pipe.yaml")
    (folder / "syntax.yaml").write_text("type: [village_stay\n", encoding="utf-8")
    (folder / "z-good.yaml").write_text(EVENT.replace("2026-03-16", "2026-03-17"), encoding="utf-8")
    return folder


def test_a_batch_of_bad_files_drafts_the_others_and_reports(bad_inputs: Path, workdir: Path) -> None:
    """In a process of its own: before, the first of these ended the batch with `internal error`."""
    done = run(["batch", "in", "-o", "out", "--jobs", "1", "-q", "--report", "report.json"], workdir, timeout=300)
    assert done.returncode == 1
    assert "internal error" not in done.stderr
    lines = done.stderr.splitlines()
    assert lines[0] == "drafted 2, skipped 0, failed 8"
    failed = sorted(line.split(":")[0] for line in lines[1:])
    assert failed == [f"in/{n}" for n in ("bool.yaml", "float.yaml", "int.yaml", "loop1.yaml", "loop2.yaml")] + [
        "in/pipe.yaml",
        "in/syntax.yaml",
        "in/timestamp.yaml",
    ]
    assert (
        "in/bool.yaml:" in done.stderr and 'program.batch (批次): expected a whole number, found "maybe"' in done.stderr
    )
    assert "in/loop1.yaml: cannot read: a loop of symbolic links" in lines
    assert "in/pipe.yaml: is a pipe (FIFO), not a regular file; refused" in lines
    rows = json.loads((workdir / "report.json").read_text(encoding="utf-8"))
    assert [r["status"] for r in rows].count("drafted") == 2 and len(rows) == 10
    assert sorted(p.name for p in (workdir / "out").iterdir()) == [
        r["output"] for r in rows if r["status"] == "drafted"
    ]


def test_validate_reports_every_bad_file(bad_inputs: Path, runner: CliRunner, workdir: Path) -> None:
    os.unlink(bad_inputs / "pipe.yaml")  # in-process: keep the FIFO to the batch test above
    result = runner.invoke(main, ["validate", "in"])
    assert result.exit_code == 1
    assert "internal error" not in result.output
    assert result.stdout.splitlines() == ["in/a-good.yaml: ok (village_stay)", "in/z-good.yaml: ok (village_stay)"]
    assert (
        'in/timestamp.yaml:4:9: meeting.date (日期): expected a date as YYYY-MM-DD or 2026年3月16日, found "明天"'
        in (result.stderr.splitlines())
    )


@pytest.mark.parametrize("kind", ["bank", "layout"])
def test_a_bad_tag_in_a_bank_or_layout_file_is_located(kind: str, runner: CliRunner, workdir: Path) -> None:
    if kind == "bank":
        (workdir / "b").mkdir()
        (workdir / "b" / "x.yaml").write_text("opening.announce:\n  - !!float ''\n", encoding="utf-8")
        args, expected = ["--banks", "b"], "b/x.yaml:2:5: opening.announce: a variant must be text\n"
    else:
        (workdir / "layout.yaml").write_text("line_spacing: !!int ''\n", encoding="utf-8")
        args, expected = (
            ["--layout", "layout.yaml"],
            "layout.yaml:1:15: line_spacing: expected a number from 12 to 60, found ''\n",
        )
    result = runner.invoke(main, ["render", str(example("village_stay")), *args, "-o", "s.md"])
    assert (result.exit_code, result.stderr) == (1, expected)


# -- class 6: memory bounded by the input --------------------------------------------------------------------------


def _batch_file(path: Path, count: int) -> None:
    entry = (
        "  - meeting: {{name: 全县第{i}次驻村蹲点工作会议, date: 2026-03-16}}\n"
        "    program: {{cadres: {n}, tasks: [建强村级班子, 发展村集体经济]}}\n"
    )
    head = "defaults:\n  type: village_stay\n  speaker: {title: 县委常委、组织部部长}\nevents:\n"
    path.write_text(head + "".join(entry.format(i=i, n=i % 900) for i in range(count)), encoding="utf-8")


def test_a_batch_file_is_read_one_entry_at_a_time(tmp_path: Path) -> None:
    """Reading a 2.4 MB batch file (20,000 events) holds about one entry at a time, not the whole tree:
    the peak of Python's own allocations stays near the file's bytes (libyaml composing it whole took
    about 50 bytes a byte: 3 GB for 60 MB)."""
    path = tmp_path / "big.yaml"
    _batch_file(path, 20_000)
    size = path.stat().st_size
    tracemalloc.start()
    try:
        count = sum(1 for job in read_jobs([path]) if job.event is not None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 20_000
    assert peak < size + 8_000_000, f"peak {peak:,} bytes for a file of {size:,}"


@pytest.mark.parametrize("command", ["batch", "validate"])
def test_a_50_mb_value_is_refused_within_300_mb(command: str, workdir: Path) -> None:
    with open(workdir / "big.yaml", "w", encoding="utf-8") as f:
        f.write("type: village_stay\nmeeting:\n  name: ")
        f.write("长" * 1_000_000 * 17)  # 51 MB of UTF-8
        f.write("\n")
    args = ["batch", "big.yaml", "-o", "out", "-q"] if command == "batch" else ["validate", "big.yaml"]
    done = run(args, workdir, timeout=300)
    assert done.returncode == 1
    assert "big.yaml:3:9: a value of 17,000,000 characters; at most 100,000 are accepted" in done.stderr
    assert done.peak_mb < 300, done.peak_mb


# -- class 8: signals and dying workers ------------------------------------------------------------------------------


def _events(path: Path, count: int) -> None:
    events = [
        {
            "type": "village_stay",
            "meeting": {"name": f"全县第{i}次驻村蹲点工作会议", "date": "2026-03-16"},
            "speaker": {"title": "县委常委、组织部部长"},
            "options": {"seed": i},
        }
        for i in range(count)
    ]
    path.write_text(yaml.safe_dump({"events": events}, allow_unicode=True), encoding="utf-8")


def _children(pid: int) -> list[int]:
    found = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat", encoding="utf-8") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(d))
    return found


def _start_batch(workdir: Path, count: int = 60, *extra: str) -> subprocess.Popen[bytes]:
    _events(workdir / "ev.yaml", count)
    command = [sys.executable, "-m", "speechgen", "batch", "ev.yaml", "-o", "out", "--jobs", "2", "-q"]
    return subprocess.Popen(
        [*command, "--report", "out/report.json", *extra],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def _wait_for_files(workdir: Path, proc: subprocess.Popen[bytes], n: int) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        out = workdir / "out"
        if out.is_dir() and len(list(out.glob("*.docx"))) >= n:
            return
        time.sleep(0.02)
    pytest.fail("the batch never wrote its first drafts")


def _true_to_disk(workdir: Path, stderr: str) -> dict[str, int]:
    summary = next(line for line in stderr.splitlines() if line.startswith("drafted "))
    words = summary.replace(",", "").split()  # drafted N skipped N failed N
    counts = {words[i]: int(words[i + 1]) for i in (0, 2, 4)}
    files = sorted(p.name for p in (workdir / "out").glob("*.docx"))
    rows = json.loads((workdir / "out" / "report.json").read_text(encoding="utf-8"))
    assert counts["drafted"] == len(files)
    assert sorted(r["output"] for r in rows if r["status"] == "drafted") == files
    return counts


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_a_signal_to_the_whole_group_leaves_a_true_summary(sig: str, workdir: Path) -> None:
    """Ctrl-C reaches every process of the group, and so does `kill -TERM -<group>`: the summary, the report
    and the files agree, whatever the workers were doing (tried three times: the moment varies)."""
    for attempt in range(3):
        folder = workdir / f"run{attempt}"
        folder.mkdir()
        proc = _start_batch(folder)
        _wait_for_files(folder, proc, 3 + attempt)
        os.killpg(proc.pid, getattr(signal, sig))
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 128 + getattr(signal, sig), err.decode()
        _true_to_disk(folder, err.decode())


def test_a_worker_that_dies_stops_nothing(workdir: Path) -> None:
    """A worker killed (out of memory, say) while the batch runs: what it had in hand is settled from the disk,
    a fresh pool drafts the rest, and the summary and the report are written and true."""
    proc = _start_batch(workdir, 40)
    _wait_for_files(workdir, proc, 3)
    workers = _children(proc.pid)
    assert len(workers) >= 2, workers
    os.kill(workers[0], signal.SIGKILL)
    _, err = proc.communicate(timeout=600)
    counts = _true_to_disk(workdir, err.decode())
    assert counts["drafted"] + counts["failed"] == 40
    assert "internal error" not in err.decode()


def test_no_worker_outlives_a_sigkilled_parent(workdir: Path) -> None:
    proc = _start_batch(workdir)
    _wait_for_files(workdir, proc, 3)
    workers = _children(proc.pid)
    assert workers
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)  # the workers held the parent's stderr: a caller waiting on it hung
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.05)
    assert not [w for w in workers if _alive(w)]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_worker_whose_parent_died_before_it_started_exits(workdir: Path) -> None:
    """The race PR_SET_PDEATHSIG leaves open: the parent is gone before the worker asks to die with it."""
    code = "from speechgen.run.pool import init_worker; init_worker(None, 1); print('lived on')"
    done = run(["-c", code], workdir, command=[sys.executable])
    assert (done.returncode, done.stdout) == (1, "")


def test_a_dangling_report_link_is_refused_before_drafting(runner: CliRunner, workdir: Path) -> None:
    (workdir / "report.json").symlink_to("nowhere/report.json")
    result = runner.invoke(main, ["batch", str(example("village_stay")), "-o", "out", "--report", "report.json"])
    assert (result.exit_code, result.stderr) == (1, "--report report.json: exists; use --force to overwrite\n")
    assert not (workdir / "out").exists() or not list((workdir / "out").iterdir())


def test_a_report_named_like_a_draft_does_not_replace_it(runner: CliRunner, workdir: Path) -> None:
    name = "2026-03-16-全县驻村干部选派部署会.json"
    result = runner.invoke(
        main,
        ["batch", str(example("village_stay")), "-o", "out", "--format", "json", "--report", f"out/{name}", "-j", "1"],
    )
    assert result.exit_code == 0, result.stderr
    names = sorted(p.name for p in (workdir / "out").iterdir())
    assert names == ["2026-03-16-全县驻村干部选派部署会-2.json", name]
    rows = json.loads((workdir / "out" / name).read_text(encoding="utf-8"))
    assert [r["output"] for r in rows] == ["2026-03-16-全县驻村干部选派部署会-2.json"]


def test_a_pdf_batch_stopped_leaves_no_conversion_behind(workdir: Path) -> None:
    """SIGTERM to the whole group while workers convert to PDF: a worker told to stop ends its LibreOffice
    and removes its speechgen-pdf-* folder before it goes (it used to die at once, leaving both)."""
    from .test_pdf import need_tools

    need_tools()
    tmp = workdir / "tmp"
    tmp.mkdir()
    _events(workdir / "ev.yaml", 6)
    command = [
        sys.executable,
        "-m",
        "speechgen",
        "batch",
        "ev.yaml",
        "-o",
        "out",
        "--format",
        "pdf",
        "--jobs",
        "2",
        "-q",
    ]
    proc = subprocess.Popen(
        command,
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env={**os.environ, "TMPDIR": str(tmp)},
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and not list(tmp.glob("speechgen-pdf-*/profile")):
        time.sleep(0.05)
    assert list(tmp.glob("speechgen-pdf-*")), "no conversion started"
    os.killpg(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 128 + signal.SIGTERM, err.decode()
    time.sleep(0.5)
    assert not list(tmp.glob("speechgen-pdf-*"))
    running = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            running.append(cmdline.read_bytes().replace(b"\0", b" ").decode("utf-8", "replace"))
    assert not [args for args in running if str(tmp) in args], "LibreOffice outlived the batch"
