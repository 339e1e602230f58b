"""Read YAML the careful way: safe tags only, marks kept, hostile files refused.

The result is a tree of ``Node`` objects that remember where each value and each
mapping key stood in the file, so that every later error can say
``file:line:col``. Aliases are followed, but the number of nodes a document may
expand to is bounded, so an alias bomb is refused instead of expanded.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from speechgen.errors import InputError, Problem
from speechgen.event.files import read_limited
from speechgen.event.files import too_big as file_too_big
from speechgen.i18n import N_, _

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: same marks, much faster
MAX_FILE_BYTES = 1_000_000
MAX_NODES = 20_000
MAX_DEPTH = 40
MAX_NUMBER_TEXT = 40  # digits: no count or seed needs more
MAX_SCALAR = 100_000  # characters of one value: no text, variant or setting needs more

_TOO_DEEP = N_("values are nested more than {depth} levels deep; refused")

_SAFE_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:map",
}


@dataclass
class Node:
    """A YAML value with its position (1-based line and column)."""

    value: Any  # dict[str, Entry] | list[Node] | scalar
    line: int | None  # None for values that come from no file (a mapping given to the API)
    col: int | None
    kind: str  # "map" | "seq" | "scalar" | "bad" (refused when read and reported then: skip it)
    raw: str | None = None  # a number's or a date's text as written (1.50, 2026-03-16), for text fields

    def plain(self) -> Any:
        """The value with all marks stripped (dicts, lists, scalars)."""
        if self.kind == "bad":
            return None
        if self.kind == "map":
            return {k: e.node.plain() for k, e in self.value.items()}
        if self.kind == "seq":
            return [n.plain() for n in self.value]
        return self.value


@dataclass
class Entry:
    """A mapping entry: the key as written, where it stood, and its value."""

    key: str
    key_line: int | None
    key_col: int | None
    node: Node


@dataclass
class Budget:
    nodes: int = 0
    problems: list[Problem] = field(default_factory=list)


def read_text(path: Path, display: str | None = None) -> str:
    """Read a file as UTF-8 text (or GBK, see ``decode_noted``), refusing what is too big, binary or
    mis-encoded."""
    return read_text_noted(path, display)[0]


def read_text_noted(path: Path, display: str | None = None) -> tuple[str, str | None]:
    """The text of a file and a note when it was not UTF-8 (``decode_noted``)."""
    name = display or str(path)
    return decode_noted(read_limited(path, MAX_FILE_BYTES, name), name)  # a FIFO or /dev/zero is refused unread


def too_big(size: int, name: str) -> InputError:
    return InputError([Problem(name, file_too_big(size, MAX_FILE_BYTES))])  # as read_limited says it


def text_of(raw: bytes, name: str) -> str:
    """The text of a file's bytes (an upload), with the limits and the encoding rules of read_text."""
    if len(raw) > MAX_FILE_BYTES:
        raise too_big(len(raw), name)
    return decode(raw, name)


_WIDE_BOMS = (
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\xfe\xff", "UTF-16"),
    (b"\xff\xfe", "UTF-16"),
)


def decode(raw: bytes, name: str) -> str:
    """Bytes to text: UTF-8 (a BOM is allowed), else GBK/GB18030 when that decodes cleanly."""
    return decode_noted(raw, name)[0]


def decode_noted(raw: bytes, name: str) -> tuple[str, str | None]:
    """Bytes to text and a note when the file was read as GBK/GB18030 (older Notepad and many office
    machines save it); what decodes neither way is refused at the first byte UTF-8 cannot read."""
    for bom, encoding in _WIDE_BOMS:
        if raw.startswith(bom):
            message = _('file is {encoding} text (Notepad\'s "Unicode"); save it as UTF-8').format(encoding=encoding)
            raise InputError([Problem(name, message)])
    if b"\x00" in raw:
        raise InputError([Problem(name, _("this is a binary file, not a YAML text file"))])
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        with contextlib.suppress(UnicodeDecodeError):
            return raw.decode("gb18030"), _("{name}: read as GBK (GB18030) text; saving it as UTF-8 is safer").format(
                name=name
            )
        line = raw[: exc.start].count(b"\n") + 1
        col = len(raw[raw.rfind(b"\n", 0, exc.start) + 1 : exc.start].decode("utf-8")) + 1
        raise InputError(
            [Problem(name, _("file is neither UTF-8 nor GBK text; save it as UTF-8"), line, col)]
        ) from None


