"""A cache of parsed phrase banks between runs, so a single render does not re-read every bank.

The cache is JSON (never pickle: nothing in it is executed), kept in ``$XDG_CACHE_HOME/speechgen`` or
``~/.cache/speechgen`` (nowhere when neither is an absolute folder: an empty HOME never means ``/.cache``),
and keyed by the banks alone: speechgen's version, the style, and every bank file's real path, size and
modification time, so an edited bank is read afresh and the working folder plays no part (file names are
stored as real paths and shown relative to wherever the next run stands).

An entry is trusted only when everything about it checks: a regular file of bounded size, JSON of the
expected shape and types, a digest that matches its content, and variants that keep to the variant
language. Any doubt is a miss: the entry is removed and the banks are read again. The folder holds at most
MAX_ENTRIES entries and MAX_TOTAL bytes; the oldest go first.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from speechgen import __version__
from speechgen.compose import variantlang
from speechgen.compose.variant import FACT_LISTS, FRONTS, ROLES, USES
from speechgen.errors import SpeechgenError
from speechgen.event.files import read_limited
from speechgen.resources import display_path, keep_file, real_path

FORMAT = 3  # the layout of a cache entry: raised when it changes, so old entries are never read
MAX_ENTRY = 32_000_000  # bytes of one entry
MAX_ENTRIES = 12
MAX_TOTAL = 96_000_000  # bytes of the whole folder
_NAME = re.compile(r"banks-[0-9a-f]{32}\.json")


def cache_dir() -> Path | None:
    if os.environ.get("SPEECHGEN_NO_CACHE"):
        return None
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(xdg):  # the XDG rule: a relative path is ignored
        return Path(xdg) / "speechgen"
    home = os.environ.get("HOME", "")
    if os.path.isabs(home) and os.path.normpath(home) != "/":
        return Path(home) / ".cache" / "speechgen"
    return None  # no home to speak of (HOME="", HOME=/): no cache rather than /.cache


def key(style: str, dirs: tuple[Path, ...], files: list[Path]) -> str:
    """The banks alone: version, style and each file's real path, size and time (dirs: only to find them)."""
    del dirs
    h = hashlib.sha256(f"{__version__}|{FORMAT}|{style}".encode())
    for f in files:
        st = f.stat()
        in_style = f.parent.name == style and f.parent.parent.name == "styles"
        h.update(f"|{os.path.realpath(f)}|{st.st_size}|{st.st_mtime_ns}|{in_style}".encode())
    return h.hexdigest()[:32]


def read(cache_key: str) -> dict[str, Any] | None:
    """The banks of an entry, with file names shown from here; None (and the entry gone) on any doubt."""
    folder = cache_dir()
    if folder is None:
        return None
    path = folder / f"banks-{cache_key}.json"
    if not os.path.lexists(path):
        return None
    try:
        entry = json.loads(read_limited(path, MAX_ENTRY, str(path)).decode("utf-8"))
        data = _trusted(entry)
    except (SpeechgenError, ValueError, TypeError, KeyError, RecursionError, UnicodeDecodeError):
        data = None
    if data is None:
        _remove(path)
        return None
    return _shown(data)


def write(cache_key: str, data: dict[str, Any]) -> None:
    folder = cache_dir()
    if folder is None:
        return
    payload = _stored(data)
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    entry = json.dumps({"format": FORMAT, "digest": _digest(body), "data": payload}, ensure_ascii=False)
    raw = entry.encode("utf-8")
    if len(raw) > MAX_ENTRY:
        return
    if keep_file(folder / f"banks-{cache_key}.json", raw):  # a cache that cannot be written is no error
        with contextlib.suppress(OSError):
            prune(folder)


def prune(folder: Path, keep: int = MAX_ENTRIES, total: int = MAX_TOTAL) -> None:
    """Keep the newest entries within the count and byte bounds; remove the rest (only our own names)."""
    entries = []
    for p in folder.iterdir():
        if _NAME.fullmatch(p.name):
            with contextlib.suppress(OSError):
                st = p.lstat()
                entries.append((st.st_mtime_ns, st.st_size, p))
    entries.sort(reverse=True)
    size = 0
    for i, (_, n, p) in enumerate(entries):
        size += n
        if i >= keep or size > total:
            _remove(p)


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        if not path.is_dir() or path.is_symlink():
            path.unlink()


