"""Helpers for the workbench's tests: an in-process client that holds the launch's token, a meeting as
the form posts it, and the HTML parsed."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup

from speechgen.run import eventfile
from speechgen.web.app import create_app
from speechgen.web.form import FormState
from speechgen.web.settings import WebSettings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # newer Starlette suggests another httpx; the lowest admitted needs httpx
    from starlette.testclient import TestClient

PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"


def client(folder: Path, raise_server_exceptions: bool = True, **settings: Any) -> tuple[TestClient, WebSettings]:
    """A client of a fresh app over `folder`, already past the token (it holds the cookie)."""
    s = WebSettings(folder=folder, port=PORT, **settings)
    c = TestClient(create_app(s), base_url=BASE, raise_server_exceptions=raise_server_exceptions)
    c.cookies.set(s.cookie_name(), s.token)
    return c, s


def htmx(s: WebSettings) -> dict[str, str]:
    """The headers htmx sends: its own, and the page's CSRF token."""
    return {"HX-Request": "true", "X-CSRF-Token": s.csrf}


def form_of(text: str, choices: dict[str, str] | None = None, **values: str) -> dict[str, Any]:
    """What the meeting form posts for an event file's text (values and choices on top)."""
    state = FormState.from_data(eventfile.event_data(text))
    data: dict[str, Any] = {k: v for k, v in state.values.items()}
    data.update(values)
    fixed = {**state.choices, **(choices or {})}
    data["choice.place"] = list(fixed)
    data["choice.variant"] = list(fixed.values())
    return data


def soup(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def sentences(page: BeautifulSoup) -> list[Any]:
    return page.select("article.speech span.s[data-place]")
