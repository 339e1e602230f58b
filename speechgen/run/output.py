"""Writing files: safe names, no overwriting without --force, atomic replace.

A file is written to a temporary in the target folder and only then given its
name, so an interrupted run leaves either the old file, the new one, or
nothing, never half a document. A temporary carries the writer's process id;
one left by a killed run is removed the next time that folder is written to
(only once that process is gone, so two runs sharing a folder do not clash).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import time
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

from speechgen.errors import OutputError
from speechgen.event.files import describe
from speechgen.i18n import _

TMP_PREFIX = ".speechgen-tmp-"
_ILLEGAL = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
# Names Windows gives to devices, in any case and with any extension (NUL.docx is the null device too).
_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    "CONIN$",
    "CONOUT$",
    *(f"{port}{n}" for port in ("COM", "LPT") for n in (*"0123456789", "¹", "²", "³")),
}
MAX_NAME = 120  # characters of the stem
MAX_NAME_BYTES = 200  # UTF-8 bytes of the stem: room for "-12345" and the extension within 255
KNOWN_EXTS = (".docx", ".md", ".txt", ".json", ".pdf")
STALE_AFTER = 3600  # seconds, where the writer's liveness cannot be checked


class OutputExists(OutputError):
    """The target exists and --force was not given."""

    def __init__(self, path: Path) -> None:
        super().__init__(_("{path}: exists; use --force to overwrite").format(path=path))
        self.path = path


def safe_name(name: str, ext: str) -> str:
    """A file name (never a path) ending in .ext: separators, .., controls, Windows-illegal characters replaced."""
    name = unicodedata.normalize("NFC", name)
    name = "".join("_" if unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs") else c for c in name)
    name = _ILLEGAL.sub("_", name).strip().strip(".")
    name = re.sub(r"\.{2,}", "_", name)
    stem = name
    for known in KNOWN_EXTS:
        if stem.lower().endswith(known):
            stem = stem[: -len(known)]
            break
    stem = _truncate(stem.strip(" ."), MAX_NAME, MAX_NAME_BYTES).rstrip(" .") or "speech"
    if reserved_on_windows(stem):
        stem = "_" + stem
    return f"{stem}.{ext}"


def reserved_on_windows(stem: str) -> bool:
    """Whether Windows takes stem (or stem.anything) for a device: CON, nul, COM1, LPT², CONIN$ …"""
    return stem.split(".")[0].rstrip(" ").upper() in _RESERVED


def _truncate(text: str, chars: int, max_bytes: int) -> str:
    text = text[:chars]
    while len(text.encode("utf-8")) > max_bytes:
        text = text[:-1]
    return text


def default_name(meeting_date: str, meeting_name: str, output: str | None, ext: str) -> str:
    """The event's `output`, or <date>-<meeting name>.<ext>."""
    if output:
        return safe_name(output, ext)
    return safe_name(f"{meeting_date}-{meeting_name}", ext)


def inside(folder: Path, name: str) -> Path:
    """folder/name, refusing anything that would land outside folder (links included)."""
    path = folder / name
    if path.is_symlink():
        raise OutputError(_("{path}: is a symbolic link; refusing to write through it").format(path=path))
    if path.resolve().parent != folder.resolve():
        raise OutputError(_("{path}: refusing to write outside {folder}").format(path=path, folder=folder))
    return path


def check_target(path: Path) -> bool:
    """Whether path exists; OutputError for a target that is no file to replace: a folder, a device, a pipe,
    a socket, or a link to one of those (`-o /dev/stdout`: use `-o -`), and for a name the system refuses."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise OutputError(_("{path}: cannot write: {value}").format(path=path, value=_reason(exc))) from None
    if stat.S_ISLNK(st.st_mode):
        try:
            st = os.stat(path)  # what the link leads to decides; the link itself is what --force replaces
        except OSError:
            return True  # a dangling link: replaced with --force, never followed
    if stat.S_ISDIR(st.st_mode):
        raise OutputError(_("{path}: is a folder").format(path=path))
    if not stat.S_ISREG(st.st_mode):
        what = describe(st.st_mode)
        raise OutputError(
            _("{path}: is {what}, not a regular file; refusing to write to it (-o - writes to standard output)").format(
                path=path, what=what
            )
        )
    return True


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENAMETOOLONG:
        return "the file name is too long"
    return exc.strerror or str(exc)


def write_atomic(path: Path, data: bytes, force: bool = False, sync: bool = True) -> None:
    """Write data to path so that no reader ever sees half a file.

    On Linux the data goes into an unnamed file (O_TMPFILE) that only gets a name
    once complete, so even a kill -9 leaves no temporary behind; elsewhere a
    hidden temporary in the same folder is renamed into place. A link at path is
    replaced, never followed. sync=False skips the fsyncs (of the file, and of
    the folder its name is in): the file is still complete or absent after a
    kill, but not guaranteed to survive a power cut.
    """
    folder = path.parent
    if check_target(path) and not force:
        raise OutputExists(path)
    if not folder.is_dir():
        raise OutputError(_("{folder}: no such folder").format(folder=folder))
    try:
        written = False
        if hasattr(os, "O_TMPFILE"):
            try:
                _write_unnamed(path, data, force, sync)
                written = True
            except _NoTmpfile:
                pass
        if not written:
            _write_named(path, data, force, sync)
    except OSError as exc:
        raise OutputError(_("{path}: cannot write: {value}").format(path=path, value=_reason(exc))) from None
    if sync:
        sync_folder(folder)


def write_atomic_by(path: Path, fill: Callable[[BinaryIO], None], force: bool = False) -> None:
    """Like write_atomic, for a file too large to hold in memory: fill(file) writes it into a hidden
    temporary in the same folder, which then takes the name (never replacing a file without force)."""
    if path.is_dir():
        raise OutputError(_("{path}: is a folder").format(path=path))
    if not force and (path.exists() or path.is_symlink()):
        raise OutputExists(path)
    tmp = _temporary(path.parent, path.suffix)
    try:
        try:
            with open(tmp, "xb") as f:
                fill(f)
                f.flush()
                os.fsync(f.fileno())
            if force:
                os.replace(tmp, path)
            else:
                _link_or_move(tmp, path)
        except FileExistsError:
            raise OutputExists(path) from None
        except OSError as exc:
            raise OutputError(_("{path}: cannot write: {value}").format(path=path, value=exc.strerror or exc)) from None
    finally:
        _unlink(tmp)
    sync_folder(path.parent)


def _link_or_move(tmp: Path, path: Path) -> None:
    """Give tmp the name path unless a file took it meanwhile (FileExistsError): a hard link where the file
    system has them, else a check and a rename (FAT on a USB stick, some network drives)."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError:
        if path.exists() or path.is_symlink():
            raise FileExistsError(path) from None
        os.replace(tmp, path)


