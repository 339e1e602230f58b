"""The one place a view's exception becomes an answer (the CLI's counterpart is SpeechgenCLI.invoke).

InputError → 422 with every Problem beside its field (an htmx request gets the problems as out-of-band
swaps into the form, and a line for the area it asked to fill), ConfigError → 400, OutputError → 409,
any other SpeechgenError → 500 with its own message, anything else → 500 with one plain line. A ``.json``
path gets the same as JSON.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from speechgen.errors import ConfigError, InputError, OutputError, SpeechgenError
from speechgen.i18n import _
from speechgen.web.context import ErrorContext, ProblemView
from speechgen.web.form import problem_slots, problems_by_field
from speechgen.web.pages import is_htmx, render, to_json

STATUS = ((InputError, 422), (ConfigError, 400), (OutputError, 409))
log = logging.getLogger("speechgen.web")


def status_of(exc: Exception) -> int:
    return next((code for kind, code in STATUS if isinstance(exc, kind)), 500)


async def handle_exception(request: Request, exc: Exception) -> Response:
    status = status_of(exc)
    problems = tuple(exc.problems) if isinstance(exc, InputError) else ()
    by_field = problems_by_field(problems)
    if isinstance(exc, InputError):
        beside = any(k != "form" for k in by_field)
        message = _("Please correct the marked fields.") if beside else _("The input has problems, listed below.")
    elif isinstance(exc, SpeechgenError):
        message = exc.message
    else:
        log.exception("internal error on %s", request.url.path)
        message = _("Internal error: {kind}. The details are in the terminal that runs speechgen serve.").format(
            kind=type(exc).__name__
        )
    context = ErrorContext(
        status=status,
        message=message,
        problems=tuple(ProblemView(p.where, p.key or "", p.message) for p in problems),
        slots=problem_slots() if problems else (),
        by_field=by_field,
    )
    if request.url.path.endswith(".json"):
        return JSONResponse(to_json(context), status_code=status)
    template = "_error.html" if is_htmx(request) else "error.html"
    return render(request, template, context, status)
