"""The workbench in process (issue 17): its pages, its form logic and its drafts, through Starlette's test
client. The HTML is parsed and chosen elements are checked; wording of the banks is never asserted (they are
being rewritten), only structure, the API's own answers and our own messages."""

from __future__ import annotations

import dataclasses
import io
import re
import time
import zipfile
from pathlib import Path

import pytest
import yaml
from docx import Document

from speechgen import api
from speechgen.cli import main
from speechgen.event import schema as S
from speechgen.web import context as C
from speechgen.web.form import field_id

from .conftest import EXAMPLES, draftable
from .test_api import BROKEN
from .test_hostile import INJECTION
from .webkit import client, form_of, htmx, sentences, soup


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests read our own messages in the language they are written in."""
    monkeypatch.setenv("SPEECHGEN_LANG", "en")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    f = tmp_path / "meetings"
    f.mkdir()
    return f


@pytest.fixture
def app(folder: Path):  # noqa: ANN201
    c, s = client(folder)
    with c:
        yield c, s


def _text() -> str:
    return draftable().read_text(encoding="utf-8")


# -- the form ----------------------------------------------------------------------------------------


def test_the_start_page_offers_each_meeting_type_and_the_folders_files(app, folder: Path) -> None:
    c, _ = app
    (folder / "a.yaml").write_text(_text(), encoding="utf-8")
    (folder / "notes.txt").write_text("x", encoding="utf-8")
    page = soup(c.get("/"))
    assert [a["data-type"] for a in page.select("a.type-card")] == list(S.MEETING_TYPES)
    assert [a.get_text() for a in page.select("ul.files a")] == ["a.yaml"]
    assert page.select_one("form.upload input[name=csrf]")["value"]


def test_a_new_meetings_form_is_generated_from_the_schema(app) -> None:
    c, _ = app
    page = soup(c.get("/event/new?type=summary"))
    names = {el["name"] for el in page.find(id="event-form").find_all(attrs={"name": True})}  # <template> too
    assert {".".join(p) for p, f in S.leaves() if f.kind != "choices"} <= names
    assert page.select_one("select[name=type] option[selected]")["value"] == "summary"
    for path, f in S.leaves():
        if f.kind == "choices":
            continue
        holder = page.select_one(f"#field-{field_id('.'.join(path))}")
        assert f.alias in holder.label.get_text(strip=True), path
        assert ("required" in holder["class"]) == f.required
        folded = holder.find_parent("details") is not None
        assert folded == (not f.required and path[0] not in ("type", "options")), path
    assert page.select_one("fieldset#group-review")["data-types"].split() == list(S.REVIEW_TYPES)
    tasks = page.select_one("#field-program-tasks")
    assert tasks.find("template").find("input")["name"] == "program.tasks"  # rows are added from it
    assert page.select_one("#problem-meeting-name").get_text() == ""  # a new form is not scolded


def test_a_bad_value_shows_the_clis_message_beside_its_field(app) -> None:
    c, s = app
    data = form_of(BROKEN)
    response = c.post("/draft", data=data, headers=htmx(s))
    assert response.status_code == 422
    page = soup(response)
    beside = page.select_one("#problem-program-cadres")
    assert beside["hx-swap-oob"] == "true"
    with pytest.raises(api.InputError) as caught:
        api.parse_event(BROKEN, name="broken.yaml")
    assert [p.get_text() for p in beside.find_all("p")] == [caught.value.problems[0].message]
    assert beside.get_text() == 'expected a whole number, found "很多"'
    assert page.select_one("#problem-meeting-name").get_text() == ""  # every other slot is emptied
    assert page.select_one(".error-box")["data-status"] == "422"


def test_a_missing_required_value_is_named_beside_it(app) -> None:
    c, s = app
    data = form_of(_text())
    data["speaker.title"] = ""
    page = soup(c.post("/draft", data=data, headers=htmx(s)))
    assert page.select_one("#problem-speaker-title").get_text() == "required, but not given"


def test_lists_are_rows_and_empty_rows_are_ignored(app) -> None:
    c, s = app
    data = form_of(_text())
    data["context"] = ["", "  ", *data.get("context", [])]
    assert c.post("/draft", data=data, headers=htmx(s)).status_code == 200


# -- the preview -------------------------------------------------------------------------------------


def test_the_preview_is_the_apis_draft_with_places_sources_and_statistics(app) -> None:
    c, s = app
    response = c.post("/draft", data=form_of(_text()), headers=htmx(s))
    assert response.status_code == 200
    page = soup(response)
    expected = api.draft(api.load_event(draftable()))
    printed = [x for _, line in expected.printed() for x in line if x.place]
    shown = sentences(page)
    assert [el["data-place"] for el in shown] == [x.place for x in printed]
    assert all(re.fullmatch(r".+\.(yaml|yml):\d+", el["title"].split("\n")[0]) for el in shown)
    assert [el.get_text() for el in shown] == [x.shown for x in printed]
    stats = {el["data-stat"]: el.get_text() for el in page.select(".stats [data-stat]")}
    assert str(expected.info.han_characters) in stats["han"] and str(expected.info.minutes) in stats["minutes"]


def test_checker_findings_are_marked_in_the_text(app, folder: Path) -> None:
    """A sentence the checker flags is marked where it stands, and the finding is listed."""
    c, s = app
    event = api.load_event(draftable())
    draft = api.draft(event)
    review = api.review(draft, event=event)
    page = soup(c.post("/draft", data=form_of(_text()), headers=htmx(s)))
    listed = page.select("ul.findings li")
    assert len(listed) == sum(f.severity in ("error", "warning") for f in review.findings)
    marked = page.select("article.speech .finding")
    assert bool(marked) == any(f.severity in ("error", "warning") and f.paragraph > 4 for f in review.findings)


def test_pick_lock_unlock_and_reroll(app) -> None:
    c, s = app
    text = _text()
    page = soup(c.post("/draft", data=form_of(text), headers=htmx(s)))
    spans = sentences(page)
    for span in spans:  # a place with at least one alternative
        alts = soup(c.post("/draft/alternatives", data={**form_of(text), "place": span["data-place"]}, headers=htmx(s)))
        picks = alts.select("ol.alternatives button.pick")
        if picks:
            break
    else:
        pytest.fail("no sentence has an alternative")
    place = span["data-place"]
    assert alts.select_one(".alts")["data-place"] == place
    assert alts.select_one(".alts .current").get_text() == span.get_text()
    vals = yaml.safe_load(picks[0]["hx-vals"])
    assert vals["action"] == "pick" and vals["place"] == place
    chosen_text = picks[0].find_previous_sibling("p").get_text()
    picked = soup(c.post("/draft", data={**form_of(text), **vals}, headers=htmx(s)))
    there = picked.select_one(f"span.s[data-place='{place}']")
    assert there.get_text() == chosen_text and "locked" in there["class"]
    fixed = dict(
        zip(
            *(
                list(i["value"] for i in picked.select(f"#choices input[name='{n}']"))
                for n in ("choice.place", "choice.variant")
            ),
            strict=True,
        )
    )
    assert fixed == {place: vals["variant"]}
    assert picked.select_one("#choices")["hx-swap-oob"] == "true"
    rolled = soup(c.post("/draft", data={**form_of(text, choices=fixed), "action": "reroll"}, headers=htmx(s)))
    seed = rolled.select_one("input#f-options-seed[hx-swap-oob]")["value"]
    assert seed.isdigit()
    assert rolled.select_one(f"span.s[data-place='{place}']").get_text() == chosen_text
    unlocked = soup(
        c.post("/draft", data={**form_of(text, choices=fixed), "action": "unlock", "place": place}, headers=htmx(s))
    )
    assert unlocked.select("#choices input") == []
    assert "locked" not in unlocked.select_one(f"span.s[data-place='{place}']")["class"]


def test_an_unknown_place_is_a_clear_400(app) -> None:
    c, s = app
    response = c.post("/draft/alternatives", data={**form_of(_text()), "place": "no.such#0"}, headers=htmx(s))
    assert response.status_code == 400
    assert soup(response).select_one(".error-box p").get_text() == 'the draft has no sentence at "no.such#0"'


# -- files: open, save, download ------------------------------------------------------------------------


def test_a_page_made_file_renders_to_the_same_bytes_with_the_cli(app, folder: Path, runner, monkeypatch) -> None:
    c, s = app
    text = _text()
    event = api.load_event(draftable())
    first = api.draft(event, options=api.Options(seed=5))
    place = next(x.place for x in first.sentences() if x.place)
    fixed = dict(api.keep(first, [place]))
    data = {**form_of(text, choices=fixed), "options.seed": "5", "options.style": "warm", "save.name": "made.yaml"}
    saved = c.post("/event/save", data=data, headers=htmx(s))
    assert saved.status_code == 200, saved.text
    assert soup(saved).select_one("p.ok") is not None
    made = api.load_event(folder / "made.yaml")
    assert dict(made.get("options.choices")) == fixed and made.get("options.seed") == 5
    answer = c.post("/draft/download", data={**data, "fmt": "docx"}, headers=htmx(s))
    got = c.get(answer.headers["HX-Redirect"])
    assert got.headers["content-disposition"].startswith("attachment;")
    monkeypatch.chdir(folder)
    result = runner.invoke(main, ["render", "made.yaml", "-o", "made.docx"])
    assert result.exit_code == 0, result.stderr
    assert (folder / "made.docx").read_bytes() == got.content
    paragraphs = [p.text for p in Document(io.BytesIO(got.content)).paragraphs]
    locked = next(x.shown for x in first.sentences() if x.place == place)
    assert any(locked in p for p in paragraphs)


@pytest.mark.parametrize("fmt", ["md", "txt", "json", "yaml"])
def test_downloads_in_each_text_format(app, fmt: str) -> None:
    c, s = app
    answer = c.post("/draft/download", data={**form_of(_text()), "fmt": fmt}, headers=htmx(s))
    assert answer.status_code == 200
    got = c.get(answer.headers["HX-Redirect"])
    assert got.status_code == 200 and f".{fmt}" in got.headers["content-disposition"]
    if fmt == "yaml":
        assert api.parse_event(got.text).facts == api.load_event(draftable()).facts
    else:
        assert "谢谢大家" in got.text


def test_the_docx_with_sources_names_bank_lines(app) -> None:
    c, s = app
    plain = c.get(
        c.post("/draft/download", data={**form_of(_text()), "fmt": "docx"}, headers=htmx(s)).headers["HX-Redirect"]
    )
    explained = c.get(
        c.post("/draft/download", data={**form_of(_text()), "fmt": "docx", "explain": "1"}, headers=htmx(s)).headers[
            "HX-Redirect"
        ]
    )
    with zipfile.ZipFile(io.BytesIO(explained.content)) as z:
        assert "word/comments.xml" in z.namelist()
    with zipfile.ZipFile(io.BytesIO(plain.content)) as z:
        assert "word/comments.xml" not in z.namelist()


def test_opening_and_saving_unchanged_keeps_the_file_byte_for_byte(app, folder: Path) -> None:
    c, s = app
    original = api.new_event("village_stay")
    (folder / "new.yaml").write_text(original, encoding="utf-8")
    page = soup(c.get("/event/open?name=new.yaml"))
    data = {el["name"]: el.get("value", "") for el in page.select("#event-form input[type=hidden]")}
    assert data["file.name"] == "new.yaml" and data["file.doc"]
    posted = form_of(original)
    posted.update({"file.name": "new.yaml", "file.doc": data["file.doc"], "save.name": "new.yaml"})
    assert c.post("/event/save", data=posted, headers=htmx(s)).status_code == 200
    assert (folder / "new.yaml").read_text(encoding="utf-8") == original


def test_saving_over_another_file_needs_consent(app, folder: Path) -> None:
    c, s = app
    (folder / "other.yaml").write_text("x: 1\n", encoding="utf-8")
    posted = {**form_of(_text()), "save.name": "other.yaml"}
    refused = c.post("/event/save", data=posted, headers=htmx(s))
    assert refused.status_code == 409
    assert soup(refused).select_one(".error-box p").get_text() == "other.yaml exists; tick “replace” to overwrite it."
    assert (folder / "other.yaml").read_text(encoding="utf-8") == "x: 1\n"
    assert c.post("/event/save", data={**posted, "save.overwrite": "1"}, headers=htmx(s)).status_code == 200
    assert api.load_event(folder / "other.yaml").facts == api.load_event(draftable()).facts


def test_an_opened_file_with_problems_lists_them_located_as_the_cli_does(app, folder: Path, runner) -> None:
    c, _ = app
    (folder / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    page = soup(c.get("/event/open?name=broken.yaml"))
    listed = [li.get_text() for li in page.select(".file-problems li")]
    assert listed == ['broken.yaml:8:11: program.cadres (人数): expected a whole number, found "很多"']
    assert page.select_one("#f-program-cadres")["value"] == "很多"  # what could be read is in the form
    assert page.select_one("#problem-program-cadres").get_text() == 'expected a whole number, found "很多"'


def test_an_upload_is_read_with_the_loaders_limits(app) -> None:
    c, s = app
    big = ("# " + "长" * 100 + "\n") * 3500 + _text()
    response = c.post("/event/upload", data={"csrf": s.csrf}, files={"file": ("big.yaml", big.encode("utf-8"))})
    assert response.status_code == 422
    assert soup(response).select_one("ul.problems li").get_text() == (
        f"big.yaml file is {len(big.encode('utf-8')):,} bytes; the limit is 1,000,000 bytes (1 MB)"
    )
    ok = c.post("/event/upload", data={"csrf": s.csrf}, files={"file": ("会议.yaml", _text().encode("utf-8"))})
    assert ok.status_code == 200 and sentences(soup(ok))
    binary = c.post("/event/upload", data={"csrf": s.csrf}, files={"file": ("x.yaml", b"\x00\x01PK")})
    assert binary.status_code == 422


# -- the banks ---------------------------------------------------------------------------------------


def test_the_bank_page_lists_every_slot_and_its_variants_with_file_and_line(app) -> None:
    c, _ = app
    for style in api.styles():
        page = soup(c.get(f"/banks?style={style}"))
        bank = api.bank_set(style)
        rows = page.select("table.slots tbody tr")
        assert [r.select_one("a")["data-slot"] for r in rows] == sorted(bank.slots)
        changed = [a["data-slot"] for a in page.select("ul.changed a")]
        assert set(changed) <= set(bank.slots)
    slot = sorted(bank.slots)[0]
    detail = soup(c.get(f"/banks/slot?style=formal&slot={slot}"))
    wheres = [el.get_text() for el in detail.select("code.where")]
    assert wheres == [f"{v.file}:{v.line}" for v in api.bank_set("formal").variants(slot)]


def test_a_style_shows_the_slots_it_changes(app) -> None:
    c, _ = app
    data = c.get("/banks.json?style=warm").json()
    assert set(data) == {f.name for f in dataclasses.fields(C.BanksContext)}
    changed = {r["slot"] for r in data["changed"]}
    bank = api.bank_set("warm")
    expected = {
        slot
        for slot, variants in bank.slots.items()
        if any("styles/warm/" in v.file.replace("\\", "/") or "warm" in v.styles for v in variants)
    }
    assert changed == expected


def test_adding_a_variant_writes_the_user_folder_after_the_check(app, folder: Path) -> None:
    from speechgen.resources import banks_dir

    c, s = app
    before = {p: p.read_bytes() for p in banks_dir().rglob("*.yaml")}
    slot = sorted(api.bank_set("formal").slots)[0]
    bad = c.post("/banks/add", data={"slot": slot, "text": "会议{{ no_such_fact }}开得好。"}, headers=htmx(s))
    assert bad.status_code == 422
    assert not (folder / "banks").exists()
    good = c.post("/banks/add", data={"slot": slot, "text": "这是本单位自己的一句话。"}, headers=htmx(s))
    assert good.status_code == 200, good.text
    written = folder / "banks" / "workbench.yaml"
    assert yaml.safe_load(written.read_text(encoding="utf-8")) == {slot: ["这是本单位自己的一句话。"]}
    assert {p: p.read_bytes() for p in banks_dir().rglob("*.yaml")} == before
    detail = soup(c.get(f"/banks/slot?style=formal&slot={slot}"))
    assert [li.p.get_text() for li in detail.select("li.user")] == ["这是本单位自己的一句话。"]


# -- batch -------------------------------------------------------------------------------------------


def _wait(c, job: str) -> dict:  # noqa: ANN001
    for _ in range(600):
        page = soup(c.get(f"/batch/{job}/status"))
        state = page.select_one(".batch-status")["data-state"]
        if state in ("done", "cancelled", "failed"):
            return {"state": state, "page": page}
        time.sleep(0.1)
    pytest.fail("the batch did not finish")


def test_a_batch_of_uploads_gives_a_zip_of_drafts_and_the_report(app) -> None:
    c, s = app
    files = [
        ("files", ("a.yaml", _text().encode("utf-8"))),
        ("files", ("broken.yaml", BROKEN.encode("utf-8"))),
        ("files", ("<b>x</b>.yaml", _text().replace("output:", "# output:").encode("utf-8"))),
    ]
    started = c.post("/batch", data={"csrf": s.csrf, "fmt": "md"}, files=files, follow_redirects=False)
    assert started.status_code == 303
    job = started.headers["location"].rsplit("/", 1)[1]
    done = _wait(c, job)
    assert done["state"] == "done"
    rows = [[td.get_text() for td in tr.find_all("td")] for tr in done["page"].select("table.outcomes tbody tr")]
    assert [r[1] for r in rows] == ["drafted", "failed", "drafted"]
    assert "program.cadres (人数)" in rows[1][2]
    got = c.get(f"/batch/{job}/drafts.zip")
    with zipfile.ZipFile(io.BytesIO(got.content)) as z:
        names = z.namelist()
        report = z.read("report.csv").decode("utf-8-sig")
    assert "report.csv" in names and sum(n.endswith(".md") for n in names) == 2
    assert report.splitlines()[0].startswith("input,output,type")
    assert [r[0] for r in rows] == ["a.yaml", "broken.yaml", "b_.yaml"]  # as uploaded (a name, never a path)
    assert str(c.app.state.workdir) not in report and str(c.app.state.workdir) not in str(done["page"])


def test_a_batch_can_be_cancelled(app) -> None:
    c, s = app
    stream = "".join(f"---\n{_text().rstrip()}\noutput: 第{i}份\n" for i in range(40))
    started = c.post("/batch", data={"csrf": s.csrf, "fmt": "txt"}, files=[("files", ("many.yaml", stream.encode()))])
    job = str(started.url).rsplit("/", 1)[1]
    assert c.post(f"/batch/{job}/cancel", headers=htmx(s)).status_code == 200
    done = _wait(c, job)
    assert done["state"] in ("cancelled", "done")
    drafted = len(done["page"].select("table.outcomes tbody tr"))
    with zipfile.ZipFile(io.BytesIO(c.get(f"/batch/{job}/drafts.zip").content)) as z:
        assert len([n for n in z.namelist() if n.endswith(".txt")]) == drafted


# -- escaping ------------------------------------------------------------------------------------------


def test_event_values_are_escaped_in_every_page(app, folder: Path) -> None:
    """The hostile event of test_hostile.py: every value shows as the literal text it is, nowhere as markup."""
    c, s = app
    (folder / "inject.yaml").write_text(INJECTION, encoding="utf-8")
    name = "全县{{ 7*7 }}驻村蹲点{% if true %}工作{% endif %}会议{# x #}"
    title = "县委常委、{{ ''.__class__.__mro__[1].__subclasses__() }}部长"
    script = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    pages = []
    opened = c.get("/event/open?name=inject.yaml")
    pages.append(opened)
    page = soup(opened)
    assert page.select_one("#f-meeting-name")["value"] == name
    data = form_of(INJECTION, **{"speaker.name": script})
    preview = c.post("/draft", data=data, headers=htmx(s))
    pages.append(preview)
    drawn = soup(preview)
    assert name in drawn.select_one("article.speech").get_text()
    assert title.split("、")[1] in drawn.select_one("p.speaker").get_text()
    assert script in drawn.select_one("p.speaker").get_text()
    place = sentences(drawn)[0]["data-place"]
    pages.append(c.post("/draft/alternatives", data={**data, "place": place}, headers=htmx(s)))
    bad = {**data, "program.cadres": "<script>x</script>"}
    pages.append(c.post("/draft", data=bad, headers=htmx(s)))
    assert "<script>x</script>" in soup(pages[-1]).select_one("#problem-program-cadres").get_text()
    saved = c.post("/event/save", data={**data, "save.name": "x.yaml"}, headers=htmx(s))
    pages.append(saved)
    batch = c.post(
        "/batch", data={"csrf": s.csrf, "fmt": "md"}, files=[("files", (f"{script}.yaml", INJECTION.encode()))]
    )
    _wait(c, str(batch.url).rsplit("/", 1)[1])
    pages.append(c.get(str(batch.url)))
    for response in pages:
        parsed = soup(response)
        assert [t.get("src") for t in parsed.find_all("script")] in ([], ["/static/htmx.min.js", "/static/app.js"])
        assert parsed.find("img") is None
        assert "49" not in parsed.get_text()
        assert not any(a.startswith("on") for el in parsed.find_all(True) for a in el.attrs)


# -- the pages and their contexts ----------------------------------------------------------------------


def test_every_context_field_is_documented_and_shown_as_json(app) -> None:
    c, s = app
    for kind in C.CONTEXTS:
        for f in dataclasses.fields(kind):
            assert f.metadata.get("help"), f"{kind.__name__}.{f.name}"
    assert set(c.get("/index.json").json()) == {f.name for f in dataclasses.fields(C.IndexContext)}
    preview = c.post("/draft.json", data=form_of(_text()), headers={"X-CSRF-Token": s.csrf}).json()
    assert preview["han"] == api.draft(api.load_event(draftable())).info.han_characters


def test_a_bug_is_one_plain_line_and_a_500(folder: Path, monkeypatch) -> None:
    from speechgen.web.views import event as event_view

    def broken(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("secret details")

    monkeypatch.setattr(event_view.files, "listing", broken)
    c, _ = client(folder, raise_server_exceptions=False)
    with c:
        response = c.get("/")
    assert response.status_code == 500
    assert "secret details" not in response.text
    assert soup(response).select_one(".error-box p").get_text().startswith("Internal error: RuntimeError.")


def test_serve_get_prints_a_page_without_a_server(runner, folder: Path) -> None:
    result = runner.invoke(main, ["serve", "--get", "/banks?style=warm", "--folder", str(folder)])
    assert result.exit_code == 0, result.stderr
    assert soup(type("R", (), {"text": result.stdout})).select_one("#bank-style option[selected]")["value"] == "warm"


def test_examples_folder_opens(folder: Path) -> None:
    c, _ = client(EXAMPLES)
    with c:
        listed = [a.get_text() for a in soup(c.get("/")).select("ul.files a")]
    assert "village_stay.yaml" in listed


def test_every_file_the_pages_need_is_shipped() -> None:
    """A wheel carries only what pyproject's package-data names: every template, script, style and icon."""
    from fnmatch import fnmatch

    from .conftest import ROOT

    line = next(
        s
        for s in (ROOT / "pyproject.toml").read_text(encoding="utf-8").splitlines()
        if s.startswith('"speechgen.web" =')
    )
    patterns = yaml.safe_load(line.split("=", 1)[1])
    web = ROOT / "speechgen" / "web"
    files = [p.relative_to(web).as_posix() for p in web.rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc")]
    assert files and [f for f in files if not any(fnmatch(f, pat) for pat in patterns)] == []
    assert (ROOT / "speechgen" / "locale" / "zh_CN" / "LC_MESSAGES" / "web.mo").is_file()
