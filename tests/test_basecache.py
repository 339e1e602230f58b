"""The Word writer's kept base: a render with it imports neither python-docx nor lxml and writes the bytes
python-docx writes; a damaged, foreign or stale entry is a miss, never a wrong document (issue 19)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from speechgen.export import basecache, wordml
from speechgen.export.docx import load_base, to_docx
from speechgen.export.layout import Layout, Margins
from speechgen.export.pydocx import build_base, sample_draft, with_python_docx

from .conftest import ROOT

LAYOUTS = [Layout(page_numbers=p) for p in ("outside", "centre", "none")] + [
    Layout(margins=Margins(top=30, bottom=30, left=25, right=25), line_spacing=30, chars_per_line=26)
]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("SPEECHGEN_NO_CACHE", raising=False)
    return tmp_path / "speechgen"


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"{basecache.PREFIX}*.json")) if folder.is_dir() else []


@pytest.mark.parametrize("layout", LAYOUTS, ids=["outside", "centre", "none", "margins"])
def test_every_layout_gets_a_lean_base_that_writes_what_python_docx_writes(layout: Layout) -> None:
    base = build_base(layout)
    assert base is not None  # else every draft would silently go through python-docx
    draft = sample_draft()
    assert base.render(draft, layout) == with_python_docx(draft, layout)
    broken = replace(layout, title_breaks=("全市",))
    assert base.render(draft, broken) == with_python_docx(draft, broken) != base.render(draft, layout)


def test_a_render_with_the_kept_base_imports_neither_python_docx_nor_lxml(cache: Path, tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from speechgen.draft import Draft, DraftInfo, Paragraph, Sentence\n"
        "from speechgen.export import export\n"
        "d = Draft('在全县挂职干部动员会上的讲话', '王建国', '（2026年3月16日）', '同志们：',\n"
        "          opening=[Paragraph([Sentence('“挂职”——锻炼。')])], info=DraftInfo(date='2026-03-16'))\n"
        "sys.stdout.buffer.write(export(d, 'docx'))\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'docx', 'lxml', 'zipfile'})\n"
        "sys.stderr.write(','.join(heavy))\n"
    )
    env = os.environ | {"XDG_CACHE_HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    runs = [subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, timeout=120) for _ in "12"]
    assert [r.returncode for r in runs] == [0, 0], runs[0].stderr
    assert runs[0].stderr.decode() == "docx,lxml,zipfile"  # the first run builds the base and keeps it
    assert runs[1].stderr.decode() == ""
    assert runs[0].stdout == runs[1].stdout and len(entries(cache)) == 1
    with zipfile.ZipFile(io.BytesIO(runs[1].stdout)) as z:
        assert z.testzip() is None and "word/document.xml" in z.namelist()


def test_the_kept_base_is_read_back_and_writes_the_same_bytes(cache: Path) -> None:
    layout, draft = Layout(), sample_draft()
    built = load_base(layout)
    assert built is not None and len(entries(cache)) == 1
    kept = load_base(layout)
    assert kept == built and kept.render(draft, layout) == with_python_docx(draft, layout)


def test_one_entry_per_layout_and_the_title_breaks_share_one(cache: Path) -> None:
    for layout in LAYOUTS + [replace(LAYOUTS[0], title_breaks=("全县",))]:
        load_base(layout)
    assert len(entries(cache)) == len(LAYOUTS)
    keys = {basecache.key(repr(layout)) for layout in LAYOUTS}
    assert len(keys) == len(LAYOUTS) and None not in keys


def test_another_version_of_speechgen_reads_another_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    before = basecache.key(repr(Layout()))
    monkeypatch.setattr(basecache, "__version__", "9.9.9")
    assert basecache.key(repr(Layout())) != before


def test_a_changed_builder_file_reads_another_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    builder = tmp_path / "pydocx.py"
    builder.write_text("one", encoding="utf-8")
    monkeypatch.setattr(basecache, "_makers", lambda: [builder])
    before = basecache.key(repr(Layout()))
    builder.write_text("two!", encoding="utf-8")
    assert basecache.key(repr(Layout())) != before


def damage(path: Path, how: str) -> None:
    entry = json.loads(path.read_text(encoding="utf-8"))
    if how == "truncated":
        path.write_bytes(path.read_bytes()[:500])
    elif how == "not json":
        path.write_text("not json at all", encoding="utf-8")
    elif how == "altered":  # one byte of the content changed, the digest kept
        entry["content"] = entry["content"].replace("w:pStyle", "w:pStylf", 1)
        path.write_text(json.dumps(entry), encoding="utf-8")
    elif how == "other key":
        entry["key"] = "0" * 32
        path.write_text(json.dumps(entry), encoding="utf-8")
    elif how == "other format":
        entry["format"] = basecache.FORMAT + 1
        path.write_text(json.dumps(entry), encoding="utf-8")
    elif how == "resealed nonsense":  # a valid digest over content that is no base
        content = json.dumps({"document": "word/document.xml", "entries": [["x", ["AAAA", "AAAA"]]]})
        entry |= {"content": content, "sha256": __import__("hashlib").sha256(content.encode()).hexdigest()}
        path.write_text(json.dumps(entry), encoding="utf-8")
    elif how == "huge":
        path.write_bytes(b" " * (basecache.MAX_BYTES + 1))
    elif how == "a folder":
        path.unlink()
        path.mkdir()


@pytest.mark.parametrize(
    "how", ["truncated", "not json", "altered", "other key", "other format", "resealed nonsense", "huge", "a folder"]
)
def test_a_damaged_entry_is_a_miss_and_the_document_stays_right(cache: Path, how: str) -> None:
    layout, draft = Layout(), sample_draft()
    load_base(layout)
    [path] = entries(cache)
    damage(path, how)
    base = load_base(layout)
    assert base is not None and base.render(draft, layout) == with_python_docx(draft, layout)
    if how != "a folder":  # built afresh and kept again
        assert load_base(layout) == base and json.loads(path.read_text(encoding="utf-8"))["format"] == basecache.FORMAT


def test_no_cache_keeps_nothing_and_writes_the_same(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPEECHGEN_NO_CACHE", "1")
    draft = sample_draft()
    assert load_base(Layout()) is not None
    assert to_docx(draft) == with_python_docx(draft, Layout())
    assert entries(cache) == []


def test_an_unwritable_cache_folder_is_no_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "speechgen").write_text("a file where the folder would be", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert load_base(Layout()) is not None


def test_text_xml_cannot_hold_is_left_to_python_docx() -> None:
    base = build_base(Layout())
    assert base is not None
    for bad in ("\x00", "\x0b", "\ufffe", "\ud800"):
        draft = sample_draft()
        draft.closing[0].sentences[0].text = f"谢谢{bad}大家"
        assert base.render(draft, Layout()) is None
        draft = sample_draft()
        draft.info = replace(draft.info, author=f"王{bad}")
        assert base.render(draft, Layout()) is None


def test_a_core_property_that_looks_like_a_field_mark_is_written_as_given() -> None:
    layout = Layout()
    base = build_base(layout)
    assert base is not None
    draft = sample_draft()
    draft.title = f"标题{wordml.FIELDS['author']}{wordml.FIELDS['when']}"
    assert base.render(draft, layout) == with_python_docx(draft, layout)


@pytest.mark.parametrize("name", ["word/document.xml", "docProps/core.xml", "文件.xml"])
def test_zip_records_are_laid_out_as_zipfile_lays_them_out(name: str) -> None:
    blob = "挂职锻炼".encode() * 500 + bytes(range(256))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
        info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o600 << 16
        z.writestr(info, blob)
    assert wordml.zip_package([wordml.zip_records(name, blob)]) == out.getvalue()
