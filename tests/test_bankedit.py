"""Bank editing an office can do alone (issue 21): `banks check` on a user's folder, `banks new-style`,
`banks try`, and the explanation of a misfit tag by tag.

Small user folders made here; the built-in banks only where the result does not depend on their wording.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
import yaml

from speechgen import api
from speechgen.cli import main
from speechgen.compose.banks import load_banks
from speechgen.compose.setting import Setting, load_lexicon
from speechgen.compose.variant import Context, Tags, misfits, tags_fit
from speechgen.errors import SpeechgenError
from speechgen.event.schema import alias_of

from .conftest import TYPES, example


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests assert the English messages (a Chinese catalogue may be the default)."""
    from speechgen import i18n

    monkeypatch.setenv("SPEECHGEN_LANG", "en")
    i18n.reset()


def drafts(meeting_type: str) -> bool:
    """Does the example of this type draft with the built-in banks as they are now? (They are being
    rewritten: a test that needs a draft uses the types that do, and says so when none does.)"""
    try:
        api.draft(api.load_event(example(meeting_type)))
    except SpeechgenError:
        return False
    return True


def drafting_types() -> list[str]:
    found = [t for t in ("village_stay", *TYPES) if drafts(t)]
    assert found, "no example drafts with the built-in banks"
    return list(dict.fromkeys(found))


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# -- misfits explains tags_fit -----------------------------------------------------------------------------

TAG_VALUES = {
    "types": [(), ("mobilisation",), ("summary", "village_stay")],
    "styles": [(), ("formal",), ("warm", "本单位")],
    "kinds": [(), ("posting",), ("team", "考核")],
    "direction": [(), ("down",), ("up", "both")],
    "moment": [(), ("before",), ("end", "any")],
    "speakers": [(), ("principal",), ("deputy", "department")],
    "front": ["", "united", "general"],
    "claims": [(), ("discipline",), ("attendance", "support")],
}


def contexts() -> list[Context]:
    out = []
    for mtype, family, job, direction, role, front, contradicted, style, moment in itertools.product(
        ("mobilisation", "summary"),
        ("posting", "team"),
        ("", "考核"),
        ("down", "up"),
        ("principal", "department"),
        (False, True),
        (frozenset(), frozenset({"discipline"})),
        ("formal", "本单位"),
        ("before", "end"),
    ):
        setting = Setting(mtype, family, job, direction, role, front, True, False, contradicted=contradicted)
        out.append(Context(setting, style, direction, moment))
    return out


def test_misfits_names_exactly_the_tags_that_keep_a_variant_out() -> None:
    """For every tag alone and in pairs, over every kind of context: no misfit ⇔ tags_fit, and each tag
    named fails on its own while each tag not named passes on its own."""
    ctxs = contexts()
    keys = list(TAG_VALUES)
    checked = 0
    for a, b in itertools.combinations_with_replacement(keys, 2):
        for va, vb in itertools.product(TAG_VALUES[a], TAG_VALUES[b]):
            tags = Tags(**{a: va, b: vb}) if a != b else Tags(**{a: va})
            for ctx in ctxs[::7]:
                named = misfits(tags, ctx)
                assert (not named) == tags_fit(tags, ctx)
                for key in keys:
                    alone = Tags(**{key: getattr(tags, key)})
                    assert (key in named) == (not tags_fit(alone, ctx))
                checked += 1
    assert checked > 1000


# -- banks check, from the user's side (done: a misspelt slot, an impossible requirement, …) ---------------


def test_check_reports_a_users_four_silent_mistakes_with_file_line(tmp_path: Path, runner, workdir: Path) -> None:
    write(
        workdir / "mine" / "office.yaml",
        "opening.annouce:\n"
        "  - 下面，就做好这项工作，我讲几点意见。\n"
        "closing.wishes:\n"
        '  - "最后，祝{{ program.cadre_count }}名同志工作顺利！"\n'
        "  - 最后，祝同志们在新的岗位上工作顺利、身体健康！\n"
        "  - 最后，祝同志们在新的岗位上工作顺利，身体健康。\n"
        "  - 最后，祝同志们「学有所成」、干有所为！\n",
    )
    result = runner.invoke(main, ["banks", "check", "mine"])
    assert result.exit_code == 1
    out = result.output
    assert (
        "mine/office.yaml:2: opening.annouce: error: no template or unit uses this slot; "
        'did you mean "opening.announce"?' in out
    )
    assert (
        "mine/office.yaml:4: closing.wishes: error: uses program.cadre_count, which no event provides; never chosen"
        in out
    )
    assert (
        "mine/office.yaml:6: closing.wishes: error: the same, but for punctuation or spacing, as the variant at "
        "mine/office.yaml:5" in out
    )
    assert "mine/office.yaml:7: closing.wishes: error: quotes with 「」 or straight quotes; use “” (inner ‘’)" in out


