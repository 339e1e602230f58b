"""The lean .docx writer: a draft's paragraphs written as WordprocessingML text over a pre-built base.

The base (every part of the styled, empty package, the body's skeleton, the paragraph openings of each
style and the core properties with their fields marked) is built once with python-docx
(``pydocx.build_base``) and kept between runs (``basecache``). A draft then costs string joins, one
deflate of document.xml and core.xml, and the zip records: no python-docx, no lxml, no zipfile.

The bytes are those of the python-docx path (``pydocx.with_python_docx``): the text is escaped as
libxml2 escapes it, the zip records are laid out as Python's zipfile lays them out, and every base is
checked against that path once, on a sample draft, before it is used or kept.
"""

from __future__ import annotations

import binascii
import datetime as dt
import re
import struct
import sys
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..draft import Draft, Sentence
from .titlebreak import strip_marks, title_lines

if TYPE_CHECKING:
    from .layout import Layout

CORE_MAX = 255  # the package format allows 255 characters in a core property
KINDS = ("title", "speaker", "date", "salutation", "body", "heading1", "heading2")
# Characters Word sets in the Latin font unless the run says w:hint="eastAsia" (ECMA-376 17.3.2.26):
# quotes, dashes, the ellipsis and the middle dot, which Chinese text sets full width in the Chinese face.
AMBIGUOUS = frozenset("\u00b7\u2013\u2014\u2015\u2018\u2019\u201c\u201d\u2025\u2026\u2e3a")
_AMBIGUOUS = re.compile(f"[{''.join(sorted(AMBIGUOUS))}]")  # a search in C: no str object per character
# The core properties a draft fills in, marked in the base's core.xml (private-use characters).
FIELDS = {"title": "\ue020T\ue020", "author": "\ue020A\ue020", "subject": "\ue020S\ue020", "when": "\ue020W\ue020"}
_FIELD = re.compile("\ue020[TASW]\ue020")

_PIECES = re.compile(r"[\t\r\n]|[^\t\r\n]+")
# Text lxml refuses (control characters, surrogates, U+FFFE/U+FFFF): left to the python-docx path, which
# fails on it as it always has.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_HINT = '<w:rPr><w:rFonts w:hint="eastAsia"/></w:rPr>'


def needs_hint(text: str) -> bool:
    return _AMBIGUOUS.search(text) is not None


