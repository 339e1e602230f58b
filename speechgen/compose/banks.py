"""Phrase banks: load YAML layers, know what each variant needs, pick without repeats.

A bank file maps slot keys to variants. Layers stack lowest first: built-in
banks < the chosen style < user folders (``--banks`` / ``SPEECHGEN_BANKS``).
A later layer extends a slot or, with ``mode: replace``, replaces it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import TemplateSyntaxError, nodes

from speechgen.compose import bankcache
from speechgen.compose.jinjaenv import SpeechEnvironment, new_environment
from speechgen.errors import BankError, ConfigError, Problem
from speechgen.event.schema import FIELD_PATHS, MEETING_TYPES
from speechgen.event.yamlsafe import Node, parse_single, read_text
from speechgen.resources import banks_dir, display_path

EVENT_ROOTS = ("meeting", "speaker", "program", "review", "context")
DERIVED = frozenset({"jur", "work", "cadre", "host", "stint", "count", "date_cn", "type_label", "T"})
VARIANT_KEYS = frozenset({"text", "styles", "types", "weight"})
META_KEYS = frozenset({"name", "description", "style", "length_factor"})
DEFAULT_STYLE = "formal"


@dataclass(eq=False)
class Variant:
    """One way of saying a slot's sentence, with where it was written."""

    text: str
    slot: str
    file: str
    line: int
    styles: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    weight: int = 1
    requires: frozenset[str] = frozenset()
    unknown: tuple[str, ...] = ()  # names that are neither event fields nor derived words
    _template: Any = field(default=None, repr=False)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def fits(self, meeting_type: str, style: str) -> bool:
        return (not self.types or meeting_type in self.types) and (not self.styles or style in self.styles)


@dataclass
class BankSet:
    """The layered result: slot → variants, plus what the chosen style says of itself."""

    slots: dict[str, list[Variant]]
    style: str
    styles: tuple[str, ...]
    meta: dict[str, Any] = field(default_factory=dict)
    files: tuple[str, ...] = ()

    def variants(self, slot: str) -> list[Variant]:
        return self.slots.get(slot, [])


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
            raise ConfigError(f"--banks {root}: no such folder")
        files.extend(sorted(root.glob("*.yaml")) + sorted(root.glob("*.yml")))
        if i == 0:  # built-in style comes before any user folder
            files.extend(_style_files(root, style))
    for root in user_dirs:
        files.extend(_style_files(root, style))
    return files


def _style_files(root: Path, style: str) -> list[Path]:
    d = root / "styles" / style
    return sorted(d.glob("*.yaml")) + sorted(d.glob("*.yml")) if d.is_dir() else []


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
        [v.text, v.slot, v.file, v.line, list(v.styles), list(v.types), v.weight, sorted(v.requires), list(v.unknown)]
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
    }


def _from_json(data: dict[str, Any]) -> BankSet:
    slots: dict[str, list[Variant]] = {slot: [] for slot in data["slots"]}
    for text, slot, file, line, styles, types, weight, requires, unknown in data["variants"]:
        slots[slot].append(
            Variant(text, slot, file, line, tuple(styles), tuple(types), weight, frozenset(requires), tuple(unknown))
        )
    return BankSet(slots, data["style"], tuple(data["styles"]), data["meta"], tuple(data["files"]))


def load_banks(style: str = DEFAULT_STYLE, user_dirs: Sequence[Path] = ()) -> BankSet:
    """The bank set for a style, reused across drafts while no file changes."""
    styles = available_styles(user_dirs)
    if style not in styles:
        raise ConfigError(f'unknown style "{style}"; available styles: {", ".join(styles)}')
    files = layer_files(style, user_dirs)
    # absolute paths, sizes, times and the working folder (messages name files relative to it):
    # two folders given by the same relative name in two places are two different bank sets
    stamp = tuple((str(f.resolve()), f.stat().st_size, f.stat().st_mtime_ns) for f in files) + (
        (str(Path.cwd()), 0, 0),
    )
    return _load_cached(style, tuple(user_dirs), stamp)


