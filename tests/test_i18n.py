"""Messages in the secretary's language (issue 15): Chinese by default, English on request, every
message through the catalogue."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from speechgen import i18n
from speechgen.cli import main

from .conftest import ROOT

LOCALE = ROOT / "speechgen" / "locale" / "zh_CN" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
WORKBENCH = ("web/**", "cli/serve.py")  # the workbench's messages are in web.po (tests/test_web_i18n.py)
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def entries(messages) -> dict[str, str]:  # noqa: ANN001
    """msgid → msgstr; a message with a plural by its singular (Chinese has one form)."""
    out = {}
    for m in messages:
        if m.id:
            plural = isinstance(m.id, (tuple, list))
            out[m.id[0] if plural else m.id] = m.string[0] if plural else m.string
    return out


def catalogue() -> dict[str, str]:
    with open(LOCALE / "speechgen.po", "rb") as f:
        return entries(read_po(f))


def extracted() -> dict[str, str]:
    """msgid → where, for every message wrapped in the code."""
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT / "speechgen"),
        method_map=[*((p, "ignore") for p in WORKBENCH), ("**.py", "python")],
        keywords=KEYWORDS,
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        found.setdefault(msgid, f"speechgen/{filename}:{lineno}")
    return found


def test_every_message_in_the_code_has_a_chinese_translation_with_the_same_placeholders() -> None:
    po = catalogue()
    untranslated = [f"{where}: {msgid!r}" for msgid, where in extracted().items() if not po.get(msgid)]
    assert untranslated == []
    mismatched = [msgid for msgid, zh in po.items() if set(PLACEHOLDER.findall(msgid)) != set(PLACEHOLDER.findall(zh))]
    assert mismatched == []


def test_the_compiled_catalogue_matches_the_po_file() -> None:
    with open(LOCALE / "speechgen.mo", "rb") as f:
        mo = entries(read_mo(f))
    assert mo == catalogue()


def test_the_compiled_catalogues_ship_in_the_wheel() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if line.startswith('"speechgen" = ['))
    assert '"locale/*/LC_MESSAGES/*.mo"' in line


# Calls whose text reaches the user: the argument that holds the message.
SINKS = {"Problem": 1, "Finding": 2, "say": 0, "fail": 0, "Bad": 0}
HELP_KEYWORDS = {"help", "epilog", "short_help"}


def _name(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _is_text(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return re.search(r"[A-Za-z]{2,}", node.value) is not None
    if isinstance(node, ast.JoinedStr):
        return _is_text(ast.Constant("".join(v.value for v in node.values if isinstance(v, ast.Constant))))
    return False


def unwrapped(source: str) -> list[int]:
    """Lines where a literal message goes to a user without _()."""
    lines = []
    tree = ast.parse(source)
    decorators = {
        id(d)
        for f in ast.walk(tree)
        if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
        for d in f.decorator_list
    }
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        args: list[ast.expr] = []
        if name in SINKS:
            args = node.args[SINKS[name] : SINKS[name] + 1]
        elif name.endswith("Error") and name not in ("ValueError", "TypeError", "RuntimeError", "OSError"):
            args = node.args[:1]
        if name in ("option", "argument", "command", "group"):  # click's help texts
            args += [k.value for k in node.keywords if k.arg in HELP_KEYWORDS]
        lines += [a.lineno for a in args if _is_text(a)]
        if id(node) in decorators and name in ("command", "group") and not any(k.arg == "help" for k in node.keywords):
            lines.append(node.lineno)  # a command's help from its docstring is never translated
    return lines


def test_every_user_facing_message_goes_through_the_catalogue() -> None:
    offenders = []
    for path in sorted((ROOT / "speechgen").rglob("*.py")):
        if path.relative_to(ROOT / "speechgen").parts[0] == "web" or path.name == "serve.py":
            continue
        offenders += [f"{path.relative_to(ROOT)}:{n}" for n in unwrapped(path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_the_scan_finds_an_unwrapped_message() -> None:
    """The scan above can fail: each kind of sink, unwrapped, is found."""
    source = """
