"""Rhythm and usage, as a careful reader marks them in a draft: quotation marks, 两, prohibitions, mixed
images, 排比 in every paragraph, and claims of this round that the event does not support."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from speechgen.compose.rhythm import QUOTES_WRONG, mixed_metaphor, parallel, prohibitions
from speechgen.draft import HEADING1, han_count
from speechgen.event.model import Event
from speechgen.i18n import _
from speechgen.review.coherence import Hit

_SENTENCES = re.compile(r"(?<=[。！？；])")
_ER = re.compile(r"(?<![第十百千万零一二三四五六七八九两])二(?=[点个条项名位批次种类件])")
MAX_PER_THOUSAND = 2.0  # prohibitions a draft may hold per 1,000 Han characters before a reader notices


def usage(lines: Sequence[tuple[str, str]], facts: Sequence[str]) -> Iterable[Hit]:
    for i, (kind, text) in enumerate(lines):
        if kind in ("title", "speaker", "date"):
            continue
        own = _mask(text, facts)
        if m := QUOTES_WRONG.search(own):
            yield Hit(
                "warning",
                "quotes",
                _("quotation marks are “” (inner ‘’), not 「」 or straight quotes"),
                i,
                own[max(0, m.start() - 6) : m.start() + 18],
            )
        if m := _ER.search(own):
            yield Hit(
                "warning",
                "liang",
                _("「二{own}」: before a measure word write 两").format(own=own[m.end()]),
                i,
                own[max(0, m.start() - 6) : m.start() + 18],
            )
        for s in _SENTENCES.split(own):
            if mixed_metaphor(s):
                yield Hit("info", "mixed-images", _("two images in one sentence"), i, s.strip()[:24])
    body = "".join(_mask(t, facts) for k, t in lines if k not in ("title", "speaker", "date"))
    han = han_count(body)
    n = prohibitions(body)
    if han and n * 1000 / han > MAX_PER_THOUSAND:
        yield Hit(
            "warning",
            "prohibitions",
            _("{n} prohibitions (不能/不要/严禁) in {han} characters: the draft scolds").format(n=n, han=han),
            0,
            "",
        )


def parallels(lines: Sequence[tuple[str, str]]) -> Iterable[Hit]:
    """More than one 排比 in a section: the climax loses its force."""
    count, first = 0, -1
    for i, (kind, text) in enumerate(lines):
        if kind == "heading1" or HEADING1.match(text):
            count = 0
            continue
        for s in _SENTENCES.split(text):
            if parallel(s):
                count += 1
                if count == 2:
                    yield Hit("info", "parallelism", _("a second 排比 in one section"), i, s.strip()[:24])
                first = i
    del first


def unsupported_claims(
    lines: Sequence[tuple[str, str]], event: Event, claims: Sequence[tuple[str, Sequence[str]]]
) -> Iterable[Hit]:
    """A claim of this round (顶着烈日, 亲自过问 …) the event gives nothing to support (check --event)."""
    given = "".join(str(v) for v in event.facts.values())
    for i, (_kind, text) in enumerate(lines):
        for phrase, fields in claims:
            if phrase in text and phrase not in given and not any(event.get(f) for f in fields):
                yield Hit(
                    "info",
                    "unsupported-claim",
                    _("「{phrase}」 claims something of this round the event does not say").format(phrase=phrase),
                    i,
                    phrase,
                )


def _mask(text: str, facts: Sequence[str]) -> str:
    for fact in facts:
        if len(fact) >= 2:
            text = text.replace(fact, "|")
    return text
