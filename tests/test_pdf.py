"""The PDF as printed: distinct Simplified Chinese faces, title lines, pages, reproducible bytes, no leftovers.

Rendered properties are compared (pdffonts, pdftotext's word boxes, pdfinfo), never pixels, except for one
test that tells Simplified from Japanese glyph shapes by comparing three renderings of the same word.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from docx import Document

from speechgen import api
from speechgen.cli import main
from speechgen.compose.plan import Options
from speechgen.event.load import load_event
from speechgen.export import export, ooxml
from speechgen.export.layout import Layout
from speechgen.export.pdf import PREFIX, docx_to_pdf, remove_stale, soffice
from speechgen.export.pdfbytes import pdf_time, relabel, reproducible

from .conftest import ROOT, TYPES, example

POPPLER = ("pdffonts", "pdftotext", "pdfinfo", "pdftoppm")


def need_tools() -> None:
    missing = [t for t in ("soffice", *POPPLER) if (soffice() if t == "soffice" else shutil.which(t)) is None]
    if not missing:
        return
    if os.environ.get("SPEECHGEN_REQUIRE_SOFFICE"):
        pytest.fail(f"required here (SPEECHGEN_REQUIRE_SOFFICE is set) but not installed: {', '.join(missing)}")
    pytest.skip(f"not installed: {', '.join(missing)}")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, bytes]]:
    """Each example as .pdf and its .docx, rendered once for the module."""
    need_tools()
    folder = tmp_path_factory.mktemp("pdf")
    out = {}
    for meeting_type in TYPES:
        draft = api.draft(load_event(example(meeting_type)), options=Options(seed=1))
        path = folder / f"{meeting_type}.pdf"
        path.write_bytes(export(draft, "pdf"))
        out[meeting_type] = (path, export(draft, "docx"))
    return out


def tool(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def pdf_fonts(path: Path) -> list[str]:
    lines = tool("pdffonts", str(path)).splitlines()[2:]
    return [line.split()[0].split("+", 1)[-1] for line in lines]


def title_line_tops(path: Path, title_lines: list[str]) -> list[float]:
    """The top of each title line on page 1, from pdftotext's word boxes."""
    html = tool("pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-")
    words = [(float(m[0]), m[1]) for m in re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)"[^>]*>([^<]*)</word>', html)]
    tops = []
    for line in title_lines:
        top = next(y for y, w in words if w and line.startswith(w[:2]))
        tops.append(top)
    return tops


@pytest.mark.parametrize("meeting_type", TYPES)
def test_three_distinct_simplified_faces_none_japanese(rendered, meeting_type: str) -> None:
    path, _ = rendered[meeting_type]
    names = pdf_fonts(path)
    cjk = {re.sub(r"-VKana$", "", n) for n in names if "CJK" in n or n.startswith(("UKai", "UMing"))}
    assert not any("jp" in n.lower() or "JP" in n for n in names), names
    assert all(re.search(r"CJKsc-|CN$", n) for n in cjk), cjk
    assert len(cjk) >= 3, cjk
    assert "NotoSerifCJKsc-Bold" in cjk  # the title's bold Song
    assert any(n.startswith(("UKai", "NotoSansCJKsc")) for n in cjk)  # Kai or Hei headings and byline
    assert not any(n.startswith("DejaVu") for n in names), names  # digits in the Chinese faces


@pytest.mark.parametrize("meeting_type", TYPES)
def test_title_lines_and_pages_as_the_writer_placed_them(rendered, meeting_type: str) -> None:
    path, docx = rendered[meeting_type]
    title = Document(io.BytesIO(docx)).paragraphs[0].text.split("\n")
    tops = title_line_tops(path, title)
    assert len(tops) == len(title)
    for upper, lower in zip(tops, tops[1:], strict=False):
        assert 27 <= lower - upper <= 33, tops  # exact 30 pt, not two grid lines (57 pt)
    pages = int(re.search(r"Pages:\s+(\d+)", tool("pdfinfo", str(path))).group(1))
    han = api.draft(load_event(example(meeting_type)), options=Options(seed=1)).han_count()
    assert han / 616 <= pages <= han / 380 + 1


def test_no_gap_between_han_characters_and_digits(rendered) -> None:
    path, _ = rendered["summary"]
    text = tool("pdftotext", "-f", "1", "-l", "1", str(path), "-")
    assert "2026年1月20日" in text and "2026 年" not in text


def test_two_renders_are_byte_identical_and_dated_by_the_meeting(runner, workdir: Path, monkeypatch) -> None:
    need_tools()
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    for name in ("a.pdf", "b.pdf"):
        result = runner.invoke(main, ["render", str(example("summary")), "-o", name, "--seed", "3"])
        assert result.exit_code == 0, result.output
    a, b = (workdir / "a.pdf").read_bytes(), (workdir / "b.pdf").read_bytes()
    assert a == b
    info = tool("pdfinfo", str(workdir / "a.pdf"))
    assert re.search(r"CreationDate:\s+Tue Jan 20 00:00:00 2026", info), info
    from speechgen.export.fonts import fallback_warning

    expected = 1 if fallback_warning(Layout()) else 0  # this machine lacks an official face: said once
    assert result.output.count("warning: the PDF uses stand-in fonts") == expected


def test_source_date_epoch_sets_the_date(monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    assert pdf_time("2026-01-20") == dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert pdf_time("2026-01-20") == dt.datetime(2026, 1, 20, tzinfo=dt.timezone.utc)
    assert pdf_time(None) == dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)


