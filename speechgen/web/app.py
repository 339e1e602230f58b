"""``create_app(settings)``: the workbench's ASGI application, built from frozen settings.

Nothing is module-level state: the settings, the pages' environment and the server's small stores hang
on ``app.state``, so that tests build as many independent apps as they like.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from speechgen import api
from speechgen.errors import SpeechgenError
from speechgen.web.handle_exception import handle_exception
from speechgen.web.pages import STATIC, environment
from speechgen.web.security import Guard
from speechgen.web.settings import WebSettings
from speechgen.web.store import Store
from speechgen.web.views import banks, batch, draft, event

# htmx without eval or injected styles (the CSP forbids both); errors are swapped in like answers, so a
# problem shows beside its field and a refusal where the answer was to go
HTMX_CONFIG = {
    "allowEval": False,
    "allowScriptTags": False,
    "includeIndicatorStyles": False,
    "attributesToSettle": ["class", "width", "height"],  # not style: a style attribute breaks the CSP
    "selfRequestsOnly": True,
    "historyCacheSize": 0,
    "refreshOnHistoryMiss": True,
    "responseHandling": [{"code": "204", "swap": False}, {"code": "...", "swap": True}],
}


def routes() -> list:
    return [
        Route("/", event.index),
        Route("/index.json", event.index),
        Route("/event/new", event.new),
        Route("/event/open", event.open_file),
        Route("/event/upload", event.upload, methods=["POST"]),
        Route("/event/save", event.save, methods=["POST"]),
        Route("/draft", draft.preview, methods=["POST"]),
        Route("/draft.json", draft.preview, methods=["POST"]),
        Route("/draft/alternatives", draft.alternatives, methods=["POST"]),
        Route("/draft/alternatives.json", draft.alternatives, methods=["POST"]),
        Route("/draft/download", draft.download, methods=["POST"]),
        Route("/draft/file/{key}", draft.file),
        Route("/draft/pages", draft.pages, methods=["POST"]),
        Route("/draft/pages/{key}/{n:int}.png", draft.page_png),
        Route("/banks", banks.banks),
        Route("/banks.json", banks.banks),
        Route("/banks/slot", banks.slot),
        Route("/banks/add", banks.add, methods=["POST"]),
        Route("/batch", batch.page),
        Route("/batch", batch.start, methods=["POST"]),
        Route("/batch/{id}", batch.show),
        Route("/batch/{id}/status", batch.status),
        Route("/batch/{id}/cancel", batch.cancel, methods=["POST"]),
        Route("/batch/{id}/drafts.zip", batch.download),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]


def create_app(settings: WebSettings) -> Starlette:
    workdir = tempfile.mkdtemp(prefix="speechgen-serve-")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            for job in app.state.jobs.values():
                job.cancel.set()
            shutil.rmtree(workdir, ignore_errors=True)

    app = Starlette(
        routes=routes(),
        middleware=[Middleware(Guard, settings=settings)],
        exception_handlers={SpeechgenError: handle_exception, Exception: handle_exception},
        lifespan=lifespan,
    )
    formats = api.export_formats()
    app.state.settings = settings
    app.state.formats = formats
    app.state.page_preview = "pdf" in formats and shutil.which("pdftoppm") is not None
    app.state.docs = Store[str](64)  # the text of opened files
    app.state.files = Store[tuple[str, str, bytes]](16)  # downloads waiting for the browser
    app.state.pages = Store[list[bytes]](8)  # page images
    app.state.jobs = Store[batch.BatchJob](20)
    app.state.workdir = workdir
    environment().globals["htmx_config"] = json.dumps(HTMX_CONFIG)
    return app
