"""The draft checker: what a careful reviewer looks for. Reads, reports, never changes.

Works on printed lines, (kind, text) pairs, so a generated Draft and a draft a
person has edited (.docx/.md/.txt, see ``reader``) are checked alike.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from speechgen.compose.setting import load_lexicon
from speechgen.draft import HEADING1, HEADING2, Draft, han_count, han_runs
from speechgen.event.model import Event
from speechgen.event.numerals import parse_int
from speechgen.i18n import N_, _
from speechgen.review import coherence, usage
from speechgen.review.banklint import claim_phrases
from speechgen.review.formulations import Formulation, load_formulations

SEVERITIES = ("error", "warning", "info")
_SENT_END = re.compile(r"(?<=[。！？!?])")
_PLACEHOLDERS = [
    (re.compile(r"(?<![A-Za-z])[xX]{2,}(?![A-Za-z])"), N_("placeholder xx left in the text")),
    (re.compile(r"\*+"), N_("placeholder * left in the text")),
    (re.compile(r"某某"), N_("placeholder 某某 left in the text")),
    (re.compile(r"\{\{|\}\}|\{%|%\}"), N_("template code left in the text")),
    (re.compile(r"【待补充[^】]*】"), N_("a 【待补充】 marker is still to be filled in")),
    (re.compile(r"(?<![A-Za-z])None(?![A-Za-z])"), N_("the word None stands where a fact was expected")),
]
_ANNOUNCE = re.compile(r"讲([一二三四五六七八九十两\d]+)(?:点|个方面|条)")
_LEVELS = {"县": "县", "市": "市", "区": "区", "省": "省", "乡": "乡", "镇": "镇"}
_JUR = re.compile(r"(?:我|全)([省市县区乡镇])")
_ITEM = re.compile(r"(?:^|[。；！？：，;!?:,])\s*([一二三四五六七八九十]+)是")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Finding:
    severity: str
    code: str
    message: str
    paragraph: int  # 1-based index among the printed lines
    excerpt: str

    def __str__(self) -> str:
        return f"{_(self.severity)}: ¶{self.paragraph}: {self.message}: 「{self.excerpt}」"

    def to_dict(self) -> dict[str, object]:
        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "paragraph": self.paragraph,
            "excerpt": self.excerpt,
        }


SEVERITIES = (N_("error"), N_("warning"), N_("info"))  # the words of a Finding's text, for the catalogue


def check_draft(
    draft: Draft, event: Event | None = None, formulations: Sequence[Formulation] | None = None
) -> list[Finding]:
    return check_lines(list(draft.lines()), event, formulations, draft=draft)


def check_lines(
    lines: list[tuple[str, str]],
    event: Event | None = None,
    formulations: Sequence[Formulation] | None = None,
    today: dt.date | None = None,
    draft: Draft | None = None,
) -> list[Finding]:
    """Every finding for a draft given as (kind, text) lines; kinds: title, speaker, date, heading1, heading2, body…"""
    folded = [(k, fold(t)) for k, t in lines]
    facts = _fact_texts(event)
    when = event.date if event else (today or dt.date.today())
    found: list[Finding] = []
    found += _placeholders(folded)
    found += _repeats(folded, facts)
    found += _announced(folded)
    found += _numbering(folded)
    found += _jurisdiction(folded, facts, lenient=event is None)
    found += _dated(folded, formulations if formulations is not None else load_formulations(), when)
    if event is not None:
        found += _numbers(folded, event, facts)
        found += _unmentioned(folded, event)
    found += _coherence(lines, event, draft, facts)
    found = _capped(found)
    unfolded: dict[int, str] = {}  # each paragraph folded once, however many findings it has
    found = [_unfold(f, lines, unfolded) for f in found]
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(found, key=lambda f: (order[f.severity], f.paragraph))


MAX_ALIKE = 20  # findings of one kind in one paragraph; past that, one line says how many more


def _capped(found: list[Finding]) -> list[Finding]:
    """A paragraph of 100,000 「某某。」 is one problem said 20 times and counted, not 100,000 lines."""
    seen: dict[tuple[int, str, str], int] = {}
    kept: list[Finding] = []
    for f in found:
        k = (f.paragraph, f.code, f.message)
        seen[k] = seen.get(k, 0) + 1
        if seen[k] <= MAX_ALIKE:
            kept.append(f)
    for (paragraph, code, message), n in seen.items():
        if n > MAX_ALIKE:
            first = next(f for f in kept if (f.paragraph, f.code, f.message) == (paragraph, code, message))
            more = f"{message} ({n - MAX_ALIKE:,} more times in this paragraph)"
            kept.append(Finding(first.severity, code, more, paragraph, first.excerpt))
    return kept


_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def fold(text: str) -> str:
    """Full-width ASCII forms to ASCII (，→, ！→!), one character for one, so positions still match."""
    return text.translate(_FOLD)


def _coherence(
    lines: list[tuple[str, str]], event: Event | None, draft: Draft | None, facts: Sequence[str]
) -> list[Finding]:
    """One point a paragraph, headings that keep their promise, usage and rhythm (review/coherence.py,
    review/usage.py). A generated draft is checked by the topics its sentences know."""
    lex = load_lexicon()
    hits = list(coherence.heading_promises(lines, lex.concepts))
    hits += usage.usage(lines, facts)
    hits += usage.parallels(lines)
    if draft is None:
        hits += coherence.topic_shifts(lines, lex.concepts)
        hits += coherence.section_overlaps(lines, lex.concepts)
    if event is not None:
        hits += coherence.contradicted_praise(lines, event, lex.claims)
        hits += usage.unsupported_claims(lines, event, claim_phrases())
    out = [Finding(h.severity, h.code, h.message, h.index + 1, h.excerpt) for h in hits]
    if draft is not None:
        out += [Finding(sev, code, message, 1, excerpt) for sev, code, message, excerpt in coherence.structural(draft)]
    return out


def _unfold(f: Finding, lines: list[tuple[str, str]], cache: dict[int, str] | None = None) -> Finding:
    """Show the excerpt as the draft has it (full-width punctuation), not as it was matched."""
    if not 1 <= f.paragraph <= len(lines):
        return f
    original = lines[f.paragraph - 1][1]
    cache = {} if cache is None else cache
    if f.paragraph not in cache:
        cache[f.paragraph] = fold(original)
    folded = cache[f.paragraph]
    core = f.excerpt.strip("…")
    at = folded.find(core)
    if at < 0 or not core:
        return f
    excerpt = f.excerpt.replace(core, original[at : at + len(core)])
    return Finding(f.severity, f.code, f.message, f.paragraph, excerpt)


def _excerpt(text: str, start: int = 0, width: int = 24) -> str:
    lo = max(0, start - 6)
    piece = text[lo : lo + width]
    return ("…" if lo else "") + piece + ("…" if lo + width < len(text) else "")


def _placeholders(lines: list[tuple[str, str]]) -> Iterable[Finding]:
    for i, (_kind, text) in enumerate(lines, 1):
        for pattern, message in _PLACEHOLDERS:
            for m in pattern.finditer(text):
                yield Finding("error", "placeholder", _(message), i, _excerpt(text, m.start()))


def _mask(text: str, facts: Sequence[str]) -> str:
    for fact in facts:
        if len(fact) >= 2:
            text = text.replace(fact, "|")
    return text


def _repeats(lines: list[tuple[str, str]], facts: Sequence[str]) -> Iterable[Finding]:
    seen: dict[str, int] = {}
    grams: dict[str, int] = {}
    for i, (kind, text) in enumerate(lines, 1):
        if kind in ("title", "speaker", "date"):
            continue
        for sentence in _SENT_END.split(text):
            s = sentence.strip()
            if han_count(s) < 6:
                continue
            if s in seen:
                yield Finding(
                    "error",
                    "repeated-sentence",
                    _("sentence repeated (first in ¶{seen})").format(seen=seen[s]),
                    i,
                    _excerpt(s),
                )
                continue
            seen[s] = i
        for g in han_runs(_mask(text, facts), 8):
            if g in grams:
                yield Finding(
                    "warning", "repeated-phrase", _("phrase also used in ¶{grams}").format(grams=grams[g]), i, g
                )
                break
            grams[g] = i


def _announced(lines: list[tuple[str, str]]) -> Iterable[Finding]:
    sections = sum(1 for k, t in lines if k == "heading1" or (k != "title" and HEADING1.match(t)))
    for i, (kind, text) in enumerate(lines, 1):
        if kind in ("heading1", "heading2", "title"):
            continue
        m = _ANNOUNCE.search(text)
        if m:
            said = parse_int(m.group(1))
            if said is not None and said != sections:
                yield Finding(
                    "error",
                    "announced-count",
                    _("announces {said} points but {sections} level-1 sections follow").format(
                        said=said, sections=sections
                    ),
                    i,
                    _excerpt(text, m.start()),
                )
            return


def _numbering(lines: list[tuple[str, str]]) -> Iterable[Finding]:
    h1 = [(i, parse_int(m.group(1))) for i, (_kind, t) in enumerate(lines, 1) if (m := HEADING1.match(t))]
    yield from _sequence(h1, lines, "heading numbers")
    block: list[tuple[int, int | None]] = []
    for i, (_kind, text) in enumerate(lines, 1):
        if HEADING1.match(text):
            yield from _sequence(block, lines, "（一）（二） numbers")
            block = []
        elif m := HEADING2.match(text):
            block.append((i, parse_int(m.group(1))))
    yield from _sequence(block, lines, "（一）（二） numbers")
    expected = 1  # 一是/二是 run on across the paragraphs of one section or point
    for i, (kind, text) in enumerate(lines, 1):
        if kind in ("heading1", "heading2") or HEADING1.match(text) or HEADING2.match(text):
            expected = 1
            continue
        for m in _ITEM.finditer(text):
            n = parse_int(m.group(1))
            if n == 1:
                expected = 1
            if n != expected:
                yield Finding(
                    "error",
                    "numbering",
                    _("一是/二是 sequence goes from {value} to {n}").format(value=expected - 1, n=n),
                    i,
                    _excerpt(text, m.start()),
                )
                expected = (n or 0) + 1
                continue
            expected += 1


def _sequence(numbers: list[tuple[int, int | None]], lines: list[tuple[str, str]], what: str) -> Iterable[Finding]:
    for k, (i, n) in enumerate(numbers, 1):
        if n != k:
            yield Finding(
                "error",
                "numbering",
                _("{what} skip or repeat: expected {k}, found {n}").format(what=what, k=k, n=n),
                i,
                _excerpt(lines[i - 1][1]),
            )
            return


def _jurisdiction(lines: list[tuple[str, str]], facts: Sequence[str], lenient: bool = False) -> Iterable[Finding]:
    """我省 and 我县 in one speech, or 全县 and 全区: the speech forgets whose it is. Words the event gives
    (its context, quoted as written) are masked. Without the event (``lenient``), a mention of a higher
    level with 全 (全省 in a county's speech: 贯彻落实全省……会议精神) is taken as the user's own reference."""
    first: dict[str, int] = {}
    owned: list[str] = []
    for i, (kind, text) in enumerate(lines, 1):
        if kind in ("title", "speaker", "date"):
            continue
        for m in _JUR.finditer(_mask(text, facts)):
            first.setdefault(m.group(1), i)
            if m.group(0).startswith("我") and m.group(1) not in owned:
                owned.append(m.group(1))
    if len(first) < 2:
        return
    words = sorted(first, key=first.get)  # type: ignore[arg-type]
    if lenient:
        ours = owned[0] if owned else max(first, key=lambda w: _RANK[w])
        clash = [w for w in words if w != ours and (w in owned or _RANK[w] >= _RANK[ours])]
        if not clash:
            return
        words = [ours, clash[0]]
    i = first[words[1]]
    yield Finding(
        "error",
        "jurisdiction",
        _("mixed jurisdiction words: 我{words}/全{words} and 我{words2}/全{words2}").format(
            words=words[0], words2=words[1]
        ),
        i,
        _excerpt(lines[i - 1][1]),
    )


_RANK = {"省": 0, "市": 1, "县": 2, "区": 2, "乡": 3, "镇": 3}  # higher levels first


def _dated(lines: list[tuple[str, str]], formulations: Sequence[Formulation], when: dt.date) -> Iterable[Finding]:
    for f in formulations:
        if f.until >= when:
            continue
        regex = f.regex  # compiled once, not once a line
        for i, (_kind, text) in enumerate(lines, 1):
            m = regex.search(text)
            if m:
                hint = f"; say {f.replaced_by}" if f.replaced_by else ""
                yield Finding(
                    f.severity,
                    "dated",
                    _("{message} (current until {until}){hint}").format(message=f.message, until=f.until, hint=hint),
                    i,
                    _excerpt(text, m.start()),
                )


def _fact_texts(event: Event | None) -> list[str]:
    if event is None:
        return []
    out: list[str] = []
    for value in event.facts.values():
        for v in value if isinstance(value, tuple) else (value,):
            if isinstance(v, str):
                out.append(fold(v))
    return sorted(set(out), key=len, reverse=True)


def _numbers(lines: list[tuple[str, str]], event: Event, facts: Sequence[str]) -> Iterable[Finding]:
    allowed = set()
    for value in event.facts.values():
        for v in value if isinstance(value, tuple) else (value,):
            allowed.update(_NUMBER.findall(fold(str(v))))
    d = event.date
    allowed.update({str(d.year), str(d.month), str(d.day)})
    for i, (kind, text) in enumerate(lines, 1):
        if kind == "date":
            continue
        for m in _NUMBER.finditer(text):
            if m.group(0) not in allowed:
                yield Finding(
                    "error",
                    "invented-number",
                    _("the number {group} is not in the event file").format(group=m.group(0)),
                    i,
                    _excerpt(text, m.start()),
                )


def _unmentioned(lines: list[tuple[str, str]], event: Event) -> Iterable[Finding]:
    text = "\n".join(t for _kind, t in lines)
    for path in ("program.cadres", "review.cadres", "speaker.name", "meeting.name", "program.to_units"):
        value = event.get(path)
        if value is not None and fold(str(value)) not in text:  # the lines are folded: （） as ()
            yield Finding(
                "info",
                "unmentioned-fact",
                _("the event gives {path} = {value}, which the draft never mentions").format(path=path, value=value),
                1,
                str(value),
            )
