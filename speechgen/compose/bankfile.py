"""Reading one bank file: slots of variants, units of roles, their tags, and what each variant needs.

Problems are collected (file:line, the slot or unit as written), never raised one at a time.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jinja2 import TemplateSyntaxError, nodes

from speechgen.compose import variantlang
from speechgen.compose.jinjaenv import SpeechEnvironment
from speechgen.compose.setting import DIRECTIONS, FAMILIES, MOMENTS, SPEAKER_ROLES, load_lexicon
from speechgen.compose.variant import FACT_LISTS, FRONTS, ROLES, TAG_KEYS, UNIT_KEYS, USES, Tags, Unit, Variant
from speechgen.errors import Problem
from speechgen.event.schema import FIELD_PATHS, MEETING_TYPES
from speechgen.event.yamlsafe import Node, parse_single, read_text
from speechgen.i18n import _
from speechgen.resources import display_path

EVENT_ROOTS = ("meeting", "speaker", "program", "review", "context")
DERIVED = frozenset(
    {
        "jur",
        "work",
        "cadre",
        "people",
        "group",
        "host",
        "sender",
        "stint",
        "job",
        "own",
        "leaders",
        "count",
        "date_cn",
        "type_label",
        "T",
        "item",
        "items",
        "programme",
    }
)
# derived words that exist only when an event field is given: a variant using them needs that field
DERIVED_NEEDS = {
    "leaders": "meeting.leaders_present",
    "programme.after": "meeting.after_speech",
    "programme.before": "meeting.before_speech",
}
VARIANT_KEYS = frozenset({"text", "weight", *TAG_KEYS})
META_KEYS = frozenset({"name", "description", "style", "length_factor"})
ITEM = "item"  # a variant that uses {{ item }} can stand only in a unit bound to a fact


def read_bank_file(
    path: Path, env: SpeechEnvironment, problems: list[Problem], warnings: list[str] | None = None
) -> tuple[dict[str, Any], list[tuple[str, str, list[Variant]]], list[Unit]]:
    """(meta, [(slot, mode, variants)], units) of one file; problems are appended, not raised. An empty
    file (nothing but comments) holds nothing: it is skipped, with a warning."""
    name = display_path(path)
    text = read_text(path, name)
    if _empty(text):
        if warnings is not None:
            warnings.append(_("{name}: the bank file is empty; skipped").format(name=name))
        return {}, [], []
    return read_bank_root(parse_single(text, name), name, env, problems)


def read_bank_root(
    root: Node, name: str, env: SpeechEnvironment, problems: list[Problem]
) -> tuple[dict[str, Any], list[tuple[str, str, list[Variant]]], list[Unit]]:
    """read_bank_file for a tree already read (a spreadsheet builds one whose marks are its cells)."""
    meta: dict[str, Any] = {}
    out: list[tuple[str, str, list[Variant]]] = []
    units: list[Unit] = []
    for key, entry in root.value.items():
        if key == "meta":
            meta = _read_meta(entry.node, name, problems)
            continue
        if key == "units":
            if entry.node.kind != "seq":
                problems.append(Problem(name, _("units: expected a list of units"), entry.node.line, entry.node.col))
                continue
            for node in entry.node.value:
                found = _read_unit(node, name, env, problems)
                if found:
                    unit, slots = found
                    units.append(unit)
                    out.extend((slot, "extend", variants) for slot, variants in slots)
            continue
        slot = _read_slot(key, entry.node, name, env, problems)
        if slot:
            out.append(slot)
    return meta, out, units


def _empty(text: str) -> bool:
    """Nothing but blank lines, comments and document markers (a file saved before anything was written)."""
    return all(
        not line.strip() or line.lstrip().startswith("#") or line.strip() in ("---", "...")
        for line in text.splitlines()
    )


def _read_slot(
    key: str, node: Node, name: str, env: SpeechEnvironment, problems: list[Problem]
) -> tuple[str, str, list[Variant]] | None:
    mode, items = "extend", node
    if node.kind == "map":
        body = node.value
        bad = set(body) - {"mode", "variants"}
        if bad:
            message = f"unknown key {sorted(bad)[0]!r}; a slot mapping has mode and variants"
            problems.append(Problem(name, message, node.line, node.col, key))
            return None
        mode = str(body["mode"].node.value) if "mode" in body else "extend"
        if mode not in ("extend", "replace"):
            where = body["mode"].node
            message = _('mode must be extend or replace, found "{mode}"').format(mode=mode)
            problems.append(Problem(name, message, where.line, where.col, key))
            return None
        if "variants" not in body:
            problems.append(Problem(name, _("a slot mapping needs variants:"), node.line, node.col, key))
            return None
        items = body["variants"].node
    if items.kind != "seq":
        problems.append(Problem(name, _("expected a list of variants"), items.line, items.col, key))
        return None
    variants = [v for item in items.value if (v := read_variant(item, key, name, env, problems))]
    return key, mode, variants


def _read_unit(
    node: Node, name: str, env: SpeechEnvironment, problems: list[Problem]
) -> tuple[Unit, list[tuple[str, list[Variant]]]] | None:
    if node.kind != "map":
        problems.append(Problem(name, _("a unit is a mapping with id, topic, heading and roles"), node.line, node.col))
        return None
    body = node.value
    uid = str(body["id"].node.value) if "id" in body else ""
    label = f"unit {uid}" if uid else "unit"
    for key, entry in body.items():
        if key not in UNIT_KEYS:
            expected = "id, topic, keys, facts, match, use, heading, " + ", ".join(ROLES) + " and tags"
            message = _('unknown key "{key}" in a unit; expected {expected}').format(key=key, expected=expected)
            problems.append(Problem(name, message, entry.key_line, entry.key_col, label))
    if not re.fullmatch(r"[\w.\-]{1,80}", uid) or "topic" not in body:
        problems.append(
            Problem(name, _("a unit needs an id (letters, digits, . and -) and a topic"), node.line, node.col, label)
        )
        return None
    topic = str(body["topic"].node.value)
    tags = read_tags(body, name, label, problems)
    facts = str(body["facts"].node.value) if "facts" in body else ""
    if facts and facts not in FACT_LISTS:
        problems.append(
            Problem(
                name, _("facts must be one of {join}").format(join=", ".join(FACT_LISTS)), node.line, node.col, label
            )
        )
    use = str(body["use"].node.value) if "use" in body else ""
    if use and use not in USES:
        problems.append(
            Problem(name, _("use must be one of {join}").format(join=", ".join(USES)), node.line, node.col, label)
        )
    match = _words(body.get("match"), name, label, problems)
    unit = Unit(
        uid,
        topic,
        name,
        node.line,
        _words(body.get("keys"), name, label, problems),
        tags,
        facts,
        match,
        use,
        _weight(body, name, label, problems),
        tuple(r for r in ROLES if r in body),
    )
    slots = []
    for role in ("heading", *ROLES):
        if role not in body:
            continue
        items = body[role].node
        slot = unit.slot(role)
        if items.kind != "seq":
            problems.append(Problem(name, _("expected a list of variants"), items.line, items.col, slot))
            continue
        variants = [v for item in items.value if (v := read_variant(item, slot, name, env, problems, tags))]
        slots.append((slot, variants))
    if not unit.roles:
        problems.append(
            Problem(
                name,
                _("a unit needs at least one of: {join}").format(join=", ".join(ROLES)),
                node.line,
                node.col,
                label,
            )
        )
    return unit, slots


def read_tags(body: dict[str, Any], name: str, where: str, problems: list[Problem]) -> Tags:
    lex = load_lexicon()
    allowed: dict[str, tuple[str, ...]] = {
        "types": tuple(MEETING_TYPES),
        "kinds": (*FAMILIES, *lex.jobs),
        "direction": DIRECTIONS,
        "moment": MOMENTS,
        "speakers": SPEAKER_ROLES,
        "claims": tuple(lex.claims),
    }
    values: dict[str, Any] = {}
    for key in TAG_KEYS:
        if key not in body:
            continue
        if key == "front":
            front = body[key].node.value
            if front not in FRONTS:
                node = body[key].node
                problems.append(
                    Problem(
                        name,
                        _("front must be united or general, found {front!r}").format(front=front),
                        node.line,
                        node.col,
                        where,
                    )
                )
            else:
                values[key] = front
            continue
        words = _words(body[key], name, where, problems)
        for w in words:
            if key in allowed and w not in allowed[key]:
                node = body[key].node
                message = f'unknown {key} "{w}"; expected one of: {", ".join(allowed[key])}'
                problems.append(Problem(name, message, node.line, node.col, where))
        values[key] = words
    return Tags(**values)


def _read_meta(node: Node, name: str, problems: list[Problem]) -> dict[str, Any]:
    if node.kind != "map":
        problems.append(Problem(name, _("meta must be a mapping"), node.line, node.col, "meta"))
        return {}
    for key, entry in node.value.items():
        if key not in META_KEYS:
            message = f"unknown meta key; expected one of {', '.join(sorted(META_KEYS))}"
            problems.append(Problem(name, message, entry.key_line, entry.key_col, f"meta.{key}"))
    meta = node.plain()
    lf = meta.get("length_factor")
    if lf is not None and not (isinstance(lf, (int, float)) and 0.3 <= lf <= 2.0):
        problems.append(Problem(name, _("length_factor must be a number from 0.3 to 2.0"), node.line, node.col, "meta"))
        meta.pop("length_factor")
    return meta


def read_variant(
    item: Node, slot: str, name: str, env: SpeechEnvironment, problems: list[Problem], within: Tags | None = None
) -> Variant | None:
    tags, weight = Tags(), 1
    if item.kind == "map":
        body = item.value
        for key, entry in body.items():
            if key not in VARIANT_KEYS:
                expected = "text, weight, " + ", ".join(TAG_KEYS)
                message = f'unknown key "{key}" in a variant; expected {expected}'
                problems.append(Problem(name, message, entry.key_line, entry.key_col, slot))
        if "text" not in body:
            problems.append(Problem(name, _("a variant mapping needs text:"), item.line, item.col, slot))
            return None
        text_node = body["text"].node
        tags = read_tags(body, name, slot, problems)
        weight = _weight(body, name, slot, problems)
    else:
        text_node = item
    text = text_node.value
    if text_node.kind != "scalar" or not isinstance(text, str) or not text.strip():
        problems.append(Problem(name, _("a variant must be text"), text_node.line, text_node.col, slot))
        return None
    text = " ".join(text.split())
    refused = variantlang.check(text, env)  # loops, calls, arithmetic, includes …: refused here, with the line
    if refused:
        problems.append(Problem(name, refused, text_node.line, text_node.col, slot))
        return None
    try:
        requires, unknown = requirements(text, env)
    except TemplateSyntaxError as exc:
        problems.append(
            Problem(
                name, _("template error: {message}").format(message=exc.message), text_node.line, text_node.col, slot
            )
        )
        return None
    if within is not None:
        tags = tags.under(within)
    return Variant(text, slot, name, text_node.line, tags, weight, requires, unknown)


def _weight(body: dict[str, Any], name: str, where: str, problems: list[Problem]) -> int:
    if "weight" not in body:
        return 1
    node = body["weight"].node
    w = node.value
    if not isinstance(w, int) or isinstance(w, bool) or not 1 <= w <= 10:
        problems.append(Problem(name, _("weight must be a whole number from 1 to 10"), node.line, node.col, where))
        return 1
    return w


def _words(entry: Any, name: str, where: str, problems: list[Problem]) -> tuple[str, ...]:
    if entry is None:
        return ()
    node = entry.node
    value = node.plain()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    problems.append(Problem(name, _("expected a list of names"), node.line, node.col, where))
    return ()


def requirements(text: str, env: SpeechEnvironment) -> tuple[frozenset[str], tuple[str, ...]]:
    """(event fields a variant uses, names it uses that nothing provides); `item` counts as a field."""
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
        _classify(path, paths, unknown, isinstance(node, nodes.Name) and node.ctx == "load")
    # a.b also matched its inner Name a: keep only the full paths
    paths = {p for p in paths if not any(q.startswith(p + ".") for q in paths)}
    return frozenset(paths), tuple(sorted(set(unknown)))


def _classify(path: str, paths: set[str], unknown: list[str], loaded: bool) -> None:
    root = path.split(".")[0]
    if root in (ITEM, "items"):
        paths.add(ITEM)
    elif path in DERIVED_NEEDS or root in DERIVED_NEEDS:
        paths.add(DERIVED_NEEDS.get(path) or DERIVED_NEEDS[root])
    elif root in DERIVED:
        return
    elif root in EVENT_ROOTS:
        if path in FIELD_PATHS or path == "context":
            paths.add(path)
        elif path not in EVENT_ROOTS:
            unknown.append(path)
    elif loaded:
        unknown.append(path)


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
        _classify(m.group(1), paths, unknown, True)
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
