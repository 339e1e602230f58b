"""A batch input's documents as jobs: one job per event, each an Event or the problems that stop it.

A document is one event, or a batch document (``defaults:`` deep-merged under each of ``events:``) whose
entries arrive one at a time (event/yamlstream.py). Each job knows where it came from, so that any later
error can be named ``file:line: document N: events[M]: …``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

import yaml

from speechgen.draft import Draft
from speechgen.errors import InputError, Problem
from speechgen.event import yamlsafe
from speechgen.event.load import validate
from speechgen.event.model import Event
from speechgen.event.schema import SCHEMA, Group
from speechgen.event.sheet import at_cell
from speechgen.event.yamlsafe import Entry, Node
from speechgen.event.yamlstream import BATCH_KEYS
from speechgen.event.yamlstream import Entry as StreamEntry
from speechgen.i18n import _


@dataclass
class Job:
    """One event to draft: where it came from, and either the Event or why it cannot be drafted."""

    label: str  # "a.yaml", "stream.yaml#3", "batch.yaml[2]", "stream.yaml#2[4]", "plan.xlsx:工作表1!7"
    event: Event | None = None
    problems: list[Problem] = field(default_factory=list)
    output: str = ""  # the file name in the output folder, once named
    file: str = ""
    line: int | None = 1
    context: str | None = None  # "document 3", "events[2]", "document 2: events[4]" or None
    draft: Draft | None = None  # composed ahead (run/fresh.py), or composed by the job itself
    sheet: str | None = None  # the sheet a row came from: its problems are placed at cells

    def locate(self, message: str) -> Problem:
        """A problem with this job as a whole, at the line where its event starts."""
        return Problem(self.file or self.label, message, self.line, context=self.context)

    def place(self, problem: Problem) -> Problem:
        """A problem found later (drafting) about this job's event, said of its document, entry or cell."""
        return at_cell(problem, self.sheet) if self.sheet else problem.within(self.context)


def document_jobs(root: yaml.Node, docs: FileBudget, label: str, context: str | None) -> Iterator[Job]:
    name = docs.name
    if is_batch(root):
        yield from _batch_entries(root, docs, label, context)
        return
    try:
        converted, problems = docs.convert(root)
    except InputError as exc:
        yield failed(label, exc.problems, name, context)
        return
    yield make_job(converted, name, label, context, problems)


def failed(label: str, problems: list[Problem], name: str, context: str | None) -> Job:
    line = problems[0].line if problems and problems[0].line else 1
    return Job(label, problems=[p.within(context) for p in problems], file=name, line=line, context=context)


class FileBudget:
    """The node budget of one file: each document (or events: entry) is converted with the usual node
    budget, and the whole file may not expand to more values than it has characters, so aliases cannot
    multiply the work however many entries refer to them."""

    def __init__(self, name: str, size: int) -> None:
        self.name = name
        self.allowance = yamlsafe.MAX_NODES + size
        self.exhausted = False  # an alias bomb: nothing further is read

    def convert(self, node: yaml.Node) -> tuple[Node, list[Problem]]:
        """A composed node as a Node tree and the problems of single values in it; InputError when the
        tree cannot be read at all."""
        budget = yamlsafe.Budget()
        converted: Node | None = None
        with contextlib.suppress(yamlsafe.Stop):  # the budget is spent; its problem says so
            converted = yamlsafe.convert_node(node, self.name, budget, 0)
        self.allowance -= budget.nodes
        if self.allowance < 0:
            self.exhausted = True
            line, col = node.start_mark.line + 1, node.start_mark.column + 1
            raise InputError(
                [Problem(self.name, _("file expands to more values than it has characters (alias bomb?)"), line, col)]
            )
        if converted is None:
            raise InputError(budget.problems)
        return converted, budget.problems


def is_batch(root: yaml.Node) -> bool:
    return isinstance(root, yaml.MappingNode) and any(
        isinstance(k, yaml.ScalarNode) and k.value in BATCH_KEYS for k, _value in root.value
    )


def streamed_batch(entries: Iterator[StreamEntry], docs: FileBudget, label: str, context: str | None) -> Iterator[Job]:
    """One job per events: entry of a batch document read entry by entry (run/yamlstream.py)."""
    name = docs.name
    defaults: Node | None = None
    drafted = 0

    def inner(part: str) -> str:
        return f"{context}: {part}" if context else part

    for item in entries:
        if item.kind == "unknown":
            yield _fail_at(
                item.node,
                _("unknown key {key!r} in a batch file; expected defaults: and events:").format(key=item.key),
                name,
                label,
                context,
            )
        elif item.kind == "twice":
            yield _fail_at(
                item.node,
                _("{key}: given twice (first at line {line})").format(key=item.key, line=item.first_line),
                name,
                label,
                context,
            )
        elif item.kind == "not-a-list":
            found = _("an empty list") if isinstance(item.node, yaml.SequenceNode) else _("no list")
            yield _fail_at(
                item.node,
                _("events: expected a list of events, found {found}").format(found=found),
                name,
                label,
                context,
            )
        elif item.kind == "defaults":
            if drafted:
                message = _("defaults: must come before events: when the entries were read without them")
                yield _fail_at(item.node, message, name, label, context)
                continue
            try:
                defaults, problems = docs.convert(item.node)
            except InputError as exc:
                yield failed(label, exc.problems, name, inner("defaults"))
                return
            if problems:
                yield failed(label, problems, name, inner("defaults"))
                return
            if defaults.kind != "map":
                yield _fail_at(item.node, _("defaults: expected a mapping (a partial event)"), name, label, context)
                return
        else:
            drafted += 1
            yield from _entry_job(item.node, item.index, defaults, docs, label, context)
            if docs.exhausted:
                return


