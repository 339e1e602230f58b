"""Hostile templates and banks (issue 14, classes 1 and 2): nothing is read from outside a template folder,
a bank variant keeps to a small language checked when banks load, and a template renders under a budget of
time, output, loop turns, calls and value size, reported at its file and line when it runs past it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from speechgen import api
from speechgen.cli import main
from speechgen.errors import BankError

from .conftest import example
from .hostile_tools import run

EVENT = str(example("village_stay"))
SECRET = "绝密：这是模板文件夹之外的文件"
LANGUAGE = (
    "is not allowed in a bank variant; a variant may use text, fields such as {{ program.cadres }}, the filters cn,"
    ' join_cn, join, first, last, length, trim (with a short text at most: join("；")) and {% if %} over fields'
)


def _render(runner: CliRunner, *args: str):  # noqa: ANN202
    return runner.invoke(main, ["render", EVENT, *args])


def _template(folder: Path, body: str, name: str = "village_stay.j2") -> None:
    """A type template that puts `body` in the opening of the built-in skeleton."""
    folder.mkdir(exist_ok=True)
    text = '{% extends "base.j2" %}\n{% block opening %}\n' + body + "\n{{ super() }}\n{% endblock %}\n"
    (folder / name).write_text(text, encoding="utf-8")


# -- class 1: nothing is read from outside a template folder ------------------------------------------------


@pytest.fixture
def secret(workdir: Path) -> Path:
    outside = workdir / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET, encoding="utf-8")
    return outside / "secret.txt"


def test_a_template_that_is_a_link_out_is_refused(runner: CliRunner, workdir: Path, secret: Path) -> None:
    (workdir / "tpl").mkdir()
    (workdir / "tpl" / "village_stay.j2").symlink_to(secret)
    result = _render(runner, "--templates", "tpl", "-o", "speech.md")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "village_stay.j2: unsafe template refused: tpl/village_stay.j2 leads to a file outside its folder tpl; refused"
    )
    assert not (workdir / "speech.md").exists()


@pytest.mark.parametrize("how", ["file", "folder"])
def test_an_include_through_a_link_is_refused(how: str, runner: CliRunner, workdir: Path, secret: Path) -> None:
    tpl = workdir / "tpl"
    if how == "file":
        _template(tpl, '{% include "leak.txt" %}')
        (tpl / "leak.txt").symlink_to(secret)
        shown = "tpl/leak.txt"
    else:
        _template(tpl, '{% include "etc/secret.txt" %}')
        (tpl / "etc").symlink_to(secret.parent, target_is_directory=True)
        shown = "tpl/etc/secret.txt"
    result = _render(runner, "--templates", "tpl", "-o", "speech.md")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"tpl/village_stay.j2:3: unsafe template refused: {shown} leads to a file outside its folder tpl; refused"
    )
    assert SECRET not in result.output
    assert not (workdir / "speech.md").exists()


def test_a_link_between_templates_of_one_folder_is_fine(runner: CliRunner, workdir: Path) -> None:
    """The control: a link that stays inside the folder is followed."""
    tpl = workdir / "tpl"
    _template(tpl, '{% include "part.j2" %}', name="real.j2")
    (tpl / "part.j2").write_text("", encoding="utf-8")
    (tpl / "village_stay.j2").symlink_to("real.j2")
    result = _render(runner, "--templates", "tpl", "-o", "speech.md")
    assert result.exit_code == 0, result.stderr


def test_a_bank_variant_cannot_include(runner: CliRunner, workdir: Path) -> None:
    (workdir / "mybanks").mkdir()
    (workdir / "mybanks" / "b.yaml").write_text("opening.announce:\n  - \"{% include 'base.j2' %}\"\n", "utf-8")
    result = _render(runner, "--banks", "mybanks", "-o", "speech.md")
    assert (result.exit_code, result.stderr) == (
        1,
        f"mybanks/b.yaml:2:5: opening.announce: {{% include %}} {LANGUAGE}\n",
    )


def test_a_missing_templates_folder_is_reported(runner: CliRunner, workdir: Path) -> None:
    """Class 12: --banks reported a missing folder, --templates ignored it."""
    result = _render(runner, "--templates", "nope", "-o", "speech.md")
    assert (result.exit_code, result.stderr) == (1, "--templates nope: no such folder\n")


# -- class 2: no bank line and no template runs away --------------------------------------------------------

RUNAWAY_VARIANTS = {
    "{{ cadre|center(10**9) }}": 'the filter "center"',
    "{{ '{:>999999999}'.format(1) }}": "a call (…())",
    "{{ '%999999999d' % 1 }}": "arithmetic",
    "{{ work|indent(10**9) }}": 'the filter "indent"',
    "{{ work|slice(10**9)|list }}": 'the filter "list"',
    "{% for a in work %}{% for b in work %}{{ a }}{% endfor %}{% endfor %}": "a loop ({% for %})",
    "{{ work ~ work ~ work }}": "joining with ~",
    "{{ work|replace('', work) }}": 'the filter "replace"',
    "{{ 9**9**9 }}": "arithmetic",
    "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}": "a macro",
    "{% extends 'base.j2' %}": "{% extends %}",
    "{{ 0**-1 }}": "arithmetic",
    "{{ 1/0 }}": "arithmetic",
    "{% set x = work %}{{ x }}": "{% set %}",
    "{{ work[0] }}": "an index ([…])",
    "{{ work.__class__ }}": 'the name "__class__"',
}


def test_a_bank_of_runaway_expressions_is_refused_when_it_loads(tmp_path: Path) -> None:
    """Every variant refused by the variant language, each at its line: nothing is rendered, so nothing runs."""
    lines = ["opening.announce:"] + [f"  - {_quoted(text)}" for text in RUNAWAY_VARIANTS]
    (tmp_path / "runaway.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(BankError) as caught:
        api.bank_set("formal", banks=(tmp_path,))
    found = [(p.line, p.message) for p in caught.value.problems]
    expected = [(i, f"{word} {LANGUAGE}") for i, word in enumerate(RUNAWAY_VARIANTS.values(), 2)]
    assert found == expected
    assert all(p.file.endswith("runaway.yaml") and p.key == "opening.announce" for p in caught.value.problems)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def test_the_variant_language_keeps_what_banks_use(tmp_path: Path) -> None:
    """The control: fields, dotted names, the project's filters with a separator, and a simple {% if %}."""
    variants = [
        "下面，我讲{{ count }}点意见。",
        "本次共选派{{ program.cadres }}名干部，到{{ jur.our }}各地。",
        '任务是{{ program.tasks|join("；") }}，重点是{{ program.tasks|join_cn }}，第{{ program.batch|cn }}批。',
        "{% if program.cadres and not program.batch %}共{{ program.cadres }}名。{% else %}全体同志。{% endif %}",
        "{{ program.tasks|first }}、{{ program.tasks|last|trim }}等{{ program.tasks|length }}项。",
    ]
    (tmp_path / "ok.yaml").write_text(
        "opening.announce:\n" + "".join(f"  - {_quoted(v)}\n" for v in variants), encoding="utf-8"
    )
    assert [v.text for v in api.bank_set("formal", banks=(tmp_path,)).variants("opening.announce")][-5:] == variants


