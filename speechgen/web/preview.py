"""A draft as the preview shows it: printed lines of sentences, each knowing its place, its bank line,
whether it is locked, and the checker's findings marked where they are."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from speechgen import api

TITLE_MARKS = re.compile("[|｜]")  # a forced title break (meeting.name may hold one)
HEAD = ("title", "speaker", "date", "salutation")


@dataclass(frozen=True)
class FindingView:
    severity: str  # error | warning
    code: str
    message: str
    excerpt: str
    line: int  # 1-based, among the printed lines


@dataclass(frozen=True)
class SentenceView:
    text: str
    place: str  # "" for template text: not a choice, not clickable
    variant: str
    source: str  # bank file:line (or the template)
    locked: bool
    findings: tuple[FindingView, ...] = ()

    @property
    def severity(self) -> str:
        return "error" if any(f.severity == "error" for f in self.findings) else "warning" if self.findings else ""


@dataclass(frozen=True)
class LineView:
    kind: str  # body | heading1 | heading2
    sentences: tuple[SentenceView, ...]
    findings: tuple[FindingView, ...] = ()


@dataclass(frozen=True)
class DraftView:
    """What the preview shows of one draft and its review."""

    title: tuple[str, ...]  # the title's lines
    speaker: str
    date: str
    salutation: str
    lines: tuple[LineView, ...]
    han: int
    minutes: float
    target: int
    seed: int
    style: str
    points: int
    findings: tuple[FindingView, ...]
    warnings: tuple[str, ...]
    missing: tuple[tuple[str, str], ...]  # (path, alias) of facts the draft could not use
    unused_choices: tuple[str, ...]
    locked: int  # how many sentences are fixed choices


def draft_view(draft: api.Draft, review: api.Review, choices: Mapping[str, str]) -> DraftView:
    printed = list(draft.printed())
    findings = tuple(
        FindingView(f.severity, f.code, f.message, f.excerpt, f.paragraph)
        for f in review.findings
        if f.severity in ("error", "warning")
    )
    head = {kind: "".join(s.shown for s in sentences) for kind, sentences in printed[:4]}
    lines = []
    for index, (kind, sentences) in enumerate(printed[4:], start=5):
        here = tuple(f for f in findings if f.line == index)
        lines.append(LineView(kind, _sentences(sentences, here, choices), here))
    info = draft.info
    return DraftView(
        title=tuple(t for t in TITLE_MARKS.split(head.get("title", "")) if t),
        speaker=head.get("speaker", ""),
        date=head.get("date", ""),
        salutation=head.get("salutation", ""),
        lines=tuple(lines),
        han=info.han_characters,
        minutes=info.minutes,
        target=info.target,
        seed=info.seed,
        style=info.style,
        points=info.points,
        findings=findings,
        warnings=tuple(review.warnings),
        missing=tuple(review.missing.items()),
        unused_choices=tuple(info.unused_choices),
        locked=sum(1 for s in draft.sentences() if s.place in choices),
    )


def _sentences(sentences: list, findings: tuple[FindingView, ...], choices: Mapping[str, str]) -> tuple:
    """Each sentence with the findings that point into it (at the excerpt's start; else the first one)."""
    texts = [s.shown for s in sentences]
    line = "".join(texts)
    starts, at = [], 0
    for t in texts:
        starts.append(at)
        at += len(t)
    hits: dict[int, list[FindingView]] = {}
    for f in findings:
        core = f.excerpt.strip("…")
        pos = line.find(core) if core else -1
        if pos >= 0 and f.excerpt.startswith("…"):
            pos = min(pos + 6, len(line) - 1)  # the excerpt starts six characters before what was found
        index = max((i for i, s in enumerate(starts) if s <= max(pos, 0)), default=0)
        hits.setdefault(index, []).append(f)
    return tuple(
        SentenceView(
            text=s.shown,
            place=s.place,
            variant=s.variant,
            source=s.source,
            locked=bool(s.place) and _same(choices.get(s.place), s.variant),
            findings=tuple(hits.get(i, ())),
        )
        for i, s in enumerate(sentences)
    )


def _same(choice: str | None, variant: str) -> bool:
    """A fixed choice names the variant standing there (the loader folds its spaces)."""
    return choice is not None and choice.split() == variant.split()
