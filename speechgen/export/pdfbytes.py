"""LibreOffice's PDF made reproducible and its font names made true, without moving a byte.

LibreOffice stamps every PDF with the clock (/CreationDate) and a random /ID and /DocChecksum, and
offers no switch against it. Each is replaced here by a value of the same length (a shorter one padded
with spaces, which PDF reads as the white space between tokens), so every offset in the cross-reference
table stays valid: the date becomes the meeting's (or SOURCE_DATE_EPOCH's), the /ID and /DocChecksum a
hash of the rest of the file.

LibreOffice 7.4 also names a font cut from a Noto CJK collection (NotoSerifCJK-Regular.ttc) after the
CFF table its five regional faces share, which is the Japanese one's: the PDF says
NotoSerifCJKjp-Regular-VKana whichever face set the text. Where the conversion's fontconfig setup
matched exactly one face of that collection (the Simplified Chinese one, NotoSerifCJKsc-Regular), that
face's PostScript name is written instead, so that pdffonts and a printer's report name the face used.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re

_DATE = re.compile(rb"/(CreationDate|ModDate)\s*\((D:[^)]*)\)")
_HEX_KEYS = re.compile(rb"(/ID\s*\[\s*<)([0-9A-Fa-f]+)(>\s*<)([0-9A-Fa-f]+)(>)|(/DocChecksum\s*/)([0-9A-Fa-f]+)")
_NOTO = re.compile(rb"/([A-Z]{6}\+)?(Noto(?:Sans|Serif)CJK)jp-([A-Za-z]+)(-[A-Za-z]+)?(?=[\s/<>\[\]()])")


def pdf_time(meeting_date: str | None) -> dt.datetime:
    """SOURCE_DATE_EPOCH when set (the reproducible-builds convention), else the meeting date, else 2000-01-01."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc)
    try:
        d = dt.date.fromisoformat(meeting_date or "")
        return dt.datetime(d.year, d.month, d.day, tzinfo=dt.timezone.utc)
    except ValueError:
        return dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)


def reproducible(pdf: bytes, when: dt.datetime, faces: dict[str, str] | None = None) -> bytes:
    """The same PDF with fixed dates, a content-derived /ID and /DocChecksum, and true Noto CJK face names
    (faces: PostScript names of the faces the conversion matched); every length kept."""
    stamp = when.astimezone(dt.timezone.utc).strftime("D:%Y%m%d%H%M%S")

    def date(m: re.Match[bytes]) -> bytes:
        old = m.group(0)
        for zone in (b"+00'00'", b"Z", b""):
            new = b"/" + m.group(1) + b"(" + stamp.encode() + zone + b")"
            if len(new) <= len(old):
                return new + b" " * (len(old) - len(new))
        return old

    out = relabel(_DATE.sub(date, pdf), faces or {})
    blank = _HEX_KEYS.sub(lambda m: _fill(m, b"0" * 128), out)
    digest = hashlib.sha512(blank).hexdigest().upper().encode()  # 128 hex digits
    return _HEX_KEYS.sub(lambda m: _fill(m, digest), blank)


def _fill(m: re.Match[bytes], digest: bytes) -> bytes:
    """The /ID pair (both halves alike, as LibreOffice writes them) or /DocChecksum from digest, same lengths."""
    if m.group(1):
        n = len(m.group(2))
        return m.group(1) + digest[:n] + m.group(3) + digest[: len(m.group(4))] + m.group(5)
    return m.group(6) + digest[64 : 64 + len(m.group(7))]


def relabel(pdf: bytes, faces: dict[str, str]) -> bytes:
    """Rename NotoSerifCJKjp-Bold[-VKana] fonts to the one matched face of their collection (by family and
    weight), padded with spaces to the same length; fonts of a collection with no or several matched
    faces keep their names."""
    regions: dict[tuple[str, str], set[str]] = {}
    for ps in faces.values():
        m = re.fullmatch(r"(Noto(?:Sans|Serif)CJK)([a-z]{2})-([A-Za-z]+)", ps or "")
        if m:
            regions.setdefault((m.group(1), m.group(3)), set()).add(m.group(2))

    def name(m: re.Match[bytes]) -> bytes:
        family, weight = m.group(2).decode(), m.group(3).decode()
        found = sorted(regions.get((family, weight), ()))
        if len(found) != 1:
            return m.group(0)
        new = b"/" + (m.group(1) or b"") + f"{family}{found[0]}-{weight}".encode()
        return new + b" " * (len(m.group(0)) - len(new))

    return _NOTO.sub(name, pdf)
