"""The working folder (``--folder``): the only place a request parameter can name on disk.

A name is a plain file name of the folder: no separator, no ``..``, no drive, ending in .yaml or .yml.
It is resolved, links included, and must still be a file of the folder itself; anything else is refused
(403) before the file system is asked anything more.
"""

from __future__ import annotations

from pathlib import Path

from starlette.exceptions import HTTPException

from speechgen.i18n import _
from speechgen.run import eventfile
from speechgen.run.output import write_atomic

SUFFIXES = (".yaml", ".yml")


def listing(folder: Path) -> list[tuple[str, int]]:
    """(name, size) of the event files directly in the folder, sorted by name."""
    out = []
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if path.suffix.lower() in SUFFIXES and not path.name.startswith(".") and path.is_file():
            try:
                inside(folder, path.name)
            except HTTPException:
                continue  # a link that leads out of the folder is not offered
            out.append((path.name, path.stat().st_size))
    return out


def checked_name(name: str) -> str:
    name = name.strip()
    bad = (
        not name
        or name in (".", "..")
        or any(c in name for c in "/\\:\x00")
        or name.startswith(".")
        or Path(name).suffix.lower() not in SUFFIXES
        or len(name.encode("utf-8")) > 240
    )
    if bad:
        raise HTTPException(
            403, _("Refused: {name!r} is not the name of an event file in the working folder.").format(name=name)
        )
    return name


def inside(folder: Path, name: str) -> Path:
    """folder/name, once it is sure to be a file name of the folder (links resolved and checked)."""
    name = checked_name(name)
    root = folder.resolve()
    path = root / name
    if path.resolve().parent != root:
        raise HTTPException(403, _("Refused: {name!r} leads outside the working folder.").format(name=name))
    return path


def read(folder: Path, name: str) -> str:
    """The text of an event file of the folder, with a file's size limit and encoding rules."""
    path = inside(folder, name)
    if not path.is_file():
        raise HTTPException(404, _("No such event file in the working folder: {name}").format(name=name))
    return eventfile.read_event_text(path.read_bytes()[: 1 << 24], name=name)


def save(folder: Path, name: str, text: str, *, overwrite: bool) -> Path:
    """Write an event file into the folder atomically; an existing file only when overwrite is set."""
    path = inside(folder, name)
    write_atomic(path, text.encode("utf-8"), force=overwrite)
    return path
