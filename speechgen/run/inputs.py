"""`speechgen batch`, the input side: many inputs → a stream of validated, uniquely named jobs.

Inputs are files, folders, globs, multi-document YAML streams, batch files
(``defaults:`` deep-merged under each of ``events:``) and spreadsheets (.xlsx, .csv: one
meeting a row, ``event/sheet.py``). Everything is read one document (or one ``events:``
entry, or one row) at a time, so a stream of thousands of events is never held in memory
at once (run/documents.py turns documents into jobs). Problems are named
``file:line: document N: …`` or ``plan.xlsx:工作表1!E7: …``. Nothing that goes wrong with
one input stops the others.
"""

from __future__ import annotations

import codecs
import errno
import glob
import itertools
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from speechgen.errors import InputError, OutputError, Problem
from speechgen.event import yamlsafe
from speechgen.event.files import read_limited
from speechgen.event.load import noted
from speechgen.event.model import Event
from speechgen.event.sheet import is_spreadsheet, read_rows
from speechgen.event.slips import typing_slips
from speechgen.event.yamlstream import StreamError, YamlStream
from speechgen.i18n import _
from speechgen.run.documents import FileBudget, Job, document_jobs, failed, merge, streamed_batch
from speechgen.run.output import default_name, inside

__all__ = ["Job", "Namer", "merge", "read_inputs", "read_jobs"]

MAX_BATCH_FILE = 64_000_000


def read_inputs(inputs: Sequence[str | Path], *, sheet: str | None = None) -> Iterator[Job]:
    """The jobs of every input in order: files as given, folders and globs expanded and sorted; of a
    spreadsheet, its first sheet or the one named `sheet`.

    Nothing that goes wrong with one input stops the others: a file that cannot be read, a link that
    loops, a document that breaks the reader, each becomes a job that failed, with its place."""
    seen: set[str] = set()
    for raw in inputs:
        try:
            paths, problem = _expand(str(raw))
        except (OSError, RuntimeError, ValueError) as exc:
            paths, problem = [], _("cannot read: {value}").format(value=_reason(exc))
        if problem:
            yield Job(str(raw), problems=[Problem(str(raw), problem)], file=str(raw), line=None)
        for path in paths:
            key = _identity(path)
            if key not in seen:  # the same file named twice (a folder and a glob) is drafted once
                seen.add(key)
                yield from read_jobs([path], sheet=sheet)


def _identity(path: Path) -> str:
    """The real path, or the path as given when it cannot be resolved (a loop of links is read and fails)."""
    try:
        return os.path.realpath(path)
    except (OSError, RuntimeError, ValueError):
        return str(path.absolute())


def _reason(exc: BaseException) -> str:
    if isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == errno.ELOOP:
        return _("a loop of symbolic links")
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)


def _expand(raw: str) -> tuple[list[Path], str | None]:
    p = Path(raw)
    if p.is_dir():
        files = _yaml_files(p)
        return files, None if files else _("no *.yaml or *.yml files in this folder")
    if not p.exists() and not p.is_symlink() and any(c in raw for c in "*?["):
        out: list[Path] = []
        for m in sorted(glob.glob(raw, recursive=True)):
            mp = Path(m)
            out.extend(_yaml_files(mp) if mp.is_dir() else [mp] if mp.is_file() else [])
        return out, None if out else _("no file matches this pattern")
    return [p], None


def _yaml_files(folder: Path) -> list[Path]:
    found = [*folder.glob("*.yaml"), *folder.glob("*.yml")]
    # every entry but folders: a FIFO or a looping link named *.yaml is reported, not passed over in silence
    return sorted(f for f in found if not f.name.startswith(".") and not f.is_dir())


def read_jobs(paths: Sequence[Path], *, sheet: str | None = None) -> Iterator[Job]:
    """Every event of every file, validated, in order; a file is read one document (one events: entry,
    one row) at a time, and whatever goes wrong in one file is that file's failure."""
    for path in paths:
        name = str(path)
        if is_spreadsheet(path):
            yield from _sheet_jobs(path, name, sheet)
            continue
        try:
            data = read_limited(path, MAX_BATCH_FILE, name)
            data, note, slips = _check_text(data, name)  # UTF-8 or GBK, no NUL, no UTF-16: as an event file is
        except InputError as exc:
            yield Job(name, problems=list(exc.problems), file=name, line=None)
            continue
        if slips:  # a full-width colon, a missing space (slips.py): every one at once, before YAML's own error
            yield Job(name, problems=slips, file=name, line=slips[0].line)
            continue
        jobs = _file_jobs(data, name)
        del data
        while True:
            try:
                job = next(jobs)
            except StopIteration:
                break
            except Exception as exc:  # noqa: BLE001 - a bug in reading one file must not stop the batch
                message = _("internal error: {kind}: {exc}").format(kind=type(exc).__name__, exc=exc)
                yield Job(name, problems=[Problem(name, message)], file=name)
                break
            if job.event is not None and note:
                job.event = noted(job.event, note)
            yield job