def _budget(**limits: float) -> list[str]:
    """speechgen's command line in a process whose template budget (budget.py) has these limits."""
    settings = "; ".join(f"b.{name} = {value!r}" for name, value in limits.items())
    return [
        sys.executable,
        "-c",
        f"import sys; import speechgen.compose.budget as b; {settings};"
        " from speechgen.cli import main; sys.argv[0] = 'speechgen'; main()",
    ]


RUNAWAY_TEMPLATES = {
    "{{ speaker.title|center(10**9) }}": "unsafe template refused: the filter center: the argument 1000000000 is"
    " over 200,000; refused",
    "{{ '{:>999999999}'.format(1) }}": "unsafe template refused: format(): the width 999999999 is over 200,000;"
    " refused",
    "{{ '%999999999d' % 1 }}": "unsafe template refused: the % operator: the width 999999999 is over 200,000; refused",
    "{{ speaker.title|indent(10**9) }}": "unsafe template refused: the filter indent: the argument 1000000000 is"
    " over 200,000; refused",
    "{{ speaker.title|slice(10**9)|list }}": "unsafe template refused: the filter slice: the argument 1000000000"
    " is over 200,000; refused",
    "{% set s = meeting.name * 400 %}{% for a in s %}{% for b in s %}{% for c in s %}{% endfor %}{% endfor %}"
    "{% endfor %}": "unsafe template refused: the template's loops turned more than 20,000 times; stopped",
    "{% macro m(x) %}{{ m(x ~ x) }}{% endmacro %}{{ m(meeting.name) }}": "unsafe template refused: the joined"
    " text would be 360,448 characters or items, over the 200,000 a template may build",
    "{{ speaker.title|replace('', speaker.title * 300)|replace('', 'x' * 9000) }}": "unsafe template refused:"
    " the filter replace would be 297,132,010 characters or items, over the 200,000 a template may build",
    "{{ (999999 ** 64) * (999999 ** 64) * (999999 ** 64) * (999999 ** 64) }}": "unsafe template refused:"
    " multiplication too large for a speech template",
    "{% macro m(n) %}{% if n %}{{ m(n - 1) }}{{ m(n - 1) }}{% endif %}{% endmacro %}{{ m(40) }}": "unsafe template"
    " refused: the template made more than 50,000 calls and lookups; stopped",
    '{% include "village_stay.j2" %}': ":1: template error: nested too deeply (a macro, include or extends that calls"
    " itself?)",
    "{{ 1/0 }}": "template error: ZeroDivisionError: division by zero",
    "{{ 0**-1 }}": "template error: ZeroDivisionError: 0.0 cannot be raised to a negative power",
}


