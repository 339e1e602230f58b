"""Where the built-in templates, phrase banks and checks live.

Installed, they are package data inside ``speechgen/``; in a checkout they are
the top-level ``templates/`` and ``phrasebanks/`` folders that users edit.
"""

from __future__ import annotations

import os
from pathlib import Path

_HERE = Path(__file__).resolve().parent


def _builtin(name: str) -> Path:
    for candidate in (_HERE / name, _HERE.parent / name):
        if candidate.is_dir():
            return candidate
    raise RuntimeError(f"speechgen is installed without its {name}/ folder")


def templates_dir() -> Path:
    return _builtin("templates")


def banks_dir() -> Path:
    return _builtin("phrasebanks")


def env_bank_dirs() -> list[Path]:
    """Folders named in SPEECHGEN_BANKS (a path list, like PATH)."""
    raw = os.environ.get("SPEECHGEN_BANKS", "")
    return [Path(p) for p in raw.split(os.pathsep) if p.strip()]


def display_path(path: Path) -> str:
    """A short name for messages: relative to the built-in root or the cwd when possible."""
    for root in (banks_dir().parent, templates_dir().parent, working_folder()):
        if root is None:
            continue
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except (ValueError, OSError, RuntimeError):  # elsewhere, a deleted working folder, a loop of links
            continue
    return str(path)


def working_folder() -> Path | None:
    """The working folder, or None when it has been deleted under the running process."""
    try:
        return Path.cwd()
    except OSError:
        return None


def real_path(display: str) -> Path:
    """The file a display name (``phrasebanks/common.yaml``) stands for, as an absolute path: where an
    installed speechgen really reads it, which need not be the checkout a user is looking at."""
    path = Path(display)
    if not path.is_absolute():
        for folder in (banks_dir(), templates_dir()):
            if path.parts and path.parts[0] == folder.name:
                candidate = folder.joinpath(*path.parts[1:])
                if candidate.exists():
                    return candidate.resolve()
    return path.resolve()


def keep_file(path: Path, data: bytes) -> bool:
    """Write a cache entry whole or not at all (a temporary file beside it, then a rename); a cache that
    cannot be written is no error, so False is all a failure says."""
    import contextlib
    import tempfile

    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
        tmp = None
        return True
    except OSError:
        return False
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