def _load(style: str, user_dirs: Sequence[Path]) -> BankSet:
    env = shared_environment()
    slots: dict[str, list[Variant]] = {}
    problems: list[Problem] = []
    meta: dict[str, Any] = {}
    files = layer_files(style, user_dirs)
    for path in files:
        file_meta, entries = read_bank_file(path, env, problems)
        if path.parent.name == style and path.parent.parent.name == "styles":
            meta.update(file_meta)
        for slot, mode, variants in entries:
            if mode == "replace":
                slots[slot] = []
            slots.setdefault(slot, []).extend(variants)
    if problems:
        raise BankError(problems)
    return BankSet(slots, style, available_styles(user_dirs), meta, tuple(display_path(f) for f in files))


@functools.lru_cache(maxsize=1)
def shared_environment() -> SpeechEnvironment:
    return new_environment()


def read_bank_file(
    path: Path, env: SpeechEnvironment, problems: list[Problem]
) -> tuple[dict[str, Any], list[tuple[str, str, list[Variant]]]]:
    """(meta, [(slot, mode, variants)]) of one file; problems are appended, not raised."""
    name = display_path(path)
    root = parse_single(read_text(path, name), name)
    meta: dict[str, Any] = {}
    out: list[tuple[str, str, list[Variant]]] = []
    for key, entry in root.value.items():
        if key == "meta":
            meta = _read_meta(entry.node, name, problems)
            continue
        mode, items = "extend", entry.node
        if entry.node.kind == "map":
            body = entry.node.value
            bad = set(body) - {"mode", "variants"}
            if bad:
                problems.append(
                    Problem(
                        name,
                        f"unknown key {sorted(bad)[0]!r}; a slot mapping has mode and variants",
                        entry.node.line,
                        entry.node.col,
                        key,
                    )
                )
                continue
            mode = str(body["mode"].node.value) if "mode" in body else "extend"
            if mode not in ("extend", "replace"):
                problems.append(
                    Problem(
                        name,
                        f'mode must be extend or replace, found "{mode}"',
                        body["mode"].node.line,
                        body["mode"].node.col,
                        key,
                    )
                )
                continue
            if "variants" not in body:
                problems.append(Problem(name, "a slot mapping needs variants:", entry.node.line, entry.node.col, key))
                continue
            items = body["variants"].node
        if items.kind != "seq":
            problems.append(Problem(name, "expected a list of variants", items.line, items.col, key))
            continue
        variants = [v for item in items.value if (v := _read_variant(item, key, name, env, problems))]
        out.append((key, mode, variants))
    return meta, out


def _read_meta(node: Node, name: str, problems: list[Problem]) -> dict[str, Any]:
    if node.kind != "map":
        problems.append(Problem(name, "meta must be a mapping", node.line, node.col, "meta"))
        return {}
    for key, entry in node.value.items():
        if key not in META_KEYS:
            problems.append(
                Problem(
                    name,
                    f"unknown meta key; expected one of {', '.join(sorted(META_KEYS))}",
                    entry.key_line,
                    entry.key_col,
                    f"meta.{key}",
                )
            )
    meta = node.plain()
    lf = meta.get("length_factor")
    if lf is not None and not (isinstance(lf, (int, float)) and 0.3 <= lf <= 2.0):
        problems.append(Problem(name, "length_factor must be a number from 0.3 to 2.0", node.line, node.col, "meta"))
        meta.pop("length_factor")
    return meta