def parse_documents(text: str, name: str) -> list[Node | None]:
    """Every YAML document in text as a Node tree (None for an empty document); any problem is raised."""
    docs: list[Node | None] = []
    for root in _compose(text, name):
        node, problems = convert_root(root, name)
        if problems:
            raise InputError(problems)
        docs.append(node)
    return docs


def _compose(text: str, name: str) -> list[yaml.Node | None]:
    try:
        _check_nesting(text, name)
        return list(yaml.compose_all(text, Loader=LOADER))
    except (yaml.YAMLError, RecursionError) as exc:
        raise InputError([yaml_problem(exc, name, text)]) from None


def yaml_problem(exc: BaseException, name: str, text: str | None = None, hint: bool = True) -> Problem:
    """A YAML error (syntax, a control character, nesting) as a located problem in the user's words."""
    if isinstance(exc, yaml.MarkedYAMLError):
        what = exc.problem or exc.context or "invalid YAML"
        # a quote or bracket left open is found at the end of the file: point at where it was opened
        opened = what.startswith("found unexpected end of stream") and exc.context_mark is not None
        mark = exc.context_mark if opened else exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        said = _hint(text or "", what, line, col) if hint else ""
        return Problem(name, _("invalid YAML: {what}{hint}").format(what=what, hint=said), line, col)
    if isinstance(exc, yaml.reader.ReaderError):  # a control character pasted in; libyaml counts bytes
        at = text.find(chr(exc.character)) if isinstance(exc.character, int) and text is not None else -1
        line, col = (text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)) if at >= 0 and text else (None, None)
        code = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        message = _("invalid YAML: the character {code} is not allowed; delete it or retype the text around it").format(
            code=code
        )
        return Problem(name, message, line, col)
    if isinstance(exc, RecursionError):
        return Problem(name, _("invalid YAML: nested too deeply"))
    return Problem(name, _("invalid YAML: {exc}").format(exc=exc))


def convert_root(root: yaml.Node | None, name: str) -> tuple[Node | None, list[Problem]]:
    """A composed document as a Node tree and the problems found in it (a value refused for its tag, a key
    given twice …: those values are marked "bad" and the rest of the tree is whole, so validation can go on
    and report every problem at once). Raises InputError when the tree cannot be read at all (an alias
    bomb, nesting too deep)."""
    if root is None:
        return None, []
    budget = Budget()
    try:
        node = convert_node(root, name, budget, 0)
    except Stop:
        raise InputError(budget.problems) from None
    return node, budget.problems


def _check_nesting(text: str, name: str) -> None:
    """Refuse deep nesting before composing: libyaml's composer recurses in C and [[[[… 1 MB deep crashes it.

    The event stream is flat, so counting starts and ends costs one quick pass and no recursion.
    libyaml has nesting limits of its own (PyYAML 6.0.4 bundles one of 1,000 levels), and its scanner
    reads a flow collection ahead before the first event comes out, so its limit can fire before
    ours. When libyaml refuses the text, the part up to its complaint is counted again with the
    pure-Python parser, which has no such limit: the user gets this project's message, at the place
    where the 41st level opens, whatever libyaml's version says.
    """
    try:
        _count_depth(yaml.parse(text, Loader=LOADER), name)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if mark is None:
            return  # composing reports it with its own position
        lines = text.split("\n", mark.line + 1)
        upto = sum(len(line) + 1 for line in lines[: mark.line]) + mark.column + 1
        with contextlib.suppress(yaml.YAMLError):  # the original error is reported when composing
            _count_depth(yaml.parse(text[:upto], Loader=yaml.SafeLoader), name)


