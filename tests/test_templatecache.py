"""Compiled templates kept between runs: a second environment renders without compiling; a changed
template, a damaged entry or a folder others may write to is never trusted (issue 19)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from speechgen.compose import templatecache
from speechgen.compose.jinjaenv import SpeechEnvironment, new_environment
from speechgen.resources import templates_dir


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    monkeypatch.delenv("SPEECHGEN_NO_CACHE", raising=False)
    return tmp_path / "home-cache" / "speechgen"


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "t.j2").write_text("{% for x in items %}{{ x }}、{% endfor %}{{ title }}\n", encoding="utf-8")
    return folder


def no_compiling(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("compiled although the compiled template was kept")

    monkeypatch.setattr(SpeechEnvironment, "compile", refuse)


def render(folder: Path) -> str:
    return new_environment([folder]).get_template("t.j2").render(items=["甲", "乙"], title="会议")


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("templates-*/*.code"))


def test_a_second_environment_renders_the_kept_code_without_compiling(cache, templates, monkeypatch) -> None:
    first = render(templates)
    assert len(entries(cache)) == 1
    no_compiling(monkeypatch)
    assert render(templates) == first


def test_the_built_in_templates_are_kept_too(cache, monkeypatch) -> None:
    names = sorted(p.name for p in templates_dir().glob("*.j2"))
    for name in names:
        new_environment([templates_dir()]).get_template(name)
    assert len(entries(cache)) == len(names)
    no_compiling(monkeypatch)
    for name in names:
        new_environment([templates_dir()]).get_template(name)


def test_an_edited_template_is_compiled_afresh(cache, templates) -> None:
    render(templates)
    (templates / "t.j2").write_text("{{ title }}！\n", encoding="utf-8")
    assert render(templates) == "\ue030会议\ue031！"


@pytest.mark.parametrize("how", ["truncated", "digest", "garbage", "not code", "folder"])
def test_a_damaged_entry_is_a_miss(cache, templates, monkeypatch, how: str) -> None:
    first = render(templates)
    [path] = entries(cache)
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "digest":  # the code altered, the digest kept
        path.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    elif how == "garbage":
        path.write_bytes(os.urandom(300))
    elif how == "not code":
        import hashlib
        import marshal

        head = data.split(b"\n", 3)
        payload = marshal.dumps(["not", "code"])
        path.write_bytes(b"\n".join([head[0], head[1], hashlib.sha256(payload).hexdigest().encode(), payload]))
    else:
        path.unlink()
        path.mkdir()
    compiled = []
    original = SpeechEnvironment.compile
    monkeypatch.setattr(SpeechEnvironment, "compile", lambda *a, **k: compiled.append(1) or original(*a, **k))
    assert render(templates) == first
    assert compiled == [1]


def test_nothing_is_kept_when_the_cache_is_off(cache, templates, monkeypatch) -> None:
    monkeypatch.setenv("SPEECHGEN_NO_CACHE", "1")
    render(templates)
    assert entries(cache) == [] and templatecache.template_cache() is None


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="owners and modes")
def test_the_folder_is_made_private_and_an_open_parent_is_refused(cache, templates) -> None:
    render(templates)
    [folder] = cache.glob("templates-*")
    folder.chmod(0o777)
    assert templatecache.template_cache() is not None
    assert folder.stat().st_mode & 0o777 == 0o700
    cache.chmod(0o777)
    try:
        assert templatecache.template_cache() is None
    finally:
        cache.chmod(0o755)


def test_an_unwritable_cache_is_no_error(tmp_path: Path, templates, monkeypatch) -> None:
    (tmp_path / "blocked").write_text("a file where the folder would be", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "blocked"))
    assert templatecache.template_cache() is None
    assert render(templates) == "\ue030甲\ue031、\ue030乙\ue031、\ue030会议\ue031"
