"""The draft beside the form: preview (with lock, pick, unlock and re-roll), alternatives, downloads and
the actual pages (PDF → PNG)."""

from __future__ import annotations

import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from speechgen import api
from speechgen.errors import ConfigError
from speechgen.i18n import _
from speechgen.run.output import default_name
from speechgen.web.form import FormState, problem_slots
from speechgen.web.pages import render, respond, to_json
from speechgen.web.preview import draft_view
from speechgen.web.security import read_form
from speechgen.web.views.event import draft_options, settings_of

MEDIA = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "md": "text/markdown; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "json": "application/json",
    "yaml": "application/yaml; charset=utf-8",
}
PAGE_DPI = 60


def apply(state: FormState, action: str, place: str, variant: str) -> tuple[FormState, str | None, str]:
    """The form after an action of the preview: (state, the new seed if re-rolled, a note for the panel)."""
    if action == "pick" and place and variant:
        return state.with_choice(place, variant), None, _("Locked. Click another sentence to see its alternatives.")
    if action == "unlock" and place:
        return state.with_choice(place, None), None, _("Unlocked: a re-roll may now change this sentence.")
    if action == "reroll":
        seed = str(secrets.randbelow(2**31))
        return state.with_value("options.seed", seed), seed, ""
    return state, None, ""


async def preview(request: Request) -> Response:
    settings = settings_of(request)
    form = await read_form(request)
    action, place, variant = (str(form.get(k, "")) for k in ("action", "place", "variant"))
    state, seed, note = apply(FormState.from_form(form), action, place, variant)

    def work() -> tuple[api.Draft, api.Review]:
        event = state.event()  # InputError: the handler puts each problem beside its field
        draft = api.draft(event, options=draft_options(settings))
        return draft, api.review(draft, event=event)

    draft, review = await run_in_threadpool(work)
    view = draft_view(draft, review, state.choices)
    if request.url.path.endswith(".json"):
        return respond(request, "_preview.html", view)
    return render(
        request,
        "_preview.html",
        {"draft": view, "choices": tuple(sorted(state.choices.items()))},
        slots=problem_slots(),
        by_field={},
        seed=seed,
        note=note,
    )


async def alternatives(request: Request) -> Response:
    settings = settings_of(request)
    form = await read_form(request)
    state = FormState.from_form(form)
    place = str(form.get("place", ""))
    found = await run_in_threadpool(lambda: api.alternatives(state.event(), place, options=draft_options(settings)))
    current = next((a for a in found if a.current), None)
    others = [a for a in found if not a.current]
    locked = place in state.choices and current is not None and state.choices[place].split() == current.variant.split()
    context = {"place": place, "current": current, "others": others, "locked": locked}
    if request.url.path.endswith(".json"):
        return Response(__import__("json").dumps(to_json(context), ensure_ascii=False), media_type="application/json")
    return render(request, "_alternatives.html", context)


async def download(request: Request) -> Response:
    """Make the file, keep it for a moment, and send the browser to it (htmx cannot save a file itself)."""
    settings = settings_of(request)
    form = await read_form(request)
    state = FormState.from_form(form)
    fmt = str(form.get("fmt", "docx"))
    explain = form.get("explain") == "1"
    if fmt not in (*request.app.state.formats, "yaml"):
        raise ConfigError(_("This machine cannot write .{fmt} files.").format(fmt=fmt))

    def work() -> tuple[str, bytes]:
        event = state.event()
        stem_date, meeting = event.date.isoformat(), event.get("meeting.name")
        if fmt == "yaml":
            original = request.app.state.docs.get(state.doc) if state.doc else None
            name = state.name or default_name(stem_date, meeting, event.get("output"), "yaml")
            return name, state.text(original=original, lang="zh").encode("utf-8")
        draft = api.draft(event, options=draft_options(settings))
        return default_name(stem_date, meeting, event.get("output"), fmt), api.export(draft, fmt, explain=explain)

    name, data = await run_in_threadpool(work)
    key = request.app.state.files.put((name, fmt, data))
    response = render(request, "_download.html", {"filename": name})
    response.headers["HX-Redirect"] = f"/draft/file/{key}"
    return response


async def file(request: Request) -> Response:
    kept = request.app.state.files.get(request.path_params["key"])
    if kept is None:
        raise HTTPException(404, _("This download has expired; click the button again."))
    name, fmt, data = kept
    ascii_name = name.encode("ascii", "replace").decode("ascii").replace("?", "_").replace('"', "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return Response(data, media_type=MEDIA[fmt], headers={"content-disposition": disposition})


def page_images(pdf: bytes) -> list[bytes]:
    """The PDF's pages as PNG images (pdftoppm)."""
    with tempfile.TemporaryDirectory(prefix="speechgen-pages-") as tmp:
        source = Path(tmp) / "draft.pdf"
        source.write_bytes(pdf)
        exe = shutil.which("pdftoppm")
        if exe is None:
            raise ConfigError(_("Showing the pages needs pdftoppm (poppler-utils)."))
        subprocess.run(
            [exe, "-png", "-r", str(PAGE_DPI), str(source), str(Path(tmp) / "page")], check=True, timeout=120
        )
        return [p.read_bytes() for p in sorted(Path(tmp).glob("page*.png"), key=lambda p: int(p.stem.split("-")[-1]))]


async def pages(request: Request) -> Response:
    settings = settings_of(request)
    form = await read_form(request)
    state = FormState.from_form(form)

    def work() -> list[bytes]:
        event = state.event()
        draft = api.draft(event, options=draft_options(settings))
        return page_images(api.export(draft, "pdf"))

    images = await run_in_threadpool(work)
    key = request.app.state.pages.put(images)
    return render(request, "_pages.html", {"key": key, "count": len(images)})


async def page_png(request: Request) -> Response:
    images = request.app.state.pages.get(request.path_params["key"])
    n = request.path_params["n"]
    if images is None or not 1 <= n <= len(images):
        raise HTTPException(404, _("This page preview has expired; ask for it again."))
    return Response(images[n - 1], media_type="image/png")
