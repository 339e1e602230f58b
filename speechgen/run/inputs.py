"""`speechgen batch`, the input side: many inputs → a stream of validated, uniquely named jobs.

Inputs are files, folders, globs, multi-document YAML streams and batch files
(``defaults:`` deep-merged under each of ``events:``). Everything is read one
document (or one ``events:`` entry) at a time, so a stream of thousands of
events is never held in memory at once. Each job knows where it came from, so
that any later error can be named ``file:line: document N: …``.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from speechgen.draft import Draft
from speechgen.errors import InputError, OutputError, Problem
from speechgen.event import yamlsafe
from speechgen.event.load import noted, validate
from speechgen.event.model import Event
from speechgen.event.schema import SCHEMA, Group
from speechgen.event.slips import typing_slips
from speechgen.event.yamlsafe import Entry, Node
from speechgen.i18n import _
from speechgen.run.output import default_name, inside

MAX_BATCH_FILE = 64_000_000
BATCH_KEYS = ("defaults", "events")


@dataclass
class Job:
    """One event to draft: where it came from, and either the Event or why it cannot be drafted."""

    label: str  # "a.yaml", "stream.yaml#3", "batch.yaml[2]", "stream.yaml#2[4]"
    event: Event | None = None
    problems: list[Problem] = field(default_factory=list)
    output: str = ""  # the file name in the output folder, once named
    file: str = ""
    line: int | None = 1
    context: str | None = None  # "document 3", "events[2]", "document 2: events[4]" or None
    draft: Draft | None = None  # composed ahead (run/fresh.py), or composed by the job itself

    def locate(self, message: str) -> Problem:
        """A problem with this job as a whole, at the line where its event starts."""
        return Problem(self.file or self.label, message, self.line, context=self.context)


def read_inputs(inputs: Sequence[str | Path]) -> Iterator[Job]:
    """The jobs of every input in order: files as given, folders and globs expanded and sorted."""
    seen: set[Path] = set()
    for raw in inputs:
        paths, problem = _expand(str(raw))
        if problem:
            yield Job(str(raw), problems=[Problem(str(raw), problem)], file=str(raw), line=None)
        for path in paths:
            key = path.resolve()
            if key not in seen:  # the same file named twice (a folder and a glob) is drafted once
                seen.add(key)
                yield from read_jobs([path])


def _expand(raw: str) -> tuple[list[Path], str | None]:
    p = Path(raw)
    if p.is_dir():
        files = _yaml_files(p)
        return files, None if files else _("no *.yaml or *.yml files in this folder")
    if not p.exists() and any(c in raw for c in "*?["):
        out: list[Path] = []
        for m in sorted(glob.glob(raw, recursive=True)):
            mp = Path(m)
            out.extend(_yaml_files(mp) if mp.is_dir() else [mp] if mp.is_file() else [])
        return out, None if out else _("no file matches this pattern")
    return [p], None


def _yaml_files(folder: Path) -> list[Path]:
    found = [*folder.glob("*.yaml"), *folder.glob("*.yml")]
    return sorted(f for f in found if f.is_file() and not f.name.startswith("."))


def read_jobs(paths: Sequence[Path]) -> Iterator[Job]:
    """Every event of every file, validated, in order; a file is read one document at a time."""
    for path in paths:
        name = str(path)
        try:
            if path.stat().st_size > MAX_BATCH_FILE:
                raise InputError(
                    [Problem(name, _("file is over {value} MB").format(value=MAX_BATCH_FILE // 1_000_000))]
                )
            raw = path.read_bytes()
            text, note = yamlsafe.decode_noted(raw, name)
        except InputError as exc:
            yield Job(name, problems=list(exc.problems), file=name, line=None)
            continue
        except FileNotFoundError:
            yield Job(name, problems=[Problem(name, _("no such file"))], file=name, line=None)
            continue
        except IsADirectoryError:
            yield Job(name, problems=[Problem(name, _("is a folder, not a file"))], file=name, line=None)
            continue
        except OSError as exc:
            yield Job(
                name,
                problems=[Problem(name, _("cannot read: {value}").format(value=exc.strerror or exc))],
                file=name,
                line=None,
            )
            continue
        del raw
        slips = typing_slips(text, name)
        if slips:
            yield Job(name, problems=slips, file=name, line=slips[0].line)
            continue
        for job in _file_jobs(text, name):
            if job.event is not None and note:
                job.event = noted(job.event, note)
            yield job


def _file_jobs(text: str, name: str) -> Iterator[Job]:
    docs = _Documents(text, name)
    items = iter(docs)
    head = list(itertools.islice(items, 2))  # one document or several? (decides the labels)
    if not head:
        yield Job(name, problems=[Problem(name, _("file is empty"))], file=name, line=None)
        return
    single = len(head) == 1
    for index, raw, problems in itertools.chain(head, items):
        label = name if single else f"{name}#{index}"
        context = None if single else f"document {index}"
        if raw is not None and _is_batch(raw):
            yield from _batch_entries(raw, docs, label, context)
        else:
            root = None
            if raw is not None:
                try:
                    root = docs.convert(raw)
                except InputError as exc:
                    problems = exc.problems
            yield _job(root, name, label, context) if root is not None else _failed(label, problems, name, context)
        if docs.exhausted:
            return


def _failed(label: str, problems: list[Problem], name: str, context: str | None) -> Job:
    line = problems[0].line if problems and problems[0].line else 1
    return Job(label, problems=[p.within(context) for p in problems], file=name, line=line, context=context)


class _Documents:
    """(index, composed document or None, problems) per document of a YAML stream, one at a time.

    Each document (or events: entry) is converted with the usual node budget;
    the whole file may not expand to more values than it has characters, so
    aliases cannot multiply the work however many entries refer to them.
    """

    def __init__(self, text: str, name: str) -> None:
        self.text, self.name = text, name
        self.allowance = yamlsafe.MAX_NODES + len(text)
        self.exhausted = False  # a syntax error or an alias bomb: nothing further can be read

    def __iter__(self) -> Iterator[tuple[int, yaml.Node | None, list[Problem]]]:
        stream = yaml.compose_all(self.text, Loader=yamlsafe.LOADER)
        for index in itertools.count(1):
            try:
                root = next(stream)
            except StopIteration:
                return
            except yaml.MarkedYAMLError as exc:
                mark = exc.problem_mark or exc.context_mark
                where = (mark.line + 1, mark.column + 1) if mark else (None, None)
                self.exhausted = True
                yield (
                    index,
                    None,
                    [Problem(self.name, _("invalid YAML: {value}").format(value=exc.problem or exc.context), *where)],
                )
                return
            except (yaml.YAMLError, RecursionError) as exc:
                self.exhausted = True
                what = _("nested too deeply") if isinstance(exc, RecursionError) else str(exc)
                yield index, None, [Problem(self.name, _("invalid YAML: {what}").format(what=what))]
                return
            if isinstance(root, yaml.ScalarNode) and root.tag.endswith(":null") and root.value == "":
                continue  # an empty document: `---` twice, or a trailing `---`
            yield index, root, []

    def convert(self, node: yaml.Node) -> Node:
        """A composed node as a Node tree, within the budgets; InputError otherwise."""
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
        if budget.problems or converted is None:
            raise InputError(budget.problems)
        return converted


def _is_batch(root: yaml.Node) -> bool:
    return isinstance(root, yaml.MappingNode) and any(
        isinstance(k, yaml.ScalarNode) and k.value in BATCH_KEYS for k, _value in root.value
    )


def _batch_entries(root: yaml.MappingNode, docs: _Documents, label: str, context: str | None) -> Iterator[Job]:
    """One job per events: entry, each converted only when its turn comes (and then let go)."""
    name = docs.name

    def fail(node: yaml.Node, message: str) -> Job:
        line, col = node.start_mark.line + 1, node.start_mark.column + 1
        problem = Problem(name, message, line, col, context=context)
        return Job(label, problems=[problem], file=name, line=line, context=context)

    def inner(part: str) -> str:
        return f"{context}: {part}" if context else part

    parts: dict[str, yaml.Node] = {}
    for knode, vnode in root.value:
        key = knode.value if isinstance(knode, yaml.ScalarNode) else None
        if key not in BATCH_KEYS:
            yield fail(knode, _("unknown key {key!r} in a batch file; expected defaults: and events:").format(key=key))
            return
        if key in parts:
            yield fail(
                knode,
                _("{key}: given twice (first at line {line})").format(key=key, line=parts[key].start_mark.line + 1),
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
        yield fail(
            events if events is not None else root,
            _("events: expected a list of events, found {found}").format(found=found),
        )
        return
    defaults = None
    if "defaults" in parts:
        try:
            defaults = docs.convert(parts["defaults"])
        except InputError as exc:
            yield _failed(label, exc.problems, name, inner("defaults"))
            return
        if defaults.kind != "map":
            yield fail(parts["defaults"], "defaults: expected a mapping (a partial event)")
            return
    for i in range(len(events.value)):
        raw, events.value[i] = events.value[i], None  # converted entries are not kept
        entry_label, entry_context = f"{label}[{i + 1}]", inner(f"events[{i + 1}]")
        try:
            entry = docs.convert(raw)
        except InputError as exc:
            yield _failed(entry_label, exc.problems, name, entry_context)
            if docs.exhausted:
                return
            continue
        if entry.kind != "map":
            problem = Problem(name, _("expected a mapping (an event)"), entry.line, entry.col, context=entry_context)
            yield Job(entry_label, problems=[problem], file=name, line=entry.line, context=entry_context)
            continue
        yield _job(merge(defaults, entry) if defaults is not None else entry, name, entry_label, entry_context)


def _job(root: Node, name: str, label: str, context: str | None) -> Job:
    job = Job(label, file=name, line=root.line, context=context)
    if root.kind != "map":
        job.problems = [Problem(name, _("expected a mapping (an event)"), root.line, root.col, context=context)]
        return job
    try:
        job.event = validate(root, name)
    except InputError as exc:
        job.problems = [p.within(context) for p in exc.problems]
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


class Namer:
    """Unique, safe output names in input order: a second 「x.docx」 becomes 「x-2.docx」, a third 「x-3.docx」."""

    def __init__(self, folder: Path, ext: str) -> None:
        self.folder, self.ext, self.taken = folder, ext, set[str]()

    def name_for(self, event: Event) -> str:
        base = default_name(event.date.isoformat(), event.get("meeting.name"), event.get("output"), self.ext)
        stem, n, name = base[: -len(self.ext) - 1], 1, base
        while name.casefold() in self.taken:
            n += 1
            name = f"{stem}-{n}.{self.ext}"
        self.taken.add(name.casefold())
        return name

    def assign(self, jobs: Iterator[Job]) -> Iterator[Job]:
        """Name every valid job; one whose name would leave the folder (a link) fails instead."""
        for job in jobs:
            if job.event is not None:
                job.output = self.name_for(job.event)
                try:
                    inside(self.folder, job.output)
                except OutputError as exc:
                    job.event, job.problems = None, [job.locate(exc.message)]
            yield job
