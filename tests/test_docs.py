"""The docs are checked against the code: every schema field and alias, bank variable, command-line option
and JSON field is documented, and nothing points outside the repository."""

from __future__ import annotations

import re

import click
import pytest

from speechgen import api
from speechgen.cli import main
from speechgen.compose.banks import DERIVED
from speechgen.compose.setting import JURISDICTION
from speechgen.event import schema as S

from .conftest import ROOT, example


def read(path: str) -> str:
    return (ROOT / path).read_text(encoding="utf-8")


def test_every_schema_field_and_alias_is_in_the_event_format() -> None:
    docs = read("docs/event-format.md")
    missing = []
    for path, field in S.leaves():
        dotted = ".".join(path)
        aliases = ".".join(S.alias_of(path[: i + 1]) for i in range(len(path)))
        row = re.search(rf"^\| `{re.escape(dotted)}` \| {re.escape(aliases)} \| {field.kind} \|", docs, re.M)
        if not row:
            missing.append(dotted)
    assert missing == []


def test_every_kind_of_value_is_explained() -> None:
    docs = read("docs/event-format.md")
    kinds = {field.kind for _, field in S.leaves()} - {"points", "length", "minutes", "seed", "style"}
    assert [k for k in sorted(kinds) if f"- **{k}**" not in docs] == []


def test_every_bank_variable_is_in_the_bank_guide() -> None:
    guide = read("phrasebanks/README.md")
    names = (
        (DERIVED - {"jur", "own", "programme"})
        | {f"jur.{a}" for a in ("level", "our", "whole", "party", "gov")}
        | {"own.dept", "own.short", "programme.before", "programme.after"}
    )
    assert len(JURISDICTION) == 6
    assert sorted(n for n in names if f"{{{{ {n} }}}}" not in guide) == []


def commands(cmd: click.Command, path: tuple[str, ...] = ("speechgen",)):
    yield path, cmd
    if isinstance(cmd, click.Group):
        for name, sub in sorted(cmd.commands.items()):
            yield from commands(sub, (*path, name))


def test_every_command_and_option_is_in_the_command_reference() -> None:
    docs = read("docs/cli.md")
    undocumented = []
    for path, cmd in commands(main):
        if f"## {' '.join(path)}" not in docs and not any(f"| {n}" in docs for n in path[-1:]):
            undocumented.append(" ".join(path))
        for param in cmd.params:
            if isinstance(param, click.Option):
                for opt in param.opts:
                    if f"`{opt}`" not in docs:
                        undocumented.append(f"{' '.join(path)} {opt}")
    assert undocumented == []


def json_keys(value: object, prefix: str = "") -> set[str]:
    out: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            out.add(k)
            if k != "missing":  # its keys are event paths, documented in docs/event-format.md
                out |= json_keys(v, k)
    elif isinstance(value, list):
        for v in value:
            out |= json_keys(v, prefix)
    return out


@pytest.mark.parametrize("explain", [False, True])
def test_every_json_field_is_documented(explain: bool) -> None:
    import json

    draft = api.draft(api.load_event(example("summary")))
    data = json.loads(api.export(draft, "json", explain=explain))
    docs = read("docs/json-format.md")
    assert data["format"] == "speechgen.draft" and f'"version": {data["version"]}' in docs
    assert (
        sorted(
            k
            for k in json_keys(data)
            if f"`{k}`" not in docs
            and f"`info.{k}`" not in docs
            and f"`stats.{k}`" not in docs
            and f"`sentences[].{k}`" not in docs
        )
        == []
    )
    assert "source" not in json.dumps(data) or explain


def test_nothing_points_outside_the_repository() -> None:
    outside = re.compile(r"\.\./shared|/work/|bank-brief")
    found = []
    for folder in ("speechgen", "docs", "phrasebanks", "templates", "examples"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and path.suffix in (".py", ".md", ".yaml", ".j2", ".txt"):
                for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                    if outside.search(line):
                        found.append(f"{path.relative_to(ROOT)}:{i}")
    for line in read("README.md").splitlines():
        if outside.search(line):
            found.append(f"README.md: {line}")
    assert found == []
