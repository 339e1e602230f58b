"""`speechgen batch`: many events → many files, with per-event errors, in parallel.

The main process reads inputs one document at a time, validates each event and
gives it a unique, safe output name; worker processes compose, export and
write. Drafts are never kept, so memory stays flat however many events come.
"""

from __future__ import annotations

import glob
import os
import signal
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError, OutputError, Problem, SpeechgenError
from .event import Event, validate
from .output import clean_stale_temporaries, default_name, inside, write_atomic
from .schema import SCHEMA, Group
from .yamlsafe import Entry, Node, decode, parse_documents

MAX_BATCH_FILE = 64_000_000


@dataclass
class Job:
    """One event to draft: where it came from, and either the Event or why it failed."""

    label: str  # "events.yaml" or "stream.yaml#3"
    event: Event | None = None
    problems: list[str] = field(default_factory=list)
    output: str = ""


@dataclass
class Outcome:
    label: str
    status: str  # drafted | skipped | failed
    output: str = ""
    type: str = ""
    style: str = ""
    seed: int | None = None
    han_characters: int = 0
    minutes: float = 0.0
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def expand_inputs(inputs: Sequence[str]) -> list[Path]:
    """Files as given; folders as their *.yaml/*.yml files, sorted; globs expanded, sorted."""
    out: list[Path] = []
    for raw in inputs:
        p = Path(raw)
        if p.is_dir():
            out.extend(sorted([*p.glob("*.yaml"), *p.glob("*.yml")]))
        elif not p.exists() and any(c in raw for c in "*?["):
            matches = sorted(glob.glob(raw, recursive=True))
            if not matches:
                raise InputError([Problem(raw, "no file matches this pattern")])
            out.extend(Path(m) for m in matches if Path(m).is_file())
        else:
            out.append(p)
    return out


def read_jobs(paths: Sequence[Path]) -> Iterator[Job]:
    """Every event of every input, validated, in input order."""
    for path in paths:
        name = str(path)
        try:
            raw = path.read_bytes()
            if len(raw) > MAX_BATCH_FILE:
                raise InputError([Problem(name, f"file is over {MAX_BATCH_FILE // 1_000_000} MB")])
            docs = parse_documents(decode(raw, name), name)
        except InputError as exc:
            yield Job(name, problems=[str(p) for p in exc.problems])
            continue
        except OSError as exc:
            yield Job(name, problems=[f"{name}: cannot read: {exc.strerror or exc}"])
            continue
        docs = [d for d in docs if d is not None]
        if not docs:
            yield Job(name, problems=[f"{name}: file is empty"])
        elif len(docs) == 1 and _is_batch_file(docs[0]):
            yield from _batch_entries(docs[0], name)
        else:
            for i, doc in enumerate(docs, 1):
                label = name if len(docs) == 1 else f"{name}#{i}"
                yield _job(doc, name, label, prefix="" if len(docs) == 1 else f"document {i}: ")


def _is_batch_file(root: Node) -> bool:
    return root.kind == "map" and "events" in root.value and set(root.value) <= {"defaults", "events"}


def _batch_entries(root: Node, name: str) -> Iterator[Job]:
    events = root.value["events"].node
    defaults = root.value.get("defaults")
    if events.kind != "seq":
        yield Job(name, problems=[f"{name}:{events.line}:{events.col}: events: expected a list of events"])
        return
    if defaults is not None and defaults.node.kind != "map":
        d = defaults.node
        yield Job(name, problems=[f"{name}:{d.line}:{d.col}: defaults: expected a mapping (a partial event)"])
        return
    for i, entry in enumerate(events.value, 1):
        label = f"{name}[{i}]"
        if entry.kind != "map":
            yield Job(label, problems=[f"{name}:{entry.line}:{entry.col}: events[{i}]: expected a mapping (an event)"])
            continue
        merged = merge(defaults.node, entry) if defaults is not None else entry
        yield _job(merged, name, label, prefix=f"events[{i}]: ")


def _job(root: Node, name: str, label: str, prefix: str) -> Job:
    if root.kind != "map":
        return Job(label, problems=[f"{name}:{root.line}:{root.col}: {prefix}expected a mapping (an event)"])
    try:
        event = validate(root, name)
    except InputError as exc:
        return Job(label, problems=[_prefixed(p, prefix) for p in exc.problems])
    return Job(label, event=event)


def _prefixed(p: Problem, prefix: str) -> str:
    if not prefix:
        return str(p)
    return str(Problem(p.file, p.message, p.line, p.col, f"{prefix}{p.key}" if p.key else prefix.rstrip(": ")))


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
                entry = Entry(key, entry.key_line, entry.key_col,
                              Node(_merge_entries(old.node.value, entry.node.value, sub), entry.node.line,
                                   entry.node.col, "map"))
        out[key] = entry
        by_canon[c] = key
    return out


class Namer:
    """Unique, safe output names in input order: a second 「x.docx」 becomes 「x-2.docx」."""

    def __init__(self, folder: Path, ext: str) -> None:
        self.folder, self.ext, self.taken = folder, ext, set[str]()

    def name_for(self, event: Event) -> str:
        base = default_name(event.date.isoformat(), event.get("meeting.name"), event.get("output"), self.ext)
        stem, n, name = base[: -len(self.ext) - 1], 1, base
        while name.lower() in self.taken:
            n += 1
            name = f"{stem}-{n}.{self.ext}"
        self.taken.add(name.lower())
        inside(self.folder, name)
        return name


# -- worker side ------------------------------------------------------------------------------------

_SETTINGS: dict[str, Any] = {}


def init_worker(settings: dict[str, Any]) -> None:
    _SETTINGS.update(settings)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; it terminates us on Ctrl-C
    signal.signal(signal.SIGTERM, _terminate)


def _terminate(signum: int, frame: Any) -> None:
    raise SystemExit(1)  # unwinds through write_atomic, which removes its temporary


def draft_job(job: Job) -> Outcome:
    """Compose, export and write one event (runs in a worker process)."""
    from .export import export
    from .pipeline import draft_event

    s = _SETTINGS
    assert job.event is not None
    out = Outcome(job.label, "failed", output=job.output, type=job.event.type)
    try:
        draft = draft_event(job.event, s["options"])
        data = export(draft, s["format"], s["layout"], explain=s["explain"], reference=s["reference"])
        write_atomic(Path(s["folder"]) / job.output, data, force=s["force"])
    except OutputError as exc:
        if "exists" in str(exc):
            out.status, out.errors = "skipped", [str(exc)]
        else:
            out.errors = [str(exc)]
        return out
    except SpeechgenError as exc:
        out.errors = [str(exc)]
        return out
    out.status = "drafted"
    out.style, out.seed = draft.meta["style"], draft.meta["seed"]
    out.han_characters, out.minutes = draft.han_count(), draft.minutes(draft.meta["rate"])
    out.warnings = list(draft.meta.get("warnings", []))
    return out


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def prepare_folder(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    clean_stale_temporaries(folder)
