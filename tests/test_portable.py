"""Windows' process model and the machines offices have (issue: air-gapped, Windows, 信创 Linux on ARM).

The batch under `spawn` (everything a worker needs travels by pickling), and every Linux-only call's
fallback forced here on Linux: no O_TMPFILE, no /proc, no folder fsync, no way to ask whether a process
lives, no prctl, no process groups, the signals Windows sends instead of SIGTERM and SIGHUP. Then Chinese
paths on a console in GBK, and the names Windows reserves for devices.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from speechgen import api
from speechgen.cli import main
from speechgen.cli.say import encodable
from speechgen.errors import SpeechgenError
from speechgen.export import pdf
from speechgen.export.layout import Layout
from speechgen.run import output, pool
from speechgen.run.inputs import read_inputs
from speechgen.run.job import BatchSettings
from speechgen.run.output import TMP_PREFIX, clean_stale_temporaries, safe_name, sync_folder, write_atomic
from speechgen.run.render import RenderSettings
from speechgen.run.signals import group_signals, stop_signals

from .conftest import copies, draftable

# -- spawn: what a worker needs reaches it by pickling -----------------------------------------------


def test_batch_settings_and_jobs_survive_pickling(tmp_path: Path) -> None:
    """A spawned worker gets the settings and each job by pickle: they come back equal and draft the same."""
    (tmp_path / "banks").mkdir()
    options = api.Options(style="warm", seed=7, points=3, minutes=12.0, mark_missing=True, banks=(tmp_path / "banks",))
    render = RenderSettings(options=options, layout=Layout(title_breaks=("赴县乡",)), explain=True, force=True)
    settings = BatchSettings(tmp_path / "out", "md", render, jobs=2, fail_fast=True, report=tmp_path / "r.json")
    assert pickle.loads(pickle.dumps(settings)) == settings
    job = next(read_inputs([draftable()]))
    assert job.event is not None
    copy = pickle.loads(pickle.dumps(job))
    assert (copy.label, copy.output, copy.file, copy.line) == (job.label, job.output, job.file, job.line)
    assert copy.event is not None and copy.event.facts == job.event.facts
    ours, theirs = api.draft(job.event, options=api.Options(seed=3)), api.draft(copy.event, options=api.Options(seed=3))
    assert api.export(theirs, "md") == api.export(ours, "md")


def test_the_start_method_honours_the_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPEECHGEN_START_METHOD", "spawn")
    assert pool.start_method() == "spawn"
    monkeypatch.setenv("SPEECHGEN_START_METHOD", "fork")
    assert pool.start_method() == "fork"
    monkeypatch.delenv("SPEECHGEN_START_METHOD")
    assert pool.start_method() == ("fork" if sys.platform == "linux" else "spawn")


def test_spawned_workers_write_what_forked_ones_write(runner, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (workdir / "s.yaml").write_text(copies(draftable(), 3), encoding="utf-8")
    for method in ("fork", "spawn"):
        monkeypatch.setenv("SPEECHGEN_START_METHOD", method)
        result = runner.invoke(main, ["batch", "s.yaml", "-o", method, "-j", "2", "-q"])
        assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (workdir / "fork").iterdir())
    assert len(names) == 3 and names == sorted(p.name for p in (workdir / "spawn").iterdir())
    assert all((workdir / "fork" / n).read_bytes() == (workdir / "spawn" / n).read_bytes() for n in names)


# -- writing files without Linux's conveniences ------------------------------------------------------


def test_without_o_tmpfile_a_named_temporary_is_used_and_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delattr(os, "O_TMPFILE", raising=False)
    created = []
    real_open = os.open

    def spy(path, flags, *args, **kw):  # noqa: ANN001, ANN002, ANN003
        created.append(Path(path).name)
        return real_open(path, flags, *args, **kw)

    monkeypatch.setattr(os, "open", spy)
    target = tmp_path / "讲话稿" / "刘䶮.docx"
    target.parent.mkdir()
    write_atomic(target, b"one")
    assert any(n.startswith(TMP_PREFIX) for n in created)  # the named temporary of macOS and Windows
    with pytest.raises(output.OutputExists):
        write_atomic(target, b"two")
    write_atomic(target, b"three", force=True)
    assert target.read_bytes() == b"three" and sorted(p.name for p in target.parent.iterdir()) == ["刘䶮.docx"]


def test_without_proc_the_unnamed_file_falls_back_to_a_named_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """O_TMPFILE but no /proc mounted (a container, a chroot): linking the unnamed file fails; a name is used."""
    if not hasattr(os, "O_TMPFILE"):
        pytest.skip("no O_TMPFILE here: the named path is the only one")
    real_link = os.link

    def no_proc(src, dst, *args, **kw):  # noqa: ANN001, ANN002, ANN003
        if str(src).startswith("/proc/"):
            raise FileNotFoundError(2, "No such file or directory", str(src))
        return real_link(src, dst, *args, **kw)

    monkeypatch.setattr(os, "link", no_proc)
    write_atomic(tmp_path / "a.md", b"text")
    write_atomic(tmp_path / "a.md", b"again", force=True)
    assert (tmp_path / "a.md").read_bytes() == b"again" and [p.name for p in tmp_path.iterdir()] == ["a.md"]


def test_the_folder_is_synced_where_it_can_be_and_skipped_where_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(stat.S_ISDIR(os.fstat(fd).st_mode)), real_fsync(fd)))
    write_atomic(tmp_path / "a.md", b"x")
    assert synced == [False, True]  # the file, then the folder that holds its new name
    assert sync_folder(tmp_path) is True
    real_open = os.open

    def like_windows(path, flags, *args, **kw):  # noqa: ANN001, ANN002, ANN003
        if os.path.isdir(path) and not flags & (os.O_WRONLY | os.O_RDWR):
            raise PermissionError(13, "Permission denied", str(path))  # Windows cannot open a folder to read
        return real_open(path, flags, *args, **kw)

    monkeypatch.setattr(os, "open", like_windows)
    monkeypatch.delattr(os, "O_TMPFILE", raising=False)
    synced.clear()
    assert sync_folder(tmp_path) is False
    write_atomic(tmp_path / "b.md", b"y")
    assert (tmp_path / "b.md").read_bytes() == b"y" and synced == [False]


def test_where_a_writer_cannot_be_asked_after_an_old_temporary_goes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On Windows os.kill(pid, 0) would end the process: temporaries are judged by age instead."""
    monkeypatch.setattr(output, "process_alive", lambda pid: None)
    old, young = tmp_path / f"{TMP_PREFIX}999999999-00000000.docx", tmp_path / f"{TMP_PREFIX}999999999-11111111.docx"
    old.write_bytes(b"half")
    young.write_bytes(b"half")
    long_ago = time.time() - output.STALE_AFTER - 60
    os.utime(old, (long_ago, long_ago))
    clean_stale_temporaries(tmp_path)
    assert not old.exists() and young.exists()
    monkeypatch.undo()
    clean_stale_temporaries(tmp_path)  # on POSIX the writer is asked: it is gone
    assert not young.exists()


