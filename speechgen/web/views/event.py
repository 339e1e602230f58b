"""The meetings: the start page, a new meeting's form, a file opened from the folder or uploaded, saving."""

from __future__ import annotations

from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from speechgen import api
from speechgen.errors import InputError, OutputError, SpeechgenError
from speechgen.event import schema as S
from speechgen.i18n import _
from speechgen.run import eventfile
from speechgen.web import files
from speechgen.web.context import EventContext, FileEntry, IndexContext, TypeChoice
from speechgen.web.form import FormState, groups, problem_slots, problems_by_field, toolbar, type_field
from speechgen.web.pages import render, respond
from speechgen.web.preview import DraftView, draft_view
from speechgen.web.security import read_form
from speechgen.web.settings import WebSettings


def settings_of(request: Request) -> WebSettings:
    return request.app.state.settings


def draft_options(settings: WebSettings) -> api.Options:
    """What the page drafts with besides the event: the user's bank and template folders, nothing else
    (everything else is in the event, so that the saved file drafts the same with the CLI)."""
    return api.Options(banks=settings.bank_dirs(), templates=settings.templates)


def banks_note(settings: WebSettings) -> str:
    dirs = settings.bank_dirs()
    if not dirs:
        return ""
    flags = " ".join(f"--banks {d}" for d in dirs)
    return _("This page drafts with your own phrase banks: on the command line add {flags}").format(flags=flags)


async def index(request: Request) -> Response:
    settings = settings_of(request)
    context = IndexContext(
        types=tuple(TypeChoice(t, S.TYPE_LABELS[t]) for t in S.MEETING_TYPES),
        files=tuple(FileEntry(n, s) for n, s in files.listing(settings.folder)),
        folder=str(settings.folder),
        max_body=settings.max_body,
    )
    return respond(request, "index.html", context)


async def new(request: Request) -> Response:
    meeting_type = request.query_params.get("type", S.MEETING_TYPES[0])
    if meeting_type not in S.MEETING_TYPES:
        meeting_type = S.TYPE_ALIASES.get(meeting_type, S.MEETING_TYPES[0])
    state = FormState({"type": meeting_type})
    return await page(request, state, quiet=True)


async def open_file(request: Request) -> Response:
    settings = settings_of(request)
    name = request.query_params.get("name", "")
    text = files.read(settings.folder, name)
    return await opened(request, text, name, name)


async def upload(request: Request) -> Response:
    form = await read_form(request)
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise HTTPException(400, _("No file was uploaded."))
    raw = await upload.read()
    shown = Path(upload.filename or "upload.yaml").name
    text = eventfile.read_event_text(raw, name=shown)
    try:
        saved_as = files.checked_name(shown)
    except HTTPException:
        saved_as = ""
    return await opened(request, text, shown, "", suggest=saved_as)


async def opened(request: Request, text: str, shown: str, name: str, suggest: str = "") -> Response:
    """A file's meeting in the form: what could be read, with the file's own problems, located."""
    data = eventfile.event_data(text, name=shown)  # not even a YAML mapping: the handler lists why
    docs = request.app.state.docs
    state = FormState.from_data(data, name=name or suggest, doc=docs.put(text))
    file_problems: tuple[str, ...] = ()
    try:
        api.parse_event(text, name=shown)
    except InputError as exc:
        file_problems = tuple(str(p) for p in exc.problems)
    return await page(request, state, file_problems=file_problems)


async def page(
    request: Request, state: FormState, *, quiet: bool = False, file_problems: tuple[str, ...] = ()
) -> Response:
    settings = settings_of(request)
    draft, error, problems = await run_in_threadpool(make_draft, settings, state)
    if quiet:
        problems = {}
    styles = api.styles(banks=settings.bank_dirs())
    label = S.TYPE_LABELS.get(state.type, state.type)
    name = state.values.get("meeting.name")
    context = EventContext(
        title=name if isinstance(name, str) and name else _("New meeting: {label}").format(label=label),
        type_field=type_field(state, problems),
        groups=tuple(groups(state, problems, styles)),
        toolbar=tuple(toolbar(state, problems, styles)),
        choices=tuple(sorted(state.choices.items())),
        name=state.name,
        doc_key=state.doc,
        draft=draft,
        draft_error=error,
        file_problems=file_problems,
        problems=problems,
        slots=problem_slots(),
        formats=request.app.state.formats,
        page_preview=request.app.state.page_preview,
        banks_note=banks_note(settings),
    )
    return respond(request, "event.html", context)


def make_draft(settings: WebSettings, state: FormState) -> tuple[DraftView | None, str, dict[str, list[str]]]:
    """(the draft's view, why there is none, problems by field) for a form, never raising."""
    try:
        event = state.event()
    except InputError as exc:
        return None, "", problems_by_field(exc.problems)
    try:
        draft = api.draft(event, options=draft_options(settings))
        review = api.review(draft, event=event)
    except SpeechgenError as exc:
        return None, str(exc), {}
    return draft_view(draft, review, state.choices), "", {}


async def save(request: Request) -> Response:
    settings = settings_of(request)
    form = await read_form(request)
    state = FormState.from_form(form)
    target = str(form.get("save.name", "")).strip()
    if target and not Path(target).suffix:
        target += ".yaml"
    docs = request.app.state.docs
    original = docs.get(state.doc) if state.doc else None
    text = state.text(original=original, lang="zh")
    overwrite = form.get("save.overwrite") == "1" or (bool(state.name) and target == state.name)
    try:
        path = files.save(settings.folder, target, text, overwrite=overwrite)
    except OutputError as exc:
        if (settings.folder / target).exists():
            raise OutputError(_("{name} exists; tick “replace” to overwrite it.").format(name=target)) from exc
        raise
    try:
        state.event()
        problems = 0
    except InputError as exc:
        problems = len(exc.problems)
    command = target if " " not in target else f'"{target}"'
    flags = "".join(f" --banks {d}" for d in settings.bank_dirs())
    return render(
        request,
        "_saved.html",
        {"path": str(path), "command": command + flags, "problems": problems},
        name=target,
        doc_key=docs.put(text),
    )