def escape_text(text: str) -> str:
    """Text content as libxml2 writes it (str.replace: far quicker than translate on Chinese text)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    return text


def run_texts(kind: str, sentences: list[Sentence], layout: Layout) -> list[str]:
    """The text of each run of one printed line. The title is one run whose lines are joined by line
    breaks (w:br): one paragraph, centred line by line alike in Word, WPS and LibreOffice, whose space
    after falls under its last line only."""
    if kind == "title":
        title = "".join(s.shown for s in sentences)
        return ["\n".join(title_lines(title, layout.title_chars, layout.title_breaks))]
    return [s.shown for s in sentences]


def meeting_time(draft: Draft) -> dt.datetime:
    """The document's times: the meeting's date at midnight UTC (2000-01-01 without one)."""
    date = draft.info.date
    if date:
        try:
            d = dt.date.fromisoformat(date)
            return dt.datetime(d.year, d.month, d.day, tzinfo=dt.timezone.utc)
        except ValueError:
            pass
    return dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)


def core_texts(draft: Draft) -> dict[str, str]:
    """The core properties that change with the draft (the others are the same for every draft)."""
    return {
        "title": strip_marks(draft.title)[:CORE_MAX],
        "author": draft.info.author[:CORE_MAX],
        "subject": strip_marks(draft.info.meeting)[:CORE_MAX],
    }


def w3cdtf(when: dt.datetime) -> str:
    return when.replace(tzinfo=None).strftime("%Y-%m-%dT%H:%M:%SZ")  # as python-docx writes core dates


def escape_attribute(value: str) -> str:
    """An attribute value as libxml2 writes it."""
    return escape_text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def paragraph_opening(style_id: str | None) -> str:
    """What python-docx writes for add_paragraph(style=…) before the runs (an empty w:pPr for the default)."""
    if style_id is None:
        return "<w:p><w:pPr/>"
    return f'<w:p><w:pPr><w:pStyle w:val="{escape_attribute(style_id)}"/></w:pPr>'


def run_xml(text: str) -> str:
    """A w:r as python-docx's add_run(text) writes it: w:tab and w:br for tabs and line breaks,
    xml:space="preserve" where a text begins or ends with a space, the East Asian hint for quotes."""
    inner = [_HINT] if needs_hint(text) else []
    for piece in _PIECES.findall(text):
        if piece == "\t":
            inner.append("<w:tab/>")
        elif piece in ("\r", "\n"):
            inner.append("<w:br/>")
        elif len(piece.strip()) < len(piece):
            inner.append(f'<w:t xml:space="preserve">{escape_text(piece)}</w:t>')
        else:
            inner.append(f"<w:t>{escape_text(piece)}</w:t>")
    return f"<w:r>{''.join(inner)}</w:r>" if inner else "<w:r/>"


# -- zip records, as zipfile.ZipFile.writestr lays them out (ZIP_DEFLATED, dated 2000-01-01) ----------------

_LOCAL = struct.Struct("<4s2B4HL2L2H")  # APPNOTE 4.3.7
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")  # APPNOTE 4.3.12
_END = struct.Struct("<4s4H2LH")  # APPNOTE 4.3.16
_OFFSET_AT = 42  # where a central record holds its entry's offset
_DOS_DATE = (2000 - 1980) << 9 | 1 << 5 | 1  # 2000-01-01 00:00:00, ooxml.FIXED_TIME
_DOS_TIME = 0
_VERSION = 20  # zipfile's DEFAULT_VERSION
_DEFLATED = 8
_SYSTEM = 0 if sys.platform == "win32" else 3  # zipfile's ZipInfo.create_system
_ATTRIBUTES = 0o600 << 16


def zip_records(name: str, blob: bytes) -> tuple[bytes, bytes]:
    """(local header and data, central directory record for offset 0) of one deflated entry."""
    deflate = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    data = deflate.compress(blob) + deflate.flush()
    crc = zlib.crc32(blob)
    try:
        encoded, flags = name.encode("ascii"), 0
    except UnicodeEncodeError:
        encoded, flags = name.encode("utf-8"), 0x800
    sizes = (crc, len(data), len(blob), len(encoded))
    local = _LOCAL.pack(b"PK\x03\x04", _VERSION, 0, flags, _DEFLATED, _DOS_TIME, _DOS_DATE, *sizes, 0)
    central = _CENTRAL.pack(
        b"PK\x01\x02", _VERSION, _SYSTEM, _VERSION, 0, flags, _DEFLATED, _DOS_TIME, _DOS_DATE, *sizes, 0, 0, 0, 0,
        _ATTRIBUTES, 0,
    )  # fmt: skip
    return local + encoded + data, central + encoded


def zip_package(records: Iterable[tuple[bytes, bytes]]) -> bytes:
    """The package of these entries in order: local records, central directory, end record."""
    local, central, offset = [], [], 0
    for head, record in records:
        central.append(record[:_OFFSET_AT] + offset.to_bytes(4, "little") + record[_OFFSET_AT + 4 :])
        local.append(head)
        offset += len(head)
    directory = b"".join(central)
    end = _END.pack(b"PK\x05\x06", 0, 0, len(central), len(central), len(directory), offset, 0)
    return b"".join(local) + directory + end


# -- the base ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Base:
    """The styled, empty package of one layout, as text and zip records, and the writer over it."""

    document: str  # the part names of the main document and of the core properties
    core: str
    head: str  # document.xml before the paragraphs and after them
    tail: str
    openings: Mapping[str, str]  # kind of line → "<w:p><w:pPr>…</w:pPr>"
    core_xml: str  # core.xml with FIELDS standing for what a draft fills in
    entries: tuple[tuple[str, tuple[bytes, bytes] | None], ...]  # every part in order; None: written per draft

    def render(self, draft: Draft, layout: Layout) -> bytes | None:
        """The .docx of a draft; None when its text holds characters XML cannot (the python-docx path
        reports them)."""
        lines = [(self.openings[kind], run_texts(kind, sentences, layout)) for kind, sentences in draft.printed()]
        fields = core_texts(draft)
        if any(_UNSAFE.search(t) for _, texts in lines for t in texts) or any(map(_UNSAFE.search, fields.values())):
            return None
        body = "".join(opening + "".join(map(run_xml, texts)) + "</w:p>" for opening, texts in lines)
        fields["when"] = w3cdtf(meeting_time(draft))
        values = {FIELDS[name]: escape_text(value) for name, value in fields.items()}
        core = _FIELD.sub(lambda m: values[m.group()], self.core_xml)  # one pass: a value is never read again
        fresh = {self.document: (self.head + body + self.tail).encode("utf-8"), self.core: core.encode("utf-8")}
        return zip_package(kept or zip_records(name, fresh[name]) for name, kept in self.entries)

    def to_json(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "core": self.core,
            "head": self.head,
            "tail": self.tail,
            "openings": dict(self.openings),
            "core_xml": self.core_xml,
            "entries": [
                [name, None] if kept is None else [name, [binascii.b2a_base64(r, newline=False).decode() for r in kept]]
                for name, kept in self.entries
            ],
        }

    @classmethod
    def from_json(cls, data: Any) -> Base:
        """The base a cache entry holds; ValueError on anything unexpected (the caller builds afresh)."""
        if not isinstance(data, dict):
            raise ValueError("not a mapping")
        text = {k: data.get(k) for k in ("document", "core", "head", "tail", "core_xml")}
        openings, entries = data.get("openings"), data.get("entries")
        if not all(isinstance(v, str) for v in text.values()) or not isinstance(entries, list):
            raise ValueError("a field is missing")
        if not isinstance(openings, dict) or set(openings) != set(KINDS):
            raise ValueError("not every kind of line has its style")
        if not all(isinstance(v, str) and v.startswith("<w:p><w:pPr") for v in openings.values()):
            raise ValueError("a paragraph opening is not one")
        if any(text["core_xml"].count(mark) < 1 for mark in FIELDS.values()):
            raise ValueError("core.xml lacks a field")
        out: list[tuple[str, tuple[bytes, bytes] | None]] = []
        for entry in entries:
            if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str)):
                raise ValueError("an entry is malformed")
            name, kept = entry
            if kept is None:
                out.append((name, None))
                continue
            local, central = (binascii.a2b_base64(r) for r in kept)
            if not (local.startswith(b"PK\x03\x04") and central.startswith(b"PK\x01\x02")):
                raise ValueError("an entry is not a zip record")
            out.append((name, (local, central)))
        if sorted(name for name, kept in out if kept is None) != sorted((text["document"], text["core"])):
            raise ValueError("the parts written per draft are not the document and the core properties")
        return cls(text["document"], text["core"], text["head"], text["tail"], openings, text["core_xml"], tuple(out))
