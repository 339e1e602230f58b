"""Turn a rendered template (text with structure marks) into a Draft, and trim it.

The composer's functions print private-use marks; event values can never
contain them (they are stripped on load), so no event text can open a section
or end a paragraph.
"""

from __future__ import annotations

import re

from speechgen.compose.sentence import to_sentence
from speechgen.draft import Draft, Paragraph, Point, Section, Sentence, han_count

SENT, SECTION, POINT, END = "\ue001", "\ue003", "\ue004", "\ue002"
BREAK, CLOSING = "\ue005", "\ue006"
_TOKEN = re.compile(f"([{SENT}{SECTION}{POINT}])(\\d+)(?:\\|(\\w+))?{END}|({BREAK})|({CLOSING})|(\\n[ \\t]*\\n)")


def build(rendered: str, registry: list[Sentence], heads: dict[str, str], source: str) -> Draft:
    draft = Draft(
        title=heads.get("title", ""),
        speaker_line=heads.get("speaker", ""),
        date_line=heads.get("date", ""),
        salutation=heads.get("salutation", ""),
    )
    builder = _Builder(draft)
    pos = 0
    for m in _TOKEN.finditer(rendered):
        builder.literal(rendered[pos : m.start()], source)
        pos = m.end()
        mark, index, key, brk, closing, blank = m.groups()
        if mark == SENT:
            builder.sentence(registry[int(index)])
        elif mark == SECTION:
            builder.section(registry[int(index)], key or "")
        elif mark == POINT:
            builder.point(registry[int(index)])
        elif closing:
            builder.closing()
        elif brk or blank:
            builder.end_paragraph()
    builder.literal(rendered[pos:], source)
    builder.end_paragraph()
    return draft


class _Builder:
    def __init__(self, draft: Draft) -> None:
        self.draft = draft
        self.target: list[Paragraph] = draft.opening
        self.current: Paragraph | None = None
        self.in_closing = False

    def literal(self, text: str, source: str) -> None:
        if text.strip():
            for chunk in re.split(r"\n[ \t]*\n", text):
                if chunk.strip():
                    self.sentence(to_sentence(chunk.strip(), "", source))

    def sentence(self, s: Sentence) -> None:
        if self.current is None:
            self.current = Paragraph()
            self.target.append(self.current)
        self.current.sentences.append(s)

    def end_paragraph(self) -> None:
        self.current = None

    def section(self, heading: Sentence, key: str) -> None:
        self.end_paragraph()
        section = Section(heading, key=key)
        self.draft.sections.append(section)
        self.target = section.blocks  # type: ignore[assignment]

    def point(self, heading: Sentence) -> None:
        self.end_paragraph()
        if not self.draft.sections or self.in_closing:
            return
        point = Point(heading)
        self.draft.sections[-1].blocks.append(point)
        self.target = point.paragraphs

    def closing(self) -> None:
        self.end_paragraph()
        self.in_closing = True
        self.target = self.draft.closing


def length_range(draft: Draft) -> tuple[int, int]:
    """(Han characters with every optional sentence dropped, with all kept)."""
    full = draft.han_count()
    optional = sum(han_count(s.shown) for s in draft.sentences() if s.optional)
    return full - optional, full


def trim(draft: Draft, target: int) -> None:
    """Drop optional sentences, longest paragraph first, while that brings the length nearer the target."""
    count = draft.han_count()
    paragraphs = list(draft.paragraphs())
    while count > target:
        ranked = sorted(paragraphs, key=lambda p: han_count(p.text), reverse=True)
        for para in ranked:
            victim = next((s for s in reversed(para.sentences) if s.optional), None)
            if victim is None:
                continue
            size = han_count(victim.shown)
            if abs(count - size - target) < abs(count - target):
                para.sentences.remove(victim)
                count -= size
                break
        else:
            return


MAX_PARAGRAPH = 400


def split_long(draft: Draft, limit: int = MAX_PARAGRAPH) -> None:
    """A paragraph over `limit` Han characters is cut in two at the sentence boundary nearest its middle."""
    containers: list[list] = [draft.opening, draft.closing]
    for section in draft.sections:
        containers.append(section.blocks)
        containers.extend(b.paragraphs for b in section.blocks if isinstance(b, Point))
    for blocks in containers:
        i = 0
        while i < len(blocks):
            p = blocks[i]
            if isinstance(p, Paragraph) and len(p.sentences) > 1 and han_count(p.text) > limit:
                sizes = [han_count(s.shown) for s in p.sentences]
                half, run, cut = sum(sizes) / 2, 0, 1
                for k, size in enumerate(sizes[:-1], 1):
                    run += size
                    if abs(run - half) < abs(sum(sizes[:cut]) - half):
                        cut = k
                blocks[i : i + 1] = [Paragraph(p.sentences[:cut]), Paragraph(p.sentences[cut:])]
                continue  # look at the first half again: it may still be long
            i += 1
