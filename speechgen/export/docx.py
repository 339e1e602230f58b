"""The Word writer: a Draft as a .docx laid out like an office document (GB/T 9704).

A plain draft is written by the lean writer (``wordml``) over the styled base of its layout, which is
built once with python-docx and kept between runs (``basecache``): a render imports neither python-docx
nor lxml once the base is kept. Word comments (--explain) and an office's reference document go through
python-docx (``pydocx``), which also defines the bytes: both paths write the same file.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from pathlib import Path

from ..draft import Draft
from . import basecache
from .layout import Layout
from .wordml import Base


def to_docx(draft: Draft, layout: Layout | None = None, explain: bool = False, reference: Path | None = None) -> bytes:
    layout = layout or Layout()
    if reference is None and not explain:
        base = base_of(layout)
        data = None if base is None else base.render(draft, layout)
        if data is not None:
            return data
    return with_python_docx(draft, layout, explain, reference)


def with_python_docx(draft: Draft, layout: Layout, explain: bool = False, reference: Path | None = None) -> bytes:
    """The writer through python-docx's API (comments, reference documents): the bytes to_docx matches."""
    from .pydocx import with_python_docx as write

    return write(draft, layout, explain, reference)


def base_of(layout: Layout) -> Base | None:
    """The base of a layout, loaded once per process (see load_base)."""
    return _loaded(replace(layout, title_breaks=()))


def load_base(layout: Layout) -> Base | None:
    """The base of a layout (the title breaks do not change it), from the cache or built and kept;
    None when the lean writer cannot be trusted here (then python-docx writes every draft)."""
    layout = replace(layout, title_breaks=())
    cache_key = basecache.key(repr(layout))
    if cache_key is not None:
        kept = basecache.read(cache_key)
        if kept is not None:
            try:
                return Base.from_json(kept)
            except (ValueError, TypeError, KeyError, UnicodeError):
                pass  # any doubt is a miss
    from .pydocx import build_base

    base = build_base(layout)
    if base is not None and cache_key is not None:
        basecache.write(cache_key, base.to_json())
    return base


_loaded = functools.lru_cache(maxsize=8)(load_base)


def warm_up(layout: Layout) -> None:
    """Load the base document for layout now (a batch does this before its workers fork)."""
    base_of(layout)
