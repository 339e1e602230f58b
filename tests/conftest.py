"""Shared fixtures: the examples, a CLI runner, and a clean working folder."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
DATA = Path(__file__).resolve().parent / "data"
TYPES = ("mobilisation", "summary", "summary_mobilisation", "village_stay")
# Help texts are translated when the CLI is imported (at collection): tests read them in English.
os.environ["SPEECHGEN_LANG"] = "en"


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Parsed banks are cached between runs; tests keep theirs apart from the user's."""
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))


@pytest.fixture(autouse=True)
def _no_user_banks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see the built-in banks only, whatever the developer's environment says."""
    monkeypatch.delenv("SPEECHGEN_BANKS", raising=False)


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests assert the English source texts unless they ask for Chinese (the default for users)."""
    from speechgen import i18n

    monkeypatch.setenv("SPEECHGEN_LANG", "en")
    i18n.reset()


@pytest.fixture
def chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in: the messages a user with no locale (or a Chinese one) sees."""
    from speechgen import i18n

    monkeypatch.delenv("SPEECHGEN_LANG", raising=False)
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    i18n.reset()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A fresh current folder for commands that write next to themselves."""
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(old)


def example(meeting_type: str) -> Path:
    return EXAMPLES / f"{meeting_type}.yaml"


@functools.cache
def draftable() -> Path:
    """An example that drafts with the phrase banks as they stand (they are being rewritten), for tests about
    processes, files and platforms rather than wording."""
    from speechgen import api
    from speechgen.errors import SpeechgenError

    for meeting_type in ("village_stay", "summary", *TYPES):
        try:
            api.draft(api.load_event(example(meeting_type)))
        except SpeechgenError:
            continue
        return example(meeting_type)
    pytest.fail("no example drafts with the phrase banks as they stand")


def copies(path: Path, n: int) -> str:
    """A YAML stream of n copies of an event file, each named by its `output`: 第0份 … 第{n-1}份."""
    text = path.read_text(encoding="utf-8").rstrip("\n")
    return "".join(f"---\n{text}\noutput: 第{i}份\n" for i in range(n))
