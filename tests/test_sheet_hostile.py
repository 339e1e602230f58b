"""Hostile workbooks (issue 18): zip bombs, entity bombs, huge sheets and external links are refused or bounded
before openpyxl reads a byte of XML. Each bomb is read in a child process whose CPU time is capped and whose
peak memory is measured: a regression would take minutes and gigabytes, not a few hundredths of a second."""

from __future__ import annotations

import io
import json
import re
import struct
import subprocess
import sys
import zipfile
from collections.abc import Iterable
from pathlib import Path

import pytest

from speechgen.event.sheet import read_rows

from .sheets import GOOD, book, patch, table, write

SHEET = "xl/worksheets/sheet1.xml"
HEAD = b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
PLAIN = book(table(GOOD["village"]))

CHILD = """
import json, resource, sys, time
from pathlib import Path
from speechgen.event.sheet import read_rows
used = resource.getrusage(resource.RUSAGE_SELF)
cap = int(used.ru_utime + used.ru_stime) + 5
resource.setrlimit(resource.RLIMIT_CPU, (cap, cap))  # a runaway read is killed, not waited for
start = time.process_time()
problems = [str(p) for row in read_rows(Path(sys.argv[1]), "plan.xlsx") for p in row.problems]
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))  # kB, this image
print(json.dumps({"cpu": time.process_time() - start, "peak_mb": peak / 1024, "problems": problems}))
"""


def bounded(path: Path) -> list[str]:
    """The problems reading path gives, asserting it took under 2 s of CPU and under 200 MB."""
    proc = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")[-2000:]
    out = json.loads(proc.stdout)
    print(path.name, round(out["cpu"], 3), "s", round(out["peak_mb"]), "MB")
    assert out["cpu"] < 2.0 and out["peak_mb"] < 200, out
    return out["problems"]


def replaced(data: bytes, part: str, chunks: Iterable[bytes]) -> bytes:
    """The workbook with one part's content streamed from chunks (for parts too large to build in memory)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != part:
                dst.writestr(info.filename, src.read(info))
                continue
            with dst.open(part, "w", force_zip64=True) as f:
                for chunk in chunks:
                    f.write(chunk)
    return out.getvalue()


def spaces(n_mb: int) -> Iterable[bytes]:
    yield HEAD + b"<sheetData>"
    for _ in range(n_mb):
        yield b" " * 1_000_000
    yield b"</sheetData></worksheet>"


def test_a_zip_bomb_is_refused_from_the_zip_directory(tmp_path: Path) -> None:
    path = write(tmp_path / "bomb.xlsx", replaced(PLAIN, SHEET, spaces(150)))
    assert path.stat().st_size < 1_000_000
    (problem,) = bounded(path)
    assert re.fullmatch(
        r"plan\.xlsx: part xl/worksheets/sheet1\.xml expands [\d,]+ times \(to 150,0\d\d,\d{3} bytes\): "
        r"a zip bomb; refused",
        problem,
    ), problem


def test_a_large_part_is_refused(tmp_path: Path) -> None:
    """Not compressible enough to look like a bomb, but more than any plan of meetings needs."""
    import random

    rng = random.Random(1)
    noise = [HEAD + b"<sheetData>", *(rng.randbytes(500_000).hex().encode() for _ in range(70)), b"</sheetData>"]
    path = write(tmp_path / "big.xlsx", replaced(PLAIN, SHEET, noise))
    size = zipfile.ZipFile(path).getinfo(SHEET).file_size
    assert size > 70_000_000
    assert bounded(path) == [
        f"plan.xlsx: part xl/worksheets/sheet1.xml expands to {size:,} bytes; the limit is 64,000,000; refused"
    ]


def lie_about_size(data: bytes, part: str, claimed: int) -> bytes:
    """The zip with one part's uncompressed size rewritten in its local header and in the central directory."""
    name = part.encode()
    out = bytearray(data)
    for match in re.finditer(rb"PK\x03\x04", out):  # local file headers: size at offset 22
        start = match.start()
        n = struct.unpack_from("<H", out, start + 26)[0]
        if bytes(out[start + 30 : start + 30 + n]) == name:
            struct.pack_into("<I", out, start + 22, claimed)
    for match in re.finditer(rb"PK\x01\x02", out):  # central directory entries: size at offset 24
        start = match.start()
        n = struct.unpack_from("<H", out, start + 28)[0]
        if bytes(out[start + 46 : start + 46 + n]) == name:
            struct.pack_into("<I", out, start + 24, claimed)
    return bytes(out)