def _count_depth(events: Iterator[yaml.Event], name: str) -> None:
    depth = 0
    for event in events:
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                mark = event.start_mark
                raise InputError([Problem(name, _(_TOO_DEEP).format(depth=MAX_DEPTH), mark.line + 1, mark.column + 1)])
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1


_HINTS = {
    "mapping values are not allowed": N_('check the indentation; a value that contains ": " must be put in quotes'),
    "did not find expected key": N_("check the indentation of this line and the one above"),
    "could not find expected ':'": N_('a key needs ": " after it, or a quote is left open'),
    "found unexpected end of stream": N_("a quote or a bracket is left open"),
    "did not find expected ','": N_("a bracket is left open, or a comma is missing between items"),
}


def _hint(text: str, problem: str, line: int | None, col: int | None) -> str:
    """A plain-words hint for the YAML mistakes secretaries make most (tabs, indentation, colons)."""
    if line is not None and col is not None:
        lines = re.split(r"\r\n|[\r\n\x85\u2028\u2029]", text)
        if line <= len(lines) and lines[line - 1][col - 1 : col] == "\t":
            return _(" — a tab character; indent with spaces, not tabs")
    for start, hint in _HINTS.items():
        if problem.startswith(start):
            return " — " + _(hint)
    return ""


def parse_single(text: str, name: str) -> Node:
    """Exactly one document whose top level is a mapping; any problem is raised."""
    root, problems = parse_event_text(text, name)
    if problems:
        raise InputError(problems)
    return root


def parse_event_text(text: str, name: str) -> tuple[Node, list[Problem]]:
    """Exactly one document whose top level is a mapping, and the problems of single values in it (for
    validation to report with its own); a file that cannot be read as one mapping is raised."""
    roots = _compose(text, name)
    if not roots or all(r is None for r in roots):
        raise InputError([Problem(name, _("file is empty; expected a YAML mapping such as `type: mobilisation`"))])
    if len(roots) > 1:
        message = _("file holds {n_docs} YAML documents; use `speechgen batch` for a stream").format(n_docs=len(roots))
        raise InputError([Problem(name, message)])
    root, problems = convert_root(roots[0], name)
    assert root is not None
    if root.kind != "map":
        message = _("top level must be a mapping of keys, found a {kind_word}").format(kind_word=_kind_word(root))
        raise InputError([Problem(name, message, root.line, root.col)])
    return root, problems


def _kind_word(node: Node) -> str:
    return {"map": "mapping", "seq": "list"}.get(node.kind, "single value")


