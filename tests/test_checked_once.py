"""A batch lists and checks its bank files once, not once a draft; outside a batch every draft checks them
(an edited bank is read at once) (issue 19)."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

import pytest

from speechgen import api
from speechgen.compose import banks
from speechgen.run.batch import run_batch
from speechgen.run.job import BatchSettings

from .conftest import example


@pytest.fixture
def listed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The styles whose bank files were listed, one entry a listing."""
    calls: list[str] = []
    original = banks.layer_files

    def counting(style, user_dirs=()):  # noqa: ANN001, ANN202
        calls.append(style)
        return original(style, user_dirs)

    monkeypatch.setattr(banks, "layer_files", counting)
    return calls


def stream(tmp_path: Path, n: int) -> Path:
    text = example("village_stay").read_text(encoding="utf-8")
    events = [text.replace("全县选派干部驻村蹲点工作会议", f"全县第{i}次驻村蹲点工作会议") for i in range(n)]
    path = tmp_path / "events.yaml"
    path.write_text("\n---\n".join(events), encoding="utf-8")
    return path


def test_a_batch_lists_its_bank_files_once(tmp_path: Path, listed: list[str]) -> None:
    banks.load_banks()  # parsed once in this process
    listed.clear()
    run_batch([stream(tmp_path, 4)], BatchSettings(folder=tmp_path / "out", fmt="txt"))
    assert listed == ["formal"]
    after = len(listed)
    api.draft(api.load_event(example("village_stay")))
    assert len(listed) > after  # outside the batch, a draft checks the files again


def test_outside_a_batch_every_draft_lists_them(listed: list[str]) -> None:
    event = api.load_event(example("village_stay"))
    for seed in range(3):
        with contextlib.suppress(api.SpeechgenError):  # the banks may not hold every slot yet; listing came first
            api.draft(event, options=api.Options(seed=seed))
    assert len(listed) >= 3


def test_the_scope_is_per_thread_and_ends_with_the_batch(listed: list[str]) -> None:
    seen: list[int] = []

    def other() -> None:
        before = len(listed)
        banks.load_banks()
        seen.append(len(listed) - before)

    banks.load_banks()  # parsed once in this process
    listed.clear()
    with banks.files_checked_once():
        banks.load_banks()
        banks.load_banks()
        inside = len(listed)
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        with banks.files_checked_once():  # nested: still the outer scope
            banks.load_banks()
        assert len(listed) == inside + seen[0]
    assert inside == 1 and seen == [1]
    banks.load_banks()
    assert len(listed) == inside + seen[0] + 1
