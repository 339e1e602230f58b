"""A YAML stream read one document, and one `events:` entry, at a time.

libyaml composes a whole document before it hands it over, so a batch file of 60 MB held millions of
nodes at once (3 GB). Here the parser's events are composed into nodes by hand, one document, or for a
batch document (a mapping whose first key is ``defaults`` or ``events``) one entry of its ``events:``
list at a time: memory is bounded by the largest entry, not the file. Nesting is bounded while
composing (no recursion past MAX_DEPTH levels), aliases resolve within their document.

A batch document that gives ``events:`` before ``defaults:`` is read twice: once to find the defaults
(skipping the entries without composing them), once to stream the entries.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import yaml

from speechgen.errors import Problem
from speechgen.event.yamlsafe import LOADER, MAX_DEPTH, yaml_problem

BATCH_KEYS = ("defaults", "events")
_TOO_DEEP = f"values are nested more than {MAX_DEPTH} levels deep; refused"


class StreamError(Exception):
    """The stream cannot be read on from here (a syntax error, nesting too deep, an undefined alias)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


@dataclass
class Entry:
    """One item of a batch document: its defaults, an events: entry, or something wrong at a key."""

    kind: str  # "defaults" | "entry" | "unknown" | "twice" | "not-a-list"
    node: yaml.Node
    index: int = 0  # 1-based, for entries
    key: str = ""
    first_line: int = 0  # for "twice": where the key was first given


