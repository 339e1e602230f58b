"""A cache of parsed phrase banks between runs, so a single render does not re-read every bank.

The cache is JSON (never pickle: nothing in it is executed), kept in the user's cache
folder and keyed by speechgen's version, the style, the folders, and every bank
file's path, size and modification time: an edited bank is read afresh.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from speechgen import __version__

FORMAT = 2  # the layout of a cache entry: raised when it changes, so old entries are never read


def cache_dir() -> Path | None:
    if os.environ.get("SPEECHGEN_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "speechgen"


def key(style: str, dirs: tuple[Path, ...], files: list[Path]) -> str:
    h = hashlib.sha256()
    h.update(f"{__version__}|{FORMAT}|{style}|{Path.cwd()}|{'|'.join(str(d.resolve()) for d in dirs)}".encode())
    for f in files:
        st = f.stat()
        h.update(f"|{f.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode())
    return h.hexdigest()[:32]


def read(cache_key: str) -> dict[str, Any] | None:
    folder = cache_dir()
    if folder is None:
        return None
    try:
        return json.loads((folder / f"banks-{cache_key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write(cache_key: str, data: dict[str, Any]) -> None:
    folder = cache_dir()
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".banks-", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False)
        os.replace(tmp, folder / f"banks-{cache_key}.json")
    except OSError:
        pass  # a cache that cannot be written is no error
