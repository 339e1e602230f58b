"""Phrase banks in a workbook (issue 21): `banks export --xlsx` and `banks import`.

A workbook describes a bank folder; importing it writes back banks that draft the same speeches, byte for
byte. A bad cell is named by sheet and cell; a finding of the check on the written files too.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import openpyxl
import pytest

from speechgen import api
from speechgen.cli import main
from speechgen.compose import banks as banks_module
from speechgen.compose.bankfile import read_bank_file
from speechgen.compose.banks import load_banks, shared_environment
from speechgen.errors import SpeechgenError
from speechgen.resources import banks_dir
from speechgen.run.bankfiles import import_workbook

from .conftest import TYPES, example


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests assert the English messages (a Chinese catalogue may be the default)."""
    from speechgen import i18n

    monkeypatch.setenv("SPEECHGEN_LANG", "en")
    i18n.reset()


OFFICE = """\
meta: {name: 本单位文库}
closing.wishes:
  mode: replace
  variants:
    - 最后，祝同志们工作顺利、身体健康！
    - {text: 最后，祝大家在新的岗位上干出新成绩！, types: [mobilisation, village_stay], weight: 3}
    - {text: 最后，祝同志们载誉而归、再创佳绩！, types: [summary, summary_mobilisation]}
    - "最后，祝各位{{ people }}工作顺利、万事如意！"
    - {text: 最后，祝各位同志平安顺遂！, weight: 2, direction: [down]}
    - 最后，愿大家学有所获、干有所成！
opening.announce:
  - 下面，就做好这项工作，我讲{{ count }}点意见。
  - {text: "下面，围绕这次{{ type_label }}的任务，我讲{{ count }}点意见。", speakers: [principal, department]}
units:
  - id: office.role
    topic: role
    keys: [角色]
    kinds: [posting, village]
    direction: [down]
    moment: [before]
    weight: 3
    heading: [尽快转换角色, {text: 转换角色、进入状态, weight: 2}]
    lead: ["到了{{ host }}，首先要完成角色转换。", {text: 角色转换是到岗后的第一课。, moment: [before, during]}]
    demand: [希望大家主动熟悉情况、服从分工，尽快进入角色。]
    close: []
  - id: office.rule
    topic: attendance
    facts: program.rules
    match: [请销假]
    heading: [严格执行请销假制度]
    fact: ["{{ item }}，请大家对照执行。"]
"""
STYLE = """\
meta: {name: 本单位, description: 简短务实, length_factor: 0.6}
closing.wishes:
  - {text: 最后，祝大家工作顺利、平安健康！, weight: 10}
"""


def make_folder(root: Path) -> Path:
    (root / "styles" / "本单位").mkdir(parents=True)
    (root / "office.yaml").write_text(OFFICE, encoding="utf-8")
    (root / "styles" / "本单位" / "本单位.yaml").write_text(STYLE, encoding="utf-8")
    return root


def shape(path: Path) -> tuple:
    """What a bank file says, without where it says it: meta, slots with mode and variants, units."""
    problems: list = []
    meta, entries, units = read_bank_file(path, shared_environment(), problems)
    assert problems == []
    slots = [(s, m, [(v.text, v.tags, v.weight, v.requires) for v in vs]) for s, m, vs in entries]
    return meta, slots, [u.to_list()[:2] + u.to_list()[4:] for u in units]


def outcome(event: api.Event, options: api.Options, fmt: str = "md") -> bytes | str:
    try:
        return api.export(api.draft(event, options=options), fmt)
    except SpeechgenError as exc:  # the built-in banks are being rewritten: a failure must at least be the same
        return type(exc).__name__


def test_a_user_folder_survives_the_round_trip_byte_for_byte(runner, workdir: Path) -> None:
    mine = make_folder(workdir / "mine")
    exported = runner.invoke(main, ["banks", "export", "--xlsx", "mine.xlsx", "--banks", "mine"])
    assert exported.exit_code == 0, exported.output
    assert exported.output == "mine.xlsx: written: 17 variant row(s), 2 unit(s), 2 file(s)\n"
    imported = runner.invoke(main, ["banks", "import", "mine.xlsx", "-o", "again"])
    assert imported.exit_code == 0, imported.output
    again = workdir / "again"
    assert sorted(p.relative_to(again).as_posix() for p in again.rglob("*.yaml")) == [
        "office.yaml",
        "styles/本单位/本单位.yaml",
    ]
    for rel in ("office.yaml", "styles/本单位/本单位.yaml"):
        assert shape(again / rel) == shape(mine / rel)
    compared = 0
    for meeting_type in TYPES:
        event = api.load_event(example(meeting_type))
        for style in ("formal", "本单位"):
            for seed in (1, 2):
                a = outcome(event, api.Options(seed=seed, style=style, banks=(mine,)))
                b = outcome(event, api.Options(seed=seed, style=style, banks=(again,)))
                assert a == b, (meeting_type, style, seed)
                compared += isinstance(a, bytes)
    assert compared >= 4
    event = api.load_event(example("village_stay"))
    docx = [outcome(event, api.Options(seed=3, style="本单位", banks=(d,)), "docx") for d in (mine, again)]
    assert docx[0] == docx[1]


