"""The pages' own Jinja environment (autoescaped, never the speech environment) and how a view answers.

Templates live in web/templates/*.html: pages extend base.html; fragments start with an underscore
(``_draft.html``) and are what an htmx request gets, while the page includes them. ``default:`` names the
built-in file, so a page may extend the built-in version of itself. A view gathers its data once, as a
frozen context dataclass (web/context.py), and ``respond`` renders it, or returns it as JSON for a
``.json`` path.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from speechgen import __version__
from speechgen.i18n import _, language, ngettext

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    builtin = jinja2.FileSystemLoader(TEMPLATES)
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([builtin, jinja2.PrefixLoader({"default": builtin})]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(_=_, ngettext=ngettext, version=__version__)
    env.filters["fid"] = field_id_filter
    return env


def field_id_filter(path: str) -> str:
    from speechgen.web.form import field_id

    return field_id(path)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def common(request: Request) -> dict[str, Any]:
    """What every page and fragment may use: the CSRF token, the language, where we are."""
    settings = request.app.state.settings
    return {"csrf": settings.csrf, "lang": "zh-CN" if language() == "zh" else "en", "path": request.url.path}


def render(request: Request, template: str, context: Any, status: int = 200, **extra: Any) -> HTMLResponse:
    values = {**common(request), **_fields(context), "c": context, **extra}
    html = environment().get_template(template).render(values)
    return HTMLResponse(html, status_code=status)


def render_text(request: Request, template: str, context: Any, **extra: Any) -> str:
    values = {**common(request), **_fields(context), "c": context, **extra}
    return environment().get_template(template).render(values)


def respond(request: Request, template: str, context: Any, status: int = 200, **extra: Any) -> Response:
    """The page for a context, or the same context as JSON for a path ending in .json."""
    if request.url.path.endswith(".json"):
        return JSONResponse(to_json(context), status_code=status)
    return render(request, template, context, status, **extra)


def _fields(context: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(context) and not isinstance(context, type):
        return {f.name: getattr(context, f.name) for f in dataclasses.fields(context)}
    return dict(context or {})


def to_json(value: Any) -> Any:
    """A context as plain JSON data (dataclasses, tuples, paths and dates included)."""
    return json.loads(json.dumps(value, default=_plain, ensure_ascii=False))


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, (Path, dt.date)):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"cannot show {type(value).__name__} as JSON")
