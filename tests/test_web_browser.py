"""The workbench in a real headless Chromium (issue 17), driven by Playwright for Python through the
system's browser (Debian's chromium-headless-shell, or chromium): `playwright install` is never run.

These tests skip only when no browser (or Playwright) is found; SPEECHGEN_REQUIRE_BROWSER=1 (set by
.ci/run) makes that a failure. A real `speechgen serve` runs on a free port; every request the browser
makes is recorded and must stay on 127.0.0.1; a screenshot of each page goes to SPEECHGEN_SCREENSHOTS
(else a temporary folder) to be looked at.
"""

from __future__ import annotations

import http.client
import io
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from docx import Document

from speechgen import api, i18n

from .conftest import EXAMPLES, draftable

pytestmark = pytest.mark.browser
CANDIDATES = ("/usr/bin/chromium-headless-shell", "/usr/bin/chromium", "chromium-headless-shell", "chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT = 60_000  # ms: a draft composes in well under a second; a slow CI machine gets room


def browser_binary() -> str | None:
    for candidate in (os.environ.get("SPEECHGEN_BROWSER", ""), *CANDIDATES):
        found = shutil.which(candidate) if candidate else None
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    binary = browser_binary()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        binary = None
    if binary is None:
        if os.environ.get("SPEECHGEN_REQUIRE_BROWSER") == "1":
            pytest.fail("no Chromium (chromium-headless-shell) or no Playwright, and SPEECHGEN_REQUIRE_BROWSER=1")
        pytest.skip("no Chromium or Playwright installed")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=binary, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    folder = tmp_path_factory.mktemp("meetings")
    proc = subprocess.Popen(
        [sys.executable, "-m", "speechgen", "serve", "--no-browser", "--port", "0", "--folder", str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "SPEECHGEN_LANG": "zh"},  # the pages as a secretary sees them
    )
    url = proc.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:"), proc.stderr.read()
    yield {"url": url, "origin": url.split("/?")[0], "folder": folder}
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=30)


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("SPEECHGEN_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def page(browser, server: dict) -> Iterator[object]:  # noqa: ANN001
    """A page already past the token; every request it makes is kept, and must stay on the server."""
    context = browser.new_context(accept_downloads=True, viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    requests: list[str] = []
    problems: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    context.add_init_script(  # a CSP violation names the element or the script that caused it
        "document.addEventListener('securitypolicyviolation', e => console.error('CSP ' + e.violatedDirective + ' '"
        " + e.sourceFile + ':' + e.lineNumber + ' ' + (e.target && e.target.outerHTML || '').slice(0, 160)))"
    )
    p = context.new_page()
    # an answer of 4xx is logged by the browser as it comes (a form with a problem is answered 422): not a fault
    p.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error"
            and not m.text.startswith("Failed to load resource: the server responded with a status of 4")
            else None
        ),
    )
    p.set_default_timeout(TIMEOUT)
    p.goto(server["url"])
    yield p
    context.close()
    assert requests and all(u.startswith(server["origin"] + "/") for u in requests), requests
    assert problems == [], "\n".join(problems)  # no CSP violation, no failed script


def settle(page) -> None:  # noqa: ANN001
    """Wait until the preview asked for by the last keystroke has come back (htmx waits 400 ms first)."""
    page.wait_for_timeout(600)
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def _kind_that_drafts() -> str:
    """A kind of work a mobilisation meeting drafts with the banks as they stand (they are being rewritten)."""
    base = {"type": "mobilisation", "meeting": {"name": "全县挂职干部动员会", "date": "2026-04-01"}}
    for kind in ("挂职锻炼", "驻村蹲点", "考核", "督导"):
        data = {**base, "speaker": {"title": "县委常委、组织部部长"}, "program": {"kind": kind, "cadres": 36}}
        try:
            api.draft(api.event_from_mapping(data))
        except api.SpeechgenError:
            continue
        return kind
    pytest.fail("no kind of work drafts a mobilisation meeting with the banks as they stand")


