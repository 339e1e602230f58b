"""Property-based tests: whatever an event file holds, speechgen ends in a draft or a clean error.

"Clean" means a ``SpeechgenError`` whose message is not empty and, for a problem in the
file, names the file. Anything else escaping (KeyError, ValueError, RecursionError …)
is a bug. The strategies start from the examples and break them: wrong types, missing
and misspelt keys, odd Unicode, huge numbers, YAML tokens dropped into the text.

Each property runs a fixed number of examples; ``test_bounded_fuzz_run`` keeps drawing
until SPEECHGEN_FUZZ_SECONDS have passed (a few seconds by default; CI may set 60).
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from speechgen import api
from speechgen.compose.banks import available_styles
from speechgen.compose.plan import Options
from speechgen.errors import BankError, InputError, SpeechgenError
from speechgen.event import schema as S
from speechgen.event.load import validate
from speechgen.event.yamlsafe import decode, parse_single
from speechgen.export import export
from speechgen.export.layout import Layout
from speechgen.run.inputs import read_jobs

from .conftest import TYPES, example
from .test_fuzz_banks import BOUNDED as BANKS_AND_TEMPLATES

NAME = "fuzz.yaml"
FUZZ_SECONDS = float(os.environ.get("SPEECHGEN_FUZZ_SECONDS", "5"))
EXAMPLES = {t: example(t).read_bytes() for t in TYPES}
BASES = [yaml.safe_load(raw.decode("utf-8")) for raw in EXAMPLES.values()]

KEYS = sorted({k for path, f in S.leaves() for k in (*path, f.alias)} | {g.alias for g in S.SCHEMA.fields.values()})
INTERESTING = [
    "一百二十",
    "１２０",
    "第二批",
    "九亿九千万",
    "2026年3月16日",
    "2026-02-30",
    "0x1F",
    "1e400",
    ".nan",
    "-0",
    "{{ 7*7 }}",
    "{% for x in y %}",
    "{{ ''.__class__ }}",
    "../../etc/passwd",
    "/tmp/x.docx",
    "..",
    "CON",
    "a\\b",
    "\u202e\u0000\x1b[2J",
    "\ue030数据\ue031",
    "\ue001",
    "\ufeff",
    "🙂" * 50,
    "𠀀𪚥",
    "县",
    "村",
    "formal",
    "warm",
    "village_stay",
    "驻村蹲点",
    "summary",
    "总结会",
    "mode: replace",
    "*alias",
    "&anchor",
    "!!python/name:os.system",
    "\ufffe\uffff",
    "\x0b\x0c\x85",
    "1" * 5000,
    "一" * 300,
]
TOKENS = [
    b": ",
    b"- ",
    b"\t",
    b"  ",
    b"{",
    b"}",
    b"[",
    b"]",
    b"'",
    b'"',
    b"&a ",
    b"*a",
    b"!!python/object:os.system ",
    b"!!binary ",
    b"---\n",
    b"...\n",
    b"<<: ",
    b"? ",
    b"|\n",
    b">-\n",
    b"%YAML 1.1\n",
    b"#",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\x00",
    b"\xd6\xd0\xce\xc4",
    b"\r",
    b"\n",
    b"\x85",
    "\u2028".encode(),
    b"0x" + b"f" * 60,
    b"\x0b",
    b"\x1b[2J",
    "\ufffe".encode(),
    "\ud7ff\U0010ffff".encode(),
    b'"\\ufffe"',
    b'"\\ud800"',
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**300), max_value=2**300),
    st.floats(),
    st.text(max_size=30),
    st.text(min_size=280, max_size=340),
    st.dates(min_value=dt.date(1, 1, 1)),
    st.datetimes(),
    st.sampled_from(INTERESTING),
)
plausible = st.one_of(  # values of the right shape, so that some mutants still make a draft
    st.text(st.characters(categories=("Lo",)), min_size=1, max_size=20),
    st.integers(0, 1000),
    st.lists(st.text(st.characters(categories=("Lo",)), min_size=1, max_size=12), min_size=1, max_size=4),
)
keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=12), st.integers(), st.booleans())
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=6) | st.dictionaries(keys, inner, max_size=6), max_leaves=25
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path (keys and list indexes) into a plain YAML structure, the root included."""
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.extend(_paths(v, (*prefix, i)))
    return out


