"""One golden draft per meeting type: any change to templates, banks or composition shows here.

After a deliberate change, review the diff and refresh with:
    SPEECHGEN_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from speechgen import api
from speechgen.compose.plan import Options
from speechgen.event.load import load_event
from speechgen.export.text import to_text

from .conftest import TYPES, example

GOLDEN = Path(__file__).resolve().parent / "golden"


@pytest.mark.parametrize("meeting_type", [*TYPES, "team_assessment", "posting_up"])
def test_golden_draft(meeting_type: str) -> None:
    text = to_text(api.draft(load_event(example(meeting_type)), options=Options(seed=2026)))
    path = GOLDEN / f"{meeting_type}.txt"
    if os.environ.get("SPEECHGEN_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"no golden file yet: run with SPEECHGEN_UPDATE_GOLDEN=1 to create {path.name}"
    assert text == path.read_text(encoding="utf-8")
