"""PDF through LibreOffice (``soffice --headless --convert-to pdf``), when it is installed.

The conversion runs with a fontconfig setup of its own (fonts.py), so each official face is set in
the nearest installed free face and the faces stay distinct; an installed official face still wins. The
result is made reproducible (pdfbytes.py): the same draft gives the same PDF bytes. LibreOffice runs in
its own process group in a temporary folder named after this process: an interrupted conversion
kills the group and removes the folder, and a folder left by a killed process is removed next time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

from speechgen.i18n import N_, _

from ..errors import SpeechgenError, ToolMissingError
from . import fonts
from .layout import Layout
from .pdfbytes import reproducible

INSTALL_HINT = N_(
    "--format pdf needs LibreOffice, which is not installed. Install it (Debian/Ubuntu: "
    "`sudo apt-get install libreoffice-writer fonts-noto-cjk fonts-arphic-ukai fonts-arphic-uming`; "
    "Windows/macOS: libreoffice.org), or write .docx and print to PDF from Word or WPS."
)
PREFIX = "speechgen-pdf-"
_GROUPS: set[int] = set()  # LibreOffice process groups this process runs now
_FOLDERS: set[Path] = set()  # conversion folders this process holds now
_FONT_ATTR = re.compile(r'w:(?:ascii|hAnsi|eastAsia|cs|name)="([^"]+)"')
STALE_AFTER = 3600  # seconds, for a folder whose owner cannot be told


def soffice() -> str | None:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return None


def docx_to_pdf(
    data: bytes, layout: Layout | None = None, when: dt.datetime | None = None, timeout: int = 180
) -> bytes:
    exe = soffice()
    if exe is None:
        raise ToolMissingError(_(INSTALL_HINT))
    layout = layout or Layout()
    with work_folder() as tmp:
        src = tmp / "draft.docx"
        src.write_bytes(data)
        env = dict(os.environ, HOME=str(tmp), TZ="UTC")
        # LibreOffice finds fonts through fontconfig everywhere but on Windows and macOS
        config = fonts.write_conversion_config(tmp, layout) if sys.platform not in ("win32", "darwin") else None
        if config is not None:
            env["FONTCONFIG_FILE"] = str(config)
        profile = (tmp / "profile").as_uri()
        cmd = [exe, f"-env:UserInstallation={profile}", "--headless", "--norestore"]
        out = ["--outdir", str(tmp)]
        # By way of OpenDocument: LibreOffice ignores w:autoSpaceDE/DN and would set a gap between Han
        # characters and digits (2026 年 1 月) that Word and WPS, reading the same file, do not.
        _run([*cmd, "--convert-to", "odt", *out, str(src)], env, timeout)
        odt = tmp / "draft.odt"
        if not odt.is_file():
            raise SpeechgenError(_("LibreOffice could not read the draft"))
        without_autospace(odt)
        _run([*cmd, "--convert-to", "pdf", *out, str(odt)], env, timeout)
        pdf = tmp / "draft.pdf"
        if not pdf.is_file():
            raise SpeechgenError(_("LibreOffice could not convert the draft to PDF"))
        faces = fonts.matched_faces(named_fonts(data), config) if config and fonts.has_fontconfig() else {}
        return reproducible(pdf.read_bytes(), when or dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc), faces)


def named_fonts(docx: bytes) -> list[str]:
    """Every font a .docx names (font table, styles, text, footers): the faces a PDF of it may use."""
    names: dict[str, None] = {}
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        for part in z.namelist():
            if part.startswith("word/") and part.endswith(".xml"):
                text = z.read(part).decode("utf-8", errors="replace")
                for name in _FONT_ATTR.findall(text):
                    names.setdefault(html.unescape(name))
    return list(names)


def without_autospace(odt: Path) -> None:
    """Turn off LibreOffice's automatic space between Asian and Western text in every style of an .odt."""
    with zipfile.ZipFile(odt) as z:
        entries = [(info, z.read(info.filename)) for info in z.infolist()]
    with zipfile.ZipFile(odt, "w") as out:
        for info, blob in entries:
            if info.filename in ("styles.xml", "content.xml"):
                blob = blob.replace(b'style:text-autospace="ideograph-alpha"', b'style:text-autospace="none"')
            out.writestr(info, blob)


def _run(cmd: list[str], env: dict[str, str], timeout: int) -> None:
    """Run LibreOffice in a process group of its own; whatever ends the wait (a timeout, Ctrl-C, SIGTERM)
    ends the whole group before the folder is removed."""
    posix = hasattr(os, "killpg")
    proc = subprocess.Popen(
        cmd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=posix,
    )
    _GROUPS.add(proc.pid)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        raise SpeechgenError(
            _("LibreOffice did not finish converting within {timeout} s").format(timeout=timeout)
        ) from None
    finally:
        if proc.poll() is None or posix:
            _kill(proc, posix)
        _GROUPS.discard(proc.pid)


def _kill(proc: subprocess.Popen, posix: bool) -> None:
    with contextlib.suppress(OSError):
        if posix:
            os.killpg(proc.pid, signal.SIGKILL)  # soffice.bin outlives its launcher otherwise
        else:
            proc.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)


@contextlib.contextmanager
def work_folder() -> Iterator[Path]:
    """A temporary folder speechgen-pdf-<pid>-…, removed on the way out, however the way out is taken."""
    remove_stale()
    path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
    _FOLDERS.add(path)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
        _FOLDERS.discard(path)


def abandon() -> None:
    """End every conversion this process is running and remove its folder: for a process told to stop
    (a batch worker's SIGTERM) that will not unwind its own `finally` blocks."""
    for group in list(_GROUPS):
        with contextlib.suppress(OSError):
            if hasattr(os, "killpg"):
                os.killpg(group, signal.SIGKILL)
    for folder in list(_FOLDERS):
        shutil.rmtree(folder, ignore_errors=True)


def remove_stale(folder: Path | None = None) -> None:
    """Remove the conversion folders of processes that no longer run (a kill -9 leaves one behind)."""
    folder = folder or Path(tempfile.gettempdir())
    with contextlib.suppress(OSError):
        for path in folder.glob(f"{PREFIX}*"):
            owner = path.name[len(PREFIX) :].split("-", 1)[0]
            dead = not _alive(int(owner)) if owner.isdigit() and hasattr(os, "killpg") else _old(path)
            if dead:
                shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid() or not hasattr(os, "killpg"):
        return True  # on Windows os.kill(pid, 0) would end the process: the age check decides there
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _old(path: Path) -> bool:
    try:
        return time.time() - path.stat().st_mtime > STALE_AFTER
    except OSError:
        return False
