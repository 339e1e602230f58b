"""The library API: every front-end (the command line, the batch runner, the workbench, the spreadsheet
reader) drafts through these functions and nothing else.

    from speechgen import api
    event = api.load_event("examples/village_stay.yaml")        # or parse_event(text), event_from_mapping(d)
    draft = api.draft(event, options=api.Options(seed=4))
    place = draft.opening[0].sentences[0].place                  # e.g. "opening.context#0"
    others = api.alternatives(event, place, options=api.Options(seed=4))
    again = api.draft(event, options=api.Options(seed=9, choices=api.keep(draft, [place])))
    data = api.export(draft, "docx")                            # bytes

Every function takes its subject first and everything else by keyword. Errors are ``SpeechgenError``s;
a bad event raises ``InputError`` whose ``problems`` keep their file, line, column and key. Importing this
module is cheap: the heavy stages (Jinja, python-docx) load when first used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from speechgen.compose.plan import Options
from speechgen.draft import Draft
from speechgen.errors import ConfigError, InputError, Problem, SpeechgenError, StrictError
from speechgen.event.model import Event, FrozenMap
from speechgen.i18n import _

if TYPE_CHECKING:
    from speechgen.compose.banks import BankSet
    from speechgen.compose.fitting import Composition
    from speechgen.compose.picker import Alternative
    from speechgen.compose.plan import Plan
    from speechgen.compose.setting import Setting
    from speechgen.export.layout import Layout
    from speechgen.review.bankcheck import BankFinding
    from speechgen.review.bankimport import Imported
    from speechgen.review.bankrows import Book
    from speechgen.review.banktry import Trial
    from speechgen.review.checks import Finding

__all__ = [
    "Event",
    "Draft",
    "Options",
    "Review",
    "Problem",
    "SpeechgenError",
    "InputError",
    "load_event",
    "parse_event",
    "event_from_mapping",
    "draft",
    "alternatives",
    "keep",
    "choices_of",
    "review",
    "export",
    "new_event",
    "load_layout",
    "styles",
    "bank_set",
    "check_banks",
    "try_banks",
    "new_style",
    "bank_rows",
    "bank_workbook",
    "read_bank_workbook",
    "check_file",
    "history",
    "said",
    "fonts_report",
    "fonts_fallback",
    "export_formats",
]


# -- events ------------------------------------------------------------------------------------------


def load_event(path: str | Path, *, name: str | None = None) -> Event:
    """Read and validate an event file; InputError lists every problem, located."""
    from speechgen.event.load import load_event as _load

    return _load(path, name)


def parse_event(text: str, *, name: str = "<text>") -> Event:
    """Validate an event given as YAML text (a form, an upload), with the same messages as a file."""
    from speechgen.event.load import validate
    from speechgen.event.yamlsafe import parse_single

    return validate(parse_single(text, name), name)


def event_from_mapping(data: Mapping[str, Any], *, name: str = "<mapping>") -> Event:
    """Validate an event given as a mapping of plain values (Chinese or English keys, as in a file)."""
    from speechgen.event.load import validate
    from speechgen.event.yamlsafe import node_from_plain

    if not isinstance(data, Mapping):
        raise InputError([Problem(name, _("expected a mapping such as {'type': 'mobilisation', …}"))])
    return validate(node_from_plain(data, name), name)


# -- drafts ------------------------------------------------------------------------------------------


def draft(event: Event, *, options: Options | None = None) -> Draft:
    """The draft of an event: same event, options and fixed choices → the same draft."""
    return _composition(event, options or Options()).draft


def alternatives(event: Event, place: str, *, options: Options | None = None) -> list[Alternative]:
    """The variants the banks allow at `place` of the draft these options give: they fit the meeting,
    have their facts, and repeat no other sentence or phrase of that draft. The one standing there is
    marked ``current``."""
    comp = _composition(event, options or Options())
    kept = comp.kept_places()
    if place not in kept:
        raise ConfigError(_('the draft has no sentence at "{place}"').format(place=place))
    return comp.alternatives(place)


def choices_of(d: Draft) -> dict[str, str]:
    """Every choice a draft made: place → the bank text of the variant standing there."""
    return {s.place: s.variant for s in d.sentences() if s.place and s.variant}


def keep(d: Draft, places: Iterable[str] = (), *, use: Mapping[str, str] | None = None) -> tuple[tuple[str, str], ...]:
    """Fixed choices for a re-draft: the sentences of `d` at `places` kept, and `use` (place → variant
    text, e.g. an alternative picked) on top. Pass the result as ``Options(choices=…)``; save it under the
    event's ``options.choices`` to keep it."""
    made = choices_of(d)
    fixed = {p: made[p] for p in places if p in made}
    fixed.update(use or {})
    return tuple(sorted(fixed.items()))


