"""`speechgen banks …`: list, show and check phrase banks (built-in, styles, and the user's folders)."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click

from speechgen.cli.say import say
from speechgen.i18n import _


@click.group(help=_("Inspect and check phrase banks (built-in, styles, and your own folders)."))
def banks() -> None:
    pass


@banks.command("list", help=_("Every slot, its number of variants, and the files they come from."))
@click.option("--style", default="formal", show_default=True, help=_("The style whose layers to show."))
@click.option(
    "--banks", "dirs", multiple=True, type=click.Path(path_type=Path), help=_("User bank folders (repeatable).")
)
def banks_list(style: str, dirs: tuple[Path, ...]) -> None:
    from speechgen import api
    from speechgen.resources import real_path

    bank_set = api.bank_set(style, banks=dirs)
    say(
        _("style {style}; layers, lowest first: {join}").format(
            style=style, join=", ".join(str(real_path(f)) for f in bank_set.files)
        ),
        err=False,
    )
    for slot in sorted(bank_set.slots):
        variants = bank_set.variants(slot)
        origin = ", ".join(f"{f}×{n}" for f, n in Counter(v.file for v in variants).items())
        say(f"{slot}\t{len(variants)}\t{origin}", err=False)


@banks.command("show", help=_("The variants of SLOT, each with its file:line."))
@click.argument("slot")
@click.option("--style", default="formal", show_default=True)
@click.option(
    "--banks", "dirs", multiple=True, type=click.Path(path_type=Path), help=_("User bank folders (repeatable).")
)
def banks_show(slot: str, style: str, dirs: tuple[Path, ...]) -> None:
    import difflib

    from speechgen import api
    from speechgen.errors import ConfigError
    from speechgen.resources import real_path

    bank_set = api.bank_set(style, banks=dirs)
    if slot not in bank_set.slots:
        close = difflib.get_close_matches(slot, list(bank_set.slots), n=3)
        hint = _("; did you mean {name}?").format(name=", ".join(close)) if close else ""
        raise ConfigError(
            _('no slot "{slot}" in the banks of style {style}{hint}').format(slot=slot, style=style, hint=hint)
        )
    for v in bank_set.variants(slot):
        tags = "".join(f" [{k}: {', '.join(t)}]" for k, t in (("types", v.types), ("styles", v.styles)) if t)
        needs = f" (needs {', '.join(sorted(v.requires))})" if v.requires else ""
        say(f"{real_path(v.file)}:{v.line}: {v.text}{tags}{needs}", err=False)


@banks.command(
    "check",
    help=_("Check the built-in banks and the folders DIRS: YAML, fields, duplicates, counts. Exit 1 on errors."),
)
@click.argument("dirs", nargs=-1, type=click.Path(path_type=Path))
@click.option("--templates", "templates", multiple=True, type=click.Path(path_type=Path))
def banks_check(dirs: tuple[Path, ...], templates: tuple[Path, ...]) -> None:
    from speechgen import api

    findings = api.check_banks(banks=dirs, templates=templates)
    for f in findings:
        say(str(f), err=False)
    errors = sum(f.severity == "error" for f in findings)
    say(
        _("banks check: {errors} error(s), {value} warning(s)").format(errors=errors, value=len(findings) - errors),
        err=False,
    )
    if errors:
        sys.exit(1)


@banks.command(
    "try",
    help=_(
        "Every variant of your folders (or of one SLOT) as it reads with EVENT's facts, and whether it can be chosen "
        "for this event (if not, why)."
    ),
)
@click.argument("event", type=click.Path(path_type=Path))
@click.option(
    "--banks", "dirs", multiple=True, type=click.Path(path_type=Path), help=_("Your bank folders (repeatable).")
)
@click.option("--slot", help=_("Only this slot (and the slots under it, e.g. u.<unit id>), from every layer."))
@click.option("--style", help=_("The style to try them in (default: the event's, else formal)."))
@click.option("--templates", "templates", multiple=True, type=click.Path(path_type=Path))
def banks_try(
    event: Path, dirs: tuple[Path, ...], slot: str | None, style: str | None, templates: tuple[Path, ...]
) -> None:
    from speechgen import api

    options = api.Options(style=style, banks=dirs, templates=templates)
    trials = api.try_banks(api.load_event(event), options=options, slot=slot)
    for t in trials:
        if t.possible:
            say(_("{where}: {slot}: can be chosen: {text}").format(where=t.where, slot=t.slot, text=t.text), err=False)
        else:
            why = "; ".join(str(r) for r in t.reasons)
            say(
                _("{where}: {slot}: cannot be chosen ({why}): {text}").format(
                    where=t.where, slot=t.slot, why=why, text=t.text
                ),
                err=False,
            )
    chosen = sum(t.possible for t in trials)
    say(
        _("banks try: {n_trials} variant(s), {chosen} of them can be chosen for this event").format(
            n_trials=len(trials), chosen=chosen
        ),
        err=False,
    )


@banks.command(
    "new-style",
    help=_(
        "Write a style NAME to edit: DIR/styles/NAME/NAME.yaml, the slots a style usually changes, commented out, "
        "with the current variants as examples."
    ),
)
@click.argument("name")
@click.option("-o", "--output", "folder", required=True, type=click.Path(path_type=Path), help=_("Your bank folder."))
@click.option("--from", "from_style", default="formal", show_default=True, help=_("The style whose wording to show."))
@click.option("--templates", "templates", multiple=True, type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help=_("Overwrite the style file if it exists."))
def banks_new_style(name: str, folder: Path, from_style: str, templates: tuple[Path, ...], force: bool) -> None:
    from speechgen.run.bankfiles import write_new_style

    path = write_new_style(name, folder, from_style=from_style, force=force, templates=templates)
    say(
        _("{path}: written; edit it, then run: speechgen render EVENT --banks {folder} --style {name}").format(
            path=path, folder=folder, name=name
        )
    )


@banks.command(
    "export",
    help=_(
        "Write phrase banks to a workbook (Excel, WPS): a row per variant with its tags and source, a row per unit, "
        "a row per file. Without --banks, the built-in banks (they are never written back)."
    ),
)
@click.option("--xlsx", "out", required=True, type=click.Path(path_type=Path), help=_("The workbook to write (.xlsx)."))
@click.option(
    "--banks", "dirs", multiple=True, type=click.Path(path_type=Path), help=_("Your folders (default: built-in).")
)
@click.option("--style", help=_("Only the files every style reads and those of this style."))
@click.option("--slot", "prefix", metavar="PREFIX", help=_("Only the slots that start with PREFIX."))
@click.option("--force", is_flag=True, help=_("Overwrite the workbook if it exists."))
def banks_export(out: Path, dirs: tuple[Path, ...], style: str | None, prefix: str | None, force: bool) -> None:
    from speechgen.run.bankfiles import write_workbook

    rows = write_workbook(out, banks=dirs, style=style, slot=prefix, force=force)
    n = {sheet: len(r) for sheet, r in rows.rows.items()}
    variants, units, files = n["变体"], n["要点"], n["文件"]
    say(
        _("{out}: written: {variants} variant row(s), {units} unit(s), {files} file(s)").format(
            out=out, variants=variants, units=units, files=files
        )
    )


@banks.command(
    "import",
    help=_(
        "Write a bank folder from a filled workbook BOOK, checked like any bank; every problem is named by sheet and "
        "cell (book.xlsx:变体!G7)."
    ),
)
@click.argument("book", type=click.Path(path_type=Path))
@click.option(
    "-o", "--output", "folder", required=True, type=click.Path(path_type=Path), help=_("The folder to write.")
)
@click.option("--templates", "templates", multiple=True, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help=_("Write nothing if the check finds an error."))
@click.option("--force", is_flag=True, help=_("Overwrite files the folder already has."))
def banks_import(book: Path, folder: Path, templates: tuple[Path, ...], strict: bool, force: bool) -> None:
    from speechgen.run.bankfiles import import_workbook

    done = import_workbook(book, folder, force=force, strict=strict, templates=templates)
    for f in done.findings:
        say(str(f), err=False)
    errors = sum(f.severity == "error" for f in done.findings)
    warnings = len(done.findings) - errors
    say(
        _("{folder}: {n_files} file(s) written from {book}; {errors} error(s), {warnings} warning(s)").format(
            folder=folder, n_files=len(done.files), book=book, errors=errors, warnings=warnings
        )
    )
    for other in done.others:
        say(_("note: {other} was already in the folder and is read with the imported files").format(other=other))
    say(_("use it with: speechgen render EVENT --banks {folder}").format(folder=folder))