def _read_variant(item: Node, slot: str, name: str, env: SpeechEnvironment, problems: list[Problem]) -> Variant | None:
    styles: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    weight = 1
    if item.kind == "map":
        body = item.value
        for key, entry in body.items():
            if key not in VARIANT_KEYS:
                problems.append(
                    Problem(
                        name,
                        f'unknown key "{key}" in a variant; expected text, styles, types, weight',
                        entry.key_line,
                        entry.key_col,
                        slot,
                    )
                )
        if "text" not in body:
            problems.append(Problem(name, "a variant mapping needs text:", item.line, item.col, slot))
            return None
        text_node = body["text"].node
        styles = _words(body.get("styles"), name, slot, problems)
        types = _words(body.get("types"), name, slot, problems)
        for t in types:
            if t not in MEETING_TYPES:
                problems.append(Problem(name, f'unknown meeting type "{t}" in types', item.line, item.col, slot))
        if "weight" in body:
            w = body["weight"].node.value
            if not isinstance(w, int) or isinstance(w, bool) or not 1 <= w <= 10:
                problems.append(Problem(name, "weight must be a whole number from 1 to 10", item.line, item.col, slot))
            else:
                weight = w
    else:
        text_node = item
    text = text_node.value
    if text_node.kind != "scalar" or not isinstance(text, str) or not text.strip():
        problems.append(Problem(name, "a variant must be text", text_node.line, text_node.col, slot))
        return None
    text = " ".join(text.split())
    try:
        requires, unknown = requirements(text, env)
    except TemplateSyntaxError as exc:
        problems.append(Problem(name, f"template error: {exc.message}", text_node.line, text_node.col, slot))
        return None
    return Variant(text, slot, name, text_node.line, styles, types, weight, requires, unknown)


def _words(entry: Any, name: str, slot: str, problems: list[Problem]) -> tuple[str, ...]:
    if entry is None:
        return ()
    node = entry.node
    value = node.plain()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    problems.append(Problem(name, "expected a list of names", node.line, node.col, slot))
    return ()


def requirements(text: str, env: SpeechEnvironment) -> tuple[frozenset[str], tuple[str, ...]]:
    """(event fields a variant uses, names it uses that nothing provides)."""
    if "{" not in text:
        return frozenset(), ()
    simple = _simple_requirements(text)
    if simple is not None:
        return simple
    ast = env.parse(text)
    paths: set[str] = set()
    unknown: list[str] = []
    for node in ast.find_all((nodes.Getattr, nodes.Name)):
        path = _dotted(node)
        if path is None:
            continue
        root = path.split(".")[0]
        if root in DERIVED:
            continue
        if root in EVENT_ROOTS:
            if path in FIELD_PATHS or path == "context":
                paths.add(path)
            elif path not in EVENT_ROOTS:
                unknown.append(path)
            continue
        if isinstance(node, nodes.Name) and node.ctx == "load":
            unknown.append(path)
    # a.b also matched its inner Name a: keep only the full paths
    paths = {p for p in paths if not any(q.startswith(p + ".") for q in paths)}
    return frozenset(paths), tuple(sorted(set(unknown)))


_EXPR = re.compile(r"\{\{\s*([A-Za-z_][\w.]*)\s*((?:\|\s*\w+(?:\(\s*(?:\"[^\"{}]*\"|'[^'{}]*')?\s*\))?\s*)*)\}\}")


def _simple_requirements(text: str) -> tuple[frozenset[str], tuple[str, ...]] | None:
    """The common case, `{{ program.cadres }}` or `{{ x.y|join("；") }}`, without running Jinja's parser
    (thousands of variants are read on every run); None when the text needs the real parser."""
    rest = _EXPR.sub("", text)
    if "{" in rest or "}" in rest:
        return None
    paths: set[str] = set()
    unknown: list[str] = []
    for m in _EXPR.finditer(text):
        path = m.group(1)
        root = path.split(".")[0]
        if root in DERIVED:
            continue
        if root in EVENT_ROOTS and (path in FIELD_PATHS or path == "context"):
            paths.add(path)
        else:
            unknown.append(path)
    return frozenset(paths), tuple(sorted(set(unknown)))


def _dotted(node: nodes.Node) -> str | None:
    parts: list[str] = []
    while isinstance(node, nodes.Getattr):
        parts.append(node.attr)
        node = node.node
    if not isinstance(node, nodes.Name):
        return None
    parts.append(node.name)
    return ".".join(reversed(parts))


def all_files(user_dirs: Iterable[Path] = ()) -> list[Path]:
    """Every bank file of every style (for `banks check`)."""
    out: list[Path] = []
    for root in [banks_dir(), *user_dirs]:
        out.extend(sorted(root.glob("*.yaml")) + sorted(root.glob("*.yml")))
        out.extend(sorted((root / "styles").glob("*/*.yaml")) if (root / "styles").is_dir() else [])
    return out
