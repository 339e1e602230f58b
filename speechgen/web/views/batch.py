"""Batch: upload several event files (or batch files, YAML streams), draft them all in a background thread
with the batch core, follow its progress, cancel it, and download a zip of the drafts with the report."""

from __future__ import annotations

import dataclasses
import io
import os
import re
import secrets
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from speechgen import api
from speechgen.errors import ConfigError
from speechgen.i18n import _
from speechgen.run.batch import Batch, counts, report_bytes
from speechgen.run.job import BatchSettings, Outcome
from speechgen.run.output import write_atomic
from speechgen.run.render import RenderSettings
from speechgen.web.context import BatchContext, JobView
from speechgen.web.pages import respond
from speechgen.web.security import read_form
from speechgen.web.settings import WebSettings
from speechgen.web.views.event import draft_options, settings_of

# What a batch reads. The spreadsheet reader (its own issue) adds its suffixes here once run/inputs.py
# reads them; nothing else on this page changes.
SUFFIXES = (".yaml", ".yml")
REPORT = "report.csv"


@dataclass
class BatchJob:
    """One batch run in a background thread; the page polls it."""

    id: str
    folder: Path  # inputs/ and drafts/ inside
    fmt: str
    cancel: threading.Event = field(default_factory=threading.Event)
    outcomes: list[Outcome] = field(default_factory=list)
    state: str = "running"
    error: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, settings: WebSettings, explain: bool) -> None:
        try:
            inputs = sorted((self.folder / "inputs").iterdir())
            render = RenderSettings(options=draft_options(settings), explain=explain)
            batch = Batch(
                inputs, BatchSettings(folder=self.folder / "drafts", fmt=self.fmt, render=render), self.cancel
            )
            for outcome in batch.outcomes():
                with self.lock:
                    self.outcomes.append(self.shown(outcome))
            write_atomic(self.folder / "drafts" / REPORT, report_bytes(list(self.outcomes), ".csv"))
            self.state = "cancelled" if self.cancel.is_set() else "done"
        except Exception as exc:  # noqa: BLE001 - shown on the page; the server goes on
            self.error = str(exc) if isinstance(exc, api.SpeechgenError) else f"{type(exc).__name__}: {exc}"
            self.state = "failed"

    def shown(self, outcome: Outcome) -> Outcome:
        """The outcome as the user knows the files: by the names they uploaded, not the server's folder."""
        where = str(self.folder / "inputs") + os.sep

        def clean(text: str) -> str:
            return re.sub(re.escape(where) + r"\d{3}-", "", text)

        errors = [dataclasses.replace(p, file=clean(p.file), message=clean(p.message)) for p in outcome.errors]
        return dataclasses.replace(
            outcome, label=clean(outcome.label), errors=errors, warnings=[clean(w) for w in outcome.warnings]
        )

    def view(self) -> JobView:
        with self.lock:
            outcomes = list(self.outcomes)
        state = "cancelling" if self.state == "running" and self.cancel.is_set() else self.state
        rows = tuple(
            (o.label, o.status, o.output if o.status == "drafted" else "; ".join(str(p) for p in o.errors))
            for o in outcomes
        )
        return JobView(self.id, state, len(outcomes), counts(outcomes), rows, self.error, self.fmt)

    def zipped(self) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for path in sorted((self.folder / "drafts").iterdir()):
                if path.is_file() and not path.name.startswith("."):
                    z.write(path, path.name)
        return buf.getvalue()


def _upload_name(i: int, filename: str) -> str:
    stem = re.sub(r"[^\w\-.一-龥]", "_", Path(filename or "event").stem)[:60] or "event"
    suffix = Path(filename or "").suffix.lower()
    return f"{i:03d}-{stem}{suffix}"


def _context(request: Request, job: JobView | None) -> BatchContext:
    return BatchContext(
        formats=request.app.state.formats,
        suffixes=SUFFIXES,
        max_body=request.app.state.settings.max_body,
        job=job,
    )


async def page(request: Request) -> Response:
    return respond(request, "batch.html", _context(request, None))


async def start(request: Request) -> Response:
    settings = settings_of(request)
    form = await read_form(request)
    uploads = [u for u in form.getlist("files") if not isinstance(u, str)]
    fmt = str(form.get("fmt", "docx"))
    if fmt not in request.app.state.formats:
        raise ConfigError(_("This machine cannot write .{fmt} files.").format(fmt=fmt))
    if not uploads:
        raise ConfigError(_("Choose one or more event files to upload."))
    jobs = request.app.state.jobs
    key = secrets.token_urlsafe(9)
    tmp = Path(request.app.state.workdir) / key
    (tmp / "inputs").mkdir(parents=True)
    for i, upload in enumerate(uploads, 1):
        name = _upload_name(i, upload.filename or "")
        if Path(name).suffix not in SUFFIXES:
            raise ConfigError(
                _("{name}: a batch reads {kinds} files.").format(name=upload.filename, kinds=", ".join(SUFFIXES))
            )
        (tmp / "inputs" / name).write_bytes(await upload.read())
    job = BatchJob(key, tmp, fmt)
    jobs.put_as(job.id, job)
    threading.Thread(
        target=job.run, args=(settings, form.get("explain") == "1"), daemon=True, name=f"batch-{job.id}"
    ).start()
    return RedirectResponse(f"/batch/{job.id}", status_code=303)


def _job(request: Request) -> BatchJob:
    job = request.app.state.jobs.get(request.path_params["id"])
    if job is None:
        raise HTTPException(404, _("No such batch (batches are forgotten when the server stops)."))
    return job


async def show(request: Request) -> Response:
    return respond(request, "batch.html", _context(request, _job(request).view()))


async def status(request: Request) -> Response:
    return respond(request, "_batch_status.html", _context(request, _job(request).view()))


async def cancel(request: Request) -> Response:
    await read_form(request)
    job = _job(request)
    job.cancel.set()
    return respond(request, "_batch_status.html", _context(request, job.view()))


async def download(request: Request) -> Response:
    job = _job(request)
    if job.state not in ("done", "cancelled"):
        raise HTTPException(409, _("The batch is still running."))
    headers = {"content-disposition": f'attachment; filename="drafts-{job.id[-8:]}.zip"'}
    return Response(job.zipped(), media_type="application/zip", headers=headers)
