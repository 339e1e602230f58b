"""Phrase banks: load YAML layers, know what each variant needs, pick without repeats.

A bank file maps slot keys to variants. Layers stack lowest first: built-in
banks < the chosen style < user folders (``--banks`` / ``SPEECHGEN_BANKS``).
A later layer extends a slot or, with ``mode: replace``, replaces it.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from speechgen.compose import bankcache
from speechgen.compose.bankfile import DERIVED, read_bank_file
from speechgen.compose.jinjaenv import SpeechEnvironment, new_environment
from speechgen.compose.variant import Tags, Unit, Variant
from speechgen.draft import han_runs
from speechgen.errors import BankError, ConfigError, Problem
from speechgen.event.schema import STYLE_ALIASES, STYLE_LABELS, style_key
from speechgen.i18n import _
from speechgen.resources import banks_dir, display_path, working_folder

DEFAULT_STYLE = "formal"
COMMON_GRAM_USES = 20  # a four-character run in this many variants is common wording
NOT_BANKS = frozenset({"lexicon.yaml"})  # files in a bank folder that hold no slots
__all__ = ["DERIVED", "DEFAULT_STYLE", "BankSet", "Unit", "Variant", "load_banks", "available_styles"]
_checked = threading.local()  # .sets: bank sets whose files were checked in this scope (a batch), else None


@dataclass
class BankSet:
    """The layered result: slot → variants, plus what the chosen style says of itself."""

    slots: dict[str, list[Variant]]
    style: str
    styles: tuple[str, ...]
    meta: dict[str, Any] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    units: dict[str, Unit] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()  # about the banks themselves (an empty file skipped)
    _by_topic: dict[str, list[Unit]] | None = field(default=None, repr=False, compare=False)

    def variants(self, slot: str) -> list[Variant]:
        return self.slots.get(slot, [])

    def units_of(self, topic: str) -> list[Unit]:
        if self._by_topic is None:  # built on first use: a section plan asks once a topic a unit
            self._by_topic = {}
            for u in self.units.values():
                self._by_topic.setdefault(u.topic, []).append(u)
        return list(self._by_topic.get(topic, ()))

    @functools.cached_property
    def common_grams(self) -> frozenset[str]:
        """Four-character runs the banks use everywhere (挂职干部, 接收单位 …): repeating one inside a
        paragraph is the subject named again, not an image said twice."""
        seen: dict[str, int] = {}
        for variants in self.slots.values():
            for v in variants:
                for gram in set(han_runs(v.text, 4)):
                    seen[gram] = seen.get(gram, 0) + 1
        return frozenset(g for g, n in seen.items() if n >= COMMON_GRAM_USES)


def available_styles(user_dirs: Sequence[Path] = ()) -> tuple[str, ...]:
    names = {DEFAULT_STYLE}
    for root in [banks_dir(), *user_dirs]:
        styles = root / "styles"
        if styles.is_dir():
            names.update(p.name for p in styles.iterdir() if p.is_dir() and not p.name.startswith("."))
    return tuple(sorted(names))


def layer_files(style: str, user_dirs: Sequence[Path] = ()) -> list[Path]:
    """Bank files in layer order, lowest first."""
    files: list[Path] = []
    for i, root in enumerate([banks_dir(), *user_dirs]):
        if i > 0 and not root.is_dir():
            raise ConfigError(_("--banks {root}: no such folder").format(root=root))
        files.extend(_bank_files(root))
        if i == 0:  # built-in style comes before any user folder
            files.extend(_style_files(root, style))
    for root in user_dirs:
        files.extend(_style_files(root, style))
    return files


def _bank_files(folder: Path) -> list[Path]:
    found = sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))
    return [f for f in found if f.name not in NOT_BANKS]


def _style_files(root: Path, style: str) -> list[Path]:
    d = root / "styles" / style
    return _bank_files(d) if d.is_dir() else []


@functools.lru_cache(maxsize=32)
def _load_cached(style: str, dirs: tuple[Path, ...], stamp: tuple[tuple[str, int, int], ...]) -> BankSet:
    files = layer_files(style, dirs)
    cache_key = bankcache.key(style, dirs, files)
    cached = bankcache.read(cache_key)
    if cached is not None:
        try:
            return _from_json(cached)
        except (KeyError, TypeError, ValueError):
            pass  # a cache from another layout of the data: read the banks again
    banks = _load(style, dirs)
    bankcache.write(cache_key, _to_json(banks))
    return banks


def _to_json(banks: BankSet) -> dict[str, Any]:
    variants = [
        [v.text, v.slot, v.file, v.line, v.tags.to_list(), v.weight, sorted(v.requires), list(v.unknown)]
        for vs in banks.slots.values()
        for v in vs
    ]
    return {
        "style": banks.style,
        "styles": list(banks.styles),
        "meta": banks.meta,
        "files": list(banks.files),
        "slots": list(banks.slots),
        "variants": variants,
        "units": [u.to_list() for u in banks.units.values()],
        "warnings": list(banks.warnings),
    }


def _from_json(data: dict[str, Any]) -> BankSet:
    slots: dict[str, list[Variant]] = {slot: [] for slot in data["slots"]}
    for text, slot, file, line, tags, weight, requires, unknown in data["variants"]:
        slots[slot].append(
            Variant(text, slot, file, line, Tags.from_list(tags), weight, frozenset(requires), tuple(unknown))
        )
    units = {u.id: u for u in map(Unit.from_list, data["units"])}
    warnings = tuple(data["warnings"])
    return BankSet(slots, data["style"], tuple(data["styles"]), data["meta"], tuple(data["files"]), units, warnings)


def _style_hint(style: str, styles: Sequence[str]) -> str:
    close = difflib.get_close_matches(style, [*styles, *STYLE_ALIASES], n=1, cutoff=0.5)
    return _(' — did you mean "{name}"?').format(name=close[0]) if close else ""


def load_banks(style: str = DEFAULT_STYLE, user_dirs: Sequence[Path] = ()) -> BankSet:
    """The bank set for a style, reused across drafts while no file changes (inside files_checked_once,
    the files are listed and checked the first time only)."""
    sets = getattr(_checked, "sets", None)
    scope_key = (style, tuple(user_dirs), os.getcwd())
    if sets is not None and scope_key in sets:
        return sets[scope_key]
    styles = available_styles(user_dirs)
    style = style_key(style)
    if style not in styles:
        raise ConfigError(
            _('unknown style "{style}"{hint}; available styles: {join}').format(
                style=style,
                hint=_style_hint(style, styles),
                join=", ".join(f"{STYLE_LABELS[s]} ({s})" if s in STYLE_LABELS else s for s in styles),
            )
        )
    files = layer_files(style, user_dirs)
    # absolute paths, sizes, times and the working folder (messages name files relative to it):
    # two folders given by the same relative name in two places are two different bank sets
    stamp = tuple((str(f.resolve()), f.stat().st_size, f.stat().st_mtime_ns) for f in files) + (
        (str(working_folder()), 0, 0),
    )
    banks = _load_cached(style, tuple(user_dirs), stamp)
    if sets is not None:
        sets[scope_key] = banks
    return banks


@contextlib.contextmanager
def files_checked_once() -> Iterator[None]:
    """A scope (a batch) in which each style's bank files are listed and checked once, not for every
    draft: an edit made meanwhile is read by the next run. Per thread; a scope inside a scope is the outer one."""
    if getattr(_checked, "sets", None) is not None:
        yield
        return
    check_files_once()
    try:
        yield
    finally:
        _checked.sets = None


def check_files_once() -> None:
    """From now on, in this thread, check each style's bank files once (a batch's worker process)."""
    _checked.sets = {}


def _load(style: str, user_dirs: Sequence[Path]) -> BankSet:
    env = shared_environment()
    slots: dict[str, list[Variant]] = {}
    units: dict[str, Unit] = {}
    problems: list[Problem] = []
    warnings: list[str] = []
    meta: dict[str, Any] = {}
    files = layer_files(style, user_dirs)
    for path in files:
        file_meta, entries, file_units = read_bank_file(path, env, problems, warnings)
        if path.parent.name == style and path.parent.parent.name == "styles":
            meta.update(file_meta)
        for slot, mode, variants in entries:
            if mode == "replace":
                slots[slot] = []
            slots.setdefault(slot, []).extend(variants)
        for unit in file_units:
            if unit.id in units and units[unit.id].file != unit.file:
                units[unit.id] = unit  # a later layer redefines the unit (its roles are added as slots)
            elif unit.id in units:
                first = units[unit.id]
                problems.append(
                    Problem(
                        unit.file,
                        _("unit {id} is defined twice (first at line {line})").format(id=unit.id, line=first.line),
                        unit.line,
                    )
                )
            else:
                units[unit.id] = unit
    if problems:
        raise BankError(problems)
    styles = available_styles(user_dirs)
    return BankSet(slots, style, styles, meta, tuple(display_path(f) for f in files), units, tuple(warnings))


@functools.lru_cache(maxsize=1)
def shared_environment() -> SpeechEnvironment:
    return new_environment()


def all_files(user_dirs: Iterable[Path] = ()) -> list[Path]:
    """Every bank file of every style (for `banks check`)."""
    out: list[Path] = []
    for root in [banks_dir(), *user_dirs]:
        out.extend(_bank_files(root))
        styles = root / "styles"
        for folder in sorted(p for p in styles.iterdir() if p.is_dir()) if styles.is_dir() else []:
            out.extend(_bank_files(folder))
    return out
