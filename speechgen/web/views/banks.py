"""The phrase banks: every slot of a style with its variants and their bank lines, the slots a style
changes, and adding a variant to the user bank folder (never the built-in banks) once the check passes."""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from pathlib import Path

import yaml
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from speechgen import api
from speechgen.errors import ConfigError, InputError, Problem
from speechgen.i18n import _
from speechgen.run import eventfile
from speechgen.run.output import write_atomic
from speechgen.web.context import BanksContext, SlotDetail, SlotRow, VariantRow
from speechgen.web.pages import render, respond
from speechgen.web.security import read_form
from speechgen.web.views.event import settings_of

ADDED = "workbench.yaml"  # the file in the user bank folder that variants added on the page go to
MAX_VARIANT = 300


def _style(request: Request, styles: tuple[str, ...]) -> str:
    style = request.query_params.get("style", "formal")
    if style not in styles:
        raise ConfigError(
            _('Unknown style "{style}"; the styles are: {styles}').format(style=style, styles=", ".join(styles))
        )
    return style


def _by_style(v: object, style: str) -> bool:
    where = str(getattr(v, "file", "")).replace("\\", "/")
    return f"styles/{style}/" in where or style in getattr(v, "styles", ())


def _rows(bank_set: object, style: str) -> list[SlotRow]:
    rows = []
    for slot in sorted(bank_set.slots):  # type: ignore[attr-defined]
        variants = bank_set.variants(slot)  # type: ignore[attr-defined]
        files = tuple(Counter(v.file for v in variants))
        rows.append(SlotRow(slot, len(variants), files, sum(_by_style(v, style) for v in variants)))
    return rows


def _detail(bank_set: object, slot: str, style: str, user_dirs: tuple[Path, ...]) -> SlotDetail:
    if slot not in bank_set.slots:  # type: ignore[attr-defined]
        raise ConfigError(_('No slot "{slot}" in the banks of style {style}.').format(slot=slot, style=style))
    users = [str(d) for d in user_dirs]
    variants = tuple(
        VariantRow(
            text=v.text,
            where=f"{v.file}:{v.line}",
            types=tuple(v.types),
            styles=tuple(v.styles),
            needs=tuple(sorted(v.requires)),
            user=any(v.file.startswith(u) or Path(v.file).resolve().is_relative_to(Path(u).resolve()) for u in users),
        )
        for v in bank_set.variants(slot)  # type: ignore[attr-defined]
    )
    return SlotDetail(slot, style, variants)


async def banks(request: Request) -> Response:
    settings = settings_of(request)
    dirs = settings.bank_dirs()
    styles = api.styles(banks=dirs)
    style = _style(request, styles)
    bank_set = await run_in_threadpool(api.bank_set, style, banks=dirs)
    rows = _rows(bank_set, style)
    slot = request.query_params.get("slot")
    context = BanksContext(
        style=style,
        styles=styles,
        slots=tuple(rows),
        changed=tuple(r for r in rows if r.by_style),
        user_folder=str(settings.user_banks),
        selected=_detail(bank_set, slot, style, dirs) if slot else None,
    )
    return respond(request, "banks.html", context)


async def slot(request: Request) -> Response:
    settings = settings_of(request)
    dirs = settings.bank_dirs()
    style = _style(request, api.styles(banks=dirs))
    bank_set = await run_in_threadpool(api.bank_set, style, banks=dirs)
    detail = _detail(bank_set, request.query_params.get("slot", ""), style, dirs)
    return respond(request, "_slot.html", detail, selected=detail)


def add_variant(folder: Path, slot: str, text: str, style: str | None, templates: tuple[Path, ...]) -> Path:
    """Write `text` as a variant of `slot` into the user folder (for one style, or every style), once the
    banks check finds no error in the file it goes to; nothing is written otherwise."""
    relative = Path("styles", style, ADDED) if style else Path(ADDED)
    target = folder / relative
    data: dict = {}
    if target.is_file():
        loaded = yaml.safe_load(eventfile.read_event_text(target.read_bytes(), name=str(target)))
        data = loaded if isinstance(loaded, dict) else {}
    variants = data.setdefault(slot, [])
    if not isinstance(variants, list):
        raise ConfigError(
            _("{file}: the slot {slot} is not a plain list; edit it by hand.").format(file=target, slot=slot)
        )
    variants.append(text)
    header = _("# Variants added on the workbench's phrase-bank page (speechgen serve).")
    content = header + "\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1_000_000)
    with tempfile.TemporaryDirectory(prefix="speechgen-banks-") as tmp:
        trial = Path(tmp) / "banks"
        if folder.is_dir():
            shutil.copytree(folder, trial)
        (trial / relative).parent.mkdir(parents=True, exist_ok=True)
        (trial / relative).write_text(content, encoding="utf-8")
        findings = api.check_banks(banks=(trial,), templates=templates, only=(trial,))
        errors = [f for f in findings if f.severity == "error"]
        if errors:
            problems = [Problem(str(target), f.message, key=f.slot or None) for f in errors]
            raise InputError(problems)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, content.encode("utf-8"), force=True)
    return target


async def add(request: Request) -> Response:
    settings = settings_of(request)
    form = await read_form(request)
    slot = str(form.get("slot", "")).strip()
    text = " ".join(str(form.get("text", "")).split())
    scope = str(form.get("scope", ""))
    dirs = settings.bank_dirs()
    styles = api.styles(banks=dirs)
    if not slot or not text:
        raise ConfigError(_("Give the slot and the text of the new variant."))
    if len(text) > MAX_VARIANT:
        raise ConfigError(_("A variant is at most {n} characters.").format(n=MAX_VARIANT))
    bank_set = await run_in_threadpool(api.bank_set, "formal", banks=dirs)
    if slot not in bank_set.slots:
        raise ConfigError(_('No slot "{slot}" in the banks; choose one of the list.').format(slot=slot))
    style = scope if scope in styles else None
    target = await run_in_threadpool(add_variant, settings.user_banks, slot, text, style, settings.templates)
    return render(request, "_added.html", {"path": str(target), "slot": slot, "text": text})