def _sheet_jobs(path: Path, name: str, sheet: str | None) -> Iterator[Job]:
    for row in read_rows(path, name, sheet):
        label = f"{name}:{row.context}" if row.context else name
        yield Job(label, row.event, row.problems, file=name, line=None, context=row.context, sheet=row.sheet)


def _check_text(data: bytes, name: str) -> tuple[bytes, str | None, list[Problem]]:
    """The checks of yamlsafe.decode (and the typing slips of slips.py) without keeping a second copy of a
    large file as text; a GBK file comes back as UTF-8 bytes, with the note that says how it was read."""
    if len(data) <= yamlsafe.MAX_FILE_BYTES:
        text, note = yamlsafe.decode_noted(data, name)
        return (text.encode("utf-8") if note else data), note, typing_slips(text, name)
    yamlsafe.decode(data[:4], name)  # a UTF-16/32 byte-order mark
    if b"\x00" in data:
        raise InputError([Problem(name, _("this is a binary file, not a YAML text file"))])
    step = 1 << 20
    decoder = codecs.getincrementaldecoder("utf-8")()
    for at in range(0, len(data), step):
        try:
            decoder.decode(data[at : at + step], final=at + step >= len(data))
        except UnicodeDecodeError:
            yamlsafe.decode(data, name)  # the full check, only to locate the bad byte
            raise
    return data, None, []


def _file_jobs(data: bytes, name: str) -> Iterator[Job]:
    """The jobs of one file. A file of one document streams the entries of a batch document; a stream of
    several documents is read one whole document at a time (its labels, file#N, need to know there are
    several before the first is named)."""
    several = _several_documents(data)
    stream = YamlStream(data[3:] if data.startswith(b"\xef\xbb\xbf") else data, name, stream_batches=not several)
    budget = FileBudget(name, len(data))
    documents = _documents(stream)
    head = [] if not several else list(itertools.islice(documents, 2))
    single = not several or len(head) == 1
    found = False
    for index, kind, payload in itertools.chain(head, documents):
        found = True
        label = name if single else f"{name}#{index}"
        context = None if single else f"document {index}"
        if kind == "error":
            assert isinstance(payload, Problem)
            yield failed(label, [payload], name, context)
            return
        try:
            if kind == "batch":
                yield from streamed_batch(payload, budget, label, context)  # type: ignore[arg-type]
            else:
                yield from document_jobs(payload, budget, label, context)  # type: ignore[arg-type]
        except StreamError as exc:
            yield failed(label, [exc.problem], name, context)
            return
        if budget.exhausted:
            return
    if not found:
        yield Job(name, problems=[Problem(name, _("file is empty"))], file=name, line=None)


def _documents(stream: YamlStream) -> Iterator[tuple[int, str, object]]:
    """The stream's non-empty documents; a stream that cannot be read on ends in an ("error", problem)."""
    index = 0
    try:
        for index, kind, payload in stream.documents():
            if kind != "empty":
                yield index, kind, payload
    except StreamError as exc:
        yield index + 1, "error", exc.problem


_MARKER = re.compile(rb"(?m)^(?:---|\.\.\.)(?=[ \t\r\n]|$)")
_PREAMBLE = re.compile(rb"(?:[ \t]*(?:[#%][^\n]*)?\r?\n)*")


def _several_documents(data: bytes) -> bool:
    """May the file hold more than one document? (No marker, or one --- after nothing but comments and
    directives: certainly one.)"""
    markers = _MARKER.finditer(data)
    first = next(markers, None)
    if first is None:
        return False
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    offset = len(data) - len(body)
    before = _PREAMBLE.match(body)
    only_preamble = before is not None and before.end() + offset == first.start() and first.group() == b"---"
    return not only_preamble or next(markers, None) is not None


class Namer:
    """Unique, safe output names in input order: a second 「x.docx」 becomes 「x-2.docx」, a third 「x-3.docx」."""

    def __init__(self, folder: Path, ext: str, reserved: Sequence[str] = ()) -> None:
        self.folder, self.ext, self.taken = folder, ext, {name.casefold() for name in reserved}

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
