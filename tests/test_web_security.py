"""The workbench is safe by default (issue 17): the token, Host and Origin, CSRF, the body's size, the
working folder, the headers; and `speechgen serve` itself (its first line, its host warning, Ctrl-C)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from speechgen.cli import main
from speechgen.web.app import create_app
from speechgen.web.security import CSP
from speechgen.web.settings import WebSettings

from .conftest import draftable
from .webkit import BASE, PORT, TestClient, client, form_of, htmx, soup


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests read our own messages in the language they are written in."""
    monkeypatch.setenv("SPEECHGEN_LANG", "en")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    f = tmp_path / "meetings"
    f.mkdir()
    (f / "ok.yaml").write_text(draftable().read_text(encoding="utf-8"), encoding="utf-8")
    return f


@pytest.fixture
def app(folder: Path):  # noqa: ANN201
    c, s = client(folder)
    with c:
        yield c, s


def bare(settings: WebSettings) -> TestClient:
    """A client without the token's cookie."""
    return TestClient(create_app(settings), base_url=BASE)


POST_ROUTES = [
    "/event/upload",
    "/event/save",
    "/draft",
    "/draft/alternatives",
    "/draft/download",
    "/draft/pages",
    "/banks/add",
    "/batch",
    "/batch/x/cancel",
]


def test_every_post_route_is_listed_here() -> None:
    """A new form route cannot escape the CSRF test below."""
    app = create_app(WebSettings(folder=Path.cwd()))
    posts = {r.path for r in app.routes if "POST" in (getattr(r, "methods", None) or ())}
    assert posts - {"/draft.json", "/draft/alternatives.json", "/batch/{id}/cancel"} == set(POST_ROUTES) - {
        "/batch/x/cancel"
    }


# -- the token -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/event/new?type=summary", "/banks", "/static/htmx.min.js", "/nowhere"])
def test_a_request_without_the_token_is_refused(folder: Path, path: str) -> None:
    s = WebSettings(folder=folder, port=PORT)
    with bare(s) as c:
        response = c.get(path)
        assert response.status_code == 403
        assert response.text.startswith("Refused: open the workbench with the address")
        forged = ("y" if s.token[0] == "x" else "x") + s.token[1:]  # differs from the token, always
        wrong = c.get(path, cookies={s.cookie_name(): forged})
        assert wrong.status_code == 403


def test_the_token_in_the_url_becomes_a_cookie_and_leaves_the_address(folder: Path) -> None:
    s = WebSettings(folder=folder, port=PORT)
    with bare(s) as c:
        first = c.get(f"/event/new?type=summary&token={s.token}", follow_redirects=False)
        assert first.status_code == 303 and first.headers["location"] == "/event/new?type=summary"
        cookie = first.headers["set-cookie"]
        assert cookie.startswith(f"{s.cookie_name()}={s.token};")
        assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
        assert c.get("/").status_code == 200  # the cookie now opens every page


def test_two_servers_do_not_share_a_cookie(folder: Path) -> None:
    assert WebSettings(folder=folder, port=1).cookie_name() != WebSettings(folder=folder, port=2).cookie_name()


# -- Host and Origin -----------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["evil.example", f"evil.example:{PORT}", "127.0.0.1:1", f"192.168.1.5:{PORT}", ""])
def test_a_foreign_host_is_refused(app, host: str) -> None:
    c, _ = app
    response = c.get("/", headers={"host": host})
    assert response.status_code == 403 and response.text == "Refused: this server answers only to its own address."


@pytest.mark.parametrize("host", [f"127.0.0.1:{PORT}", f"localhost:{PORT}"])
def test_the_servers_own_names_are_answered(app, host: str) -> None:
    c, _ = app
    assert c.get("/", headers={"host": host}).status_code == 200


@pytest.mark.parametrize(
    "origin", ["http://evil.example", f"http://127.0.0.1:{PORT + 1}", "null", f"https://127.0.0.1:{PORT}"]
)
def test_a_foreign_origin_is_refused(app, origin: str) -> None:
    c, s = app
    response = c.post(
        "/draft", data=form_of(draftable().read_text(encoding="utf-8")), headers={**htmx(s), "origin": origin}
    )
    assert response.status_code == 403 and response.text == "Refused: a request from another site."


def test_a_cross_site_fetch_is_refused_and_the_own_origin_answered(app) -> None:
    c, s = app
    data = form_of(draftable().read_text(encoding="utf-8"))
    assert c.post("/draft", data=data, headers={**htmx(s), "sec-fetch-site": "cross-site"}).status_code == 403
    assert (
        c.post("/draft", data=data, headers={**htmx(s), "origin": BASE, "sec-fetch-site": "same-origin"}).status_code
        == 200
    )


# -- CSRF ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", POST_ROUTES)
def test_a_form_post_without_the_csrf_token_is_refused(app, path: str, folder: Path) -> None:
    c, s = app
    data = {**form_of(draftable().read_text(encoding="utf-8")), "save.name": "x.yaml", "slot": "a", "text": "b"}
    for headers in ({"HX-Request": "true"}, {"HX-Request": "true", "X-CSRF-Token": "wrong"}):
        response = c.post(path, data=data, headers=headers)
        assert response.status_code in (403, 404), (path, response.status_code)
        if response.status_code == 403:
            assert "CSRF" in response.text
    assert not (folder / "x.yaml").exists() and not (folder / "banks").exists()


def test_an_upload_carries_the_csrf_token_as_a_field(app) -> None:
    c, s = app
    text = draftable().read_bytes()
    assert c.post("/event/upload", files={"file": ("a.yaml", text)}).status_code == 403
    assert c.post("/event/upload", data={"csrf": s.csrf}, files={"file": ("a.yaml", text)}).status_code == 200


