"""The Word writer's base documents kept between runs, so that a render neither imports python-docx nor
rebuilds the styled base.

Kept beside the bank cache, in the user's cache folder (``$XDG_CACHE_HOME/speechgen`` or
``~/.cache/speechgen``; ``SPEECHGEN_NO_CACHE=1`` turns both off), as JSON: never pickle, nothing in it is
executed. An entry is keyed by speechgen's version, the cache format, the Layout, the Python and zlib
that wrote it, and the size and time of the files that make a base (python-docx, lxml and speechgen's
own builders), so that an upgrade or an edit builds afresh. The entry carries its key and a SHA-256 of
its content: whatever is unreadable, too large, of another key or altered is a miss. Written atomically
(a temporary file renamed over the entry); a cache that cannot be read or written is no error.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import zlib
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from speechgen import __version__
from speechgen.resources import keep_file

FORMAT = 1  # the layout of an entry: raised when it changes, so old entries are never read
MAX_BYTES = 4 * 1024 * 1024  # an entry is about 40 KB; anything much larger is not ours
PREFIX = "docxbase-"
_BUILDERS = ("pydocx.py", "ooxml.py", "compat.py", "wordml.py", "layout.py", "basecache.py")


def cache_dir() -> Path | None:
    """The same folder as the bank cache."""
    if os.environ.get("SPEECHGEN_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "speechgen"


def _makers() -> list[Path]:
    """The files whose change changes a base: our builders, and the packages python-docx and lxml."""
    here = Path(__file__).resolve().parent
    files = [here / name for name in _BUILDERS]
    for package in ("docx", "lxml"):
        spec = find_spec(package)
        if spec is None or spec.origin is None:
            raise OSError(f"{package} is not installed")
        files.append(Path(spec.origin))
    return files


def key(layout_repr: str) -> str | None:
    """The key of a layout's base; None when it cannot be told (then nothing is read or kept)."""
    h = hashlib.sha256(f"{__version__}|{FORMAT}|{sys.version}|{zlib.ZLIB_RUNTIME_VERSION}|{layout_repr}".encode())
    try:
        for f in _makers():
            st = f.stat()
            h.update(f"|{f}|{st.st_size}|{st.st_mtime_ns}".encode())
    except (OSError, ImportError, ValueError):
        return None
    return h.hexdigest()[:32]


def read(cache_key: str) -> Any:
    """The content kept under a key, or None: missing, unreadable, too large, not a regular file, of
    another key or format, or not what was written (its digest differs)."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        with open(folder / f"{PREFIX}{cache_key}.json", "rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_BYTES:
                return None
            entry = json.loads(fh.read(MAX_BYTES + 1))
        if not isinstance(entry, dict) or entry.get("format") != FORMAT or entry.get("key") != cache_key:
            return None
        content = entry.get("content")
        if not isinstance(content, str) or hashlib.sha256(content.encode()).hexdigest() != entry.get("sha256"):
            return None
        return json.loads(content)
    except (OSError, ValueError, UnicodeError, RecursionError):
        return None


def write(cache_key: str, data: Any) -> None:
    folder = cache_dir()
    if folder is None:
        return
    content = json.dumps(data, ensure_ascii=False, sort_keys=True)
    entry = {"format": FORMAT, "key": cache_key, "sha256": hashlib.sha256(content.encode()).hexdigest()}
    data = json.dumps(entry | {"content": content}, ensure_ascii=False).encode("utf-8")
    keep_file(folder / f"{PREFIX}{cache_key}.json", data)  # a cache that cannot be written is no error