def test_the_builtin_banks_survive_the_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every built-in bank file exported and imported says what it said, and drafts made with the imported
    folder in place of the built-in banks are the same bytes."""
    book = tmp_path / "builtin.xlsx"
    book.write_bytes(api.bank_workbook(api.bank_rows()))
    copy = import_workbook(book, tmp_path / "copy", check=False).folder
    originals = [p for p in banks_module.all_files() if p.name != "lexicon.yaml"]
    assert sorted(p.relative_to(copy).as_posix() for p in copy.rglob("*.yaml")) == sorted(
        p.relative_to(banks_dir()).as_posix() for p in originals
    )
    for path in originals:
        assert shape(copy / path.relative_to(banks_dir())) == shape(path), path
    events = [api.load_event(example(t)) for t in TYPES]
    before = [outcome(e, api.Options(seed=s, style=st)) for e in events for s in (1, 5) for st in ("formal", "warm")]
    monkeypatch.setattr(banks_module, "banks_dir", lambda: copy)
    assert load_banks().files[0].startswith(str(copy)) or "copy" in load_banks().files[0]
    after = [outcome(e, api.Options(seed=s, style=st)) for e in events for s in (1, 5) for st in ("formal", "warm")]
    assert before == after
    assert sum(isinstance(b, bytes) for b in before) >= 4


def test_export_narrows_to_slots_and_styles_and_never_overwrites(runner, workdir: Path) -> None:
    make_folder(workdir / "mine")
    result = runner.invoke(main, ["banks", "export", "--xlsx", "w.xlsx", "--banks", "mine", "--slot", "u.office.role"])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(workdir / "w.xlsx", read_only=True)
    rows = list(wb["变体"].iter_rows(values_only=True))
    header = rows[0]
    assert header[:7] == ("文件 file", "槽位 slot", "要点 unit", "主题 topic", "角色 role", "方式 mode", "文字 text")
    assert header[-2:] == ("权重 weight", "来源 source")
    assert [r[1] for r in rows[1:]] == ["u.office.role.heading"] * 2 + ["u.office.role.lead"] * 2 + [
        "u.office.role.demand",
        "u.office.role.close",
    ]
    assert rows[1][:7] == (
        "office.yaml",
        "u.office.role.heading",
        "office.role",
        "role",
        "heading",
        None,
        "尽快转换角色",
    )
    assert rows[2][header.index("权重 weight")] == 2
    assert rows[4][header.index("时点 moment")] == "before, during"
    assert rows[1][-1] == "mine/office.yaml:22"
    units = list(wb["要点"].iter_rows(values_only=True))
    assert [u[1] for u in units[1:]] == ["office.role"]
    assert units[1][3] == "角色" and units[1][7] == 3
    wb.close()
    again = runner.invoke(main, ["banks", "export", "--xlsx", "w.xlsx", "--banks", "mine"])
    assert again.exit_code == 1 and again.output == "w.xlsx: exists; use --force to overwrite\n"
    styled = runner.invoke(main, ["banks", "export", "--xlsx", "s.xlsx", "--banks", "mine", "--style", "formal"])
    assert styled.output == "s.xlsx: written: 16 variant row(s), 2 unit(s), 1 file(s)\n"
    suffix = runner.invoke(main, ["banks", "export", "--xlsx", "w.csv", "--banks", "mine"])
    assert suffix.exit_code == 1 and suffix.output == "--xlsx w.csv: the file name must end in .xlsx\n"
    missing = runner.invoke(main, ["banks", "export", "--xlsx", "m.xlsx", "--banks", "nowhere"])
    assert missing.exit_code == 1 and missing.output == "--banks nowhere: no such folder\n"


def sheet_book(path: Path, variants: list[list], units: list[list] | None = None) -> Path:
    """A workbook as a user fills one: the headers of an exported one, then these rows."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "变体"
    ws.append(["文件", "槽位", "要点", "角色", "方式", "文字", "工作类别 kinds", "权重", "备注"])
    for row in variants:
        ws.append(row)
    if units is not None:
        us = wb.create_sheet("要点")
        us.append(["文件 file", "编号 id", "主题 topic", "关键词 keys", "事实 facts", "时点 moment"])
        for row in units:
            us.append(row)
    wb.save(path)
    return path


