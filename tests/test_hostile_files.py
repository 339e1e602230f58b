"""Hostile files and options (issue 14, classes 5, 9, 11 and 12): special files refused before they are
read, targets that are not files refused, located messages instead of internal errors, and the smaller
faults (markdown escaping, every problem at once, empty bank files, Ctrl-C while starting)."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from speechgen import api
from speechgen.cli import main

from .conftest import example
from .hostile_tools import run

EVENT = str(example("village_stay"))


def _render(runner: CliRunner, *args: str):  # noqa: ANN202
    return runner.invoke(main, ["render", EVENT, *args])


# -- class 5: special files are refused before they are read ------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["render", "fifo.yaml"], "fifo.yaml: is a pipe (FIFO), not a regular file; refused"),
        (["validate", "fifo.yaml"], "fifo.yaml: is a pipe (FIFO), not a regular file; refused"),
        (["render", "/dev/zero"], "/dev/zero: is a device, not a regular file; refused"),
        (["check", "fifo.md"], "fifo.md: is a pipe (FIFO), not a regular file; refused"),
        (["check", "ok.md", "--event", "fifo.yaml"], "fifo.yaml: is a pipe (FIFO), not a regular file; refused"),
        (
            ["render", EVENT, "--layout", "fifo.yaml", "-o", "x.md"],
            "fifo.yaml: is a pipe (FIFO), not a regular file; refused",
        ),
    ],
)
def test_special_files_are_refused_at_once(args: list[str], message: str, workdir: Path) -> None:
    os.mkfifo(workdir / "fifo.yaml")
    os.mkfifo(workdir / "fifo.md")
    (workdir / "ok.md").write_text("# 在会议上的讲话\n\n同志们：\n", encoding="utf-8")
    done = run(args, workdir, timeout=60, memory_mb=1500)
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines()[-1] == message


# -- class 7: check is linear in the size of a draft -------------------------------------------------------


def test_check_on_a_paragraph_of_100000_findings(workdir: Path) -> None:
    """100,000 「某某。」 in one paragraph (0.9 MB) never finished before (5,000 took 3.3 s: quadratic); now the
    check ends (a process of its own, killed after five minutes: a hang fails the test, the time is in bench/)
    and says the problem 20 times and counts the rest."""
    (workdir / "big.md").write_text("# 在会议上的讲话\n\n同志们：\n\n" + "某某。" * 100_000 + "\n", encoding="utf-8")
    done = run(["check", "big.md"], workdir, timeout=300, memory_mb=1500)
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 22
    assert lines[-2] == (
        "big.md: error: ¶3: placeholder 某某 left in the text (99,980 more times in this paragraph): "
        "「某某。某某。某某。某某。某某。某某。某某。某某。…」"
    )
    assert lines[-1] == "big.md: 21 error(s), 0 warning(s), 0 info"


# -- class 9: targets that are not files ---------------------------------------------------------------------


@pytest.mark.parametrize("force", [[], ["--force"]])
@pytest.mark.parametrize("kind", ["fifo", "link to a device"])
def test_a_target_that_is_not_a_file_is_refused(kind: str, force: list[str], runner: CliRunner, workdir: Path) -> None:
    target = workdir / "speech.md"
    if kind == "fifo":
        os.mkfifo(target)
        what = "a pipe (FIFO)"
    else:
        if not Path("/dev/zero").is_char_device():
            pytest.skip("/dev/zero is not a device here")
        target.symlink_to("/dev/zero")
        what = "a device"
    result = _render(runner, "-o", "speech.md", *force)
    assert result.exit_code == 1
    assert result.stderr == (
        f"speech.md: is {what}, not a regular file; refusing to write to it (-o - writes to standard output)\n"
    )
    assert target.is_fifo() if kind == "fifo" else target.is_symlink()  # left as it was


def test_only_our_own_temporaries_are_cleaned(runner: CliRunner, workdir: Path) -> None:
    mine = workdir / ".speechgen-tmp-notes.txt"  # a user's file that merely starts like ours
    mine.write_text("笔记", encoding="utf-8")
    os.utime(mine, (1, 1))  # old: the clean-up took anything older than an hour
    folder = workdir / ".speechgen-tmp-999999999-0123abcd.docx"  # our pattern, but a folder
    folder.mkdir()
    ours = workdir / ".speechgen-tmp-999999999-0123abcd.md"  # a dead process's temporary: removed
    ours.write_text("x", encoding="utf-8")
    result = _render(runner, "-o", "speech.md")
    assert result.exit_code == 0, result.stderr
    assert mine.read_text(encoding="utf-8") == "笔记" and folder.is_dir() and not ours.exists()


# -- class 11: located messages, never "internal error" ------------------------------------------------------


def test_a_name_too_long_for_the_file_system(runner: CliRunner, workdir: Path) -> None:
    name = "长" * 100 + ".md"  # 300 bytes
    result = _render(runner, "-o", name)
    assert (result.exit_code, result.stderr) == (1, f"{name}: cannot write: the file name is too long\n")


def test_minutes_nan_is_a_usage_error(runner: CliRunner, workdir: Path) -> None:
    result = _render(runner, "--minutes", "nan", "-o", "speech.md")
    assert result.exit_code == 2
    assert "Invalid value for '--minutes': nan is not in the range 5<=x<=60." in result.stderr


def test_a_deleted_working_folder(workdir: Path) -> None:
    gone = workdir / "gone"
    gone.mkdir()
    script = f"cd {gone} && rmdir {gone} && exec {sys.executable} -m speechgen render {EVENT}"
    done = run(["-c", script], workdir, command=["sh"])
    assert (done.returncode, done.stderr.splitlines()[-1]) == (
        1,
        "the current folder no longer exists; give -o with the path of the file to write",
    )


def test_a_closed_standard_output(workdir: Path) -> None:
    done = run(["-c", f"exec {sys.executable} -m speechgen render {EVENT} -o - >&-"], workdir, command=["sh"])
    assert (done.returncode, done.stderr.splitlines()[-1]) == (1, "-o -: standard output is closed; give a file name")


@pytest.mark.parametrize(("char", "code"), [("\\a", "U+0007"), ("\\uFFFE", "U+FFFE"), ("\\u001b", "U+001B")])
def test_control_characters_in_a_font_name(char: str, code: str, runner: CliRunner, workdir: Path) -> None:
    (workdir / "layout.yaml").write_text(f'fonts:\n  body: "仿宋{char}GB2312"\n', encoding="utf-8")
    result = _render(runner, "--layout", "layout.yaml", "-o", "speech.docx")
    assert (result.exit_code, result.stderr) == (
        1,
        f"layout.yaml:2:9: fonts.body: a font name cannot hold the character {code}\n",
    )


def test_control_characters_in_bank_text(runner: CliRunner, workdir: Path) -> None:
    (workdir / "mybanks").mkdir()
    (workdir / "mybanks" / "b.yaml").write_text('opening.announce:\n  - "下面，我讲\\uFFFE几点意见。"\n', "utf-8")
    result = _render(runner, "--banks", "mybanks", "-o", "speech.docx")
    assert (result.exit_code, result.stderr) == (
        1,
        "mybanks/b.yaml:2:5: opening.announce: the character U+FFFE is not allowed in a variant;"
        " delete it or retype the text around it\n",
    )


def _reference(path: Path, font_table: bytes) -> None:
    import io
    import zipfile

    from docx import Document

    buf = io.BytesIO()
    Document().save(buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            dst.writestr(info, font_table if info.filename == "word/fontTable.xml" else data)


LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE w:fonts [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(
        b'<!ENTITY %c "&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;">' % ((98 + i,) + (97 + i,) * 10) for i in range(8)
    )
    + b']><w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b'<w:font w:name="&i;"/></w:fonts>'
)


@pytest.mark.parametrize("table", [b"<w:fonts", LAUGHS], ids=["malformed", "entity bomb"])
def test_a_bad_font_table_in_the_reference_docx(table: bytes, workdir: Path) -> None:
    _reference(workdir / "ref.docx", table)
    done = run(["render", EVENT, "--reference-docx", "ref.docx", "-o", "speech.docx"], workdir, memory_mb=1500)
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1].startswith("ref.docx: not a Word .docx file that can be used as a reference: ")
    assert "internal error" not in done.stderr
    assert not (workdir / "speech.docx").exists()


def test_a_zip_bomb_reference_docx_is_refused_before_it_unpacks(workdir: Path) -> None:
    import zipfile

    with zipfile.ZipFile(workdir / "bomb.docx", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", b" " * 200_000_000)  # 200 MB of spaces: about 200 KB packed
    for args in (["render", EVENT, "--reference-docx", "bomb.docx", "-o", "s.docx"], ["check", "bomb.docx"]):
        done = run(args, workdir, memory_mb=1500)
        assert done.returncode == 1
        assert done.stderr.splitlines()[-1] == (
            "bomb.docx: part [Content_Types].xml unpacks to 200,000,000 bytes (a zip bomb?); refused"
        )
        assert done.peak_mb < 300


def test_an_outline_default_length_of_zero(runner: CliRunner, workdir: Path) -> None:
    tpl = workdir / "tpl"
    tpl.mkdir()
    src = (Path(api.__file__).parent.parent / "templates" / "outlines.yaml").read_text(encoding="utf-8")
    (tpl / "outlines.yaml").write_text(src.replace("default_length: 4000", "default_length: 0", 1), "utf-8")
    result = runner.invoke(main, ["render", str(example("summary")), "--templates", "tpl", "-o", "s.md"])
    assert result.exit_code == 1
    assert result.stderr.startswith("tpl/outlines.yaml: summary")
    assert "(default_length must be from 800 to 12000, found 0)" in result.stderr
    assert "internal error" not in result.stderr


# -- class 12: smaller faults -----------------------------------------------------------------------------------


def test_markdown_escapes_event_text(runner: CliRunner, workdir: Path) -> None:
    text = example("village_stay").read_text(encoding="utf-8")
    name = "全县驻村干部选派部署会</p><img src=x onerror=alert(1)>"
    (workdir / "e.yaml").write_text(text.replace("全县驻村干部选派部署会", name), encoding="utf-8")
    result = runner.invoke(main, ["render", "e.yaml", "-o", "speech.md"])
    assert result.exit_code == 0, result.stderr
    md = (workdir / "speech.md").read_text(encoding="utf-8")
    assert "<img" not in md and "</p><" not in md
    assert "&lt;/p&gt;&lt;img src=x onerror=alert(1)&gt;" in md
    check = runner.invoke(main, ["check", "speech.md"])  # and read back as the text it is
    assert "<img" not in check.output and "&lt;" not in check.output


def test_every_problem_at_once(runner: CliRunner, workdir: Path) -> None:
    """A refused tag and a key given twice no longer hide a misspelt key and a bad value."""
    (workdir / "e.yaml").write_text(
        "type: village_stay\nmeeting:\n  name: 全县会议\n  date: !!python/object:os.system x\n"
        "speaker:\n  title: 书记\n  titel: x\nprogram:\n  cadres: 很多\n  cadres: 3\n",
        encoding="utf-8",
    )
    result = runner.invoke(main, ["validate", "e.yaml"])
    assert (result.exit_code, result.stderr.splitlines()) == (
        1,
        [
            "e.yaml:4:9: tag 'tag:yaml.org,2002:python/object:os.system' is not allowed; only plain YAML values are",
            "e.yaml:10:3: cadres: duplicate key (first given at line 9)",
            'e.yaml:7:3: unknown key "speaker.titel" — did you mean "title"?',
            'e.yaml:9:11: program.cadres (人数): expected a whole number, found "很多"',
        ],
    )


def test_an_empty_user_bank_file_is_skipped_with_a_warning(runner: CliRunner, workdir: Path) -> None:
    (workdir / "mybanks").mkdir()
    (workdir / "mybanks" / "new.yaml").write_text("# 待填写\n", encoding="utf-8")
    result = _render(runner, "--banks", "mybanks", "-o", "speech.md")
    assert result.exit_code == 0, result.stderr
    assert "warning: mybanks/new.yaml: the bank file is empty; skipped" in result.stderr.splitlines()


def test_ctrl_c_while_the_command_line_loads(workdir: Path) -> None:
    """Ctrl-C in the first milliseconds, while the command line is imported: no traceback, killed by SIGINT."""
    script = (
        "import builtins, os, signal, sys\n"
        "real = builtins.__import__\n"
        "def hook(name, *a, **k):\n"
        "    if name == 'speechgen.cli':\n"
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "    return real(name, *a, **k)\n"
        "builtins.__import__ = hook\n"
        "sys.argv = ['speechgen', '--version']\n"
        "from speechgen.__main__ import run\n"
        "run()\n"
    )
    done = run(["-c", script], workdir, command=[sys.executable])
    assert done.returncode == -signal.SIGINT
    assert done.stderr == "" and done.stdout == ""