def _at(root: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        root = root[part]
    return root


@st.composite
def mutated_events(draw: st.DrawFn) -> Any:
    """An example event with one to six random edits: set, blank, delete, rename or add anywhere."""
    event: Any = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 6))):
        path = draw(st.sampled_from(_paths(event)))
        op = draw(st.sampled_from(["set", "set", "blank", "delete", "rename", "add"]))
        if not path:
            if op == "set":
                event = draw(values)
            continue
        parent, last = _at(event, path[:-1]), path[-1]
        if op == "set":
            parent[last] = draw(values | plausible)
        elif op == "blank":  # `date:` with nothing after it
            parent[last] = draw(st.sampled_from([None, "", [], {}]))
        elif op == "delete":
            del parent[last]
        elif op == "rename" and isinstance(parent, dict):
            parent[draw(keys)] = parent.pop(last)
        elif op == "add" and isinstance(parent, dict):
            parent[draw(keys)] = draw(values)
    return event


def _canonical(data: dict[str, Any], group: S.Group = S.SCHEMA) -> dict[str, Any]:
    """An example with Chinese keys (会议, 名称 …) spelt with the English ones."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        canon = next(k for k, f in group.fields.items() if key in (k, f.alias))
        child = group.fields[canon]
        out[canon] = _canonical(value, child) if isinstance(child, S.Group) else value
    if "type" in out:
        out["type"] = S.TYPE_ALIASES.get(out["type"], out["type"])
    return out


CANONICAL = [_canonical(base) for base in BASES]


@st.composite
def valid_events(draw: st.DrawFn) -> dict[str, Any]:
    """Events the contract says are valid: every value of the right kind and in range."""
    phrase = st.text(st.characters(categories=("Lo", "Nd", "Lu", "Ll", "Po", "Zs")), min_size=1, max_size=40).filter(
        lambda t: t.strip() != ""
    )
    event: dict[str, Any] = copy.deepcopy(draw(st.sampled_from(CANONICAL)))
    meeting = event["meeting"]
    meeting["name"] = draw(st.sampled_from(["全县", "全市", "全省", "全区", "全镇"])) + draw(phrase)
    meeting["date"] = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31)))
    event["speaker"]["title"] = draw(phrase)
    for key in ("place", "organizer"):
        if draw(st.booleans()):
            meeting[key] = draw(phrase)
    program = event.setdefault("program", {})
    for key in ("cadres", "batch"):
        if draw(st.booleans()):
            program[key] = draw(st.integers(0, 1_000_000) | st.sampled_from(["一百二十", "第二批", "３０"]))
    if draw(st.booleans()):
        program["tasks"] = draw(st.lists(phrase, min_size=1, max_size=S.MAX_ITEMS))
    options: dict[str, Any] = {"seed": draw(st.integers(0, 2**32 - 1))}
    if draw(st.booleans()):
        options["points"] = draw(st.integers(*S.POINTS_RANGE))
    if draw(st.booleans()):
        options["length"] = draw(st.integers(*S.LENGTH_RANGE))
    elif draw(st.booleans()):
        options["minutes"] = draw(st.integers(*S.MINUTES_RANGE))
    if draw(st.booleans()):
        options["style"] = draw(st.sampled_from(available_styles()))
    event["options"] = options
    if draw(st.booleans()):
        event["output"] = draw(phrase).replace("/", "").replace("\\", "").lstrip(".") or "讲话"
    return event


@st.composite
def mutated_texts(draw: st.DrawFn) -> bytes:
    """An example file with bytes inserted, deleted, replaced or lines duplicated."""
    raw = draw(st.sampled_from(list(EXAMPLES.values())))
    for _ in range(draw(st.integers(1, 5))):
        pos = draw(st.integers(0, len(raw)))
        op = draw(st.sampled_from(["insert", "delete", "replace", "line"]))
        piece = draw(st.sampled_from(TOKENS) | st.binary(max_size=6) | st.text(max_size=6).map(str.encode))
        if op == "insert":
            raw = raw[:pos] + piece + raw[pos:]
        elif op == "delete":
            raw = raw[:pos] + raw[pos + draw(st.integers(1, 40)) :]
        elif op == "replace":
            raw = raw[:pos] + piece + raw[pos + len(piece) :]
        else:
            lines = raw.split(b"\n")
            i = draw(st.integers(0, len(lines) - 1))
            lines.insert(draw(st.integers(0, len(lines))), lines[i])
            raw = b"\n".join(lines)
    return raw


def _dump(data: Any) -> bytes:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")


def outcome(raw: bytes, fmt: str = "docx") -> str:
    """'draft' or 'error' for the bytes of an event file; any other exception is a bug and propagates."""
    try:
        event = validate(parse_single(decode(raw, NAME), NAME), NAME)
        draft = api.draft(event, options=Options())
        data = export(draft, fmt, Layout())
    except InputError as exc:
        assert exc.problems and str(exc)
        problems = exc.problems if not isinstance(exc, BankError) else []
        assert all(p.file == NAME for p in problems), str(exc)
        assert all(p.message for p in exc.problems)
        return "error"
    except SpeechgenError as exc:
        assert str(exc)
        return "error"
    assert data and draft.han_count() > 0
    return "draft"


def check_event(data: Any) -> None:
    outcome(_dump(data))


def check_bytes(raw: bytes) -> None:
    outcome(raw)


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
test_mutated_events_end_cleanly = FAST(given(mutated_events())(check_event))
test_random_structures_end_cleanly = FAST(given(values)(check_event))
test_mutated_text_ends_cleanly = FAST(given(mutated_texts())(check_bytes))
test_random_bytes_end_cleanly = FAST(given(st.binary(max_size=300))(check_bytes))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(valid_events())
def test_valid_events_are_drafted(event: dict[str, Any]) -> None:
    """What validation accepts, drafting must not refuse as bad input (incomplete banks aside)."""
    assert outcome(_dump(event)) == "draft"


def check_batch(defaults: Any, events: Any) -> None:
    """A batch file (defaults: + events:) ends in one job per event, each an Event or its problems."""
    path = Path(tempfile.mkdtemp()) / NAME
    try:
        path.write_bytes(_dump({"defaults": defaults, "events": events}))
        for job in read_jobs([path]):
            assert (job.event is None) != (not job.problems), job
            assert all(problem.file == str(path) for problem in job.problems), job.problems
    finally:
        shutil.rmtree(path.parent)


test_batch_files_end_cleanly = FAST(given(mutated_events(), st.lists(mutated_events(), max_size=3))(check_batch))


def _budgeted(test: Callable[[], None], seconds: float) -> int:
    """Call a @given test (a fresh batch of examples each time) until seconds have passed; the batches run."""
    deadline, batches = time.monotonic() + seconds, 0
    while True:
        test()
        batches += 1
        if time.monotonic() >= deadline:
            return batches


def test_bounded_fuzz_run() -> None:
    """About SPEECHGEN_FUZZ_SECONDS of random events, structures, texts, bytes, bank variants and templates,
    all ending cleanly."""
    batch = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    tests = [
        given(mutated_events())(check_event),
        given(values)(check_event),
        given(mutated_texts())(check_bytes),
        given(st.binary(max_size=2000))(check_bytes),
        given(mutated_events(), st.lists(mutated_events(), max_size=3))(check_batch),
        *BANKS_AND_TEMPLATES,  # users' bank variants and templates (test_fuzz_banks.py)
    ]
    share = FUZZ_SECONDS / len(tests)
    assert all(_budgeted(batch(t), share) >= 1 for t in tests)
