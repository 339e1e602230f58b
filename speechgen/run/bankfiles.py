"""Writing a user's bank folder: a new style to edit, a workbook of banks, a folder from a filled workbook.

Every file is written atomically and never over an existing one without force; the built-in banks are
never written. What is written comes from the API; this module only puts it on disk.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from speechgen import api
from speechgen.compose.banks import NOT_BANKS
from speechgen.errors import ConfigError, OutputError, StrictError
from speechgen.i18n import _
from speechgen.resources import banks_dir, display_path
from speechgen.run.output import TMP_PREFIX, OutputExists, write_atomic

if TYPE_CHECKING:
    from speechgen.review.bankcheck import BankFinding
    from speechgen.review.bankimport import Imported as Workbook
    from speechgen.review.bankrows import Book


def refuse_builtin(folder: Path) -> None:
    """The built-in banks are never written: a folder inside them is refused."""
    target, builtin = folder.resolve(), banks_dir().resolve()
    if target == builtin or builtin in target.parents:
        raise OutputError(
            _("{folder}: is the built-in phrase banks' folder; write your banks to a folder of your own").format(
                folder=folder
            )
        )


def write_new_style(
    name: str, folder: Path, *, from_style: str = "formal", force: bool = False, templates: Sequence[Path] = ()
) -> Path:
    """folder/styles/<name>/<name>.yaml, to edit; the folder is made when missing."""
    refuse_builtin(folder)
    mine = (folder,) if folder.is_dir() else ()
    text = api.new_style(name, folder=folder, from_style=from_style, banks=mine, templates=tuple(templates))
    path = folder / "styles" / name / f"{name}.yaml"
    if not force and (path.exists() or path.is_symlink()):
        raise OutputExists(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            _("{parent}: cannot make the folder: {value}").format(parent=path.parent, value=exc.strerror or exc)
        ) from None
    write_atomic(path, text.encode("utf-8"), force=force)
    return path


def write_workbook(
    out: Path,
    *,
    banks: Sequence[Path] = (),
    style: str | None = None,
    slot: str | None = None,
    force: bool = False,
) -> Book:
    """The banks as a workbook at `out` (.xlsx); the rows written are returned."""
    if out.suffix.lower() != ".xlsx":
        raise ConfigError(_("--xlsx {out}: the file name must end in .xlsx").format(out=out))
    rows = api.bank_rows(banks=tuple(banks), style=style, slot=slot)
    write_atomic(out, api.bank_workbook(rows), force=force)
    return rows


@dataclass(frozen=True)
class Imported:
    """What `banks import` did: the files written, what the check found in the workbook's rows, and the
    bank files the folder already held besides them (they are read with the rest)."""

    folder: Path
    files: tuple[Path, ...]
    findings: tuple[BankFinding, ...]
    others: tuple[Path, ...] = ()


def import_workbook(
    book: Path,
    folder: Path,
    *,
    force: bool = False,
    strict: bool = False,
    check: bool = True,
    templates: Sequence[Path] = (),
) -> Imported:
    """Write the bank folder a filled workbook describes. The rows are checked like any bank (a finding is
    said of its cell); with strict, an error stops the import and nothing is written. A new folder
    appears whole or not at all; in an existing one each file is replaced atomically, and only with force."""
    refuse_builtin(folder)
    made = api.read_bank_workbook(book)
    if folder.exists() and not folder.is_dir():
        raise OutputError(_("{folder}: is a file, not a folder").format(folder=folder))
    targets = [folder / rel for rel in made.files]
    existing = [t for t in targets if t.exists() or t.is_symlink()]
    if existing and not force:
        raise OutputError("\n".join(f"{t}: exists; use --force to overwrite" for t in existing))
    try:
        return _import(made, folder, targets, force, strict, check, templates)
    except OSError as exc:
        raise OutputError(
            _("{folder}: cannot write: {value}").format(folder=folder, value=exc.strerror or exc)
        ) from None


def _import(
    made: Workbook, folder: Path, targets: list[Path], force: bool, strict: bool, check: bool, templates: Sequence[Path]
) -> Imported:
    folder.parent.mkdir(parents=True, exist_ok=True)
    made_stage = folder.parent / f"{TMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
    made_stage.mkdir()
    stage: Path | None = made_stage
    try:
        for rel, text in made.files.items():
            path = made_stage / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.text().encode("utf-8"))
        findings: list[BankFinding] = []
        if check:
            staged = {display_path(made_stage / rel): rel for rel in made.files}
            with _uncached():  # a folder checked once: keep it out of the cache of parsed banks
                found = api.check_banks(banks=(made_stage,), templates=tuple(templates), only=(made_stage,))
            findings = made.locate(found, staged)
        errors = [f for f in findings if f.severity == "error"]
        if strict and errors:
            lines = [str(f) for f in findings] + ["--strict: the workbook has check errors; nothing written"]
            raise StrictError("\n".join(lines), tuple(findings))
        others = _others(folder, set(targets))
        if not folder.exists():
            os.rename(made_stage, folder)  # the whole folder at once
            stage = None
        else:
            for rel, text in made.files.items():
                target = folder / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                write_atomic(target, text.text().encode("utf-8"), force=force)
    finally:
        if stage is not None:
            shutil.rmtree(stage, ignore_errors=True)
    return Imported(folder, tuple(targets), tuple(findings), others)


@contextlib.contextmanager
def _uncached() -> Iterator[None]:
    old = os.environ.get("SPEECHGEN_NO_CACHE")
    os.environ["SPEECHGEN_NO_CACHE"] = "1"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("SPEECHGEN_NO_CACHE", None)
        else:
            os.environ["SPEECHGEN_NO_CACHE"] = old


def _others(folder: Path, written: set[Path]) -> tuple[Path, ...]:
    if not folder.is_dir():
        return ()
    found = [*folder.glob("*.y*ml"), *folder.glob("styles/*/*.y*ml")]
    return tuple(sorted(p for p in found if p not in written and p.name not in NOT_BANKS))