def test_libreoffice_is_stopped_without_process_groups(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Windows has no killpg: the converter itself is killed when the wait ends, and old folders go by age."""
    monkeypatch.delattr(os, "killpg")
    started = time.monotonic()
    with pytest.raises(SpeechgenError, match="did not finish converting within 1 s"):
        pdf._run([sys.executable, "-c", "import time; time.sleep(60)"], dict(os.environ), timeout=1)
    assert time.monotonic() - started < 30
    dead = tmp_path / f"{pdf.PREFIX}999999999-x"
    dead.mkdir()
    pdf.remove_stale(tmp_path)
    assert dead.exists()  # cannot be asked, and young: kept
    long_ago = time.time() - pdf.STALE_AFTER - 60
    os.utime(dead, (long_ago, long_ago))
    pdf.remove_stale(tmp_path)
    assert not dead.exists()


def test_default_jobs_without_sched_getaffinity(monkeypatch: pytest.MonkeyPatch) -> None:
    from speechgen.cli.say import default_jobs

    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    assert default_jobs() == (os.cpu_count() or 1)


# -- signals: what Windows sends instead of SIGTERM and SIGHUP ---------------------------------------


def _like_windows(monkeypatch: pytest.MonkeyPatch) -> int:
    """This process's signal table as on Windows: no SIGHUP, a SIGBREAK (played by SIGUSR1)."""
    monkeypatch.delattr(signal, "SIGHUP")
    monkeypatch.setattr(signal, "SIGBREAK", signal.SIGUSR1, raising=False)
    return signal.SIGUSR1


def test_the_stop_signals_are_those_the_system_has(monkeypatch: pytest.MonkeyPatch) -> None:
    assert stop_signals() == [signal.SIGTERM, signal.SIGHUP]
    assert group_signals() == [signal.SIGINT, signal.SIGHUP]
    brk = _like_windows(monkeypatch)
    assert stop_signals() == [signal.SIGTERM, brk]
    assert group_signals() == [signal.SIGINT, brk]


@pytest.mark.parametrize("windows", [False, True])
def test_a_stop_signal_during_a_render_unwinds_and_writes_nothing(
    windows: bool, runner, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-Break (Windows) or a closed terminal (SIGHUP) mid-render: exit 128+N, no file, no temporary."""
    signum = _like_windows(monkeypatch) if windows else signal.SIGHUP
    before = signal.getsignal(signum)
    real_export = api.export

    def interrupted(*args, **kw):  # noqa: ANN002, ANN003
        data = real_export(*args, **kw)
        os.kill(os.getpid(), signum)
        time.sleep(1)  # the handler runs here
        return data

    monkeypatch.setattr(api, "export", interrupted)
    result = runner.invoke(main, ["render", str(draftable()), "-o", "x.docx"])
    assert (result.exit_code, result.stderr) == (128 + signum, "speechgen: terminated\n")
    assert list(workdir.iterdir()) == []
    assert signal.getsignal(signum) == before  # the handler is the command's only while it runs


def test_ctrl_break_stops_a_batch_and_leaves_only_complete_files(tmp_path: Path) -> None:
    """The batch's stop on Windows (Ctrl-Break, played by SIGUSR1 in a signal table without SIGHUP)."""
    (tmp_path / "s.yaml").write_text(copies(draftable(), 150), encoding="utf-8")
    code = (
        "import signal; del signal.SIGHUP; signal.SIGBREAK = signal.SIGUSR1\n"
        "from speechgen.cli import main\nif __name__ == '__main__':\n    main()\n"
    )
    (tmp_path / "like_windows.py").write_text(code, encoding="utf-8")
    cmd = [sys.executable, "like_windows.py", "batch", "s.yaml", "-o", "out", "-j", "2", "-q", "--format", "docx"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    out = tmp_path / "out"
    deadline = time.monotonic() + 120
    while not out.is_dir() or sum(1 for p in out.iterdir() if not p.name.startswith(".")) < 4:
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    proc.send_signal(signal.SIGUSR1)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGUSR1, err
    assert err.splitlines()[-1] == "batch interrupted: the files written are complete; run again to draft the rest"
    written = sorted(out.iterdir())
    assert 4 <= len(written) < 150 and not any(p.name.startswith(TMP_PREFIX) for p in written)
    for path in written:
        with zipfile.ZipFile(path) as z:
            assert z.testzip() is None


WATCHED = """
import ctypes, multiprocessing as mp, os, sys, time
from concurrent.futures import ProcessPoolExecutor
from speechgen.run import pool

def no_prctl(*args, **kw):
    raise OSError("no prctl on this system")

def init(settings):
    ctypes.CDLL = no_prctl  # as on Windows and macOS: the watcher thread must do it
    pool.init_worker(settings)

if __name__ == "__main__":
    ex = ProcessPoolExecutor(1, mp_context=mp.get_context(sys.argv[1]), initializer=init, initargs=(None,))
    print(ex.submit(os.getpid).result(), flush=True)
    time.sleep(120)
"""


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_without_prctl_a_worker_still_dies_with_its_parent(method: str, tmp_path: Path) -> None:
    (tmp_path / "watched.py").write_text(WATCHED, encoding="utf-8")
    parent = subprocess.Popen([sys.executable, "watched.py", method], cwd=tmp_path, stdout=subprocess.PIPE, text=True)
    worker = int(parent.stdout.readline())
    parent.kill()  # SIGKILL: the parent gets no chance to stop its workers
    parent.wait(timeout=30)
    deadline = time.monotonic() + 20
    while _running(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _running(worker)


def _running(pid: int) -> bool:
    """pid exists and is not a zombie (an orphan may wait for a reaper that never comes)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with contextlib.suppress(OSError):
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    return True


# -- Chinese paths on a console in GBK ---------------------------------------------------------------


def test_encodable_escapes_only_what_the_stream_cannot_write() -> None:
    class Stream:
        def __init__(self, encoding: str | None) -> None:
            self.encoding = encoding

    assert encodable("刘䶮：讲话稿.docx", Stream("gbk")) == "刘\\u4dae：讲话稿.docx"
    assert encodable("刘䶮", Stream("utf-8")) == "刘䶮"
    assert encodable("刘䶮", Stream(None)) == "刘䶮"
    assert encodable("刘䶮", Stream("no-such-codec")) == "刘䶮"


def test_a_gbk_console_never_crashes_the_command_line(tmp_path: Path) -> None:
    """cp936 cannot encode 䶮 (a name's character outside GBK): it is escaped, the command still succeeds."""
    folder = tmp_path / "会议文件"
    folder.mkdir()
    (folder / "刘䶮.yaml").write_bytes(draftable().read_bytes())
    kind = api.load_event(draftable()).type
    env = {**os.environ, "PYTHONIOENCODING": "gbk"}
    run = [sys.executable, "-m", "speechgen"]
    done = subprocess.run([*run, "validate", "会议文件/刘䶮.yaml"], cwd=tmp_path, env=env, capture_output=True)
    assert done.returncode == 0, done.stderr.decode("gbk", "replace")
    assert done.stdout.decode("gbk") == f"会议文件/刘\\u4dae.yaml: ok ({kind})\n"
    out = "讲话稿/刘䶮的讲话.docx"
    (tmp_path / "讲话稿").mkdir()
    done = subprocess.run([*run, "render", "会议文件/刘䶮.yaml", "-o", out], cwd=tmp_path, env=env, capture_output=True)
    assert done.returncode == 0, done.stderr.decode("gbk", "replace")
    assert done.stderr.decode("gbk").startswith("讲话稿/刘\\u4dae的讲话.docx: ")
    assert zipfile.is_zipfile(tmp_path / out)
    bad = tmp_path / "会议文件" / "错误䶮.yaml"
    bad.write_text("type: mobilisation\nmeeting: {}\n", encoding="utf-8")
    done = subprocess.run([*run, "render", str(bad)], cwd=tmp_path, env=env, capture_output=True)
    assert done.returncode == 1 and "错误\\u4dae.yaml:" in done.stderr.decode("gbk")


# -- Windows' reserved names -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("CON", "_CON.docx"),
        ("con.txt", "_con.docx"),
        ("NUL .docx", "_NUL.docx"),
        ("Aux.tar", "_Aux.tar.docx"),
        ("COM0", "_COM0.docx"),
        ("com9", "_com9.docx"),
        ("COM¹", "_COM¹.docx"),
        ("lpt³.md", "_lpt³.docx"),
        ("CONIN$", "_CONIN$.docx"),
        ("conout$.x", "_conout$.x.docx"),
        ("PRN. . ", "_PRN.docx"),
        ("Console", "Console.docx"),
        ("COM10", "COM10.docx"),
        ("讲话稿. ", "讲话稿.docx"),
        ("讲话稿 .", "讲话稿.docx"),
    ],
)
def test_windows_reserved_names_are_never_produced(name: str, expected: str) -> None:
    assert safe_name(name, "docx") == expected


RESERVED = ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"] + [
    f"{p}{n}" for p in ("COM", "LPT") for n in "0123456789¹²³"
]


@given(
    st.one_of(
        st.text(max_size=40),
        st.builds(
            lambda r, tail: r + tail,
            st.sampled_from(RESERVED + [r.lower() for r in RESERVED]),
            st.text(alphabet=" .txdocm", max_size=6),
        ),
    )
)
def test_no_output_name_is_one_windows_refuses(name: str) -> None:
    result = safe_name(name, "docx")
    stem = result[: -len(".docx")]
    assert stem and stem.split(".")[0].rstrip(" ").upper() not in RESERVED
    assert not stem.endswith((" ", ".")) and not any(c in result for c in '\\/:*?"<>|')