def test_a_zip_whose_sizes_lie_is_refused_without_inflating_it(tmp_path: Path) -> None:
    zeros = (b"\0" * 1_000_000 for _ in range(300))
    data = zipfile.ZipFile(io.BytesIO(replaced(PLAIN, SHEET, zeros)))
    assert data.getinfo(SHEET).file_size == 300_000_000 and data.getinfo(SHEET).compress_size < 1_000_000
    path = write(tmp_path / "liar.xlsx", lie_about_size(replaced(PLAIN, SHEET, zeros), SHEET, 4000))
    (problem,) = bounded(path)
    assert problem.startswith("plan.xlsx: part xl/worksheets/sheet1.xml is damaged ("), problem
    assert problem.endswith("); open the workbook in Excel or WPS and save it again")


LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%s;" % (str(i - 1).encode() if i > 1 else b"")) * 10) for i in range(1, 10)
    )
    + b']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol9;</t></si></sst>'
)
XXE = (
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    + HEAD
    + b"<sheetData>&e;</sheetData></worksheet>"
)
DOCTYPE = "it declares a document type (entities: an XML bomb or an external reference); refused"
STRINGS = "xl/sharedStrings.xml"
REL = (
    b'<Relationship Id="%s" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/%s" '
    b'Target="%s"/></Relationships>'
)
R = b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def add(data: bytes, parts: dict[str, bytes]) -> bytes:
    """The workbook with parts added."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            z.writestr(info.filename, src.read(info))
        for name, body in parts.items():
            z.writestr(name, body)
    return out.getvalue()


def linked(data: bytes, rel_id: bytes, kind: bytes, target: bytes) -> bytes:
    """The workbook with one more relationship of its workbook part."""
    return patch(
        data, "xl/_rels/workbook.xml.rels", lambda x: x.replace(b"</Relationships>", REL % (rel_id, kind, target))
    )


def with_strings(data: bytes, body: bytes) -> bytes:
    """The workbook with a shared strings part that openpyxl reads (a content type and a relationship)."""
    kind = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
    override = b'<Override PartName="/xl/sharedStrings.xml" ContentType="%s"/></Types>' % kind
    data = patch(data, "[Content_Types].xml", lambda x: x.replace(b"</Types>", override))
    return add(linked(data, b"rId98", b"sharedStrings", b"sharedStrings.xml"), {STRINGS: body})


def test_shared_strings_added_this_way_are_read(tmp_path: Path) -> None:
    """The helper above makes a part openpyxl really reads: the bomb test below is not vacuous."""
    strings = '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>驻村蹲点</t></si></sst>'
    data = with_strings(PLAIN, strings.encode())
    data = patch(
        data,
        SHEET,
        lambda x: re.sub(rb'<c r="A2" t="inlineStr"><is><t>[^<]*</t></is></c>', b'<c r="A2" t="s"><v>0</v></c>', x),
    )
    assert b'<c r="A2" t="s">' in zipfile.ZipFile(io.BytesIO(data)).read(SHEET)
    (row,) = read_rows(write(tmp_path / "s.xlsx", data), "s.xlsx")
    assert row.problems == [] and row.event.type == "village_stay"


@pytest.mark.parametrize("part", [STRINGS, SHEET])
def test_entity_bombs_and_external_entities_are_refused(tmp_path: Path, part: str) -> None:
    data = with_strings(PLAIN, LAUGHS) if part == STRINGS else patch(PLAIN, SHEET, lambda _old: XXE)
    path = write(tmp_path / "laughs.xlsx", data)
    assert bounded(path) == [f"plan.xlsx: part {part}: {DOCTYPE}"]


def numbered(template: bytes, n: int) -> bytes:
    return b"".join(template % (i, i) for i in range(1, n + 1))


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"<sheetData>" + numbered(b'<row r="%d" spans="%d"/>', 100_001) + b"</sheetData>", "more than 100,000 rows"),
        (
            b'<sheetData><row r="1">' + numbered(b'<c r="A%d" s="%d"/>', 50_001) + b"</row></sheetData>",
            "row 1 holds more than 50,000 elements",
        ),
        (
            b"<mergeCells>" + numbered(b'<mergeCell ref="A%d:B%d"/>', 100_001) + b"</mergeCells>",
            "mergeCells holds more than 100,000 elements",
        ),
        (b"<sheetData/><x>" + b"<a>" * 40 + b"</a>" * 40 + b"</x>", "elements nested more than 40 deep"),
    ],
)
def test_sheets_larger_than_excel_writes_are_refused(tmp_path: Path, body: bytes, problem: str) -> None:
    path = write(tmp_path / "huge.xlsx", patch(PLAIN, SHEET, lambda _old: HEAD + body + b"</worksheet>"))
    assert bounded(path) == [f"plan.xlsx: part {SHEET}: {problem}; refused"]


def test_an_external_link_is_never_followed_and_its_saved_value_is_read(tmp_path: Path) -> None:
    """A formula reading another workbook ([1]Sheet1!A1) counts as the value saved with it; the link itself, to
    a file on someone else's disk, is not opened (openpyxl is told not to keep links)."""
    rows = table({**GOOD["village"], "工作.人数": "=[1]Sheet1!A1"})
    link = (
        b'<?xml version="1.0"?><externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" %s>'
        b'<externalBook r:id="rId1"><sheetNames><sheetName val="Sheet1"/></sheetNames></externalBook></externalLink>'
    ) % R
    link_rels = (
        b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + REL.replace(b'"/>', b'" TargetMode="External"/>')
        % (b"rId1", b"externalLinkPath", b"file:///C:/%E6%9C%BA%E5%AF%86/other.xlsx")
    )
    data = patch(book(rows), SHEET, lambda x: x.replace(b"<f>[1]Sheet1!A1</f><v></v>", b"<f>[1]Sheet1!A1</f><v>36</v>"))
    reference = b'</sheets><externalReferences><externalReference %s r:id="rId99"/></externalReferences>' % R
    data = patch(data, "xl/workbook.xml", lambda x: x.replace(b"</sheets>", reference))
    data = linked(data, b"rId99", b"externalLink", b"externalLinks/externalLink1.xml")
    data = add(
        data, {"xl/externalLinks/externalLink1.xml": link, "xl/externalLinks/_rels/externalLink1.xml.rels": link_rels}
    )
    path = write(tmp_path / "linked.xlsx", data)
    assert b"externalReference" in zipfile.ZipFile(path).read("xl/workbook.xml")
    (row,) = read_rows(path, "linked.xlsx")
    assert row.problems == [] and row.event is not None and row.event.facts["program.cadres"] == 36


# -- the bank workbook (issue 21) is read through the same guard ------------------------------------------------


def bank_book() -> bytes:
    texts = ["最后，祝同志们工作顺利！", "最后，祝大家身体健康！"]
    return book([["槽位", "文字"], *[["closing.wishes", t] for t in texts]], title="变体")


def test_banks_import_refuses_an_entity_bomb_through_the_same_guard(tmp_path: Path) -> None:
    from speechgen.errors import InputError
    from speechgen.review.bankbook import read_book

    with pytest.raises(InputError) as caught:
        read_book(patch(bank_book(), SHEET, lambda _old: XXE), "banks.xlsx")
    assert [str(p) for p in caught.value.problems] == [f"banks.xlsx: part {SHEET}: {DOCTYPE}"]


def test_banks_import_reads_every_row_and_column_when_the_declared_size_is_wrong() -> None:
    from speechgen.review.bankbook import read_book

    data = patch(bank_book(), SHEET, lambda x: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1"/>', x))
    rows = read_book(data, "banks.xlsx")["变体"].rows
    assert [row["text"] for _n, row in rows] == ["最后，祝同志们工作顺利！", "最后，祝大家身体健康！"]
