"""The README is the manual: its walkthrough runs top to bottom as printed.

The commands of "Drafting one speech" and "Many meetings at once" are read out of README.md and run in
order, in a fresh folder that holds what a checkout holds (the examples, and `.venv` as the set-up command
makes it: here a link to the environment running the tests), through bash, each exiting 0.
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

README = (ROOT / "README.md").read_text(encoding="utf-8")


def section_commands(heading: str) -> list[str]:
    """The command lines of the first ```sh block under a `## heading` of the README."""
    body = README.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", body, re.S)
    assert block, f"no sh block under {heading}"
    return [line for line in block.group(1).splitlines() if line.strip() and not line.lstrip().startswith("#")]


WALKTHROUGH = section_commands("Drafting one speech") + section_commands("Many meetings at once")


@pytest.fixture(scope="module")
def walked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[bytes]]:
    """A fresh folder after the walkthrough ran in it, line by line, stopping at the first failure."""
    folder = tmp_path_factory.mktemp("fresh")
    shutil.copytree(EXAMPLES, folder / "examples")
    (folder / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    script = "set -e\n" + "\n".join(f"echo '+ {i}' >&2\n{line}" for i, line in enumerate(WALKTHROUGH, 1))
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "SPEECHGEN_BANKS")}
    env["PATH"] = "/usr/bin:/bin"  # speechgen is found only through the activated .venv, as for a new user
    proc = subprocess.run(["bash", "-c", script], cwd=folder, env=env, capture_output=True, timeout=600)
    return folder, proc


def test_the_walkthrough_runs_as_printed(walked: tuple[Path, subprocess.CompletedProcess[bytes]]) -> None:
    assert len(WALKTHROUGH) >= 8
    _, proc = walked
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")[-3000:]
    assert proc.stderr.decode().count("+ ") >= len(WALKTHROUGH)


def test_each_promised_file_is_made(walked: tuple[Path, subprocess.CompletedProcess[bytes]]) -> None:
    """Every file the walkthrough names (`-o NAME` or `→ NAME`) exists after it ran."""
    promised = []
    for line in WALKTHROUGH:
        promised += re.findall(r"→\s*(\S+)", line)
        out = re.search(r"\s-o\s+(\S+)", line)
        if out and out.group(1) != "-":
            promised.append(out.group(1))
    assert "2026-03-16-全县选派干部驻村蹲点工作会议.docx" in promised
    checkout, _ = walked
    missing = [p for p in promised if not (checkout / p).exists()]
    assert not missing


def test_the_set_up_commands_are_the_ones_ci_runs() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "<!-- test-command -->" in ci
    command = README.split("<!-- test-command -->", 1)[1].split("<!-- /test-command -->", 1)[0]
    assert '.venv/bin/pip install -q ".[test]"' in command and ".venv/bin/python -m pytest -q" in command


def test_the_design_sections_python_example_runs(tmp_path: Path) -> None:
    body = README.split("\n## Design\n", 1)[1].split("\n## ", 1)[0]
    code = re.search(r"```python\n(.*?)```", body, re.S)
    assert code
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    proc = subprocess.run([sys.executable, "-c", code.group(1)], cwd=tmp_path, capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    assert (tmp_path / "village_stay.docx").stat().st_size > 5000
    assert proc.stdout.decode("utf-8").count("\n") >= 2