# -- banks new-style -----------------------------------------------------------------------------------------


def style_file(folder: Path, name: str = "本单位") -> Path:
    return folder / "styles" / name / f"{name}.yaml"


def blocks(text: str) -> dict[str, tuple[int, int]]:
    """slot → (first, last line index) of each commented-out slot block of a new style file."""
    lines = text.splitlines()
    out = {}
    for i, line in enumerate(lines):
        m = re.fullmatch(r"# (\S+):", line)
        if m and i + 2 < len(lines) and lines[i + 1] == "#   mode: extend" and lines[i + 2] == "#   variants:":
            j = i + 3
            while j < len(lines) and lines[j].startswith("#     - "):
                j += 1
            out[m.group(1)] = (i, j - 1)
    return out


def test_new_style_is_listed_and_drafts_at_once(runner, workdir: Path) -> None:
    result = runner.invoke(main, ["banks", "new-style", "本单位", "-o", "我的文库"])
    assert result.exit_code == 0, result.output
    path = style_file(workdir / "我的文库")
    assert result.output == (
        f"{Path('我的文库') / 'styles' / '本单位' / '本单位.yaml'}: written; edit it, then run: "
        "speechgen render EVENT --banks 我的文库 --style 本单位\n"
    )
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# 风格「本单位」：由 speechgen banks new-style 生成")
    assert yaml.safe_load(text) == {
        "meta": {"name": "本单位", "description": "本单位：本单位的风格（在“formal”的说法上修改）"}
    }
    found = blocks(text)
    assert "closing.wishes" in found and "opening.announce" in found
    assert any(s.endswith(".intro") for s in found) and any(s.startswith("u.") for s in found)
    assert "本单位" in api.styles(banks=(Path("我的文库"),))
    listed = runner.invoke(main, ["banks", "list", "--banks", "我的文库", "--style", "本单位"])
    assert listed.exit_code == 0 and "styles/本单位/本单位.yaml" in listed.output
    drafted = runner.invoke(
        main, ["render", str(example(drafting_types()[0])), "--banks", "我的文库", "--style", "本单位", "-o", "d.md"]
    )
    assert drafted.exit_code == 0, drafted.output
    assert (workdir / "d.md").stat().st_size > 1000


