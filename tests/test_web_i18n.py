"""The workbench speaks Chinese by default (issue 17): every string of its pages (and `speechgen serve`'s own
lines) is wrapped in _() and has a Chinese translation in the workbench's own catalogue,
speechgen/locale/zh_CN/LC_MESSAGES/web.po (the core's and the CLI's are in speechgen.po, not ours), and the
web.mo shipped beside it is compiled from that .po."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from speechgen import i18n

from .conftest import ROOT
from .webkit import client, soup

WEB = ROOT / "speechgen" / "web"
LOCALE = ROOT / "speechgen" / "locale" / "zh_CN" / "LC_MESSAGES"
CALL = re.compile(r"""\b_\(\s*("(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')\s*\)""")


def wrapped() -> set[str]:
    found: set[str] = set()
    for path in [*WEB.rglob("*.py"), *WEB.rglob("*.html"), ROOT / "speechgen" / "cli" / "serve.py"]:
        for m in CALL.finditer(path.read_text(encoding="utf-8")):
            found.add(ast.literal_eval(m.group(1)))
    return found


def po_entries() -> dict[str, str]:
    with (LOCALE / "web.po").open("rb") as fh:
        catalog = read_po(fh, locale="zh_CN")
    return {m.id: m.string for m in catalog if m.id and not m.fuzzy}


def test_every_page_string_has_a_chinese_translation() -> None:
    strings = wrapped()
    assert len(strings) > 100
    entries = po_entries()
    assert sorted(strings - set(entries)) == []
    assert all(re.search(r"[\u4e00-\u9fff]", entries[s]) for s in strings if re.search("[A-Za-z]{3}", s))
    for s in strings:  # a translation keeps every placeholder
        assert set(re.findall(r"\{\w+[^}]*\}", s)) == set(re.findall(r"\{\w+[^}]*\}", entries[s])), s


def test_the_shipped_mo_is_compiled_from_the_po() -> None:
    with (LOCALE / "web.mo").open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    entries = po_entries()
    assert entries and all(entries.values())  # nothing left untranslated (an empty msgstr shows English)
    assert {k: v for k, v in compiled._catalog.items() if k} == entries  # same messages, same translations


@pytest.mark.parametrize(
    ("lang", "nav"), [("zh", ["会议", "批量生成", "语料库"]), ("en", ["Meetings", "Batch", "Phrase banks"])]
)
def test_the_pages_are_chinese_unless_english_is_asked_for(
    tmp_path: Path, monkeypatch, lang: str, nav: list[str]
) -> None:
    monkeypatch.setenv("SPEECHGEN_LANG", lang)
    i18n.reset()
    c, _ = client(tmp_path)
    with c:
        page = soup(c.get("/event/new?type=summary"))
    assert [a.get_text() for a in page.select("header nav a")] == nav
    assert page.html["lang"] == ("zh-CN" if lang == "zh" else "en")
    if lang == "zh":
        assert page.select_one("#reroll").get_text() == "换一批（保留锁定的句子）"
        assert page.select_one("#field-meeting-name label").get_text(strip=True) == "名称*"
