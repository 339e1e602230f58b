"""Event files written back: a meeting given as a mapping (a web form) as the YAML the CLI reads.

``canonical`` turns what a file says (Chinese or English keys, 动员会 or mobilisation) into one nested
mapping of canonical keys. ``dump_event`` writes such a mapping as an event file in schema order. Given
the text of the file it came from, it keeps what that file said where it can: the keys as they were
spelled, the comments (above a key and after a value), and the exact text of every value that did not
change, so that opening a file and saving it unchanged gives back the same bytes. Comments attached to a
key that is no longer given move down to the next key; a commented-out key (``# 层级:``) is dropped
once that key is given.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from speechgen.errors import InputError
from speechgen.event import schema as S
from speechgen.event.yamlsafe import LOADER, parse_single

_CHOICE_KINDS = {"type": S.TYPE_ALIASES, "role": S.ROLE_ALIASES, "direction": S.DIRECTION_ALIASES}
_LABELS = {"type": S.TYPE_LABELS, "role": S.ROLE_LABELS, "direction": S.DIRECTION_LABELS}
_COMMENTED_KEY = re.compile(r"^#\s?(\s*)([^\s:#][^:#]*?)\s*:(\s|$)")


def canonical(plain: Mapping[str, Any]) -> dict[str, Any]:
    """A plain mapping with canonical keys and values: aliases read, unknown keys left out."""
    return _canonical_group(plain, S.SCHEMA)


def _canonical_group(plain: Mapping[str, Any], group: S.Group) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in plain.items():
        canon = _lookup(group, str(key).strip())
        if canon is None:
            continue
        child = group.fields[canon]
        if isinstance(child, S.Group):
            if isinstance(value, Mapping):
                out[canon] = _canonical_group(value, child)
        else:
            out[canon] = _canonical_value(child, value)
    return out


def _canonical_value(f: S.Field, value: Any) -> Any:
    if f.kind in _CHOICE_KINDS and isinstance(value, str):
        return _CHOICE_KINDS[f.kind].get(value.strip(), value.strip())
    return value


def _lookup(group: S.Group, key: str) -> str | None:
    if key in group.fields:
        return key
    return next((k for k, f in group.fields.items() if f.alias == key), None)


@dataclass
class _Said:
    """What the original file said at one key path."""

    key: str  # the key as written
    above: list[str] = field(default_factory=list)  # comment lines right above the key
    inline: str = ""  # "# …" after the value (or after the key of a block value)
    raw: str | None = None  # the value's own text, when it stands on the key's line
    value: Any = None  # its plain value, canonical
    flow: bool = True  # a list written [a, b] (else as - items)


@dataclass
class _Original:
    said: dict[tuple[str, ...], _Said] = field(default_factory=dict)
    head: list[str] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)
    lang: str = "zh"


def dump_event(data: Mapping[str, Any], original: str | None = None, lang: str = "zh") -> str:
    """YAML text for a canonical event mapping; `original`: the text of the file it came from."""
    base = _read_original(original) if original else None
    out = _Writer(base or _Original(lang=lang), data)
    out.write_all()
    return "\n".join(out.lines) + "\n"


def _read_original(text: str) -> _Original | None:
    try:
        values = canonical(parse_single(text, "<original>").plain())  # the bounded reader first
        root = yaml.compose(text, Loader=LOADER)
    except (InputError, yaml.YAMLError):
        return None
    if not isinstance(root, yaml.MappingNode):
        return None
    lines = text.splitlines()
    found = _Original()
    keys: list[int] = []
    _walk(root, S.SCHEMA, (), values, lines, found, keys)
    if not keys:
        return None
    first = min(keys)
    last = max(i for i, ln in enumerate(lines) if ln.strip() and not _is_comment(ln))
    found.head = [ln for ln in lines[:first] if _is_comment(ln) or not ln.strip()]
    found.tail = [ln for ln in lines[last + 1 :] if _is_comment(ln)]
    top = [s.key for p, s in found.said.items() if len(p) == 1]
    found.lang = "en" if top and all(k.isascii() for k in top) else "zh"
    for said in found.said.values():  # the head's comments belong to the file, not to its first key
        said.above = [ln for ln in said.above if ln not in found.head]
    return found


def _walk(
    node: yaml.MappingNode,
    group: S.Group,
    prefix: tuple[str, ...],
    values: Mapping[str, Any],
    lines: list[str],
    found: _Original,
    keys: list[int],
) -> None:
    for knode, vnode in node.value:
        if not isinstance(knode, yaml.ScalarNode):
            continue
        canon = _lookup(group, str(knode.value).strip())
        if canon is None:
            continue
        path = (*prefix, canon)
        line = knode.start_mark.line
        keys.append(line)
        said = _Said(str(knode.value), above=_comments_above(lines, line))
        rest = lines[line][knode.end_mark.column :] if knode.end_mark.line == line else ""
        child = group.fields[canon]
        one_line = vnode.start_mark.line == line and vnode.end_mark.line == line
        if one_line and not isinstance(vnode, yaml.MappingNode):
            said.raw = lines[line][vnode.start_mark.column : vnode.end_mark.column]
            said.inline = _comment_in(lines[line][vnode.end_mark.column :])
        else:
            said.inline = _comment_in(rest.lstrip()[1:] if rest.lstrip().startswith(":") else "")
        said.flow = not isinstance(vnode, yaml.SequenceNode) or bool(vnode.flow_style)
        said.value = values.get(canon)
        found.said[path] = said
        if isinstance(child, S.Group) and isinstance(vnode, yaml.MappingNode):
            inner = values.get(canon)
            _walk(vnode, child, path, inner if isinstance(inner, Mapping) else {}, lines, found, keys)


def _comments_above(lines: list[str], line: int) -> list[str]:
    start = line
    while start > 0 and _is_comment(lines[start - 1]):
        start -= 1
    return lines[start:line]


def _comment_in(rest: str) -> str:
    m = re.match(r"^\s+(#.*)$", rest) or re.match(r"^(#.*)$", rest)
    return m.group(1).rstrip() if m else ""


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


class _Writer:
    def __init__(self, base: _Original, data: Mapping[str, Any]) -> None:
        self.base = base
        self.data = data
        self.lines: list[str] = []
        self.pending: list[str] = []  # comments of keys no longer given: they go above the next key
        self.given = {p for p, _ in _paths(data)}

    def write_all(self) -> None:
        head = self.base.head or [_new_header(self.data, self.base.lang)]
        self.lines.extend(head)
        self._group(S.SCHEMA, self.data, (), 0)
        self.lines.extend(self._live(self.pending + self.base.tail, ()))

    def _group(self, group: S.Group, data: Mapping[str, Any], prefix: tuple[str, ...], indent: int) -> None:
        pad = " " * indent
        for key, child in group.fields.items():
            path = (*prefix, key)
            said = self.base.said.get(path)
            value = data.get(key)
            empty = value is None or value == "" or value == [] or value == () or value == {}
            if isinstance(child, S.Group):
                empty = not isinstance(value, Mapping) or not any(p[: len(path)] == path for p in self.given)
            if empty:
                if said:
                    self.pending.extend(said.above)
                continue
            self.lines.extend(self._live(self.pending + (said.above if said else []), prefix))
            self.pending = []
            name = said.key if said else self._spell(key, child)
            inline = f"  {said.inline}" if said and said.inline else ""
            if isinstance(child, S.Group):
                self.lines.append(f"{pad}{_key_text(name)}:{inline}")
                self._group(child, value, path, indent + 2)
            elif child.kind == "choices":
                self.lines.append(f"{pad}{_key_text(name)}:{inline}")
                self.lines.extend(f"{pad}  {_scalar(str(p))}: {_scalar(str(v))}" for p, v in value.items())
            else:
                self._leaf(child, value, said, f"{pad}{_key_text(name)}", inline, pad)

    def _leaf(self, f: S.Field, value: Any, said: _Said | None, key: str, inline: str, pad: str) -> None:
        if said and said.raw is not None and _same(f, said.value, value):
            self.lines.append(f"{key}: {said.raw}{inline}")
        elif isinstance(value, (list, tuple)):
            if said is None or said.flow:
                self.lines.append(f"{key}: {_flow(list(value))}{inline}")
            else:
                self.lines.append(f"{key}:{inline}")
                self.lines.extend(f"{pad}  - {_scalar(v)}" for v in value)
        else:
            if f.kind in _LABELS and self.base.lang == "zh" and said is None:
                value = _LABELS[f.kind].get(value, value)
            self.lines.append(f"{key}: {_scalar(value)}{inline}")

    def _spell(self, key: str, node: S.Field | S.Group) -> str:
        return node.alias if self.base.lang == "zh" and node.alias else key

    def _live(self, comments: list[str], prefix: tuple[str, ...]) -> list[str]:
        """Comments, less the commented-out keys that are now given (``# 层级:`` once 层级 is set). A
        commented key at the margin names a top-level key; an indented one, a key of the group the comment
        stands in (or of the commented-out group above it)."""
        out = []
        group = prefix
        for line in comments:
            m = _COMMENTED_KEY.match(line.lstrip())
            if m:
                indent = len(line) - len(line.lstrip()) + len(m.group(1))
                path = _resolve((), m.group(2)) if indent == 0 else _resolve(prefix or group, m.group(2))
                if indent == 0 and path is not None:
                    group = path
                if path is not None and path in self.given:
                    continue
            out.append(line)
        return out


def _resolve(prefix: tuple[str, ...], key: str) -> tuple[str, ...] | None:
    node: S.Field | S.Group = S.SCHEMA
    for part in prefix:
        if not isinstance(node, S.Group) or part not in node.fields:
            return None
        node = node.fields[part]
    if not isinstance(node, S.Group):
        return None
    canon = _lookup(node, key.strip())
    return (*prefix, canon) if canon else None


def _paths(data: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    out = []
    for k, v in data.items():
        if isinstance(v, Mapping) and (prefix + (k,)) != ("options", "choices"):
            out.extend(_paths(v, prefix + (k,)))
            out.append(((*prefix, k), v))
        elif v not in (None, "", [], (), {}):
            out.append(((*prefix, k), v))
    return out


def _same(f: S.Field, before: Any, now: Any) -> bool:
    if isinstance(before, list):
        before = tuple(before)
    if isinstance(now, list):
        now = tuple(now)
    return type(before) is type(now) and before == now


def _new_header(data: Mapping[str, Any], lang: str) -> str:
    meeting_type = str(data.get("type") or "")
    label = S.TYPE_LABELS.get(meeting_type, meeting_type)
    if lang == "zh":
        return f"# speechgen 会议事项文件：{label}（{meeting_type}）；完整说明：docs/event-format.md"
    return f"# speechgen event file: {meeting_type} ({label}); full contract: docs/event-format.md"


def _dump(value: Any, flow: bool = False) -> str:
    text = yaml.safe_dump(value, allow_unicode=True, default_flow_style=flow, width=1_000_000, sort_keys=False)
    return text.removesuffix("\n...\n").rstrip("\n")


def _scalar(value: Any) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    return _dump(value)


def _flow(values: list[Any]) -> str:
    return _dump(values, flow=True)


def _key_text(key: str) -> str:
    return key if re.fullmatch(r"[\w\-]+", key) else _scalar(key)
