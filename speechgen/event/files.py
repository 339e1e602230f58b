"""Reading a user's file the careful way: only a regular file, never more than a limit.

A FIFO, a socket, a device (``/dev/zero``, ``/dev/stdin``) or a folder given where a file belongs is
refused before a byte is read: opening is non-blocking (a FIFO with no writer would block the open
itself), the type is checked on the open descriptor (no race with a rename), and at most ``limit`` bytes
are read, so a file that grows while it is read cannot take the memory either. Every reader of user
files goes through here: event files, batch inputs, banks, templates, layouts, drafts to check, the
reference .docx and the bank cache.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from speechgen.errors import InputError, Problem
from speechgen.i18n import N_, _

_KINDS = (
    (stat.S_ISFIFO, N_("a pipe (FIFO)")),
    (stat.S_ISCHR, N_("a device")),
    (stat.S_ISBLK, N_("a device")),
    (stat.S_ISSOCK, N_("a socket")),
)


def describe(mode: int) -> str:
    """What a non-regular file is, in a few words."""
    for test, words in _KINDS:
        if test(mode):
            return _(words)
    return _("a folder") if stat.S_ISDIR(mode) else _("not a regular file")


def read_limited(path: Path | str, limit: int, name: str | None = None, what: str = "file") -> bytes:
    """The bytes of a regular file of at most `limit` bytes; InputError (naming the file) otherwise."""
    shown = name or str(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise InputError([Problem(shown, _("no such file"))]) from None
    except IsADirectoryError:
        raise InputError([Problem(shown, _("is a folder, not a file"))]) from None
    except OSError as exc:
        raise InputError([Problem(shown, _cannot(exc))]) from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise InputError([Problem(shown, _("is a folder, not a file"))])
        if not stat.S_ISREG(st.st_mode):
            raise InputError(
                [Problem(shown, _("is {describe}, not a regular file; refused").format(describe=describe(st.st_mode)))]
            )
        if st.st_size > limit:
            raise InputError([Problem(shown, too_big(st.st_size, limit, what))])
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # it grew while being read
                raise InputError([Problem(shown, too_big(total, limit, what))])
        return b"".join(chunks)
    except OSError as exc:
        raise InputError([Problem(shown, _cannot(exc))]) from None
    finally:
        os.close(fd)


def too_big(size: int, limit: int, what: str = "file") -> str:
    megabytes = f" ({limit / 1_000_000:g} MB)" if limit >= 1_000_000 else ""
    what = _("file") if what == "file" else _("template") if what == "template" else what
    return _("{what} is {size:,} bytes; the limit is {limit:,} bytes{megabytes}").format(
        what=what, size=size, limit=limit, megabytes=megabytes
    )


def _cannot(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return _("cannot read: a loop of symbolic links")
    if exc.errno == errno.ENAMETOOLONG:
        return _("cannot read: the file name is too long")
    return _("cannot read: {value}").format(value=exc.strerror or exc)


def regular_file(path: Path | str, name: str | None = None) -> None:
    """Refuse, before anything opens it, a path that is not a regular file (a FIFO would block the opener)."""
    shown = name or str(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError([Problem(shown, _("no such file"))]) from None
    except OSError as exc:
        raise InputError([Problem(shown, _cannot(exc))]) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError([Problem(shown, _("is a folder, not a file"))])
    if not stat.S_ISREG(st.st_mode):
        raise InputError(
            [Problem(shown, _("is {describe}, not a regular file; refused").format(describe=describe(st.st_mode)))]
        )


MAX_DOCX_BYTES = 50_000_000  # a .docx on disk
MAX_DOCX_UNPACKED = 100_000_000  # all its parts, unpacked
MAX_DOCX_PART = 30_000_000  # one part, unpacked
MAX_DOCX_PARTS = 2_000


def checked_zip(path: Path | str, name: str | None = None, what: str = "a Word .docx file") -> bytes:
    """The bytes of a .docx whose parts, unpacked, stay within bounds (a zip bomb is refused before it is
    unpacked: zipfile never inflates a part past the size its header declares)."""
    import zipfile  # only for the files that are zips: a render needs none of it

    shown = name or str(path)
    data = read_limited(path, MAX_DOCX_BYTES, shown)
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as exc:
        raise InputError([Problem(shown, _("not {what}: {exc}").format(what=what, exc=exc))]) from None
    if len(infos) > MAX_DOCX_PARTS:
        raise InputError(
            [Problem(shown, _("holds {n_infos:,} parts; not {what}").format(n_infos=len(infos), what=what))]
        )
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_DOCX_PART or total > MAX_DOCX_UNPACKED:
            message = f"unpacks to more than {MAX_DOCX_UNPACKED // 1_000_000} MB (a zip bomb?); refused"
            if info.file_size > MAX_DOCX_PART:
                message = f"part {info.filename} unpacks to {info.file_size:,} bytes (a zip bomb?); refused"
            raise InputError([Problem(shown, message)])
    return data
