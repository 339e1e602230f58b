"""Safe by default: what every request must show before a view sees it, and what every response carries.

* The Host header names this server (a foreign one is a DNS-rebinding page) and an Origin, when a browser
  sends one, is this server's own.
* Every request carries this launch's token: once in the URL the command printed (answered with a cookie
  and a redirect to the same page without it), then in that cookie (HttpOnly, SameSite=Strict).
* Form posts carry the CSRF token, in a header (htmx) or a field (uploads); ``read_form`` checks it, and it
  is the only way a view reads a form.
* A request body is bounded (by its Content-Length and as it streams in).
* Every response says ``Content-Security-Policy: default-src 'self'`` (no inline script or style, nothing
  from elsewhere) and is neither framed, sniffed nor cached.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.datastructures import FormData, Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from speechgen.i18n import _
from speechgen.web.settings import WebSettings

CSP = "default-src 'self'"
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",  # no-referrer would make a form post say Origin: null
    "cache-control": "no-store",
}
MAX_FILES = 50  # files in one upload (a batch)
MAX_FIELDS = 4000  # form fields: a meeting, its lists and a few hundred fixed choices


def same(given: str | None, expected: str) -> bool:
    return bool(given) and secrets.compare_digest(str(given).encode(), expected.encode())


class Guard:
    """ASGI middleware in front of every route (static files included)."""

    def __init__(self, app: Any, settings: WebSettings) -> None:
        self.app = app
        self.settings = settings
        self.hosts = settings.allowed_hosts()
        self.origins = frozenset(f"http://{h}" for h in self.hosts)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        refusal = self.refusal(scope, headers)
        if refusal is not None:
            await with_headers(refusal)(scope, receive, send)
            return
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        if same(query.get("token"), self.settings.token) and scope["method"] in ("GET", "HEAD"):
            rest = urlencode({k: v for k, v in query.items() if k != "token"})
            response = RedirectResponse(scope["path"] + (f"?{rest}" if rest else ""), status_code=303)
            response.set_cookie(
                self.settings.cookie_name(), self.settings.token, httponly=True, samesite="strict", path="/"
            )
            await with_headers(response)(scope, receive, send)
            return
        await self.app(scope, self.bounded(receive), self.secured(send))

    def refusal(self, scope: dict[str, Any], headers: Headers) -> Response | None:
        if headers.get("host", "") not in self.hosts:
            return PlainTextResponse(_("Refused: this server answers only to its own address."), 403)
        origin = headers.get("origin")
        if origin is not None and origin not in self.origins:
            return PlainTextResponse(_("Refused: a request from another site."), 403)
        if headers.get("sec-fetch-site") == "cross-site":
            return PlainTextResponse(_("Refused: a request from another site."), 403)
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        cookie = _cookie(headers, self.settings.cookie_name())
        if not (same(cookie, self.settings.token) or same(query.get("token"), self.settings.token)):
            message = _("Refused: open the workbench with the address `speechgen serve` printed (it holds a token).")
            return PlainTextResponse(message, 403)
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.settings.max_body):
            return too_large(self.settings.max_body)
        return None

    def bounded(self, receive: Any) -> Any:
        limit = self.settings.max_body
        seen = 0

        async def receive_bounded() -> dict[str, Any]:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise HTTPException(413, too_large_text(limit))
            return message

        return receive_bounded

    def secured(self, send: Any) -> Any:
        async def send_secured(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        return send_secured


def with_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers[name] = value
    return response


def too_large_text(limit: int) -> str:
    return _("Refused: the upload is larger than {limit:,} bytes.").format(limit=limit)


def too_large(limit: int) -> Response:
    return PlainTextResponse(too_large_text(limit), 413)


def _cookie(headers: Headers, name: str) -> str | None:
    for part in headers.get("cookie", "").split(";"):
        key, _sep, value = part.strip().partition("=")
        if key == name:
            return value
    return None


async def read_form(request: Request) -> FormData:
    """The posted form, once its CSRF token (header X-CSRF-Token, or field csrf) is this launch's."""
    settings: WebSettings = request.app.state.settings
    form = await request.form(max_files=MAX_FILES, max_fields=MAX_FIELDS)
    token = request.headers.get("x-csrf-token") or form.get("csrf")
    if not same(token if isinstance(token, str) else None, settings.csrf):
        await form.close()
        raise HTTPException(403, _("Refused: the form carries no valid CSRF token; reload the page."))
    return form
