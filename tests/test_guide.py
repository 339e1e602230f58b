"""The Chinese guide for bank editors runs as printed (issue 21).

Its steps are read out of phrasebanks/编写指南.md in order: a ```yaml block under `<!-- file: PATH -->` is
written to PATH, every line of a ```sh block is run through bash, in a fresh folder holding the examples.
Each command exits 0, except that `banks check` may exit 1 for findings in the built-in banks (being
rewritten) but never for one in the guide's own folders.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import EXAMPLES, ROOT

GUIDE = (ROOT / "phrasebanks" / "编写指南.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"(?:<!-- file: (?P<file>\S+) -->\n)?```(?P<lang>\w+)\n(?P<body>.*?)```", re.S)


def steps() -> list[tuple[str, str]]:
    """("file", path and text) or ("run", a command line), in the order the guide gives them."""
    out: list[tuple[str, str]] = []
    for m in BLOCK.finditer(GUIDE):
        if m.group("file"):
            out.append(("file", f"{m.group('file')}\n{m.group('body')}"))
        elif m.group("lang") == "sh":
            out += [("run", line) for line in m.group("body").splitlines() if line.strip() and not line.startswith("#")]
    return out


def test_the_guide_is_linked_and_covers_every_bank_command() -> None:
    assert "phrasebanks/编写指南.md" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert "编写指南.md" in (ROOT / "phrasebanks" / "README.md").read_text(encoding="utf-8")
    commands = " ".join(line for kind, line in steps() if kind == "run")
    for command in ("banks new-style", "banks try", "banks check", "banks export", "banks import", "render"):
        assert f"speechgen {command}" in commands
    for never in ("我县", "「」", "语录", "口号", "数字"):
        assert never in GUIDE


def test_the_guides_examples_run_as_printed(tmp_path: Path) -> None:
    folder = tmp_path / "office"
    folder.mkdir()
    shutil.copytree(EXAMPLES, folder / "examples")
    env = {k: v for k, v in os.environ.items() if k not in ("SPEECHGEN_BANKS", "SPEECHGEN_HISTORY")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}/usr/bin:/bin"
    env["SPEECHGEN_LANG"] = "en"  # the check lines are read below
    ran = 0
    for kind, step in steps():
        if kind == "file":
            name, text = step.split("\n", 1)
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text, encoding="utf-8")
            continue
        proc = subprocess.run(["bash", "-c", step], cwd=folder, env=env, capture_output=True, timeout=300)
        out = proc.stdout.decode("utf-8") + proc.stderr.decode("utf-8")
        if step.startswith("speechgen banks check") and proc.returncode == 1:
            mine = [line for line in out.splitlines() if line.startswith("我的文库") and " error: " in line]
            assert mine == [], step
        else:
            assert proc.returncode == 0, f"{step}\n{out[-3000:]}"
        ran += 1
    assert ran >= 9
    for made in ("草稿.docx", "本单位风格.docx", "文库.xlsx", "草稿2.docx", "我的文库/styles/本单位/本单位.yaml"):
        assert (folder / made).is_file(), made
    assert (folder / "我的文库2" / "本单位.yaml").is_file()


@pytest.mark.parametrize("block", [m.group("body") for m in BLOCK.finditer(GUIDE) if m.group("lang") == "yaml"])
def test_every_yaml_example_of_the_guide_is_valid_yaml(block: str) -> None:
    import yaml

    assert isinstance(yaml.safe_load(block.replace("……", "…")), dict)
