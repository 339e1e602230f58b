"""`speechgen banks …`: list, show and check phrase banks (built-in, styles, and the user's folders)."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click

from speechgen.cli.say import say


@click.group()
def banks() -> None:
    """Inspect and check phrase banks (built-in, styles, and your own folders)."""


@banks.command("list")
@click.option("--style", default="formal", show_default=True, help="The style whose layers to show.")
@click.option("--banks", "dirs", multiple=True, type=click.Path(path_type=Path), help="User bank folders (repeatable).")
def banks_list(style: str, dirs: tuple[Path, ...]) -> None:
    """Every slot, its number of variants, and the files they come from."""
    from speechgen import api
    from speechgen.resources import real_path

    bank_set = api.bank_set(style, banks=dirs)
    say(f"style {style}; layers, lowest first: {', '.join(str(real_path(f)) for f in bank_set.files)}", err=False)
    for slot in sorted(bank_set.slots):
        variants = bank_set.variants(slot)
        origin = ", ".join(f"{f}×{n}" for f, n in Counter(v.file for v in variants).items())
        say(f"{slot}\t{len(variants)}\t{origin}", err=False)


@banks.command("show")
@click.argument("slot")
@click.option("--style", default="formal", show_default=True)
@click.option("--banks", "dirs", multiple=True, type=click.Path(path_type=Path), help="User bank folders (repeatable).")
def banks_show(slot: str, style: str, dirs: tuple[Path, ...]) -> None:
    """The variants of SLOT, each with its file:line."""
    import difflib

    from speechgen import api
    from speechgen.errors import ConfigError
    from speechgen.resources import real_path

    bank_set = api.bank_set(style, banks=dirs)
    if slot not in bank_set.slots:
        close = difflib.get_close_matches(slot, list(bank_set.slots), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ConfigError(f'no slot "{slot}" in the banks of style {style}{hint}')
    for v in bank_set.variants(slot):
        tags = "".join(f" [{k}: {', '.join(t)}]" for k, t in (("types", v.types), ("styles", v.styles)) if t)
        needs = f" (needs {', '.join(sorted(v.requires))})" if v.requires else ""
        say(f"{real_path(v.file)}:{v.line}: {v.text}{tags}{needs}", err=False)


@banks.command("check")
@click.argument("dirs", nargs=-1, type=click.Path(path_type=Path))
@click.option("--templates", "templates", multiple=True, type=click.Path(path_type=Path))
def banks_check(dirs: tuple[Path, ...], templates: tuple[Path, ...]) -> None:
    """Check the built-in banks and the folders DIRS: YAML, fields, duplicates, counts. Exit 1 on errors."""
    from speechgen import api

    findings = api.check_banks(banks=dirs, templates=templates)
    for f in findings:
        say(str(f), err=False)
    errors = sum(f.severity == "error" for f in findings)
    say(f"banks check: {errors} error(s), {len(findings) - errors} warning(s)", err=False)
    if errors:
        sys.exit(1)
