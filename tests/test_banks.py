"""Phrase banks: layers, styles, requirements, variation, the editor's tools and --explain."""

from __future__ import annotations

import itertools
import json
import re
import statistics
from pathlib import Path

import pytest

from speechgen import api
from speechgen.cli import main
from speechgen.compose.bankfile import requirements
from speechgen.compose.banks import load_banks, shared_environment
from speechgen.compose.plan import Options
from speechgen.compose.sentence import grams_of
from speechgen.draft import Draft
from speechgen.event.load import load_event

from .conftest import ROOT, TYPES, example

WISHES = [
    f"最后，祝同志们在新岗位上{w}！" for w in ("学有所成", "干有所为", "心有所得", "行有所获", "事有所成", "日有所进")
]


def write_bank(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def by_slot(draft: Draft) -> list[tuple[str, str]]:
    return [(s.slot, s.shown) for s in draft.sentences()]


def test_replacing_one_slot_changes_exactly_that_slot(tmp_path: Path) -> None:
    user = tmp_path / "mine"
    write_bank(
        user, "office.yaml", "closing.wishes:\n  mode: replace\n  variants:\n" + "".join(f"    - {w}\n" for w in WISHES)
    )
    event = load_event(example("village_stay"))
    base = by_slot(api.draft(event, options=Options(seed=4)))
    mine = by_slot(api.draft(event, options=Options(seed=4, banks=(user,))))
    changed = [(a, b) for a, b in zip(base, mine, strict=True) if a != b]
    assert len(changed) == 1
    (slot_a, _), (slot_b, text_b) = changed[0]
    assert slot_a == slot_b == "closing.wishes" and text_b in WISHES


def test_extending_a_slot_adds_to_its_choices(tmp_path: Path) -> None:
    user = tmp_path / "mine"
    write_bank(user, "office.yaml", "closing.wishes:\n" + "".join(f"  - {w}\n" for w in WISHES))
    event = load_event(example("summary"))
    chosen = {
        dict(by_slot(api.draft(event, options=Options(seed=s, banks=(user,)))))["closing.wishes"] for s in range(24)
    }
    assert chosen & set(WISHES), "the user's variants are chosen"
    assert chosen - set(WISHES), "the built-in ones still are"
    assert len(load_banks("formal", (user,)).variants("closing.wishes")) == (
        len(load_banks("formal").variants("closing.wishes")) + len(WISHES)
    )


def test_environment_variable_adds_a_layer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user = tmp_path / "env"
    write_bank(
        user, "x.yaml", "closing.wishes:\n  mode: replace\n  variants:\n" + "".join(f"    - {w}\n" for w in WISHES)
    )
    monkeypatch.setenv("SPEECHGEN_BANKS", str(user))
    draft = api.draft(load_event(example("summary")), options=Options(seed=1))
    assert dict(by_slot(draft))["closing.wishes"] in WISHES


def test_worked_example_of_adding_a_style(tmp_path: Path, runner) -> None:
    """The example in phrasebanks/README.md works as written."""
    readme = (ROOT / "phrasebanks" / "README.md").read_text(encoding="utf-8")
    yaml_text = readme.split("cat > mybanks/styles/brief/brief.yaml <<'YAML'\n")[1].split("YAML\n")[0]
    write_bank(tmp_path / "mybanks" / "styles" / "brief", "brief.yaml", yaml_text)
    check = runner.invoke(main, ["banks", "check", str(tmp_path / "mybanks")])
    assert check.exit_code == 0, check.output
    event = load_event(example("mobilisation"))
    brief = api.draft(event, options=Options(style="brief", banks=(tmp_path / "mybanks",), seed=2))
    formal = api.draft(event, options=Options(seed=2))
    assert dict(by_slot(brief))["closing.wishes"] in yaml_text
    assert brief.han_count() < 0.8 * formal.han_count()  # length_factor 0.6
    listing = runner.invoke(main, ["banks", "list", "--banks", str(tmp_path / "mybanks"), "--style", "brief"])
    assert re.search(r"^closing\.wishes\t6\t.*brief\.yaml×6$", listing.output, re.M), listing.output


def test_user_templates_override_one_block(tmp_path: Path) -> None:
    (tmp_path / "mobilisation.j2").write_text(
        '{% extends "base.j2" %}\n'
        "{% block closing %}\n"
        '{{ s("closing.wishes") }}\n{{ br() }}\n谢谢大家！\n{% endblock %}\n'
        + (ROOT / "templates" / "mobilisation.j2").read_text(encoding="utf-8").split('{% extends "base.j2" %}', 1)[1],
        encoding="utf-8",
    )
    event = load_event(example("mobilisation"))
    draft = api.draft(event, options=Options(seed=1, templates=(tmp_path,)))
    assert [p.text for p in draft.closing][-1] == "谢谢大家！"
    assert len(draft.closing) == 2
    assert (
        by_slot(draft)[: len(by_slot(draft)) - 3]
        == by_slot(api.draft(event, options=Options(seed=1)))[: len(by_slot(draft)) - 3]
    )


def test_requirements_are_derived_from_the_variant() -> None:
    env = shared_environment()
    assert requirements("共选派{{ program.cadres }}名干部，{{ review.thanks|join_cn }}", env) == (
        frozenset({"program.cadres", "review.thanks"}),
        (),
    )
    assert requirements("{{ cadre }}要{{ jur.our }}", env) == (frozenset(), ())
    assert requirements("{{ program.cadre }}和{{ colour }}", env) == (frozenset(), ("colour", "program.cadre"))


def test_unknown_fields_and_bad_banks_are_reported(tmp_path: Path, runner) -> None:
    user = tmp_path / "bad"
    write_bank(
        user,
        "a.yaml",
        "\n".join(
            [
                "closing.wishes:",
                "  - 祝大家在{{ program.village }}工作顺利！",
                "  - {text: 最后祝大家顺利！, colour: red}",
                "  - 最后祝大家顺利！",
                "  - 最后祝大家顺利！",
                "  - 共有3个村",
                "  - 某某同志要带头",
                "new.slot:",
                "  - 只有一个说法。",
                "",
            ]
        ),
    )
    result = runner.invoke(main, ["banks", "check", str(user)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith(str(user))]  # the user's own file
    assert lines[0] == (
        'bad/a.yaml:3:22: closing.wishes: error: unknown key "colour" in a variant; '
        "expected text, weight, types, styles, kinds, direction, moment, speakers, front, claims"
    ).replace("bad/", f"{user}/")
    body = "\n".join(lines)
    assert "a.yaml:2: closing.wishes: error: uses program.village, which no event provides" in body
    assert "a.yaml:5: closing.wishes: error: duplicate of the variant at " in body
    assert "a.yaml:6: closing.wishes: error: has a number of its own; numbers come only from the event" in body
    assert "a.yaml:7: closing.wishes: error: has placeholder-looking text (xx, 某某, *, ……)" in body
    last = result.output.splitlines()[-1]
    assert last.startswith("banks check: ") and " error(s)" in last


def test_slot_below_minimum_and_yaml_errors_name_the_line(tmp_path: Path, runner) -> None:
    user = tmp_path / "few"
    write_bank(user, "a.yaml", "opening.announce:\n  mode: replace\n  variants:\n    - 下面，我讲{{ count }}点意见。\n")
    few = runner.invoke(main, ["banks", "check", str(user)])
    assert few.exit_code == 1
    assert (
        f"{user}/a.yaml:4: opening.announce: error: 1 variant(s) fit mobilisation/formal/posting/department/down; "
        "at least 6 needed" in few.output
    )
    broken = tmp_path / "broken"
    write_bank(broken, "b.yaml", "closing.wishes:\n  - 好\n    bad: [1\n")
    result = runner.invoke(main, ["banks", "check", str(broken)])
    assert result.exit_code == 1
    assert [line for line in result.output.splitlines() if line.startswith(str(broken))][0].startswith(
        f"{broken}/b.yaml:3:8: error: invalid YAML: mapping values"
    )


def test_builtin_banks_check_clean(runner) -> None:
    result = runner.invoke(main, ["banks", "check"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].startswith("banks check: 0 error(s), ")


def test_banks_list_and_show(runner) -> None:
    listing = runner.invoke(main, ["banks", "list"])
    assert listing.exit_code == 0
    row = next(line for line in listing.output.splitlines() if line.startswith("closing.wishes\t"))
    n = int(row.split("\t")[1])
    assert n >= 6 and "phrasebanks/common.yaml×" in row
    shown = runner.invoke(main, ["banks", "show", "closing.wishes"])
    assert shown.exit_code == 0
    rows = shown.output.splitlines()
    assert len(rows) == n
    path, line = rows[0].split(":")[:2]
    text = rows[0].split(": ", 1)[1].split(" [")[0].split(" (needs")[0]
    assert text in (ROOT / path).read_text(encoding="utf-8").splitlines()[int(line) - 1]
    missing = runner.invoke(main, ["banks", "show", "closing.wish"])
    assert missing.exit_code == 1
    assert missing.output.strip() == (
        'no slot "closing.wish" in the banks of style formal; did you mean closing.wishes, closing.handover?'
    )


@pytest.mark.parametrize("fmt", ["md", "txt", "json"])
def test_explain_names_the_bank_line_of_every_sentence(runner, workdir: Path, fmt: str) -> None:
    result = runner.invoke(main, ["render", str(example("summary")), "-o", f"x.{fmt}", "--explain"])
    assert result.exit_code == 0
    out = (workdir / f"x.{fmt}").read_text(encoding="utf-8")
    if fmt == "json":
        sources = [s for p in json.loads(out)["opening"] for s in p["sentences"]]
        entries = [(s["slot"], s["source"]) for s in sources]
    else:
        entries = re.findall(r"← (\S+) \((phrasebanks/[^)]+)\)", out)
    assert len(entries) >= 3
    for slot, source in entries:
        path, line = source.rsplit(":", 1)
        lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
        assert slot, source
        assert lines[int(line) - 1].strip().startswith(("-", "text:")), (source, lines[int(line) - 1])


def sentences(draft: Draft) -> set[str]:
    text = "\n".join(t for k, t in draft.lines() if k not in ("title", "speaker", "date"))
    return {s.strip() for s in re.split(r"(?<=[。！？])|\n", text) if len(s.strip()) > 3}


def share(a: set[str], b: set[str]) -> float:
    return len(a & b) / ((len(a) + len(b)) / 2)


@pytest.mark.parametrize("meeting_type", TYPES)
@pytest.mark.parametrize("style", ["formal", "warm", "concise"])
def test_eight_seeds_of_one_event_differ(meeting_type: str, style: str) -> None:
    event = load_event(example(meeting_type))
    drafts = [sentences(api.draft(event, options=Options(seed=s, style=style))) for s in range(8)]
    mean = statistics.mean(share(a, b) for a, b in itertools.combinations(drafts, 2))
    assert mean <= 0.20, mean


def ten_events(meeting_type: str, folder: Path) -> list[Path]:
    base = re.sub(r"\n\s*(seed|随机种子): \d+", "", example(meeting_type).read_text(encoding="utf-8"))
    paths = []
    for i in range(10):
        text = re.sub(r"((?:name|名称): )", rf"\g<1>第{i + 1}期", base, count=1)
        text = re.sub(r"((?:date|日期): )\S+", rf"\g<1>2026-{1 + i % 9:02d}-{10 + i}", text, count=1)
        path = folder / f"{meeting_type}-{i}.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


@pytest.mark.parametrize("meeting_type", TYPES)
def test_ten_meetings_of_one_type_read_differently(meeting_type: str, tmp_path: Path) -> None:
    drafts = [sentences(api.draft(load_event(p))) for p in ten_events(meeting_type, tmp_path)]
    worst = max(share(a, b) for a, b in itertools.combinations(drafts, 2))
    assert worst <= 0.25, worst


@pytest.mark.parametrize("meeting_type", TYPES)
@pytest.mark.parametrize("style", ["formal", "warm", "concise"])
def test_no_variant_and_no_distinctive_phrase_twice(meeting_type: str, style: str) -> None:
    event = load_event(example(meeting_type))
    facts = [v for value in event.facts.values() for v in (value if isinstance(value, tuple) else (value,))]
    for seed in range(5):
        draft = api.draft(event, options=Options(seed=seed, style=style))
        sources = [s.source for s in draft.sentences() if s.slot]
        assert len(sources) == len(set(sources))
        seen: dict[str, str] = {}
        for s in draft.sentences():
            text = s.text
            for fact in sorted((f for f in facts if isinstance(f, str)), key=len, reverse=True):
                text = text.replace(fact, "|")
            for gram in grams_of(text):
                assert gram not in seen, (gram, seen.get(gram), s.text)
                seen[gram] = s.text


def test_parsed_banks_are_cached_between_runs_and_refreshed_on_edit(tmp_path: Path, monkeypatch) -> None:
    from speechgen.compose import banks as banks_module

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    user = tmp_path / "mine"
    bank = write_bank(user, "a.yaml", "closing.wishes:\n  - 最后，祝大家一切顺利！\n")
    first = load_banks("formal", (user,))
    assert list((tmp_path / "cache" / "speechgen").glob("banks-*.json"))
    banks_module._load_cached.cache_clear()

    def no_parsing(*args: object) -> None:
        raise AssertionError("the banks were parsed again instead of read from the cache")

    with monkeypatch.context() as m:
        m.setattr(banks_module, "_load", no_parsing)
        again = load_banks("formal", (user,))
    assert [v.text for v in again.variants("closing.wishes")] == [v.text for v in first.variants("closing.wishes")]
    assert again.variants("closing.wishes")[-1].where == first.variants("closing.wishes")[-1].where
    bank.write_text("closing.wishes:\n  - 最后，祝大家工作顺利、身体健康！\n", encoding="utf-8")
    banks_module._load_cached.cache_clear()
    edited = load_banks("formal", (user,))
    assert edited.variants("closing.wishes")[-1].text == "最后，祝大家工作顺利、身体健康！"


def test_banks_check_refuses_unsafe_and_broken_variants(tmp_path: Path, runner) -> None:
    user = tmp_path / "unsafe"
    write_bank(
        user, "a.yaml", 'closing.wishes:\n  - "{{ cadre.__class__.__mro__ }}"\n  - "祝{{ cadre|nosuchfilter }}"\n'
    )
    result = runner.invoke(main, ["banks", "check", str(user)])
    assert result.exit_code == 1
    allowed = (
        "a variant may use text, fields such as {{ program.cadres }}, the filters cn, join_cn, join, first, last, "
        'length, trim (with a short text at most: join("；")) and {% if %} over fields'
    )
    assert [line for line in result.output.splitlines() if line.startswith(str(user))] == [
        f'{user}/a.yaml:2:5: closing.wishes: error: the name "__mro__" is not allowed in a bank variant; {allowed}',
        f'{user}/a.yaml:3:5: closing.wishes: error: the filter "nosuchfilter" is not allowed in a bank variant; '
        + allowed,
    ]


def test_sandbox_bounds_arithmetic_in_user_banks(tmp_path: Path, runner, workdir: Path) -> None:
    user = tmp_path / "greedy"
    write_bank(user, "a.yaml", 'closing.wishes:\n  mode: replace\n  variants:\n    - "{{ cadre * 10**10 }}"\n')
    result = runner.invoke(main, ["render", str(example("summary")), "-o", "x.md", "--banks", str(user)])
    assert result.exit_code == 1
    assert result.output.strip() == (
        "greedy/a.yaml:4:7: closing.wishes: arithmetic is not allowed in a bank variant; a variant may use text, "
        "fields such as {{ program.cadres }}, the filters cn, join_cn, join, first, last, length, trim (with a "
        'short text at most: join("；")) and {% if %} over fields'
    )
    assert not (workdir / "x.md").exists()


@pytest.mark.parametrize("style", ["formal", "warm", "concise"])
def test_quick_substitution_matches_jinja_for_every_builtin_variant(style: str) -> None:
    from speechgen.compose.jinjaenv import substitute
    from speechgen.review.bankcheck import _sample_values

    env, values = shared_environment(), _sample_values()
    checked = 0
    for variants in load_banks(style).slots.values():
        for v in variants:
            quick = substitute(v.text, values)
            if "{" in v.text and quick is not None:
                assert quick == env.from_string(v.text).render(values), v.where
                checked += 1
    assert checked > 500
    assert substitute("{{ cadre.__class__ }}", values) is None  # private names go to the sandbox
    assert substitute("{% if x %}y{% endif %}", values) is None


def test_same_relative_folder_name_in_two_places_is_two_bank_sets(tmp_path: Path, monkeypatch) -> None:
    """Bank sets are cached by absolute path, size and time, never by the name the user typed."""
    for place, wish in (("a", WISHES[0]), ("b", WISHES[1])):
        bank = write_bank(
            tmp_path / place / "mine", "x.yaml", f"closing.wishes:\n  mode: replace\n  variants:\n    - {wish}\n"
        )
        import os

        os.utime(bank, ns=(1_000_000_000, 1_000_000_000))  # same time, same size: only the place differs
        monkeypatch.chdir(tmp_path / place)
        assert [v.text for v in load_banks("formal", (Path("mine"),)).variants("closing.wishes")] == [wish]
