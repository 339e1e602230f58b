"""The bank cache (issue 14, class 10): any doubt about an entry is a miss; keyed by the banks alone;
bounded; in XDG_CACHE_HOME or ~/.cache, and nowhere at all when there is no home."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from speechgen.cli import main
from speechgen.compose import bankcache, banks

from .conftest import example
from .hostile_tools import run


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder of this test's own, and no bank set remembered in this process."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("SPEECHGEN_NO_CACHE", raising=False)
    banks._load_cached.cache_clear()
    yield tmp_path / "xdg" / "speechgen"
    banks._load_cached.cache_clear()


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("banks-*.json")) if folder.is_dir() else []


def _render(runner: CliRunner) -> str:
    """Render the example to Markdown; its Han characters as speechgen counts them."""
    banks._load_cached.cache_clear()  # as a new run would: read from the disk cache
    result = runner.invoke(main, ["render", str(example("village_stay")), "-o", "-", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _poisoned(entry: Path, change) -> None:  # noqa: ANN001
    data = json.loads(entry.read_text(encoding="utf-8"))
    change(data)
    entry.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _redigest(data: dict) -> None:
    """What someone who knows the format would do: the digest made to match the changed content."""
    body = json.dumps(data["data"], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    data["digest"] = hashlib.sha256(body.encode("utf-8")).hexdigest()


def _slots_cut(data: dict) -> None:  # shape and types right, content wrong: a 7-character speech before
    variants = data["data"]["variants"]
    data["data"]["variants"] = [v for v in variants if v[1] == "opening.announce"][:1]


CORRUPTIONS = {
    "deep JSON": lambda e: e.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8"),
    "not JSON": lambda e: e.write_bytes(b"\xff\xfe not json"),
    "wrong types, digest redone": lambda e: _poisoned(
        e, lambda d: (d["data"].update(variants=[[1, 2, 3, 4, 5, 6, 7, 8]]), _redigest(d))
    ),
    "content cut": lambda e: _poisoned(e, _slots_cut),
    "a hostile variant, digest redone": lambda e: _poisoned(
        e, lambda d: (d["data"]["variants"][0].__setitem__(0, "{{ cadre|center(10**9) }}"), _redigest(d))
    ),
    "a folder": lambda e: (e.unlink(), e.mkdir()),
}


@pytest.mark.parametrize("how", sorted(CORRUPTIONS))
def test_a_corrupted_entry_is_a_miss(how: str, cache: Path, runner: CliRunner, workdir: Path) -> None:
    expected = _render(runner)
    [entry] = _entries(cache)
    CORRUPTIONS[how](entry)
    assert _render(runner) == expected  # the banks were read again, not the entry
    if how != "a folder":
        assert bankcache._trusted(json.loads(entry.read_text(encoding="utf-8"))) is not None  # rewritten whole


def test_an_entry_that_is_a_fifo_does_not_hang(cache: Path, runner: CliRunner, workdir: Path) -> None:
    _render(runner)
    [entry] = _entries(cache)
    entry.unlink()
    os.mkfifo(entry)
    env = {"XDG_CACHE_HOME": str(cache.parent)}
    done = run(["render", str(example("village_stay")), "-o", "s.md"], workdir, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert (workdir / "s.md").is_file()


def test_the_key_is_the_banks_alone(
    cache: Path, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every new working folder added an entry of 0.7 MB; now one entry serves them all."""
    for name in ("a", "b", "c"):
        folder = tmp_path / name
        folder.mkdir()
        monkeypatch.chdir(folder)
        _render(runner)
    assert len(_entries(cache)) == 1


def test_file_names_are_shown_from_the_working_folder(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A user bank named relative to one folder is named relative to the next one that reads the entry."""
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "x.yaml").write_text("opening.announce:\n  - 下面，我讲几点意见。\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path)
    first = banks.load_banks("formal", (tmp_path / "mine",))
    assert "mine/x.yaml" in first.files
    banks._load_cached.cache_clear()
    monkeypatch.chdir(tmp_path / "sub")
    again = banks.load_banks("formal", (tmp_path / "mine",))
    assert len(_entries(cache)) == 1
    assert str(tmp_path / "mine" / "x.yaml") in again.files or "../mine/x.yaml" in again.files


def test_the_cache_is_bounded(cache: Path, runner: CliRunner, workdir: Path) -> None:
    cache.mkdir(parents=True)
    for i in range(30):
        old = cache / f"banks-{i:032x}.json"
        old.write_text("{}", encoding="utf-8")
        os.utime(old, (1_000 + i, 1_000 + i))
    (cache / "notes.txt").write_text("mine", encoding="utf-8")  # not ours: never touched
    _render(runner)
    assert len(_entries(cache)) == bankcache.MAX_ENTRIES
    assert (cache / "notes.txt").exists()
    newest = max(_entries(cache), key=lambda p: p.stat().st_mtime)
    assert bankcache._trusted(json.loads(newest.read_text(encoding="utf-8"))) is not None


@pytest.mark.parametrize(
    ("xdg", "home", "expected"),
    [
        ("/x/cache", "/home/u", "/x/cache/speechgen"),
        ("relative/cache", "/home/u", "/home/u/.cache/speechgen"),  # XDG: a relative path is ignored
        (None, "/home/u", "/home/u/.cache/speechgen"),
        (None, "", None),  # HOME="" wrote to /.cache
        (None, "/", None),
        ("", "", None),
    ],
)
def test_where_the_cache_lives(
    xdg: str | None, home: str, expected: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SPEECHGEN_NO_CACHE", raising=False)
    if xdg is None:
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_CACHE_HOME", xdg)
    monkeypatch.setenv("HOME", home)
    found = bankcache.cache_dir()
    assert (str(found) if found else None) == expected
