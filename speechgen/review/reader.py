"""Read a draft back from .docx, .md or .txt as printed lines (kind, text), for `speechgen check`."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

from speechgen.draft import HEADING1, HEADING2
from speechgen.errors import InputError, Problem
from speechgen.event.files import checked_zip, read_limited, regular_file
from speechgen.event.yamlsafe import decode
from speechgen.i18n import _

MAX_DRAFT_TEXT = 5_000_000


def read_draft(path: Path) -> list[tuple[str, str]]:
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return _docx(path)
    if suffix in (".md", ".txt", ".markdown"):
        raw = read_limited(path, MAX_DRAFT_TEXT, str(path))  # a FIFO or a device is refused unread
        return _text(decode(raw, str(path)), markdown=suffix != ".txt")
    regular_file(path)
    raise InputError([Problem(str(path), _("cannot check this kind of file; give a .docx, .md or .txt draft"))])


def _docx(path: Path) -> list[tuple[str, str]]:
    from docx import Document

    data = checked_zip(path, str(path), _("a readable .docx file"))  # a zip bomb is refused before it unpacks
    try:
        doc = Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several types for a bad package
        raise InputError([Problem(str(path), _("not a readable .docx file: {exc}").format(exc=exc))]) from None
    lines: list[tuple[str, str]] = []
    for i, p in enumerate(doc.paragraphs):
        text = p.text.strip()
        if not text:
            continue
        style = (p.style.name if p.style is not None else "") or ""
        lines.append((_kind(text, style, len(lines)), text))
        del i
    return lines


def _text(text: str, markdown: bool) -> list[tuple[str, str]]:
    lines: list[tuple[str, str]] = []
    for block in re.split(r"\n\s*\n", text):
        block = block.strip()
        if not block or block == "---":
            continue
        if markdown and block.startswith("## 出处"):
            break
        if block.startswith("—— 出处"):
            break
        style = ""
        if markdown:
            m = re.match(r"^(#{1,4})\s+(.*)$", block, re.S)
            if m:
                style = {1: "Title", 2: "Heading 1", 3: "Heading 2"}.get(len(m.group(1)), "Heading 3")
                block = m.group(2).strip()
            block = html.unescape(re.sub(r"<[^>]+>", "", block)).strip()  # the writer escapes &, < and >
        lines.append((_kind(block, style, len(lines)), " ".join(block.split())))
    return lines


def _kind(text: str, style: str, index: int) -> str:
    if style == "Title" or (index == 0 and text.startswith("在") and text.endswith("讲话")):
        return "title"
    if style.startswith("Heading 1") or HEADING1.match(text):
        return "heading1"
    if style.startswith("Heading 2") or HEADING2.match(text):
        return "heading2"
    if re.fullmatch(r"[（(]\d{4}年\d{1,2}月\d{1,2}日[）)]", text):
        return "date"
    if style == "Date Line":
        return "date"
    if style == "Speaker Line":
        return "speaker"
    return "body"
