"""Writing a user's bank folder: a new style to edit, a workbook of banks, a folder from a filled workbook.

Every file is written atomically and never over an existing one without force; the built-in banks are
never written. What is written comes from the API; this module only puts it on disk.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from speechgen import api
from speechgen.errors import OutputError
from speechgen.resources import banks_dir
from speechgen.run.output import OutputExists, write_atomic


def refuse_builtin(folder: Path) -> None:
    """The built-in banks are never written: a folder inside them is refused."""
    target, builtin = folder.resolve(), banks_dir().resolve()
    if target == builtin or builtin in target.parents:
        raise OutputError(f"{folder}: is the built-in phrase banks' folder; write your banks to a folder of your own")


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
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, text.encode("utf-8"), force=force)
    return path
