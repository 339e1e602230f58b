"""Family names of the fonts in the usual font folders, read from their name tables (no fontconfig needed).

For `speechgen fonts` on Windows and macOS, where there is no fontconfig to ask: every .ttf, .otf and
.ttc file's `name` table gives the family names the font answers to, localized ones included (仿宋_GB2312
is the Chinese name of FangSong_GB2312). SPEECHGEN_FONT_DIRS (folders separated by os.pathsep) replaces
the usual folders.
"""

from __future__ import annotations

import os
import struct
import sys
from collections.abc import Iterator
from pathlib import Path

FAMILY_IDS = (1, 16)  # family, typographic family (OpenType name IDs)
SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")


def font_dirs() -> list[Path]:
    if os.environ.get("SPEECHGEN_FONT_DIRS"):
        return [Path(p) for p in os.environ["SPEECHGEN_FONT_DIRS"].split(os.pathsep) if p]
    home = Path.home()
    if sys.platform.startswith("win"):
        windir = Path(os.environ.get("WINDIR", r"C:\Windows"))
        local = Path(os.environ.get("LOCALAPPDATA", home / "AppData" / "Local"))
        return [windir / "Fonts", local / "Microsoft" / "Windows" / "Fonts"]
    if sys.platform == "darwin":
        return [Path("/System/Library/Fonts"), Path("/Library/Fonts"), home / "Library" / "Fonts"]
    return [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), home / ".local/share/fonts", home / ".fonts"]


def installed_families() -> set[str]:
    names: set[str] = set()
    for folder in font_dirs():
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() in SUFFIXES and path.is_file():
                names.update(families(path))
    return names


def families(path: Path) -> set[str]:
    """The family names in one font file (every face of a collection); empty for a file that cannot be read."""
    try:
        with path.open("rb") as f:
            return set(_families(f))
    except (OSError, struct.error, ValueError):
        return set()


def _families(f) -> Iterator[str]:  # noqa: ANN001
    head = f.read(12)
    if head[:4] == b"ttcf":
        count = struct.unpack(">I", head[8:12])[0]
        offsets = struct.unpack(f">{min(count, 256)}I", f.read(4 * min(count, 256)))
    else:
        offsets = (0,)
    for offset in offsets:
        f.seek(offset)
        num_tables = struct.unpack(">4xH6x", f.read(12))[0]
        records = f.read(16 * num_tables)
        for i in range(num_tables):
            tag, _, table_offset, _ = struct.unpack(">4sIII", records[16 * i : 16 * i + 16])
            if tag == b"name":
                yield from _names(f, table_offset)


def _names(f, offset: int) -> Iterator[str]:  # noqa: ANN001
    f.seek(offset)
    _, count, strings = struct.unpack(">HHH", f.read(6))
    records = f.read(12 * count)
    for i in range(count):
        platform, encoding, _, name_id, length, at = struct.unpack(">6H", records[12 * i : 12 * i + 12])
        if name_id not in FAMILY_IDS:
            continue
        f.seek(offset + strings + at)
        raw = f.read(length)
        if platform in (0, 3):
            text = raw.decode("utf-16-be", errors="ignore")
        elif platform == 1 and encoding == 0:
            text = raw.decode("mac_roman", errors="ignore")
        else:
            continue
        if text.strip():
            yield text.strip()