def test_byte_fixes_keep_every_offset() -> None:
    pdf = (
        b"%PDF-1.4\n1 0 obj\n<</Creator<FEFF>/CreationDate(D:20261129201927Z')>>\nendobj\n"
        b"2 0 obj\n<</BaseFont/BAAAAA+NotoSerifCJKjp-Bold-VKana/FontName/CAAAAA+NotoSansCJKjp-Regular-VKana>>\n"
        b"trailer\n<</ID [ <762E0D7EABB074A0C800FF9BB3564D41>\n<762E0D7EABB074A0C800FF9BB3564D41> ]\n"
        b"/DocChecksum /2CE1BF2CA66A46367A3F7D4CEC0FE0A7\n>>\n"
    )
    when = dt.datetime(2026, 1, 20, tzinfo=dt.timezone.utc)
    faces = {"方正小标宋简体": "NotoSerifCJKsc-Bold", "黑体": "NotoSansCJKsc-Regular"}
    out = reproducible(pdf, when, faces)
    assert len(out) == len(pdf)
    assert [m.start() for m in re.finditer(rb"\d+ 0 obj|trailer", out)] == [
        m.start() for m in re.finditer(rb"\d+ 0 obj|trailer", pdf)
    ]
    assert b"/CreationDate(D:20260120000000Z)" in out
    assert b"/BaseFont/BAAAAA+NotoSerifCJKsc-Bold" in out and b"CAAAAA+NotoSansCJKsc-Regular" in out
    assert b"jp" not in out
    assert reproducible(pdf.replace(b"762E", b"0000"), when, faces) == out  # the old /ID does not matter
    changed = reproducible(pdf.replace(b"Creator", b"Creatrx"), when, faces)
    assert re.search(rb"/ID \[ <(\w+)>", changed).group(1) != re.search(rb"/ID \[ <(\w+)>", out).group(1)
    # a collection of which two faces were matched keeps LibreOffice's name: the true one is unknown
    assert relabel(pdf, {"a": "NotoSerifCJKsc-Bold", "b": "NotoSerifCJKjp-Bold"}).count(b"CJKjp-Bold") == 1


def test_simplified_glyphs_are_set_not_japanese(tmp_path: Path) -> None:
    """One word three times: in Japanese (Noto Serif CJK JP, ja-JP), in Simplified Chinese (Noto Serif CJK SC,
    zh-CN) and as a draft sets it (仿宋_GB2312 through the stand-ins, zh-CN). The third line must look like
    the second and not like the first."""
    need_tools()
    doc = Document()
    for font, lang in (("Noto Serif CJK JP", "ja-JP"), ("Noto Serif CJK SC", "zh-CN"), ("仿宋_GB2312", "zh-CN")):
        run = doc.add_paragraph().add_run("骨直角今令化写")
        ooxml.set_fonts(run._r, font)
        ooxml.set_lang(run._r, lang)
    buffer = io.BytesIO()
    doc.save(buffer)
    (tmp_path / "g.pdf").write_bytes(docx_to_pdf(buffer.getvalue(), Layout()))
    subprocess.run(
        ["pdftoppm", "-r", "72", "-gray", "-f", "1", "-l", "1", str(tmp_path / "g.pdf"), str(tmp_path / "g")]
    )
    assert "CJKjp" in tool("pdffonts", str(tmp_path / "g.pdf"))  # the Japanese face kept its name: two faces used
    pgm = next(tmp_path.glob("g*.pgm")).read_bytes()
    header = re.match(rb"P5\s+(\d+)\s+(\d+)\s+255\s", pgm)
    width, height = int(header.group(1)), int(header.group(2))
    pixels = pgm[header.end() :]
    rows = [pixels[y * width : (y + 1) * width] for y in range(height)]
    inked = [y for y, row in enumerate(rows) if min(row) < 128]
    bands, start = [], inked[0]
    for a, b in zip(inked, inked[1:], strict=False):
        if b != a + 1:
            bands.append((start, a))
            start = b
    bands.append((start, inked[-1]))
    assert len(bands) == 3, bands
    crops = [b"".join(rows[y] for y in range(top, top + 14)) for top, _ in bands]
    jp, sc, standin = crops
    assert standin == sc
    assert standin != jp


def test_an_interrupted_conversion_leaves_no_folder_and_no_office(tmp_path: Path) -> None:
    need_tools()
    script = "import sys; from speechgen import api\napi.export(api.draft(api.load_event(sys.argv[1])), 'pdf')\n"
    env = dict(os.environ, TMPDIR=str(tmp_path), PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-c", script, str(example("summary"))], env=env)
    deadline = time.time() + 60
    while time.time() < deadline and not list(tmp_path.glob(f"{PREFIX}*/profile")):
        time.sleep(0.1)
    assert list(tmp_path.glob(f"{PREFIX}*")), "the conversion never started"
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)
    assert not list(tmp_path.glob(f"{PREFIX}*"))
    time.sleep(0.5)
    running = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            running.append(cmdline.read_bytes().replace(b"\0", b" ").decode("utf-8", "replace"))
    assert not [args for args in running if str(tmp_path) in args], "LibreOffice outlived the conversion"


def test_a_folder_left_by_a_killed_process_is_removed(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / f"{PREFIX}{dead.pid}-abc").mkdir()
    (tmp_path / f"{PREFIX}{os.getpid()}-live").mkdir()
    (tmp_path / "other").mkdir()
    remove_stale(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([f"{PREFIX}{os.getpid()}-live", "other"])
    assert tempfile.gettempdir()