def _digest(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


# -- file names: stored as real paths, shown from the working folder ------------------------------


def _map_files(data: dict[str, Any], function: Any) -> dict[str, Any]:
    seen: dict[str, str] = {}

    def convert(name: str) -> str:  # a few files, thousands of variants: each name converted once
        if name not in seen:
            seen[name] = function(name)
        return seen[name]

    out = dict(data)
    out["files"] = [convert(f) for f in data["files"]]
    out["variants"] = [[*v[:2], convert(v[2]), *v[3:]] for v in data["variants"]]
    out["units"] = [[*u[:2], convert(u[2]), *u[3:]] for u in data["units"]]
    return out


def _stored(data: dict[str, Any]) -> dict[str, Any]:
    return _map_files(data, lambda shown: str(real_path(shown)))


def _shown(data: dict[str, Any]) -> dict[str, Any]:
    return _map_files(data, lambda stored: display_path(Path(stored)))


# -- what an entry must look like ----------------------------------------------------------------


def _trusted(entry: Any) -> dict[str, Any] | None:
    if not isinstance(entry, dict) or entry.get("format") != FORMAT or not isinstance(entry.get("digest"), str):
        return None
    data = entry.get("data")
    if not isinstance(data, dict):
        return None
    body = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    if _digest(body) != entry["digest"] or not _shape(data):
        return None
    return data


_STR = {str}


def _strs(v: Any) -> bool:
    return type(v) is list and (not v or set(map(type, v)) == _STR)


def _int(v: Any, lo: int, hi: int) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi


def _tags(t: Any) -> bool:
    if not (isinstance(t, list) and len(t) == 8):
        return False
    lists = (t[0], t[1], t[2], t[3], t[4], t[5], t[7])
    return all(map(_strs, lists)) and (t[6] == "" or t[6] in FRONTS)


def _meta(meta: Any) -> bool:
    if not isinstance(meta, dict) or not all(isinstance(k, str) for k in meta):
        return False
    if not all(v is None or isinstance(v, (str, int, float)) for v in meta.values()):
        return False
    lf = meta.get("length_factor")
    return lf is None or (isinstance(lf, (int, float)) and not isinstance(lf, bool) and 0.3 <= lf <= 2.0)


def _shape(d: dict[str, Any]) -> bool:
    head = (
        isinstance(d.get("style"), str)
        and _strs(d.get("styles"))
        and _meta(d.get("meta"))
        and _strs(d.get("files"))
        and _strs(d.get("slots"))
        and isinstance(d.get("variants"), list)
        and isinstance(d.get("units"), list)
        and _strs(d.get("warnings"))
    )
    if not head:
        return False
    slots = set(d["slots"])
    for v in d["variants"]:
        if not (isinstance(v, list) and len(v) == 8):
            return False
        text, slot, file, line, tags, weight, requires, unknown = v
        if not (isinstance(text, str) and text.strip() and slot in slots and isinstance(file, str)):
            return False
        if not (_int(line, 1, 10**7) and _tags(tags) and _int(weight, 1, 10) and _strs(requires) and _strs(unknown)):
            return False
        if variantlang.check(text) is not None:  # an entry cannot smuggle in what a bank file may not hold
            return False
    for u in d["units"]:
        if not (isinstance(u, list) and len(u) == 11):
            return False
        uid, topic, file, line, keys, tags, facts, match, use, weight, roles = u
        if not (isinstance(uid, str) and uid and isinstance(topic, str) and isinstance(file, str)):
            return False
        if not (_int(line, 1, 10**7) and _strs(keys) and _tags(tags) and _strs(match) and _int(weight, 1, 10)):
            return False
        if facts not in ("", *FACT_LISTS) or use not in ("", *USES) or not _strs(roles) or set(roles) - set(ROLES):
            return False
    return True
