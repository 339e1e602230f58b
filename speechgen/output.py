"""Writing files: safe names, no overwriting without --force, atomic replace.

A file is written to a temporary name in the target folder and renamed into
place, so an interrupted run leaves either the old file, the new one, or
nothing, never half a document; a temporary left by a kill is cleaned up
the next time that folder is written to.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from pathlib import Path

from .errors import OutputError

TMP_PREFIX = ".speechgen-tmp-"
_ILLEGAL = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
MAX_NAME = 120


def safe_name(name: str, ext: str) -> str:
    """A file name (never a path) ending in .ext: separators, .., controls, Windows-illegal characters replaced."""
    name = unicodedata.normalize("NFC", name)
    name = "".join("_" if unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs") else c for c in name)
    name = _ILLEGAL.sub("_", name).strip().strip(".")
    name = re.sub(r"\.{2,}", "_", name)
    stem = name
    for known in (".docx", ".md", ".txt", ".json", ".pdf"):
        if stem.lower().endswith(known):
            stem = stem[: -len(known)]
            break
    stem = stem.strip(" .") or "speech"
    if stem.upper().split(".")[0] in _RESERVED:
        stem = "_" + stem
    return f"{stem[:MAX_NAME]}.{ext}"


def default_name(meeting_date: str, meeting_name: str, output: str | None, ext: str) -> str:
    """The event's `output`, or <date>-<meeting name>.<ext>."""
    if output:
        return safe_name(output, ext)
    return safe_name(f"{meeting_date}-{meeting_name}", ext)


def inside(folder: Path, name: str) -> Path:
    """folder/name, refusing anything that would land outside folder (links included)."""
    target = (folder / name).resolve() if not (folder / name).is_symlink() else None
    if target is None or target.parent != folder.resolve():
        raise OutputError(f"{folder / name}: refusing to write outside {folder}")
    return target


def write_atomic(path: Path, data: bytes, force: bool = False) -> None:
    """Write data to path via a temporary file in the same folder and a rename."""
    folder = path.parent
    if path.exists() and not force:
        raise OutputError(f"{path}: exists; use --force to overwrite")
    if path.is_dir():
        raise OutputError(f"{path}: is a folder")
    if not folder.is_dir():
        raise OutputError(f"{folder}: no such folder")
    try:
        fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=path.suffix, dir=folder)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if not force and path.exists():
            raise OutputError(f"{path}: exists; use --force to overwrite")
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError):
            raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
        raise


def clean_stale_temporaries(folder: Path) -> None:
    """Remove temporaries an earlier, killed run left in folder."""
    for p in folder.glob(f"{TMP_PREFIX}*"):
        try:
            p.unlink()
        except OSError:
            pass