@pytest.mark.parametrize("body", sorted(RUNAWAY_TEMPLATES))
def test_a_template_over_its_budget_is_reported_at_its_line(body: str, workdir: Path) -> None:
    """In a process of its own, killed after two minutes and refused more than 3 GB of address space: before
    the budget these ran for minutes or took gigabytes. Now each stops at once, under 500 MB."""
    _template(workdir / "tpl", body)
    # the clock (tested below) out of the way, so that on a busy machine the limit under test is what stops it
    done = run(["render", EVENT, "--templates", "tpl", "-o", "speech.md"], workdir, command=_budget(MAX_SECONDS=60.0))
    assert done.returncode == 1, done.stderr
    expected = RUNAWAY_TEMPLATES[body]  # at the line of the body (3), or where it says
    where = "" if expected.startswith(":") else ":3: "
    assert done.stderr.splitlines()[-1] == f"tpl/village_stay.j2{where}{expected}"
    assert done.peak_mb < 500
    assert not (workdir / "speech.md").exists()


def test_the_clock_stops_a_render_that_no_other_limit_stops(workdir: Path) -> None:
    """The time budget, made short (and the call budget out of the way) so that the clock is what stops it."""
    _template(
        workdir / "tpl", "{% macro m(n) %}{% if n %}{{ m(n - 1) }}{{ m(n - 1) }}{% endif %}{% endmacro %}{{ m(60) }}"
    )
    command = _budget(MAX_SECONDS=1.0, MAX_CALLS=10**12)
    done = run(["render", EVENT, "--templates", "tpl", "-o", "speech.md"], workdir, command=command)
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines()[-1] == (
        "tpl/village_stay.j2:3: unsafe template refused: the template ran for more than 1 seconds; stopped"
    )
