"""`batch --zip out.zip`: every draft of a batch and its report in one archive, to send by e-mail.

The archive is written once the batch has ended, from the files in the output folder (so a rerun that
skips drafts made before still packs them), in input order, with the report last. It is streamed into a
hidden temporary beside its name and only then named, like every file speechgen writes; its entries carry
a fixed date, so the same drafts give the same archive. Names are stored as UTF-8 (flagged as such, which
Windows' Explorer, 7-Zip, WinRAR and Bandizip read).
"""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from speechgen.errors import ConfigError
from speechgen.i18n import _
from speechgen.run.job import Outcome
from speechgen.run.output import write_atomic_by

ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def check_archive(archive: Path | None, force: bool) -> None:
    """Before the batch starts: a .zip name, not taken (unless --force), in a folder that can be."""
    if archive is None:
        return
    if archive.suffix.lower() != ".zip":
        raise ConfigError(_("--zip {path}: give a file name ending in .zip").format(path=archive))
    if archive.is_dir():
        raise ConfigError(_("--zip {path}: is a folder").format(path=archive))
    if (archive.exists() or archive.is_symlink()) and not force:
        raise ConfigError(_("--zip {path}: exists; use --force to overwrite").format(path=archive))
    if archive.parent.exists() and not archive.parent.is_dir():
        raise ConfigError(_("--zip {path}: {folder} is not a folder").format(path=archive, folder=archive.parent))


def packed(outcomes: Iterable[Outcome], folder: Path) -> list[Path]:
    """The drafts to pack: each event's file in the folder, drafted now or skipped as made before."""
    seen: set[str] = set()
    files = []
    for o in outcomes:
        if o.status in ("drafted", "skipped") and o.output and o.output not in seen:
            path = folder / o.output
            if path.is_file() and not path.is_symlink():
                seen.add(o.output)
                files.append(path)
    return files


def write_archive(
    archive: Path, folder: Path, outcomes: list[Outcome], report: tuple[str, bytes], *, force: bool = False
) -> int:
    """Write the archive; the number of drafts in it."""
    files = packed(outcomes, folder)
    report_name, report_data = report

    def fill(f: BinaryIO) -> None:
        with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as z:
            for path in files:
                with path.open("rb") as src, z.open(_entry(path.name), "w", force_zip64=True) as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
            z.writestr(_entry(report_name), report_data)

    archive.parent.mkdir(parents=True, exist_ok=True)
    write_atomic_by(archive, fill, force=force)
    return len(files)


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # the same bytes on every platform
    info.external_attr = 0o644 << 16
    return info
