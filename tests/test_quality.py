"""The project's own hygiene: ruff clean, text original, modules small."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

COPYCHECK = ROOT.parent / "shared" / "tools" / "copycheck.py"


def test_ruff_clean() -> None:
    beside = Path(sys.executable).parent / "ruff"  # the venv's ruff, when the venv is not on PATH
    ruff = str(beside) if beside.is_file() else shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (pip install '.[test]' installs it)")
    result = subprocess.run([ruff, "check", "speechgen", "tests", "bench"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_text_copied_from_the_reference_speeches() -> None:
    if not COPYCHECK.is_file():
        pytest.skip("../shared/tools/copycheck.py is not beside this checkout")
    result = subprocess.run([sys.executable, str(COPYCHECK), str(ROOT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_modules_stay_small() -> None:
    sizes = {
        p.relative_to(ROOT).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
        for p in (ROOT / "speechgen").rglob("*.py")
    }
    assert {name: n for name, n in sizes.items() if n > 400} == {}