def test_every_bad_cell_is_named_by_sheet_and_cell_and_nothing_is_written(runner, workdir: Path) -> None:
    sheet_book(
        workdir / "banks.xlsx",
        [
            [None, "closing.wishes", None, None, None, "最后，祝同志们工作顺利！", "驻村", None, "my note"],
            [None, "closing.wishes", None, None, "sometimes", "最后，祝大家身体健康！"],
            [None, "closing.wishes", None, None, None, "最后，祝大家万事如意！", None, 12],
            [None, "closing.wishes", None, None, None, "最后，祝{{ program.cadres 名同志顺利！"],
            ["../x.yaml", "closing.wishes", None, None, None, "最后，祝同志们一切顺利！"],
            [None, None, "office.role", "lede", None, "角色转换很重要。"],
            [None, None, "office.gone", "lead", None, "这个要点不在要点表上。"],
            [None, "bad slot!", None, None, None, "槽位名不对。"],
        ],
        units=[[None, "office.role", "role", "角色", "program.tasks.all", "before"]],
    )
    result = runner.invoke(main, ["banks", "import", "banks.xlsx", "-o", "out"])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        'banks.xlsx:变体!E3: closing.wishes: mode must be extend or replace, found "sometimes"',
        'banks.xlsx:变体!A6: "../x.yaml" is not a bank file of a folder; write name.yaml or styles/<style>/name.yaml',
        "banks.xlsx:变体!D7: unit office.role: role must be one of heading, lead, fact, reason, example, comment, "
        "demand, close",
        "banks.xlsx:变体!C8: unit office.gone is not on the 要点 sheet for file banks.yaml; to add to a unit of "
        "another file, leave 变体's unit column empty and write the slot u.office.gone.<role>",
        'banks.xlsx:变体!B9: "bad slot!" is not a slot name (letters, digits, . - and _)',
        "banks.xlsx:要点!E2: unit office.role: facts must be one of program.tasks, program.rules, "
        "review.achievements, review.shortcomings",
    ]
    assert not (workdir / "out").exists()
    # once the rows are placed, the bank reader's own problems, at their cells
    sheet_book(
        workdir / "b2.xlsx",
        [
            [None, "closing.wishes", None, None, None, "最后，祝同志们工作顺利！", "驻村"],
            [None, "closing.wishes", None, None, None, "最后，祝大家万事如意！", None, 12],
            [None, "closing.wishes", None, None, None, "最后，祝{{ program.cadres 名同志顺利！"],
        ],
    )
    result = runner.invoke(main, ["banks", "import", "b2.xlsx", "-o", "out"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith('b2.xlsx:变体!G2: closing.wishes: unknown kinds "驻村"; expected one of: posting,')
    assert lines[1] == "b2.xlsx:变体!H3: closing.wishes: weight must be a whole number from 1 to 10"
    assert lines[2].startswith("b2.xlsx:变体!F4: closing.wishes: template error: ")
    assert len(lines) == 3 and not (workdir / "out").exists()


def test_what_the_check_finds_is_said_of_its_cell(runner, workdir: Path) -> None:
    sheet_book(
        workdir / "文库.xlsx",
        [
            [None, "opening.annouce", None, None, None, "下面，就做好这项工作，我讲几点意见。"],
            [None, "closing.wishes", None, None, None, "最后，祝同志们「学有所成」、干有所为！"],
        ],
    )
    strict = runner.invoke(main, ["banks", "import", "文库.xlsx", "-o", "out", "--strict"])
    assert strict.exit_code == 1
    assert strict.output.splitlines()[:2] == [
        "文库.xlsx:变体!F2: opening.annouce: error: no template or unit uses this slot; "
        'did you mean "opening.announce"?',
        "文库.xlsx:变体!F3: closing.wishes: error: quotes with 「」 or straight quotes; use “” (inner ‘’)",
    ]
    assert strict.output.splitlines()[-1] == "--strict: the workbook has check errors; nothing written"
    assert not (workdir / "out").exists() and not list(workdir.glob(".speechgen-tmp-*"))
    done = runner.invoke(main, ["banks", "import", "文库.xlsx", "-o", "out"])
    assert done.exit_code == 0, done.output
    assert "文库.xlsx:变体!F2: opening.annouce: error: no template or unit uses this slot" in done.output
    assert (workdir / "out" / "文库.yaml").read_text(encoding="utf-8").splitlines()[1:] == [
        "opening.annouce:",
        "  - 下面，就做好这项工作，我讲几点意见。",
        "closing.wishes:",
        "  - 最后，祝同志们「学有所成」、干有所为！",
    ]
    assert not list(workdir.glob(".speechgen-tmp-*"))


def test_import_never_overwrites_without_force_nor_writes_the_builtin_banks(runner, workdir: Path) -> None:
    sheet_book(workdir / "b.xlsx", [["office.yaml", "closing.wishes", None, None, None, "最后，祝同志们工作顺利！"]])
    (workdir / "out").mkdir()
    (workdir / "out" / "office.yaml").write_text("closing.wishes: [我原来的一句。]\n", encoding="utf-8")
    (workdir / "out" / "other.yaml").write_text("closing.wishes: [另一句。]\n", encoding="utf-8")
    refused = runner.invoke(main, ["banks", "import", "b.xlsx", "-o", "out"])
    assert refused.exit_code == 1
    assert refused.output == f"{Path('out') / 'office.yaml'}: exists; use --force to overwrite\n"
    assert "我原来的一句" in (workdir / "out" / "office.yaml").read_text(encoding="utf-8")
    forced = runner.invoke(main, ["banks", "import", "b.xlsx", "-o", "out", "--force"])
    assert forced.exit_code == 0, forced.output
    assert "最后，祝同志们工作顺利！" in (workdir / "out" / "office.yaml").read_text(encoding="utf-8")
    assert f"note: {Path('out') / 'other.yaml'} was already in the folder and is read with the imported files" in (
        forced.output
    )
    before = sorted(p.name for p in banks_dir().rglob("*"))
    builtin = runner.invoke(main, ["banks", "import", "b.xlsx", "-o", str(banks_dir() / "mine"), "--force"])
    assert builtin.exit_code == 1 and "is the built-in phrase banks' folder" in builtin.output
    assert sorted(p.name for p in banks_dir().rglob("*")) == before


def test_a_file_that_is_not_a_workbook_is_refused(runner, workdir: Path) -> None:
    (workdir / "x.xlsx").write_text("slot,text\n", encoding="utf-8")
    result = runner.invoke(main, ["banks", "import", "x.xlsx", "-o", "out"])
    assert result.exit_code == 1
    assert result.output == "x.xlsx: is not an Excel workbook (.xlsx); save it from Excel or WPS as .xlsx\n"
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.save(workdir / "y.xlsx")
    result = runner.invoke(main, ["banks", "import", "y.xlsx", "-o", "out"])
    assert result.output == "y.xlsx: has no sheet 变体 (variants); export one with speechgen banks export\n"
    wb = openpyxl.Workbook()
    wb.active.title = "variants"
    wb.active.append(["slot", "txt"])
    wb.save(workdir / "z.xlsx")
    result = runner.invoke(main, ["banks", "import", "z.xlsx", "-o", "out"])
    assert result.output.startswith('z.xlsx:variants!B1: unknown column "txt"; did you mean "文字 text"?')


def test_cells_that_look_like_formulas_stay_text(runner, workdir: Path) -> None:
    (workdir / "mine").mkdir()
    (workdir / "mine" / "o.yaml").write_text('extra.slot:\n  - "=SUM(A1)这不是公式。"\n', encoding="utf-8")
    assert runner.invoke(main, ["banks", "export", "--xlsx", "o.xlsx", "--banks", "mine"]).exit_code == 0
    wb = openpyxl.load_workbook(workdir / "o.xlsx")
    cell = wb["变体"]["G2"]
    assert cell.value == "=SUM(A1)这不是公式。" and cell.data_type == "s"
    imported = import_workbook(workdir / "o.xlsx", workdir / "again", check=False)
    assert shape(imported.folder / "o.yaml") == shape(workdir / "mine" / "o.yaml")
    shutil.rmtree(workdir / "again")


def test_a_workbook_that_would_expand_too_far_is_refused(runner, workdir: Path, monkeypatch) -> None:
    from speechgen.review import bankbook

    sheet_book(workdir / "big.xlsx", [[None, "closing.wishes", None, None, None, "最后，祝同志们工作顺利！"]])
    monkeypatch.setattr(bankbook, "MAX_EXPANDED", 1000)
    result = runner.invoke(main, ["banks", "import", "big.xlsx", "-o", "out"])
    assert result.exit_code == 1
    assert re.fullmatch(r"big\.xlsx: expands to [\d,]+ bytes; the limit is 1,000; refused\n", result.output)
    assert not (workdir / "out").exists()


def test_import_into_a_file_is_refused(runner, workdir: Path) -> None:
    sheet_book(workdir / "b.xlsx", [[None, "closing.wishes", None, None, None, "最后，祝同志们工作顺利！"]])
    (workdir / "out").write_text("not a folder", encoding="utf-8")
    result = runner.invoke(main, ["banks", "import", "b.xlsx", "-o", "out"])
    assert result.exit_code == 1 and result.output == "out: is a file, not a folder\n"
