"""Writing files: safe names, no overwriting without --force, atomic replace.

A file is written to a temporary name in the target folder and renamed into
place, so an interrupted run leaves either the old file, the new one, or
nothing, never half a document; a temporary left by a kill is cleaned up
the next time that folder is written to.
"""

from __future__ import annotations

import errno
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
    """Write data to path so that no reader ever sees half a file.

    On Linux the data goes into an unnamed file (O_TMPFILE) that only gets a name
    once complete, so even a kill -9 leaves no temporary behind; elsewhere a
    hidden temporary in the same folder is renamed into place.
    """
    folder = path.parent
    if path.is_dir():
        raise OutputError(f"{path}: is a folder")
    if path.exists() and not force:
        raise OutputError(f"{path}: exists; use --force to overwrite")
    if not folder.is_dir():
        raise OutputError(f"{folder}: no such folder")
    try:
        if hasattr(os, "O_TMPFILE"):
            try:
                _write_unnamed(path, data, force)
                return
            except _NoTmpfile:
                pass
        _write_named(path, data, force)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None


class _NoTmpfile(Exception):
    """The file system does not support O_TMPFILE."""


def _write_unnamed(path: Path, data: bytes, force: bool) -> None:
    try:
        fd = os.open(path.parent, os.O_TMPFILE | os.O_WRONLY, 0o644)
    except OSError as exc:
        if exc.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOENT):
            raise _NoTmpfile from None
        raise
    try:
        _write_all(fd, data)
        if not force:
            try:
                _link_fd(fd, path)
            except FileExistsError:
                raise OutputError(f"{path}: exists; use --force to overwrite") from None
            return
        tmp = path.parent / f"{TMP_PREFIX}{os.getpid()}-{path.name}"
        _link_fd(fd, tmp)
        os.replace(tmp, path)  # the name exists only between these two calls
    finally:
        os.close(fd)


def _link_fd(fd: int, target: Path) -> None:
    """Give the unnamed file a name: linkat(…, AT_SYMLINK_FOLLOW) through /proc.

    os.link only calls linkat (and so follows the /proc link) when a dir_fd is
    given; the root folder serves, the source path being absolute.
    """
    root = os.open("/", os.O_RDONLY)
    try:
        os.link(f"/proc/self/fd/{fd}", target, src_dir_fd=root, follow_symlinks=True)
    except OSError as exc:
        if exc.errno in (errno.EXDEV, errno.EPERM, errno.ENOENT) and not isinstance(exc, FileExistsError):
            raise _NoTmpfile from None
        raise
    finally:
        os.close(root)


def _write_named(path: Path, data: bytes, force: bool) -> None:
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=path.suffix, dir=path.parent)
    try:
        _write_all(fd, data)
        os.close(fd)
        fd = -1
        if not force and path.exists():
            raise OutputError(f"{path}: exists; use --force to overwrite")
        os.replace(tmp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]
    os.fsync(fd)


def clean_stale_temporaries(folder: Path) -> None:
    """Remove temporaries an earlier, killed run left in folder."""
    for p in folder.glob(f"{TMP_PREFIX}*"):
        try:
            p.unlink()
        except OSError:
            pass
