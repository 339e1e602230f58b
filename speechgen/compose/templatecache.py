"""Compiled templates kept between runs, so that a render neither compiles its templates nor builds
Jinja's lexer.

A Jinja bytecode cache in the user's cache folder, beside the bank cache (``$XDG_CACHE_HOME/speechgen``
or ``~/.cache/speechgen``; ``SPEECHGEN_NO_CACHE=1`` turns it off). Compiled code is executed when it is
loaded, so the rules are stricter than for the JSON caches: the folder is made private (0700) and used
only while it is the user's own and the folder above is not open to everyone; an entry is
speechgen's own format (no pickle, unlike Jinja's FileSystemBytecodeCache): a header, the template
source's checksum, a SHA-256 of the code and the marshalled code. Any doubt (unreadable, too large, another
source, another digest, not a code object) is a miss, and the template is compiled as before. The folder's
name carries speechgen's, Jinja's and Python's versions and the size and time of the module that
configures the environment, since the compiled code depends on all of them. Writes are atomic.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import stat
import sys
import types
from pathlib import Path

import jinja2
from jinja2.bccache import Bucket, BytecodeCache

from speechgen import __version__
from speechgen.resources import keep_file

FORMAT = 1
MAGIC = b"speechgen-template-code %d\n" % FORMAT
MAX_BYTES = 4 * 1024 * 1024
_CONFIGURES = ("jinjaenv.py", "templatecache.py")  # the environment's class and options, and this format


def cache_dir() -> Path | None:
    """The same folder as the bank cache."""
    if os.environ.get("SPEECHGEN_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "speechgen"


def _private(folder: Path) -> bool:
    """The folder is the user's own and only the user may enter it (made so when it is the user's), and
    the folder above is not open to everyone: on systems with owners and modes."""
    if not hasattr(os, "getuid"):
        return True
    st = folder.stat()
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
        return False
    if st.st_mode & 0o077:
        folder.chmod(0o700)
        st = folder.stat()
    return not st.st_mode & 0o077 and not folder.parent.stat().st_mode & 0o002


def folder_name() -> str:
    here = Path(__file__).resolve().parent
    h = hashlib.sha256(f"{__version__}|{FORMAT}|{jinja2.__version__}|{sys.version}".encode())
    for name in _CONFIGURES:
        st = (here / name).stat()
        h.update(f"|{name}|{st.st_size}|{st.st_mtime_ns}".encode())
    return f"templates-{h.hexdigest()[:24]}"


def template_cache() -> TemplateCache | None:
    """The bytecode cache for this installation, or None (turned off, or no private folder to be had)."""
    root = cache_dir()
    if root is None:
        return None
    try:
        folder = root / folder_name()
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(folder):
            return None
    except OSError:
        return None
    return TemplateCache(folder)


class TemplateCache(BytecodeCache):
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, bucket: Bucket) -> Path:
        return self.folder / f"{bucket.key}.code"

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            with open(self._path(bucket), "rb") as fh:
                st = os.fstat(fh.fileno())
                if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_BYTES:
                    return
                data = fh.read(MAX_BYTES + 1)
            magic, checksum, digest, code = data.split(b"\n", 3)
            if magic + b"\n" != MAGIC or checksum.decode() != bucket.checksum:
                return
            if hashlib.sha256(code).hexdigest() != digest.decode():
                return
            loaded = marshal.loads(code)
            if isinstance(loaded, types.CodeType):
                bucket.code = loaded
        except (OSError, ValueError, EOFError, TypeError, UnicodeError):
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        if bucket.code is None:
            return
        code = marshal.dumps(bucket.code)
        data = MAGIC + f"{bucket.checksum}\n{hashlib.sha256(code).hexdigest()}\n".encode() + code
        keep_file(self._path(bucket), data)  # a cache that cannot be written is no error

    def clear(self) -> None:
        for path in self.folder.glob("*.code"):
            with contextlib.suppress(OSError):
                path.unlink()
