"""A workbook from outside is checked before openpyxl opens it: bounded in size, time and memory.

An .xlsx is a zip of XML parts. Before any part is parsed, the zip's own directory is read: how many
parts, how large each declares itself, how far each expands. Python's zip reader never inflates a part
beyond the size it declares (a part that lies fails its checksum), so these figures bound the work.
Then every XML part is read once with expat, streaming: a document type declaration (where entity bombs
and external entities live) is refused, and so are nesting deeper than a workbook ever needs and, in a
worksheet, rows or other elements larger than Excel itself can write. Only then does openpyxl read the
workbook (through defusedxml, which it uses when installed, as a second guard).
"""

from __future__ import annotations

import io
import zipfile
from xml.parsers import expat

from speechgen.errors import InputError, Problem
from speechgen.i18n import _

MAX_FILE_BYTES = 50_000_000  # the .xlsx file itself
MAX_PARTS = 5_000
MAX_UNPACKED = 120_000_000  # all parts together, as declared
MAX_PART = 64_000_000  # one worksheet
MAX_STRINGS_PART = 16_000_000  # the shared strings (openpyxl holds them all)
MAX_OTHER_PART = 8_000_000  # any other part
MAX_RATIO = 100  # a part over RATIO_FROM bytes expanding more than this is a zip bomb
RATIO_FROM = 2_000_000
MAX_DEPTH = 40
MAX_SHEET_ROWS = 100_000  # <row> elements, data or not
MAX_ROW_ELEMENTS = 50_000  # elements inside one row (Excel writes at most 16,384 cells)
MAX_BLOCK_ELEMENTS = 100_000  # elements inside one other part of a worksheet (merged cells, formats …)
MAX_ELEMENTS = 2_000_000  # elements of any other part
CHUNK = 1 << 16

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .et, and an .xlsx protected with a password
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


class Refused(Exception):
    """A part breaks a bound; the message says which."""


def check_workbook(data: bytes, name: str) -> None:
    """Refuse, with a message, a workbook that is not an .xlsx or that would cost too much to read."""
    try:
        _check(data)
    except Refused as exc:
        raise InputError([Problem(name, str(exc))]) from None