class YamlStream:
    """Documents of one file's bytes (or text), composed lazily."""

    def __init__(self, data: bytes | str, name: str, stream_batches: bool = True) -> None:
        self.data, self.name, self.stream_batches = data, name, stream_batches
        self._events = yaml.parse(data, Loader=LOADER)
        self._peeked: yaml.Event | None = None
        self._resolver = yaml.resolver.Resolver()
        self.anchors: dict[str, yaml.Node] = {}
        self._held = False
        self._last_start: yaml.Event | None = None

    # -- events ---------------------------------------------------------------------------------
    def peek(self) -> yaml.Event:
        if self._peeked is None:
            try:
                self._peeked = next(self._events)
            except StopIteration:
                self._peeked = yaml.StreamEndEvent()
            except (yaml.YAMLError, RecursionError) as exc:
                raise StreamError(yaml_problem(exc, self.name, self._text_for(exc), hint=False)) from None
        return self._peeked

    def next(self) -> yaml.Event:
        event = self.peek()
        self._peeked = None
        return event

    def _text_for(self, exc: BaseException) -> str | None:
        if isinstance(exc, yaml.reader.ReaderError) and isinstance(self.data, bytes):
            return self.data.decode("utf-8", errors="replace")  # only to locate the character
        return self.data if isinstance(self.data, str) else None

    def _fail(self, event: yaml.Event, message: str) -> StreamError:
        mark = event.start_mark
        return StreamError(Problem(self.name, message, mark.line + 1, mark.column + 1))

    # -- documents ------------------------------------------------------------------------------
    def documents(self) -> Iterator[tuple[int, str, object]]:
        """(index, "doc", node) for a document, (index, "batch", entries iterator) for a batch document,
        (index, "empty", None) for an empty one; StreamError when the stream cannot be read on."""
        if isinstance(self.peek(), yaml.StreamStartEvent):
            self.next()
        index = 0
        while not isinstance(self.peek(), yaml.StreamEndEvent):
            index += 1
            self.next()  # DocumentStart
            self.anchors = {}
            start = self.peek()
            mapping = isinstance(start, yaml.MappingStartEvent) and not start.flow_style
            if self.stream_batches and mapping and self._batch_ahead():
                yield index, "batch", self._batch(index)
            else:
                node = self.compose(0)
                empty = isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null") and node.value == ""
                yield index, "empty" if empty else "doc", None if empty else node
            self._end_document()

    def _end_document(self) -> None:
        while not isinstance(self.peek(), (yaml.DocumentEndEvent, yaml.StreamEndEvent)):
            self.skip()  # what a consumer left unread
        if isinstance(self.peek(), yaml.DocumentEndEvent):
            self.next()

    def _batch_ahead(self) -> bool:
        """Is the mapping about to start a batch document (its first key defaults: or events:)?"""
        self._last_start = self.next()  # the mapping start, held for compose() or _batch()
        key = self.peek()
        self._held = True
        return isinstance(key, yaml.ScalarEvent) and key.value in BATCH_KEYS and not key.style

    # -- composing ------------------------------------------------------------------------------
    def compose(self, depth: int) -> yaml.Node:
        """The next node, its children composed (the mapping start already taken when _held is set)."""
        if self._held:
            self._held = False
            assert isinstance(self._last_start, yaml.MappingStartEvent)
            return self._mapping(self._last_start, depth)
        event = self.next()
        if isinstance(event, yaml.AliasEvent):
            if event.anchor not in self.anchors:
                raise self._fail(event, f"found undefined alias {event.anchor!r}")
            return self.anchors[event.anchor]
        if isinstance(event, yaml.ScalarEvent):
            tag = event.tag
            if tag is None or tag == "!":
                tag = self._resolver.resolve(yaml.ScalarNode, event.value, event.implicit)
            node: yaml.Node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        elif isinstance(event, yaml.SequenceStartEvent):
            node = self._sequence(event, depth)
        elif isinstance(event, yaml.MappingStartEvent):
            node = self._mapping(event, depth)
        else:
            raise self._fail(event, f"invalid YAML: unexpected {type(event).__name__}")
        if event.anchor is not None:
            self.anchors[event.anchor] = node
        return node

    def _sequence(self, event: yaml.SequenceStartEvent, depth: int) -> yaml.Node:
        if depth >= MAX_DEPTH:
            raise self._fail(event, _TOO_DEEP)
        tag = event.tag if event.tag not in (None, "!") else self._resolver.resolve(yaml.SequenceNode, None, True)
        node = yaml.SequenceNode(tag, [], event.start_mark, None, event.flow_style)
        if event.anchor is not None:
            self.anchors[event.anchor] = node
        while not isinstance(self.peek(), yaml.SequenceEndEvent):
            node.value.append(self.compose(depth + 1))
        node.end_mark = self.next().end_mark
        return node

    def _mapping(self, event: yaml.MappingStartEvent, depth: int) -> yaml.Node:
        if depth >= MAX_DEPTH:
            raise self._fail(event, _TOO_DEEP)
        tag = event.tag if event.tag not in (None, "!") else self._resolver.resolve(yaml.MappingNode, None, True)
        node = yaml.MappingNode(tag, [], event.start_mark, None, event.flow_style)
        if event.anchor is not None:
            self.anchors[event.anchor] = node
        while not isinstance(self.peek(), yaml.MappingEndEvent):
            key = self.compose(depth + 1)
            node.value.append((key, self.compose(depth + 1)))
        node.end_mark = self.next().end_mark
        return node

    def skip(self) -> None:
        """Pass over the next node without composing it (anchors in it are lost: only for a first pass)."""
        depth = 0
        while True:
            event = self.next()
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise self._fail(event, _TOO_DEEP)
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
            elif isinstance(event, yaml.StreamEndEvent):
                return
            if depth <= 0:
                return

    # -- batch documents ------------------------------------------------------------------------
    def _batch(self, index: int) -> Iterator[Entry]:
        """The entries of a batch document, in order, the defaults first wherever they are written."""
        self._held = False  # the mapping start was taken by _batch_ahead
        seen: dict[str, int] = {}
        defaults_later = False
        while not isinstance(self.peek(), yaml.MappingEndEvent):
            key = self.compose(1)
            word = key.value if isinstance(key, yaml.ScalarNode) else None
            line = key.start_mark.line + 1
            if word not in BATCH_KEYS:
                self.skip()
                yield Entry("unknown", key, key=str(word))
                continue
            if word in seen:
                self.skip()
                yield Entry("twice", key, key=word, first_line=seen[word])
                continue
            seen[word] = line
            if word == "defaults":
                yield Entry("defaults", self.compose(1))
                continue
            start = self.peek()
            if not isinstance(start, yaml.SequenceStartEvent) or start.tag not in (None, "!", "tag:yaml.org,2002:seq"):
                yield Entry("not-a-list", self.compose(1), key=word)
                continue
            if "defaults" not in seen and self._defaults_follow(start):
                defaults_later = True
                self.skip()  # first pass: the entries are read once the defaults are known
                continue
            yield from self._entries()
        self.next()  # MappingEnd
        if defaults_later:
            yield from self._second_pass(index)

    def _entries(self) -> Iterator[Entry]:
        start = self.next()  # SequenceStart
        if start.anchor is not None:
            self.anchors[start.anchor] = yaml.SequenceNode("tag:yaml.org,2002:seq", [], start.start_mark, None)
        count = 0
        while not isinstance(self.peek(), yaml.SequenceEndEvent):
            count += 1
            yield Entry("entry", self.compose(2), index=count)
        end = self.next()
        if count == 0:
            yield Entry("not-a-list", yaml.SequenceNode("tag:yaml.org,2002:seq", [], start.start_mark, end.end_mark))

    def _defaults_follow(self, start: yaml.Event) -> bool:
        """Does a top-level defaults: key come after the events: list? (A line-start search of the text
        after it: only such a file is read twice.)"""
        data = self.data if isinstance(self.data, bytes) else self.data.encode("utf-8")
        at = start.start_mark.index  # characters, not bytes: a safe lower bound for the search
        found = re.search(rb"(?m)^[\"']?defaults[\"']?[ \t]*:", data[at:] if data.isascii() else data)
        return found is not None

    def _second_pass(self, index: int) -> Iterator[Entry]:
        again = YamlStream(self.data, self.name)
        again.next()  # StreamStart
        for _ in range(index - 1):
            again.next()  # DocumentStart
            again.skip()
            again._end_document()
        again.next()  # DocumentStart
        again.next()  # MappingStart
        while not isinstance(again.peek(), yaml.MappingEndEvent):
            key = again.compose(1)
            if isinstance(key, yaml.ScalarNode) and key.value == "events":
                yield from again._entries()
                return
            again.compose(1)  # anchors before the list may be used in it