def test_a_new_mobilisation_meeting_from_form_to_word_and_back(page, server: dict, shots: Path) -> None:  # noqa: ANN001
    page.screenshot(path=str(shots / "1-start.png"), full_page=True)
    page.click("a.type-card[data-type=mobilisation]")
    page.wait_for_selector("#f-meeting-name")
    assert page.input_value("select[name=type]") == "mobilisation"
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.inner_text("header nav a:first-child") == "会议"  # the pages speak Chinese
    assert page.inner_text("#reroll") == "换一批（保留锁定的句子）"
    page.screenshot(path=str(shots / "2-new-meeting.png"), full_page=True)

    page.fill("#f-meeting-name", "全县年轻干部挂职锻炼动员会")
    page.fill("#f-meeting-date", "2026-04-01")
    page.fill("#f-speaker-title", "县委常委、组织部部长")
    page.fill("#f-program-kind", _kind_that_drafts())
    page.fill("#f-program-cadres", "36")
    page.click("#field-program-tasks [data-add-row]")
    page.fill("#field-program-tasks .rows li:last-child input", "参与乡镇中心工作")
    page.wait_for_selector("#draft article.speech span.s[data-place]")
    settle(page)
    assert page.inner_text("#stats [data-stat=han]")[0].isdigit()
    page.screenshot(path=str(shots / "3-preview.png"), full_page=True)

    first = page.locator("#draft span.s[data-place]").first
    assert first.get_attribute("title").split("\n")[0].rsplit(":", 1)[1].isdigit()  # bank file:line
    first.hover()
    page.screenshot(path=str(shots / "4-hover.png"))

    spans = page.locator("#draft span.s[data-place]")
    for i in range(spans.count()):
        span = spans.nth(i)
        place = span.get_attribute("data-place")
        span.click()
        page.wait_for_selector(f".alts[data-place='{place}']")
        settle(page)
        if page.locator("#alternatives button.pick").count():
            break
    else:
        pytest.fail("no sentence of the draft has an alternative")
    pick = page.locator("#alternatives ol.alternatives li").first
    chosen = pick.locator("p").inner_text()
    page.screenshot(path=str(shots / "5-alternatives.png"), full_page=True)
    pick.locator("button.pick").click()
    settle(page)
    locked = page.locator(f"#draft span.s.locked[data-place='{place}']")
    locked.wait_for()
    assert locked.inner_text() == chosen

    seed = page.input_value("#f-options-seed")
    page.click("#reroll")
    page.wait_for_function("seed => document.querySelector('#f-options-seed').value !== seed", arg=seed)
    settle(page)
    page.wait_for_selector(f"#draft span.s.locked[data-place='{place}']")
    assert page.inner_text(f"#draft span.s[data-place='{place}']") == chosen
    page.screenshot(path=str(shots / "6-rerolled.png"), full_page=True)

    with page.expect_download() as downloading:
        page.click("button.download[data-format=docx]")
    docx = Path(downloading.value.path()).read_bytes()
    paragraphs = [p.text for p in Document(io.BytesIO(docx)).paragraphs]
    assert any(chosen in p for p in paragraphs)

    previews: list[str] = []
    page.on("request", lambda r: previews.append(r.url) if r.url.endswith("/draft") else None)
    page.fill("#f-save-name", "made.yaml")
    page.wait_for_timeout(700)  # longer than htmx's 400 ms wait after a keystroke
    assert previews == []  # the file name does not change the draft: no new preview is asked for
    page.click("#save")
    page.wait_for_selector("#save-result p.ok")
    folder = server["folder"]
    made = api.load_event(folder / "made.yaml")
    assert dict(made.get("options.choices"))[place].split() == api.choices_of(api.draft(made))[place].split()
    out = folder / "made.docx"
    subprocess.run(
        [sys.executable, "-m", "speechgen", "render", "made.yaml", "-o", "made.docx"], cwd=folder, check=True
    )
    assert out.read_bytes() == docx


