"""What each page shows, as a small frozen dataclass whose fields say what they mean (``help``).

A view gathers one of these, then renders its template with it, or returns it as JSON for a ``.json``
path (tests/test_web.py checks that every field is documented and that the JSON holds every field).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from speechgen.web.form import FieldView, GroupView
from speechgen.web.preview import DraftView


def doc(text: str, default: Any = None) -> Any:
    if default is None:
        return field(metadata={"help": text})
    return field(default=default, metadata={"help": text})


@dataclass(frozen=True)
class FileEntry:
    name: str = doc("the file's name inside the working folder")
    size: int = doc("its size in bytes")


@dataclass(frozen=True)
class TypeChoice:
    key: str = doc("the meeting type's key: mobilisation, summary …")
    label: str = doc("its Chinese name: 动员会, 总结会 …")


@dataclass(frozen=True)
class IndexContext:
    types: tuple[TypeChoice, ...] = doc("the meeting types a new meeting can be")
    files: tuple[FileEntry, ...] = doc("the event files (.yaml, .yml) in the working folder")
    folder: str = doc("the working folder: files are opened from and saved to it only")
    max_body: int = doc("the largest upload accepted, in bytes")


@dataclass(frozen=True)
class EventContext:
    title: str = doc("the page title: the meeting's name, or the new meeting's type")
    type_field: FieldView = doc("the meeting-type select")
    groups: tuple[GroupView, ...] = doc("the fieldsets of the form, from the event schema, in its order")
    toolbar: tuple[FieldView, ...] = doc("style, points, length, minutes and seed: the controls above the draft")
    choices: tuple[tuple[str, str], ...] = doc("the fixed choices (place, variant text) the form carries")
    name: str = doc("the file in the working folder this meeting was opened from or saved to ('' : new)")
    doc_key: str = doc("the key of the opened file's text kept on the server, so that saving keeps comments")
    draft: DraftView | None = doc("the draft of the meeting as the form describes it; None while it has problems")
    draft_error: str = doc("why no draft could be made (a problem of the banks or templates), else ''")
    file_problems: tuple[str, ...] = doc("the opened file's own problems, located file:line:col as the CLI says")
    problems: dict[str, list[str]] = doc("problem messages by field id ('form' : the form as a whole)")
    slots: tuple[str, ...] = doc("every field id a problem can be shown beside")
    formats: tuple[str, ...] = doc("the download formats this machine can write (pdf needs LibreOffice)")
    page_preview: bool = doc("whether the actual pages can be shown (LibreOffice and pdftoppm installed)")
    banks_note: str = doc("the command line's --banks for the user banks this page drafts with, else ''")


@dataclass(frozen=True)
class VariantRow:
    text: str = doc("the variant as the bank writes it (Jinja expressions included)")
    where: str = doc("its bank file and line")
    types: tuple[str, ...] = doc("the meeting types it is limited to (none: every type)")
    styles: tuple[str, ...] = doc("the styles it is limited to (none: every style)")
    needs: tuple[str, ...] = doc("the event facts it needs (it is never chosen without them)")
    user: bool = doc("whether it comes from a user bank folder")


@dataclass(frozen=True)
class SlotRow:
    slot: str = doc("the slot's key, as the templates call it")
    count: int = doc("its variants in this style")
    files: tuple[str, ...] = doc("the bank files its variants come from")
    by_style: int = doc("how many of them this style adds or limits to itself")


@dataclass(frozen=True)
class SlotDetail:
    slot: str = doc("the slot shown")
    style: str = doc("the style its variants are listed for")
    variants: tuple[VariantRow, ...] = doc("its variants, lowest layer first")


@dataclass(frozen=True)
class BanksContext:
    style: str = doc("the style whose layers are listed")
    styles: tuple[str, ...] = doc("every style available")
    slots: tuple[SlotRow, ...] = doc("every slot of the style's banks")
    changed: tuple[SlotRow, ...] = doc("the slots this style changes: variants of its own folder or tagged for it")
    user_folder: str = doc("the user bank folder variants added here are written to (never the built-in banks)")
    selected: SlotDetail | None = doc("the slot opened, if any")


@dataclass(frozen=True)
class JobView:
    id: str = doc("the batch's key")
    state: str = doc("running, cancelling, done, cancelled or failed")
    done: int = doc("events handled so far")
    counts: dict[str, int] = doc("drafted, skipped and failed so far")
    rows: tuple[tuple[str, str, str], ...] = doc("(input, status, output or problems) for every event handled")
    error: str = doc("why the batch stopped, when it failed as a whole")
    fmt: str = doc("the format of the drafts")

    @property
    def finished(self) -> bool:
        return self.state in ("done", "cancelled", "failed")


@dataclass(frozen=True)
class BatchContext:
    formats: tuple[str, ...] = doc("the formats a batch can write here")
    suffixes: tuple[str, ...] = doc("the file kinds a batch reads (spreadsheets once their reader lands)")
    max_body: int = doc("the largest upload accepted, in bytes")
    job: JobView | None = doc("the batch shown, if any")


@dataclass(frozen=True)
class ProblemView:
    where: str = doc("file:line:col as far as known")
    key: str = doc("the key as the user wrote it")
    message: str = doc("what is wrong")


@dataclass(frozen=True)
class ErrorContext:
    status: int = doc("the HTTP status")
    message: str = doc("one plain line")
    problems: tuple[ProblemView, ...] = doc("each problem of a bad input, located")
    slots: tuple[str, ...] = doc("the field ids of the form, for problems shown beside their fields")
    by_field: dict[str, list[str]] = doc("problem messages by field id")


CONTEXTS = (IndexContext, EventContext, BanksContext, SlotDetail, BatchContext, JobView, ErrorContext)