def _fail_at(node: yaml.Node, message: str, name: str, label: str, context: str | None) -> Job:
    line, col = node.start_mark.line + 1, node.start_mark.column + 1
    return Job(
        label, problems=[Problem(name, message, line, col, context=context)], file=name, line=line, context=context
    )


def _entry_job(
    raw: yaml.Node, i: int, defaults: Node | None, docs: FileBudget, label: str, context: str | None
) -> Iterator[Job]:
    name = docs.name
    entry_label = f"{label}[{i}]"
    entry_context = f"{context}: events[{i}]" if context else f"events[{i}]"
    try:
        entry, problems = docs.convert(raw)
    except InputError as exc:
        yield failed(entry_label, exc.problems, name, entry_context)
        return
    if entry.kind != "map":
        problem = Problem(name, _("expected a mapping (an event)"), entry.line, entry.col, context=entry_context)
        yield Job(entry_label, problems=[problem], file=name, line=entry.line, context=entry_context)
        return
    merged = merge(defaults, entry) if defaults is not None else entry
    yield make_job(merged, name, entry_label, entry_context, problems)


def _batch_entries(root: yaml.MappingNode, docs: FileBudget, label: str, context: str | None) -> Iterator[Job]:
    """A batch document composed whole (its first key was not defaults: or events:): the same jobs."""
    name = docs.name
    parts: dict[str, yaml.Node] = {}
    for knode, vnode in root.value:
        key = knode.value if isinstance(knode, yaml.ScalarNode) else None
        if key not in BATCH_KEYS:
            yield _fail_at(
                knode,
                _("unknown key {key!r} in a batch file; expected defaults: and events:").format(key=key),
                name,
                label,
                context,
            )
            return
        if key in parts:
            yield _fail_at(
                knode,
                _("{key}: given twice (first at line {line})").format(key=key, line=parts[key].start_mark.line + 1),
                name,
                label,
                context,
            )
            return
        parts[key] = vnode
    events = parts.get("events")
    if not isinstance(events, yaml.SequenceNode) or events.tag != "tag:yaml.org,2002:seq" or not events.value:
        found = (
            _("nothing")
            if events is None
            else _("an empty list")
            if isinstance(events, yaml.SequenceNode)
            else _("no list")
        )
        yield _fail_at(
            events if events is not None else root,
            _("events: expected a list of events, found {found}").format(found=found),
            name,
            label,
            context,
        )
        return
    defaults = None
    if "defaults" in parts:
        try:
            defaults, problems = docs.convert(parts["defaults"])
        except InputError as exc:
            problems = exc.problems
        if problems:
            yield failed(label, problems, name, f"{context}: defaults" if context else "defaults")
            return
        if defaults is None or defaults.kind != "map":
            yield _fail_at(parts["defaults"], _("defaults: expected a mapping (a partial event)"), name, label, context)
            return
    for i in range(len(events.value)):
        raw, events.value[i] = events.value[i], None  # converted entries are not kept
        yield from _entry_job(raw, i + 1, defaults, docs, label, context)
        if docs.exhausted:
            return


def make_job(root: Node, name: str, label: str, context: str | None, problems: list[Problem] | None = None) -> Job:
    job = Job(label, file=name, line=root.line, context=context)
    if root.kind != "map":
        job.problems = [Problem(name, _("expected a mapping (an event)"), root.line, root.col, context=context)]
        return job
    try:
        job.event = validate(root, name, problems=problems)
    except InputError as exc:
        job.problems = [p.within(context) for p in exc.problems]
    except Exception as exc:  # noqa: BLE001 - a bug in validating one event must not stop the others
        job.problems = [job.locate(_("internal error: {kind}: {exc}").format(kind=type(exc).__name__, exc=exc))]
    return job


def merge(base: Node, over: Node) -> Node:
    """`over` deep-merged onto `base` (mappings merged key by key, Chinese or English; the rest replaced)."""
    if base.kind != "map" or over.kind != "map":
        return over
    return Node(_merge_entries(base.value, over.value, SCHEMA), over.line, over.col, "map")


def _merge_entries(base: dict[str, Entry], over: dict[str, Entry], group: Group | None) -> dict[str, Entry]:
    def canon(key: str) -> str:
        if group is None:
            return key
        for k, child in group.fields.items():
            if key in (k, child.alias):
                return k
        return key

    out: dict[str, Entry] = {}
    by_canon: dict[str, str] = {}
    for key, entry in base.items():
        out[key] = entry
        by_canon[canon(key)] = key
    for key, entry in over.items():
        c = canon(key)
        old_key = by_canon.get(c)
        if old_key is not None:
            old = out.pop(old_key)
            child = group.fields.get(c) if group is not None else None
            if old.node.kind == "map" and entry.node.kind == "map":
                sub = child if isinstance(child, Group) else None
                entry = Entry(
                    key,
                    entry.key_line,
                    entry.key_col,
                    Node(_merge_entries(old.node.value, entry.node.value, sub), entry.node.line, entry.node.col, "map"),
                )
        out[key] = entry
        by_canon[c] = key
    return out