raise ConfigError(f"--x {x}: bad")
problems.append(Problem(name, "no such file", 1, 1))
say("speechgen: interrupted")
click.option("--force", help="Overwrite.")
@click.command()
def f(): pass
ok = Problem(name, _("no such file"))
"""
    assert sorted(unwrapped(source)) == [2, 3, 4, 5, 6]


def test_no_module_that_translates_rebinds_the_underscore() -> None:
    """`for _, x in …` inside a module that imports _ makes _() fail where it is used."""
    offenders = []
    for path in sorted((ROOT / "speechgen").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imports = any(isinstance(n, ast.ImportFrom) and any(a.name == "_" for a in n.names) for n in ast.walk(tree))
        if imports:
            offenders += [
                f"{path.relative_to(ROOT)}:{n.lineno}"
                for n in ast.walk(tree)
                if (isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store))
                or (isinstance(n, ast.arg) and n.arg == "_")
            ]
    assert offenders == []


# -- the language a user gets ------------------------------------------------------------------------


def run_cli(args: list[str], env_changes: dict[str, str | None], cwd: Path) -> subprocess.CompletedProcess[str]:
    """speechgen in a fresh process, as a user starts it (help texts are translated at start)."""
    env = {k: v for k, v in os.environ.items() if k not in ("SPEECHGEN_LANG", "LANG", "LC_ALL", "LC_MESSAGES")}
    env.update({k: v for k, v in env_changes.items() if v is not None})
    return subprocess.run(
        [sys.executable, "-m", "speechgen", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("env", "lang"),
    [
        ({}, "zh"),
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"SPEECHGEN_LANG": "en"}, "en"),
        ({"LANG": "en_US.UTF-8", "SPEECHGEN_LANG": "zh"}, "zh"),
    ],
)
def test_the_locale_chooses_the_language_of_errors_and_help(tmp_path: Path, env: dict, lang: str) -> None:
    (tmp_path / "e.yaml").write_text("type: 动员会\nmeeting:\n  名称: 全县动员会\n", encoding="utf-8")
    done = run_cli(["validate", "e.yaml", "nothing.yaml"], env, tmp_path)
    helped = run_cli(["render", "--help"], env, tmp_path)
    assert done.returncode == 1
    if lang == "zh":
        assert "nothing.yaml: 没有这个文件" in done.stderr
        assert "e.yaml:2:1: meeting.date (日期): 必填，但缺少这一项" in done.stderr
        assert "根据一个会议事项文件 EVENT 起草讲话稿。" in helped.stdout
        assert "显示本帮助并退出。" in helped.stdout and "用法：" in helped.stdout
    else:
        assert "nothing.yaml: no such file" in done.stderr
        assert "e.yaml:2:1: meeting.date (日期): required, but not given" in done.stderr
        assert "Draft the speech for one EVENT file." in helped.stdout
        assert "Show this message and exit." in helped.stdout and "Usage:" in helped.stdout


# The most common messages, as each language has them (source, placeholders, English, Chinese).
COMMON = [
    ("no such file", {}, "no such file", "没有这个文件"),
    ("required, but not given", {}, "required, but not given", "必填，但缺少这一项"),
    ("required, but left empty", {}, "required, but left empty", "必填，但没有填写"),
    (
        'unknown key "{key}" — did you mean "{close}"?',
        {"key": "名字", "close": "名称"},
        'unknown key "名字" — did you mean "名称"?',
        "未知的键“名字”——您是不是要写“名称”？",
    ),
    ("expected text, found {found}", {"found": "a list"}, "expected text, found a list", "应为文字，实际是 a list"),
    (
        "duplicate key (first given at line {key_line})",
        {"key_line": 3},
        "duplicate key (first given at line 3)",
        "键名重复（第一次出现在第 3 行）",
    ),
    ("invalid YAML: {what}{hint}", {"what": "x", "hint": ""}, "invalid YAML: x", "YAML 格式错误：x"),
    ("is a folder, not a file", {}, "is a folder, not a file", "这是文件夹，不是文件"),
    (
        "{path}: exists; use --force to overwrite",
        {"path": "a.docx"},
        "a.docx: exists; use --force to overwrite",
        "a.docx：已存在；要覆盖请加 --force",
    ),
    (
        "drafted {found}, skipped {found2}, failed {found3}",
        {"found": 3, "found2": 1, "found3": 0},
        "drafted 3, skipped 1, failed 0",
        "已起草 3，跳过 1，失败 0",
    ),
    ("warning: {w}", {"w": "x"}, "warning: x", "提醒：x"),
    (
        "missing: {path} ({alias}): sentences left out",
        {"path": "program.cadres", "alias": "人数"},
        "missing: program.cadres (人数): sentences left out",
        "缺少：program.cadres（人数）：相关句子已略去",
    ),
    (
        "{value}: {han_characters} Han characters, about {minutes} minutes",
        {"value": "a.docx", "han_characters": 2400, "minutes": 10},
        "a.docx: 2400 Han characters, about 10 minutes",
        "a.docx：2400 字，约 10 分钟",
    ),
    (
        "{label}: ok ({type})",
        {"label": "a.yaml", "type": "summary"},
        "a.yaml: ok (summary)",
        "a.yaml：没有问题（summary）",
    ),
    (
        "give options.length (字数) or options.minutes (时长), not both",
        {},
        "give options.length (字数) or options.minutes (时长), not both",
        "options.length（字数）和 options.minutes（时长）只能给一个",
    ),
    ("--strict: the draft has check errors; no file written", {}, None, "--strict：讲稿检查有错误，未写入任何文件"),
    ("a 【待补充】 marker is still to be filled in", {}, None, "【待补充】标记处还没有填写"),
    ("speechgen: interrupted", {}, None, "speechgen：已中断"),
    ("Draft the speech for one EVENT file.", {}, None, "根据一个会议事项文件 EVENT 起草讲话稿。"),
    ("Overwrite existing files.", {}, None, "覆盖已存在的文件。"),
    ("Show this message and exit.", {}, None, "显示本帮助并退出。"),
]


@pytest.mark.parametrize(("source", "values", "english", "chinese"), COMMON, ids=[c[0][:30] for c in COMMON])
def test_the_most_common_messages_in_both_languages(
    monkeypatch: pytest.MonkeyPatch, source: str, values: dict, english: str | None, chinese: str
) -> None:
    assert i18n._(source).format(**values) == (english or source)
    monkeypatch.delenv("SPEECHGEN_LANG")
    for var in ("LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    i18n.reset()
    assert i18n._(source).format(**values) == chinese


def test_a_chinese_user_sees_located_chinese_errors_with_the_key_as_written(runner, workdir: Path, chinese) -> None:
    (workdir / "e.yaml").write_text("类型: 动员\n会议:\n  名字: 全县动员会\n", encoding="utf-8")
    result = runner.invoke(main, ["validate", "e.yaml"])
    lines = result.output.splitlines()
    assert result.exit_code == 1
    assert lines[0] == (
        "e.yaml:1:5: 类型 (type): 应为会议类型：动员会 (mobilisation) | 总结会 (summary) | "
        '总结暨动员会 (summary_mobilisation) | 驻村蹲点工作会议 (village_stay)，实际是 "动员" ——您是不是要写“动员会”？'
    )
    assert "e.yaml:3:3: 未知的键“会议.名字”——您是不是要写“名称”？" in lines