# -- the body's size -------------------------------------------------------------------------------------


def test_an_oversized_upload_is_refused_before_it_is_read(folder: Path) -> None:
    c, s = client(folder, max_body=200_000)
    with c:
        big = b"# " + b"x" * 300_000 + b"\n"
        response = c.post("/event/upload", data={"csrf": s.csrf}, files={"file": ("big.yaml", big)})
        assert response.status_code == 413
        assert response.text == "Refused: the upload is larger than 200,000 bytes."

        def chunks():  # noqa: ANN202 - no Content-Length: the limit holds as the body streams in
            for _ in range(30):
                yield b"x" * 10_000

        streamed = c.post(
            "/draft", content=chunks(), headers={**htmx(s), "content-type": "application/x-www-form-urlencoded"}
        )
        assert streamed.status_code == 413


# -- the working folder ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "../outside.yaml",
        "/etc/passwd",
        "sub/ok.yaml",
        "..",
        ".hidden.yaml",
        "ok.txt",
        "C:\\x.yaml",
        "ok.yaml\x00.txt",
        "link.yaml",
    ],
)
def test_a_name_outside_the_folder_is_refused(app, folder: Path, name: str) -> None:
    c, s = app
    outside = folder.parent / "outside.yaml"
    outside.write_text(draftable().read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "sub").mkdir(exist_ok=True)
    (folder / "sub" / "ok.yaml").write_text("x: 1\n", encoding="utf-8")
    (folder / ".hidden.yaml").write_text("x: 1\n", encoding="utf-8")
    if not (folder / "link.yaml").exists():
        (folder / "link.yaml").symlink_to(outside)
    response = c.get("/event/open", params={"name": name})
    assert response.status_code == 403, name
    assert response.text.startswith("Refused:")
    saved = c.post(
        "/event/save",
        data={**form_of(draftable().read_text(encoding="utf-8")), "save.name": name, "save.overwrite": "1"},
        headers=htmx(s),
    )
    assert saved.status_code == 403, name
    assert outside.read_text(encoding="utf-8") == draftable().read_text(encoding="utf-8")
    assert "link.yaml" not in [a.get_text() for a in soup(c.get("/")).select("ul.files a")]


# -- headers -----------------------------------------------------------------------------------------------


def test_every_answer_carries_the_content_security_policy(app, folder: Path) -> None:
    c, s = app
    answers = [
        c.get("/"),
        c.get("/static/app.css"),
        c.get("/event/open?name=../x.yaml"),
        c.post("/draft", data={"type": "summary"}, headers=htmx(s)),
        c.get("/", headers={"host": "evil.example"}),
        bare(WebSettings(folder=folder, port=PORT)).get("/"),
    ]
    for response in answers:
        assert response.headers["content-security-policy"] == CSP == "default-src 'self'"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"


def test_pages_have_no_inline_script_or_style(app) -> None:
    c, _ = app
    for path in ("/", "/event/open?name=ok.yaml", "/banks", "/batch"):
        page = soup(c.get(path))
        assert all(t.get("src") for t in page.find_all("script")), path
        assert page.find("style") is None and not page.find_all(style=True), path
        assert not [el for el in page.find_all(True) if any(a.startswith(("on", "hx-on")) for a in el.attrs)], path


# -- the command -------------------------------------------------------------------------------------------


def _serve(folder: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "speechgen", "serve", "--no-browser", "--port", "0", "--folder", str(folder), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )


def test_serve_prints_its_address_first_and_stops_cleanly_on_ctrl_c(folder: Path) -> None:
    proc = _serve(folder)
    try:
        first = proc.stdout.readline().strip()
        m = re.fullmatch(r"http://127\.0\.0\.1:(\d+)/\?token=([\w-]{20,})", first)
        assert m, first
        import http.cookiejar

        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        with browser.open(first, timeout=30) as page:  # the token becomes a cookie, the redirect uses it
            assert page.status == 200 and page.url == f"http://127.0.0.1:{m.group(1)}/"
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{m.group(1)}/", timeout=30)
        assert refused.value.code == 403
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "speechgen serve: stopped" in err and "Traceback" not in err


def test_serve_on_another_host_warns(folder: Path) -> None:
    proc = _serve(folder, "--host", "127.0.0.2")
    try:
        first = proc.stdout.readline().strip()
        assert first.startswith("http://127.0.0.2:")
        import http.cookiejar

        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        with browser.open(first, timeout=30):
            pass  # the server is up: Ctrl-C now stops a running server
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert err.splitlines()[0] == (
        "warning: --host 127.0.0.2 lets other computers reach the workbench; anyone with the address can use it"
    )


def test_serve_without_the_web_extra_says_how_to_install_it(runner, monkeypatch, folder: Path) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    result = runner.invoke(main, ["serve", "--no-browser", "--folder", str(folder)])
    assert result.exit_code == 1
    assert result.stderr == 'the workbench needs the web extra (uvicorn is missing): pip install "speechgen[web]"\n'


def test_a_port_in_use_is_a_clear_error(runner, folder: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = runner.invoke(main, ["serve", "--no-browser", "--port", str(port), "--folder", str(folder)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"cannot listen on 127.0.0.1:{port}: ")


def test_help_does_not_load_the_web_stack() -> None:
    code = (
        "import sys; from speechgen.cli import main; "
        "print(sorted(m for m in ('starlette', 'uvicorn', 'speechgen.web') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
