"""Finding templates: only files that really are inside the template folders.

Jinja's FileSystemLoader follows links, so a ``--templates`` folder holding ``mobilisation.j2 -> /some/secret``
or a linked subfolder ``etc -> /etc`` put the target's text into a speech. Here every template name is
resolved to its real path and refused unless that path is inside the real path of the folder it was found
in (a link from one template of the folder to another is fine). A template must be a regular UTF-8 file of
at most a megabyte: a FIFO or a device is refused before it is opened for reading.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from jinja2 import BaseLoader, Environment, TemplateNotFound
from jinja2.loaders import split_template_path

from speechgen.errors import ConfigError, InputError, Problem
from speechgen.event.files import read_limited
from speechgen.i18n import _
from speechgen.resources import display_path

from .budget import BudgetExceeded

MAX_TEMPLATE_BYTES = 1_000_000


class TemplateOutside(BudgetExceeded):
    """A template name that resolves outside its folder (a link); a SecurityError like the sandbox's own."""


def inside(folder: Path, name: str) -> Path | None:
    """folder/name if it exists and really lies inside folder; None if it does not exist; TemplateOutside if
    it leads out (a link, or a linked folder on the way)."""
    pieces = split_template_path(name)  # refuses ".." (TemplateNotFound)
    candidate = os.path.join(folder, *pieces)
    if not os.path.lexists(candidate):
        return None
    root = os.path.realpath(folder)
    real = os.path.realpath(candidate)
    if os.path.commonpath([root, real]) != root:
        shown = shown_name(folder, name)
        raise TemplateOutside(f"{shown} leads to a file outside its folder {display_path(Path(folder))}; refused")
    return Path(real)


def shown_name(folder: Path, name: str) -> str:
    """folder/name for messages, the folder shortened as usual but the name never resolved (a link stays
    the link's own name)."""
    return os.path.join(display_path(Path(folder)), *split_template_path(name))


def absolute_folder(folder: Path) -> Path:
    """The folder as an absolute path (as given when the working folder is gone: the loader reports it)."""
    try:
        return Path(os.path.abspath(folder))
    except OSError:
        return Path(folder)


class FolderLoader(BaseLoader):
    """Templates from folders searched in order (a user's first, the built-in ones last)."""

    def __init__(self, folders: Sequence[Path], option: str = "--templates") -> None:
        self.folders = [Path(f) for f in folders]
        for f in self.folders:
            if not f.is_dir():
                raise ConfigError(
                    _("{option} {display_path}: no such folder").format(option=option, display_path=display_path(f))
                )

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        for folder in self.folders:
            path = inside(folder, template)
            if path is None:
                continue
            shown = shown_name(folder, template)
            data = read_limited(path, MAX_TEMPLATE_BYTES, shown, what="template")
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise InputError([Problem(shown, _("template is not UTF-8 text"))]) from None
            shown_path = os.path.join(folder, *split_template_path(template))
            return text, shown_path, functools.partial(_unchanged, path, _mtime(path))
        raise TemplateNotFound(template)

    def list_templates(self) -> list[str]:
        found = set()
        for folder in self.folders:
            for p in folder.rglob("*"):
                if p.is_file():
                    found.add(p.relative_to(folder).as_posix())
        return sorted(found)


def _unchanged(path: Path, mtime: int | None) -> bool:
    return _mtime(path) == mtime


def _mtime(path: Path) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None