def _composition(event: Event, opts: Options) -> Composition:
    from speechgen.compose.fitting import composition

    banks, plan, setting = _prepared(event, opts)
    return composition(event, plan, banks, setting)


def _prepared(event: Event, opts: Options) -> tuple[BankSet, Plan, Setting]:
    """The banks, plan and setting of a draft of this event with these options."""
    from speechgen.compose.banks import DEFAULT_STYLE, load_banks, style_key
    from speechgen.compose.plan import make_plan
    from speechgen.compose.setting import settle
    from speechgen.event.model import located
    from speechgen.resources import env_bank_dirs

    style = style_key(opts.style or event.get("options.style") or DEFAULT_STYLE)  # 简明 → concise
    dirs = (*env_bank_dirs(), *opts.banks)
    try:
        banks = load_banks(style, dirs)
    except ConfigError as exc:
        if opts.style is None and event.get("options.style"):
            raise located(event, "options.style", exc.message) from None  # the event file chose it
        raise
    setting = settle(event)
    plan = make_plan(event, replace(opts, banks=dirs), banks.meta, style, setting.family)
    return banks, plan, setting


def history(paths: Iterable[str | Path]) -> frozenset[str]:
    """What an office's earlier drafts said (files .docx/.md/.txt, or folders of them), for
    ``Options(avoid=…)``: a new draft shares no run of twelve Han characters with them."""
    from speechgen.compose.sentence import said_sentences, text_grams
    from speechgen.review.reader import read_draft

    grams: set[str] = set()
    for raw in paths:
        path = Path(raw)
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in HISTORY_SUFFIXES) if path.is_dir() else [path]
        for f in files:
            for kind, text in read_draft(f):
                if kind not in ("title", "speaker", "date"):
                    grams |= text_grams(text) | said_sentences(text)
    return frozenset(grams)


def said(d: Draft) -> frozenset[str]:
    """What a draft says, in the form ``history`` returns (for the drafts of one batch)."""
    from speechgen.compose.sentence import said_sentences, text_grams

    lines = [text for kind, text in d.lines() if kind not in ("title", "speaker", "date")]
    return frozenset(g for text in lines for g in text_grams(text) | said_sentences(text))


HISTORY_SUFFIXES = (".docx", ".md", ".txt")


# -- review ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Review:
    """What a careful reader would say of a draft: checker findings, facts it could not use, warnings."""

    findings: tuple[Finding, ...]
    missing: Mapping[str, str]  # event path → its Chinese alias
    warnings: tuple[str, ...]
    marked: bool  # missing facts were marked 【待补充】 rather than left out

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")


def review(d: Draft, *, event: Event | None = None, strict: bool = False, today: dt.date | None = None) -> Review:
    """Check a draft; with strict=True a draft with checker errors raises StrictError carrying them."""
    from speechgen.review.checks import check_draft

    findings = tuple(check_draft(d, event))
    result = Review(findings, FrozenMap(dict(d.info.missing)), d.info.warnings, d.info.mark_missing)
    if strict and result.errors:
        raise StrictError(_("--strict: the draft has check errors; no file written"), result.errors)
    return result


# -- export ------------------------------------------------------------------------------------------


def export(
    d: Draft,
    fmt: str,
    *,
    layout: Layout | None = None,
    explain: bool = False,
    reference: Path | None = None,
) -> bytes:
    """The bytes of a draft in one format (docx, md, txt, json, pdf): a function of the draft alone."""
    from speechgen.export import FORMATS
    from speechgen.export import export as _export

    if fmt not in FORMATS:
        raise ConfigError(_("unknown format {fmt!r}; expected one of: {join}").format(fmt=fmt, join=", ".join(FORMATS)))
    return _export(d, fmt, layout, explain=explain, reference=reference)


# -- what front-ends list and check ------------------------------------------------------------------


def new_event(meeting_type: str, *, lang: str = "zh") -> str:
    """A commented event file for a meeting type, to be filled in."""
    from speechgen.event.new import new_event as _new

    return _new(meeting_type, lang)


def load_layout(path: str | Path) -> Layout:
    """A --layout YAML file as the writer's Layout; InputError names every bad setting."""
    from speechgen.export.layout import load_layout as _load

    return _load(path)


def styles(*, banks: tuple[Path, ...] = ()) -> tuple[str, ...]:
    from speechgen.compose.banks import available_styles
    from speechgen.resources import env_bank_dirs

    return available_styles((*env_bank_dirs(), *banks))


def bank_set(style: str, *, banks: tuple[Path, ...] = ()) -> BankSet:
    """The layered phrase banks of a style (built-in < style < user folders)."""
    from speechgen.compose.banks import load_banks
    from speechgen.resources import env_bank_dirs

    return load_banks(style, (*env_bank_dirs(), *banks))