def _check(data: bytes) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise Refused(
            _("the workbook is {size:,} bytes; the limit is {limit:,} bytes").format(
                size=len(data), limit=MAX_FILE_BYTES
            )
        )
    if data.startswith(OLE_MAGIC):
        raise Refused(
            _(
                "this is an old-style workbook (.xls or WPS .et) or one protected with a password; "
                "open it in Excel or WPS and save it as .xlsx (Excel workbook) without a password"
            )
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise Refused(_("this is not an .xlsx workbook; open it in Excel or WPS and save it as .xlsx")) from None
    with archive:
        infos = archive.infolist()
        _check_directory(archive, infos)
        for info in infos:
            if info.filename.lower().endswith((".xml", ".rels")):
                _scan_part(archive, info)


def _check_directory(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    if any(i.filename == "mimetype" for i in infos) and archive.read("mimetype")[:100].strip() == ODS_MIMETYPE:
        raise Refused(_("this is an OpenDocument spreadsheet (.ods); save it as .xlsx (Excel workbook)"))
    if len(infos) > MAX_PARTS:
        raise Refused(_("the workbook has {n:,} parts; the limit is {limit:,}").format(n=len(infos), limit=MAX_PARTS))
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise Refused(_("the workbook is encrypted; save it as .xlsx without a password"))
        total += info.file_size
        limit = _part_limit(info.filename)
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FROM and ratio > MAX_RATIO:
            raise Refused(
                _("part {part} expands {ratio:,.0f} times (to {size:,} bytes): a zip bomb; refused").format(
                    part=info.filename, ratio=ratio, size=info.file_size
                )
            )
        if info.file_size > limit:
            raise Refused(
                _("part {part} expands to {size:,} bytes; the limit is {limit:,}; refused").format(
                    part=info.filename, size=info.file_size, limit=limit
                )
            )
    if total > MAX_UNPACKED:
        raise Refused(
            _("the workbook expands to {size:,} bytes; the limit is {limit:,}; refused").format(
                size=total, limit=MAX_UNPACKED
            )
        )


def _part_limit(part: str) -> int:
    lower = part.lower()
    if lower.endswith(".xml") and "worksheets/" in lower:
        return MAX_PART
    if lower.endswith("sharedstrings.xml"):
        return MAX_STRINGS_PART
    if lower.endswith((".xml", ".rels")):
        return MAX_OTHER_PART
    return MAX_PART  # pictures and other payloads openpyxl does not read when reading values


class _Scan:
    """Counts for one XML part, fed by expat's callbacks; raises Refused at the first bound broken."""

    def __init__(self, part: str) -> None:
        self.part = part
        self.depth = 0
        self.elements = 0
        self.worksheet = False
        self.block = ""  # the worksheet's child being read (sheetData, mergeCells …)
        self.block_elements = 0
        self.rows = 0
        self.row_elements = 0
        self.in_rows = False  # inside the worksheet's sheetData

    def refuse(self, message: str) -> None:
        raise Refused(_("part {part}: {problem}; refused").format(part=self.part, problem=message))

    def doctype(self, *args: object) -> None:
        self.refuse(_("it declares a document type (entities: an XML bomb or an external reference)"))

    def start(self, tag: str, attrs: object) -> None:
        self.depth = depth = self.depth + 1
        if depth > 3 and self.in_rows:  # a cell, its value, its text: most of a worksheet, so counted quickly
            self.row_elements += 1
            if self.row_elements > MAX_ROW_ELEMENTS or depth > MAX_DEPTH:
                self.too_large(depth)
            return
        self.elements += 1
        local = tag.rsplit(":", 1)[-1]
        if depth > MAX_DEPTH:
            self.too_large(depth)
        if depth == 1:
            self.worksheet = local == "worksheet"
        elif not self.worksheet:
            if self.elements > MAX_ELEMENTS:
                self.refuse(_("more than {n:,} elements").format(n=MAX_ELEMENTS))
        elif depth == 2:
            self.block, self.block_elements = local, 0
            self.in_rows = local == "sheetData"
        elif self.in_rows:  # depth 3: a row
            self.rows += 1
            self.row_elements = 0
            if self.rows > MAX_SHEET_ROWS:
                self.refuse(_("more than {n:,} rows").format(n=MAX_SHEET_ROWS))
        else:
            self.block_elements += 1
            if self.block_elements > MAX_BLOCK_ELEMENTS:
                self.refuse(_("{block} holds more than {n:,} elements").format(block=self.block, n=MAX_BLOCK_ELEMENTS))

    def too_large(self, depth: int) -> None:
        if depth > MAX_DEPTH:
            self.refuse(_("elements nested more than {n} deep").format(n=MAX_DEPTH))
        self.refuse(_("row {n:,} holds more than {limit:,} elements").format(n=self.rows, limit=MAX_ROW_ELEMENTS))

    def end(self, tag: str) -> None:
        self.depth -= 1
        if self.depth == 1:
            self.in_rows = False


def _scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    scan = _Scan(info.filename)
    parser = expat.ParserCreate()
    parser.ordered_attributes = True  # a list is cheaper to build than a dict, and none is read
    parser.StartDoctypeDeclHandler = scan.doctype
    parser.EntityDeclHandler = scan.doctype
    parser.StartElementHandler = scan.start
    parser.EndElementHandler = scan.end
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise Refused(
            _(
                "part {part} is damaged (not well-formed XML: {error}); "
                "open the workbook in Excel or WPS and save it again"
            ).format(part=info.filename, error=expat.ErrorString(exc.code))
        ) from None
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise Refused(
            _("part {part} is damaged ({error}); open the workbook in Excel or WPS and save it again").format(
                part=info.filename, error=exc
            )
        ) from None
