"""The library API (speechgen.api): what the command line, the batch runner, the workbench and the
spreadsheet reader draft through."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import yaml
from docx import Document

from speechgen import api
from speechgen.cli import main
from speechgen.errors import InputError, Problem, StrictError
from speechgen.run.batch import BatchSettings, run_batch

from .conftest import EXAMPLES, TYPES, example

BROKEN = (
    "type: mobilisation\nmeeting:\n  name: 全县挂职干部动员会\n  date: 2026-04-01\n"
    "speaker:\n  title: 县委副书记\nprogram:\n  cadres: 很多\n"
)
BROKEN_PROBLEM = ("program.cadres (人数)", 8, 11, 'expected a whole number, found "很多"')


def test_an_event_from_a_path_from_text_and_from_a_mapping_is_the_same_event() -> None:
    path = example("summary_mobilisation")
    text = path.read_text(encoding="utf-8")
    by_path = api.load_event(path)
    by_text = api.parse_event(text, name=str(path))
    by_mapping = api.event_from_mapping(yaml.safe_load(text), name=str(path))
    assert by_path.facts == by_text.facts == by_mapping.facts
    assert (
        api.draft(by_path, options=api.Options(seed=3)).to_dict()
        == api.draft(by_mapping, options=api.Options(seed=3)).to_dict()
    )


def test_a_broken_event_is_a_located_problem_at_every_edge(runner, workdir: Path) -> None:
    with pytest.raises(InputError) as caught:
        api.parse_event(BROKEN, name="broken.yaml")
    (problem,) = caught.value.problems
    assert (problem.key, problem.line, problem.col, problem.message) == BROKEN_PROBLEM
    (workdir / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    cli = runner.invoke(main, ["render", "broken.yaml"])
    assert cli.exit_code == 1 and cli.stderr == f"broken.yaml:8:11: {BROKEN_PROBLEM[0]}: {BROKEN_PROBLEM[3]}\n"
    result = runner.invoke(main, ["batch", "broken.yaml", "-o", "out", "--report", "r.json"])
    assert result.exit_code == 1
    import json

    (row,) = json.loads((workdir / "r.json").read_text(encoding="utf-8"))
    assert row["problems"] == [
        {
            "file": "broken.yaml",
            "line": 8,
            "col": 11,
            "key": BROKEN_PROBLEM[0],
            "context": None,
            "message": BROKEN_PROBLEM[3],
        }
    ]


def test_a_mapping_with_a_bad_value_names_the_key_without_a_position() -> None:
    data = yaml.safe_load(BROKEN)
    with pytest.raises(InputError) as caught:
        api.event_from_mapping(data, name="form")
    (problem,) = caught.value.problems
    assert (problem.file, problem.line, problem.key) == ("form", None, "program.cadres (人数)")
    assert str(problem) == 'form: program.cadres (人数): expected a whole number, found "很多"'


@pytest.mark.parametrize("meeting_type", TYPES)
def test_every_sentence_knows_its_place_variant_and_source(meeting_type: str) -> None:
    draft = api.draft(api.load_event(example(meeting_type)), options=api.Options(seed=2))
    chosen = [s for s in draft.sentences() if s.slot]
    assert chosen and all(s.place.startswith(s.slot + "#") and s.variant and ":" in s.source for s in chosen)
    places = [s.place for s in chosen]
    assert len(places) == len(set(places))
    assert api.choices_of(draft) == {s.place: s.variant for s in chosen}


def _sentence(draft: api.Draft, place: str) -> str:
    return next(s.text for s in draft.sentences() if s.place == place)


def test_alternatives_fit_and_never_repeat_the_rest_of_the_draft() -> None:
    event = api.load_event(example("mobilisation"))
    options = api.Options(seed=5)
    draft = api.draft(event, options=options)
    place = next(s.place for s in draft.sentences() if s.slot.startswith("u.") and s.slot.endswith(".reason"))
    found = api.alternatives(event, place, options=options)
    assert len(found) >= 3
    assert [a.text for a in found if a.current] == [_sentence(draft, place)]
    others = {s.text for s in draft.sentences() if s.place != place}
    assert not any(a.text in others for a in found)
    with pytest.raises(api.SpeechgenError):
        api.alternatives(event, "no.such.slot#0", options=options)


def test_an_alternative_that_would_repeat_a_sentence_already_in_the_draft_is_not_offered(tmp_path: Path) -> None:
    """A user bank offers, for one place, the very sentence another place of the draft already holds."""
    event = api.load_event(example("mobilisation"))
    draft = api.draft(event, options=api.Options(seed=5))
    wishes = next(s for s in draft.sentences() if s.slot == "closing.wishes")
    announce = next(s for s in draft.sentences() if s.slot == "opening.announce")
    bank = tmp_path / "banks"
    bank.mkdir()
    twin = wishes.text  # the closing's sentence, offered to the announcement too
    (bank / "office.yaml").write_text(f"opening.announce:\n  - {twin}\n", encoding="utf-8")
    options = api.Options(seed=5, banks=(bank,))
    again = api.draft(event, options=options)
    assert _sentence(again, wishes.place) == twin
    texts = [a.text for a in api.alternatives(event, announce.place, options=options)]
    assert twin not in texts and texts


def test_a_fixed_choice_survives_a_new_seed() -> None:
    event = api.load_event(example("village_stay"))
    first = api.draft(event, options=api.Options(seed=1))
    place = next(s.place for s in first.sentences() if s.slot == "opening.announce")
    pick = next(a for a in api.alternatives(event, place, options=api.Options(seed=1)) if not a.current)
    kept = next(s.place for s in first.sentences() if s.slot == "closing.wishes")
    fixed = api.keep(first, [kept], use={place: pick.variant})
    for seed in (2, 3, 4):
        again = api.draft(event, options=api.Options(seed=seed, choices=fixed))
        assert _sentence(again, place) == pick.text
        assert _sentence(again, kept) == _sentence(first, kept)
        assert again.info.unused_choices == ()
    rolled = api.draft(event, options=api.Options(seed=2))
    assert _sentence(rolled, place) != pick.text or _sentence(rolled, kept) != _sentence(first, kept)


def test_fixed_choices_saved_in_the_event_file_give_the_same_bytes(runner, workdir: Path) -> None:
    event = api.load_event(example("summary"))
    options = api.Options(seed=11)
    draft = api.draft(event, options=options)
    fixed = api.keep(draft, [s.place for s in draft.sentences() if s.slot.startswith("opening.")])
    data = yaml.safe_load(example("summary").read_text(encoding="utf-8"))
    data.setdefault("options", {})["seed"] = 11
    data["options"]["choices"] = dict(fixed)
    (workdir / "kept.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    reloaded = api.load_event(workdir / "kept.yaml")
    assert dict(reloaded.get("options.choices")) == dict(fixed)
    expected = api.export(api.draft(event, options=api.Options(seed=11, choices=fixed)), "docx")
    assert runner.invoke(main, ["render", "kept.yaml", "-o", "kept.docx"]).exit_code == 0
    assert (workdir / "kept.docx").read_bytes() == expected
    assert api.export(api.draft(reloaded), "docx") == expected


def test_a_fixed_choice_the_banks_no_longer_hold_is_reported_not_fatal() -> None:
    event = api.load_event(example("summary"))
    draft = api.draft(event, options=api.Options(choices=(("opening.announce#0", "一句早已删掉的话。"),)))
    assert draft.info.unused_choices == ("opening.announce#0",)


@pytest.mark.parametrize("fmt", ["docx", "md", "txt", "json"])
def test_export_returns_the_bytes_of_each_format(fmt: str) -> None:
    draft = api.draft(api.load_event(example("summary")))
    data = api.export(draft, fmt)
    if fmt == "docx":
        import io

        assert Document(io.BytesIO(data)).paragraphs[-1].text == "谢谢大家！"
    else:
        assert "谢谢大家！" in data.decode("utf-8")
    with pytest.raises(api.SpeechgenError):
        api.export(draft, "odt")


def test_strict_review_carries_its_findings_as_data() -> None:
    event = api.load_event(example("village_stay"))  # no 出席领导: --mark-missing leaves a marker
    draft = api.draft(event, options=api.Options(mark_missing=True))
    with pytest.raises(StrictError) as caught:
        api.review(draft, event=event, strict=True)
    assert caught.value.findings and all(f.severity == "error" for f in caught.value.findings)
    assert {f.code for f in caught.value.findings} == {"placeholder"}
    assert api.review(draft, event=event).errors == caught.value.findings


def test_a_batch_runs_from_a_worker_thread(tmp_path: Path) -> None:
    """A server calls the batch core from a thread: no signals, no forks unless asked, outcomes as values."""
    results: list = []
    errors: list = []

    def work() -> None:
        try:
            results.extend(run_batch([str(EXAMPLES / "batch.yaml")], BatchSettings(folder=tmp_path / "out", fmt="md")))
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread
            errors.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(120)
    assert not errors and [o.status for o in results] == ["drafted"] * 3
    assert len(list((tmp_path / "out").iterdir())) == 3


def test_a_cancelled_batch_stops_and_counts_only_what_it_wrote(tmp_path: Path) -> None:
    cancel = threading.Event()
    cancel.set()
    outcomes = run_batch([str(EXAMPLES)], BatchSettings(folder=tmp_path / "out", fmt="txt"), cancel)
    assert outcomes == [] and list((tmp_path / "out").iterdir()) == []


def test_problem_formats_its_context_between_place_and_key() -> None:
    p = Problem("s.yaml", "expected a whole number", 3, 5, "人数", "document 2")
    assert str(p) == "s.yaml:3:5: document 2: 人数: expected a whole number"
    assert str(p.within("events[1]")) == "s.yaml:3:5: events[1]: document 2: 人数: expected a whole number"