def convert_node(node: yaml.Node, name: str, budget: Budget, depth: int) -> Node:
    budget.nodes += 1
    line, col = node.start_mark.line + 1, node.start_mark.column + 1
    if budget.nodes > MAX_NODES or depth > MAX_DEPTH:
        if budget.nodes > MAX_NODES:
            message = _("document expands to more than {count:,} values (an alias bomb?); refused").format(
                count=MAX_NODES
            )
        else:
            message = _(_TOO_DEEP).format(depth=MAX_DEPTH)
        budget.problems.append(Problem(name, message, line, col))
        raise Stop
    if node.tag not in _SAFE_TAGS:
        budget.problems.append(
            Problem(name, _("tag {tag!r} is not allowed; only plain YAML values are").format(tag=node.tag), line, col)
        )
        return Node(None, line, col, "bad")
    if isinstance(node, yaml.MappingNode):
        entries: dict[str, Entry] = {}
        for knode, vnode in node.value:
            kl, kc = knode.start_mark.line + 1, knode.start_mark.column + 1
            if not isinstance(knode, yaml.ScalarNode):
                budget.problems.append(Problem(name, _("a key must be a plain word, not a list or mapping"), kl, kc))
                continue
            if knode.tag == "tag:yaml.org,2002:merge" or knode.value == "<<":
                budget.problems.append(Problem(name, _("merge keys (<<) are not supported"), kl, kc))
                continue
            key = str(knode.value)
            if len(key) > MAX_KEY:
                budget.problems.append(
                    Problem(name, _("a key of {n_key:,} characters; refused").format(n_key=len(key)), kl, kc)
                )
                continue
            if key in entries:
                first = entries[key]
                message = _("duplicate key (first given at line {key_line})").format(key_line=first.key_line)
                budget.problems.append(Problem(name, message, kl, kc, key=key))
                continue
            entries[key] = Entry(key, kl, kc, convert_node(vnode, name, budget, depth + 1))
        return Node(entries, line, col, "map")
    if isinstance(node, yaml.SequenceNode):
        return Node([convert_node(n, name, budget, depth + 1) for n in node.value], line, col, "seq")
    if len(node.value) > MAX_SCALAR:
        message = _("a value of {size:,} characters; at most {limit:,} are accepted").format(
            size=len(node.value), limit=MAX_SCALAR
        )
        budget.problems.append(Problem(name, message, line, col))
        return Node(None, line, col, "bad")
    value = scalar_value(node.tag, node.value)
    return Node(value, line, col, "scalar", None if isinstance(value, str) else node.value)


MAX_KEY = 200
_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_DECIMAL_FRACTION = re.compile(r"[-+]?[0-9]+\.[0-9]+")


def scalar_value(tag: str, text: str) -> Any:
    """A scalar as a secretary means it. Numbers are read only when written plainly in decimal (120, 12.5):
    YAML 1.1 would read 0120 as octal (80), 1:20 as base 60 (80), 0x1F, 1_000 and .nan as numbers too; they
    stay text, for the field to read or refuse. A value its explicit tag does not fit (!!bool maybe,
    !!timestamp 明天, !!int '') stays text as well: it never raises."""
    if tag == "tag:yaml.org,2002:str":
        return text  # most values (all bank text): no constructor needed
    if tag == "tag:yaml.org,2002:int":
        return int(text) if len(text) <= MAX_NUMBER_TEXT and _DECIMAL.fullmatch(text) else text
    if tag == "tag:yaml.org,2002:float":
        return float(text) if len(text) <= MAX_NUMBER_TEXT and _DECIMAL_FRACTION.fullmatch(text) else text
    if tag == "tag:yaml.org,2002:bool":
        return _BOOLS.get(text.lower(), text)
    if tag == "tag:yaml.org,2002:null":
        return None
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(yaml.ScalarNode(tag, text))
    except Exception:  # noqa: BLE001 - an impossible date (2026-02-30), !!timestamp 明天: text for the field to judge
        return text
    finally:
        loader.dispose()


_BOOLS = {"yes": True, "no": False, "true": True, "false": False, "on": True, "off": False}


def node_from_plain(value: Any, name: str, depth: int = 0) -> Node:
    """A Node tree for plain Python data (a mapping given to the API), without positions."""
    if depth > MAX_DEPTH:
        raise InputError([Problem(name, _(_TOO_DEEP).format(depth=MAX_DEPTH))])
    if isinstance(value, Mapping):
        entries = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise InputError([Problem(name, _("a key must be text, found {k!r}").format(k=k))])
            entries[k] = Entry(k, None, None, node_from_plain(v, name, depth + 1))
        return Node(entries, None, None, "map")
    if isinstance(value, (list, tuple)):
        return Node([node_from_plain(v, name, depth + 1) for v in value], None, None, "seq")
    return Node(value, None, None, "scalar")


class Stop(Exception):
    """Raised inside the walk once the node budget is spent."""