def test_a_variant_edited_in_stands_in_the_draft(runner, workdir: Path) -> None:
    """new-style 本单位, switch closing.wishes on (replace) with one variant of one's own, render: it is there."""
    assert runner.invoke(main, ["banks", "new-style", "本单位", "-o", "文库"]).exit_code == 0
    path = style_file(workdir / "文库")
    lines = path.read_text(encoding="utf-8").splitlines()
    first, _ = blocks("\n".join(lines))["closing.wishes"]
    mine = "最后，祝本单位的同志们平安顺遂、满载而归！"
    lines[first : first + 4] = ["closing.wishes:", "  mode: replace", "  variants:", f"    - {mine}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for meeting_type in drafting_types()[:2]:
        result = runner.invoke(
            main,
            [
                "render",
                str(example(meeting_type)),
                "--banks",
                "文库",
                "--style",
                "本单位",
                "-o",
                "-",
                "--format",
                "txt",
            ],
        )
        assert result.exit_code == 0, result.output
        assert mine in result.stdout
        plain = runner.invoke(main, ["render", str(example(meeting_type)), "-o", "-", "--format", "txt"])
        assert mine not in plain.stdout


def test_every_example_of_a_new_style_is_a_valid_variant(workdir: Path) -> None:
    """Uncomment every block: the file loads without a problem and each slot gains exactly the examples
    shown, the --from style's own wording first."""
    from speechgen.run.bankfiles import write_new_style

    warm = load_banks("warm")
    path = write_new_style("全开", workdir / "文库", from_style="warm")
    base = load_banks("全开", (workdir / "文库",))  # as written: only its meta is live
    text = path.read_text(encoding="utf-8")
    found = blocks(text)
    lines = text.splitlines()
    for first, last in found.values():
        for i in range(first, last + 1):
            lines[i] = lines[i][2:]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    mine = load_banks("全开", (workdir / "文库",))
    assert len(found) >= 20
    for slot, (first, last) in found.items():
        added = mine.variants(slot)[len(base.variants(slot)) :]
        assert len(added) == last - first - 2 >= 1
        shown = {v.text for v in added}
        assert shown <= {v.text for v in warm.variants(slot)}  # warm's wording, as it is
        own = [v for v in warm.variants(slot) if "styles/warm/" in v.file]
        if own:  # the style's own wording comes first
            assert added[0].text == own[0].text


def test_new_style_never_overwrites_without_force_nor_writes_the_builtin_banks(runner, workdir: Path) -> None:
    assert runner.invoke(main, ["banks", "new-style", "本单位", "-o", "文库"]).exit_code == 0
    path = style_file(workdir / "文库")
    write(path, "meta: {name: 本单位}\nclosing.wishes: [最后，我自己的一句话！]\n")
    again = runner.invoke(main, ["banks", "new-style", "本单位", "-o", "文库"])
    assert again.exit_code == 1
    assert again.output == f"{Path('文库') / 'styles' / '本单位' / '本单位.yaml'}: exists; use --force to overwrite\n"
    assert "我自己的一句话" in path.read_text(encoding="utf-8")
    forced = runner.invoke(main, ["banks", "new-style", "本单位", "-o", "文库", "--force"])
    assert forced.exit_code == 0 and "我自己的一句话" not in path.read_text(encoding="utf-8")
    bad = runner.invoke(main, ["banks", "new-style", "../上级", "-o", "文库"])
    assert bad.exit_code == 1
    assert bad.output == (
        'style name "../上级" is not usable as a folder name; use letters, Chinese characters, digits, - or _\n'
    )
    from speechgen.resources import banks_dir

    builtin = runner.invoke(main, ["banks", "new-style", "新风格", "-o", str(banks_dir())])
    assert builtin.exit_code == 1 and "is the built-in phrase banks' folder" in builtin.output
    assert not (banks_dir() / "styles" / "新风格").exists()
    unknown = runner.invoke(main, ["banks", "new-style", "甲", "-o", "文库", "--from", "florid"])
    assert unknown.exit_code == 1 and unknown.output.startswith('unknown style "florid" — did you mean "formal"?')
    assert "available styles: 简明 (concise), 正式 (formal), 温情 (warm)" in unknown.output


# -- banks try -------------------------------------------------------------------------------------------------

MOBILISATION = """\
type: mobilisation
meeting: {name: 全市年轻干部挂职锻炼动员会, date: 2026-04-08}
speaker: {title: 市委组织部部长, role: department}
program: {kind: 挂职锻炼, direction: down}
"""

TRY_BANK = """\
closing.wishes:
  - 最后，祝同志们在新的岗位上工作顺利！
  - "最后，祝{{ program.cadres }}名同志在{{ jur.whole }}各地工作顺利！"
  - {text: 最后，祝同志们满载而归！, types: [summary]}
  - {text: 最后，欢迎同志们到机关来！, direction: [up]}
  - {text: 最后，请各级党委书记带头关心！, speakers: [principal]}
  - {text: 最后，祝党外同志们工作顺利！, front: united}
  - {text: 最后，祝考核组的同志们工作顺利！, kinds: [team]}
  - {text: 最后，回望这一程收获满满！, moment: [end]}
  - {text: 最后，祝大家在新岗位上一切都好！, styles: [warm]}
summary.closing.call:
  - 让我们再接再厉，把工作做得更好。
opening.annouce:
  - 下面，我讲几点意见。
units:
  - id: office.rules
    topic: discipline
    facts: program.rules
    match: [口袋书]
    moment: [before]
    heading: [把规矩立起来]
    fact: ["{{ item }}，请大家对照执行。"]
"""


def test_try_says_why_each_variant_can_or_cannot_be_chosen(runner, workdir: Path) -> None:
    write(workdir / "event.yaml", MOBILISATION)
    write(workdir / "mine" / "office.yaml", TRY_BANK)
    result = runner.invoke(main, ["banks", "try", "event.yaml", "--banks", "mine"])
    assert result.exit_code == 0, result.output
    f = "mine/office.yaml"
    rules = alias_of(("program", "rules"))
    assert result.output.splitlines() == [
        f"{f}:2: closing.wishes: can be chosen: 最后，祝同志们在新的岗位上工作顺利！",
        f"{f}:3: closing.wishes: cannot be chosen (missing fact: the event gives no program.cadres (人数)): "
        "最后，祝【待补充：人数】名同志在全市各地工作顺利！",
        f"{f}:4: closing.wishes: cannot be chosen (wrong meeting type: written for summary; this is a mobilisation "
        "meeting): 最后，祝同志们满载而归！",
        f"{f}:5: closing.wishes: cannot be chosen (wrong direction: written for people going up; here they go down): "
        "最后，欢迎同志们到机关来！",
        f"{f}:6: closing.wishes: cannot be chosen (wrong speaker role: written for principal; this speaker is "
        "department): 最后，请各级党委书记带头关心！",
        f"{f}:7: closing.wishes: cannot be chosen (united-front meetings only; this meeting is not one): "
        "最后，祝党外同志们工作顺利！",
        f"{f}:8: closing.wishes: cannot be chosen (wrong kind of work: written for team; this event's work is "
        "posting): 最后，祝考核组的同志们工作顺利！",
        f"{f}:9: closing.wishes: cannot be chosen (wrong moment: written for end; this part of the speech speaks "
        "before): 最后，回望这一程收获满满！",
        f"{f}:10: closing.wishes: cannot be chosen (wrong style: written for warm; this draft is in style formal): "
        "最后，祝大家在新岗位上一切都好！",
        f"{f}:12: summary.closing.call: cannot be chosen (wrong meeting type: slot summary.closing.call belongs to "
        "summary meetings; this is a mobilisation meeting): 让我们再接再厉，把工作做得更好。",
        f"{f}:14: opening.annouce: cannot be chosen (no template or unit asks for slot opening.annouce; run "
        "speechgen banks check for a likely misspelling): 下面，我讲几点意见。",
        f"{f}:21: u.office.rules.heading: cannot be chosen (missing fact: the event gives no program.rules "
        f"({rules})): 把规矩立起来",
        f"{f}:22: u.office.rules.fact: cannot be chosen (missing fact: the event gives no program.rules ({rules})): "
        "【待补充：事项】，请大家对照执行。",
        "banks try: 13 variant(s), 1 of them can be chosen for this event",
    ]


def test_try_renders_with_the_events_facts_and_follows_them(runner, workdir: Path) -> None:
    """With the fact given, the same variant can be chosen and reads with it; a unit bound to rules takes
    the rules it matches."""
    write(
        workdir / "event.yaml",
        MOBILISATION.replace("direction: down}", "direction: down, cadres: 48, rules: [随身携带口袋书]}"),
    )
    write(workdir / "mine" / "office.yaml", TRY_BANK)
    result = runner.invoke(main, ["banks", "try", "event.yaml", "--banks", "mine"])
    assert result.exit_code == 0, result.output
    assert "mine/office.yaml:3: closing.wishes: can be chosen: 最后，祝48名同志在全市各地工作顺利！" in result.output
    assert "mine/office.yaml:22: u.office.rules.fact: can be chosen: 随身携带口袋书，请大家对照执行。" in result.output


def test_try_a_praise_a_shortcoming_contradicts(runner, workdir: Path) -> None:
    word = load_lexicon().claims["discipline"][0]
    write(
        workdir / "event.yaml",
        "type: summary\nmeeting: {name: 全县挂职干部总结会, date: 2026-12-20}\nspeaker: {title: 县委组织部部长}\n"
        f"review: {{achievements: [完成调研报告], shortcomings: [个别同志{word}松懈]}}\n",
    )
    write(workdir / "mine" / "o.yaml", "closing.wishes:\n  - {text: 最后，感谢大家严守纪律！, claims: [discipline]}\n")
    result = runner.invoke(main, ["banks", "try", "event.yaml", "--banks", "mine"])
    assert result.output.splitlines()[0] == (
        "mine/o.yaml:2: closing.wishes: cannot be chosen (contradicted by a shortcoming: it praises discipline, "
        "which a shortcoming of the event contradicts): 最后，感谢大家严守纪律！"
    )


def test_try_one_slot_lists_every_layer(runner, workdir: Path) -> None:
    write(workdir / "event.yaml", MOBILISATION)
    write(workdir / "mine" / "office.yaml", TRY_BANK)
    builtin = load_banks().variants("closing.wishes")
    result = runner.invoke(main, ["banks", "try", "event.yaml", "--banks", "mine", "--slot", "closing.wishes"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == len(builtin) + 9 + 1
    assert [line.split(": ", 1)[0] for line in lines[: len(builtin)]] == [v.where for v in builtin]
    assert lines[-1].startswith(f"banks try: {len(builtin) + 9} variant(s), ")
    unit = runner.invoke(main, ["banks", "try", "event.yaml", "--banks", "mine", "--slot", "u.office.rules"])
    assert [line.split(": ")[1] for line in unit.output.splitlines()[:-1]] == [
        "u.office.rules.heading",
        "u.office.rules.fact",
    ]


def test_try_needs_a_folder_or_a_slot_and_a_slot_that_exists(runner, workdir: Path) -> None:
    write(workdir / "event.yaml", MOBILISATION)
    nothing = runner.invoke(main, ["banks", "try", "event.yaml"])
    assert nothing.exit_code == 1
    assert nothing.output == "banks try needs your folder (--banks DIR) or a slot (--slot SLOT)\n"
    wrong = runner.invoke(main, ["banks", "try", "event.yaml", "--slot", "closing.wishs"])
    assert wrong.exit_code == 1
    assert wrong.output.startswith('no slot "closing.wishs" in the banks of style formal; did you mean closing.wishes')
    bad_event = runner.invoke(main, ["banks", "try", "missing.yaml", "--slot", "closing.wishes"])
    assert bad_event.exit_code == 1 and bad_event.output == "missing.yaml: no such file\n"


@pytest.mark.parametrize("meeting_type", ["mobilisation", "summary", "summary_mobilisation", "village_stay"])
def test_what_try_calls_possible_is_what_drafts_choose(meeting_type: str) -> None:
    """Every variant a draft of the example chooses (over several seeds) is one try says can be chosen."""
    if not drafts(meeting_type):
        pytest.skip(f"the built-in banks cannot draft the {meeting_type} example yet")
    event = api.load_event(example(meeting_type))
    chosen: set[tuple[str, str]] = set()
    for seed in range(4):
        draft = api.draft(event, options=api.Options(seed=seed))
        chosen |= {(s.slot, s.variant) for s in draft.sentences() if s.variant}
    slots = sorted({slot for slot, _ in chosen})
    possible = set()
    for slot in slots:
        for t in api.try_banks(event, slot=slot):
            if t.possible and t.slot == slot:
                possible.add((t.slot, t.variant))
    assert chosen and chosen <= possible


def test_new_style_offers_the_units_of_a_topic_before_those_bound_to_facts(workdir: Path) -> None:
    """Within a bank set of two units, the unit of a topic comes first, then the one bound to rules."""
    from speechgen.compose.bankfile import read_bank_file
    from speechgen.compose.banks import BankSet, shared_environment
    from speechgen.review.bankstyle import style_text

    path = write(
        workdir / "文库" / "office.yaml",
        "units:\n"
        "  - id: office.rules\n    topic: discipline\n    facts: program.rules\n"
        '    heading: ["{{ item }}"]\n    lead: [规矩要守住。]\n    close: [守住规矩，才能干成事。]\n'
        "  - id: office.role\n    topic: role\n    keys: [角色]\n    moment: [before]\n"
        "    heading: [尽快完成角色转换]\n    lead: [角色转换是第一课。]\n    close: [角色转过来了，工作才接得住。]\n",
    )
    problems: list = []
    _, entries, units = read_bank_file(path, shared_environment(), problems)
    banks = BankSet({slot: list(vs) for slot, _, vs in entries}, "formal", ("formal",), units={u.id: u for u in units})
    text = style_text("丙", workdir / "文库", banks)
    assert [slot for slot in blocks(text) if slot.startswith("u.")] == [
        "u.office.role.lead",
        "u.office.role.close",
        "u.office.rules.lead",
        "u.office.rules.close",
    ]
    assert "# ── 要点 “尽快完成角色转换” 的主旨句（现有 1 条）" in text
    assert "# ── 要点 office.rules（discipline） 的收束句（现有 1 条）" in text