def check_banks(
    *, banks: tuple[Path, ...] = (), templates: tuple[Path, ...] = (), only: tuple[Path, ...] | None = None
) -> list[BankFinding]:
    """Findings of `banks check`; with `only`, files are checked one by one only in those folders."""
    from speechgen.resources import env_bank_dirs
    from speechgen.review.bankcheck import check_banks as _check

    return _check((*env_bank_dirs(), *banks), templates, only)


def new_style(
    name: str,
    *,
    folder: Path,
    from_style: str = "formal",
    banks: tuple[Path, ...] = (),
    templates: tuple[Path, ...] = (),
) -> str:
    """The text of a style file to edit, ``folder/styles/<name>/<name>.yaml``: the slots a style usually
    changes, commented out, with the variants of ``from_style`` as examples; only its meta block is live."""
    from speechgen.compose.banks import load_banks
    from speechgen.resources import env_bank_dirs
    from speechgen.review.bankstyle import check_style_name, style_text

    check_style_name(name)
    return style_text(name, folder, load_banks(from_style, (*env_bank_dirs(), *banks)), templates)


def bank_rows(*, banks: tuple[Path, ...] = (), style: str | None = None, slot: str | None = None) -> Book:
    """The bank files of the folders `banks` (the built-in banks when none is given) as rows of a workbook:
    the files every style reads and those of `style` (of every style when None); only the slots that
    start with `slot`, when given."""
    from speechgen.review.bankrows import book_of, folder_files

    for d in banks:
        if not d.is_dir():
            raise ConfigError(_("--banks {d}: no such folder").format(d=d))
    return book_of(folder_files(banks, style), slot)


def bank_workbook(rows: Book) -> bytes:
    """The rows as an .xlsx workbook (sheets 变体, 要点, 文件 and a short guide, 说明)."""
    from speechgen.review.bankbook import write_book

    return write_book(rows)


def read_bank_workbook(path: str | Path) -> Imported:
    """A filled workbook as the files of a bank folder; InputError names every bad cell (book:sheet!C7)."""
    from speechgen.resources import display_path
    from speechgen.review.bankbook import MAX_BYTES, read_book
    from speechgen.review.bankimport import build, file_name

    path = Path(path)
    name = display_path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(
                [
                    Problem(
                        name,
                        _("file is {size:,} bytes; the limit is {MAX_BYTES:,} bytes").format(
                            size=size, MAX_BYTES=MAX_BYTES
                        ),
                    )
                ]
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError([Problem(name, _("no such file"))]) from None
    except IsADirectoryError:
        raise InputError([Problem(name, _("is a folder, not a file"))]) from None
    except OSError as exc:
        raise InputError([Problem(name, _("cannot read file: {value}").format(value=exc.strerror or exc))]) from None
    return build(read_book(data, name), name, file_name(path))


def try_banks(event: Event, *, options: Options | None = None, slot: str | None = None) -> list[Trial]:
    """Each variant of the folders in ``options.banks`` (or of one slot and the slots under it) as it reads
    with this event's facts, with the reasons it cannot be chosen for this event (none: it can)."""
    from speechgen.compose.banks import layer_files
    from speechgen.resources import display_path
    from speechgen.review.banktry import select, try_variants

    opts = options or Options()
    banks, plan, setting = _prepared(event, opts)
    files = layer_files(banks.style, opts.banks)
    mine = {display_path(f) for f in files if any(f.is_relative_to(d) for d in opts.banks)}
    return try_variants(event, banks, plan, setting, select(banks, slot, mine))


def check_file(path: Path, *, event: Event | None = None, banks: tuple[Path, ...] = ()) -> list[Finding]:
    """Check a draft read back from .docx, .md or .txt (edited by hand or not)."""
    from speechgen.review.checks import check_lines
    from speechgen.review.formulations import load_formulations
    from speechgen.review.reader import read_draft

    return check_lines(read_draft(path), event, load_formulations(banks))


def export_formats() -> tuple[str, ...]:
    """The formats this machine can write: pdf only where LibreOffice is installed."""
    from speechgen.export import FORMATS
    from speechgen.export.pdf import soffice

    return tuple(f for f in FORMATS if f != "pdf" or soffice())


def fonts_report(layout: Layout | None = None) -> str:
    """Each face the Word layout uses: installed or missing, and what Word/WPS and the PDF set instead."""
    from speechgen.export.fonts import format_report
    from speechgen.export.layout import Layout as _Layout

    return format_report(layout or _Layout())


def fonts_fallback(layout: Layout | None = None) -> str | None:
    """One warning line when a PDF would be set in stand-in faces, else None."""
    from speechgen.export.fonts import fallback_warning
    from speechgen.export.layout import Layout as _Layout

    return fallback_warning(layout or _Layout())
