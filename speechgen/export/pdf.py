"""PDF through LibreOffice (``soffice --headless --convert-to pdf``), when it is installed."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import SpeechgenError, ToolMissingError

INSTALL_HINT = (
    "--format pdf needs LibreOffice, which is not installed. Install it (Debian/Ubuntu: "
    "`sudo apt-get install libreoffice-writer fonts-noto-cjk`; Windows/macOS: libreoffice.org), "
    "or write .docx and print to PDF from Word or WPS."
)


def soffice() -> str | None:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return None


def docx_to_pdf(data: bytes, timeout: int = 180) -> bytes:
    exe = soffice()
    if exe is None:
        raise ToolMissingError(INSTALL_HINT)
    with tempfile.TemporaryDirectory(prefix="speechgen-pdf-") as tmp:
        src = Path(tmp) / "draft.docx"
        src.write_bytes(data)
        profile = Path(tmp) / "profile"
        env = dict(os.environ, HOME=tmp)
        cmd = [
            exe,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            tmp,
            str(src),
        ]
        try:
            subprocess.run(cmd, env=env, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise SpeechgenError(f"LibreOffice did not finish converting within {timeout} s") from None
        pdf = Path(tmp) / "draft.pdf"
        if not pdf.is_file():
            raise SpeechgenError("LibreOffice could not convert the draft to PDF")
        return pdf.read_bytes()