def cli_message(data: dict, key: str) -> str:
    """What the command line says about `key` of this event, in the pages' language (Chinese)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SPEECHGEN_LANG", "zh")
        i18n.reset()
        try:
            api.event_from_mapping(data)
        except api.InputError as exc:
            return next(p.message for p in exc.problems if (p.key or "").split(" ")[0] == key)
        finally:
            i18n.reset()
    pytest.fail(f"{data} has no problem")


def test_a_bad_value_shows_its_message_beside_its_field(page, shots: Path) -> None:  # noqa: ANN001
    meeting = {"name": "全县挂职干部工作总结会", "date": "2026-01-01"}
    said = cli_message({"type": "summary", "meeting": meeting, "program": {"cadres": "很多"}}, "program.cadres")
    page.click("a.type-card[data-type=summary]")
    page.wait_for_selector("#f-program-cadres")
    page.fill("#f-meeting-name", "全县挂职干部工作总结会")
    page.fill("#f-program-cadres", "很多")
    beside = page.locator("#problem-program-cadres")
    beside.filter(has_text="很多").wait_for()
    assert beside.inner_text() == said  # the message the command line gives
    assert page.locator("#group-review").is_visible()  # a summary's review fields are shown
    page.screenshot(path=str(shots / "7-problem.png"), full_page=True)
    page.select_option("select[name=type]", "mobilisation")
    assert not page.locator("#group-review").is_visible()  # …and folded away for a mobilisation


def test_a_page_without_the_token_is_refused(browser, server: dict) -> None:  # noqa: ANN001
    context = browser.new_context()
    try:
        response = context.new_page().goto(server["origin"] + "/")
        assert response.status == 403
    finally:
        context.close()


@pytest.mark.skipif(not api.export_formats().count("pdf") or not shutil.which("pdftoppm"), reason="no LibreOffice")
def test_the_actual_pages_are_shown(page, server: dict, shots: Path) -> None:  # noqa: ANN001
    shutil.copy(draftable(), server["folder"] / "ready.yaml")
    page.goto(server["origin"] + "/event/open?name=ready.yaml")
    page.click("#show-pages")
    image = page.locator("#pages img").first
    image.wait_for(timeout=180_000)
    image.scroll_into_view_if_needed()  # the pages load lazily, as they come into view
    page.wait_for_function(
        "() => { const i = document.querySelector('#pages img'); return i.complete && i.naturalWidth > 0 }"
    )
    assert page.locator("#pages img").count() >= 2  # a speech takes more than one page
    page.screenshot(path=str(shots / "8-pages.png"))


def test_the_bank_and_batch_pages(page, server: dict, shots: Path) -> None:  # noqa: ANN001
    page.goto(server["origin"] + "/banks?style=warm")
    page.locator("table.slots a[data-slot]").first.click()
    page.wait_for_selector("#slot-detail .slot-detail code.where")
    page.screenshot(path=str(shots / "9-banks.png"))
    page.goto(server["origin"] + "/batch")
    page.set_input_files("#batch-files", [str(draftable()), str(EXAMPLES / "batch.yaml")])
    page.click("form.upload button[type=submit]")
    page.wait_for_selector(".batch-status[data-state=done]", timeout=180_000)
    assert page.locator("table.outcomes tbody tr").count() >= 2
    page.screenshot(path=str(shots / "10-batch.png"), full_page=True)


def test_the_running_server_refuses_a_foreign_host_or_origin_and_a_missing_token(server: dict, page) -> None:  # noqa: ANN001
    """The same refusals as tests/test_web_security.py, asked of the real server (uvicorn, a real socket)
    with the browser's own cookie, so that only the header under test is wrong."""
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in page.context.cookies())
    host = server["origin"].removeprefix("http://")

    def ask(method: str, headers: dict[str, str]) -> int:
        connection = http.client.HTTPConnection(host, timeout=30)
        try:
            connection.putrequest(method, "/", skip_host=True)
            for name, value in {"Host": host, "Cookie": cookie, **headers}.items():
                if value:
                    connection.putheader(name, value)
            connection.endheaders()
            return connection.getresponse().status
        finally:
            connection.close()

    assert ask("GET", {}) == 200
    assert ask("GET", {"Host": "evil.example"}) == 403  # DNS rebinding
    assert ask("GET", {"Origin": "http://evil.example"}) == 403
    assert ask("GET", {"Cookie": ""}) == 403  # no token