def sync_folder(folder: Path) -> bool:
    """Make a new name in folder survive a power cut (fsync of the folder, POSIX); whether that was done.

    Windows cannot open a folder as a file (NTFS journals the rename itself), and some file systems refuse
    to sync one: the file is complete and named either way, so that is not an error.
    """
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return False
    try:
        os.fsync(fd)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


class _NoTmpfile(Exception):
    """The file system does not support O_TMPFILE."""


def _temporary(folder: Path, suffix: str) -> Path:
    return folder / f"{TMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}{suffix}"


def _write_unnamed(path: Path, data: bytes, force: bool, sync: bool) -> None:
    try:
        fd = os.open(path.parent, os.O_TMPFILE | os.O_WRONLY, 0o644)
    except OSError as exc:
        if exc.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOENT):
            raise _NoTmpfile from None
        raise
    try:
        _write_all(fd, data, sync)
        if not force:
            try:
                _link_fd(fd, path)
            except FileExistsError:
                raise OutputExists(path) from None
            return
        tmp = _temporary(path.parent, path.suffix)
        try:  # the name exists only between the link and the replace; whatever interrupts removes it
            _link_fd(fd, tmp)
            os.replace(tmp, path)
        except BaseException:
            _unlink(tmp)
            raise
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


def _write_named(path: Path, data: bytes, force: bool, sync: bool) -> None:
    tmp = _temporary(path.parent, path.suffix)
    fd = -1
    try:  # created inside the try: an interruption at any point removes the temporary by name
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)
        _write_all(fd, data, sync)
        closing, fd = fd, -1
        os.close(closing)
        if not force and (path.exists() or path.is_symlink()):
            raise OutputExists(path)
        os.replace(tmp, path)
    except BaseException:
        # a signal can land between any two steps above (even after close, before fd is cleared):
        # closing again may fail, and must not stop the temporary from being removed
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)
        _unlink(tmp)
        raise


def _write_all(fd: int, data: bytes, sync: bool) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]
    if sync:
        os.fsync(fd)


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


_OURS = re.compile(re.escape(TMP_PREFIX) + r"(\d+)-[0-9a-f]{8}(?:\.[A-Za-z]{1,5})?")


def clean_stale_temporaries(folder: Path, pids: Iterable[int] | None = None) -> None:
    """Remove temporaries in folder: those of the processes `pids`, or, by default, of processes now gone.

    Only names this module makes (.speechgen-tmp-<pid>-<8 hex digits><.ext>) and only regular files: a
    user's file that merely starts like one, a folder or a link is never touched."""
    mine = None if pids is None else {str(p) for p in pids}
    try:
        found = list(folder.glob(f"{TMP_PREFIX}*"))
    except OSError:
        return
    for p in found:
        m = _OURS.fullmatch(p.name)
        if m is None:
            continue
        owner = m.group(1)
        if mine is not None and owner not in mine:
            continue
        if mine is None and not _abandoned(p, owner):
            continue
        with contextlib.suppress(OSError):
            if stat.S_ISREG(p.lstat().st_mode):
                p.unlink()


def process_alive(pid: int) -> bool | None:
    """Whether process pid runs; None where that cannot be told without harm (on Windows os.kill ends it)."""
    if os.name != "posix":
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it runs, as another user
        return True
    return True


def _abandoned(path: Path, owner: str) -> bool:
    alive = process_alive(int(owner)) if owner.isdigit() else None
    if alive is not None:
        return not alive
    try:  # the writer cannot be asked: a temporary untouched for an hour is taken to be abandoned
        return time.time() - path.lstat().st_mtime > STALE_AFTER
    except OSError:
        return False
