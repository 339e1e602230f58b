"""Property-based tests for what users edit besides event files (issue 14): bank variants and templates.

Whatever a user's bank or template holds, speechgen ends in a draft or a clean SpeechgenError, within its
budget; anything else escaping (KeyError, RecursionError, ZeroDivisionError, MemoryError …) is a bug. The
strategies build Jinja text from pieces that have broken things before: runaway filters and formats,
loops, recursion, includes, arithmetic, private names, odd characters, half-written tags.

``test_bounded_fuzz_run`` in test_fuzz.py draws from these strategies too, for its share of
SPEECHGEN_FUZZ_SECONDS.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from speechgen import api
from speechgen.compose.banks import load_banks
from speechgen.errors import InputError, SpeechgenError

from .conftest import example

EVENT = api.load_event(example("village_stay"))

NAMES = [
    "program.cadres",
    "program.tasks",
    "program.batch",
    "jur.our",
    "work",
    "cadre",
    "count",
    "meeting.name",
    "speaker.title",
    "item",
    "nothing.here",
    "_private",
    "jur.__class__",
    "program.tasks.__len__",
    "context",
    "review.achievements",
]
FILTERS = [
    "cn",
    "join_cn",
    'join("；")',
    "join('、', attribute='x')",
    "first",
    "last",
    "length",
    "trim",
    "center(10**9)",
    "indent(999999999)",
    "slice(10**9)",
    "list",
    "attr('__class__')",
    "format(1)",
    "replace('', 'xxxxxxxx')",
    "int",
    "sum",
    "random",
    "sort",
    "batch(3)",
    "map('upper')",
    "join(1)",
    "cn(5)",
    "e",
]
INDEXES = ["0", "-1", "10**9", "1:", "'a'"]
RECURSIVE = "{% macro m(n) %}{% if n %}{{ m(n - 1) }}{{ m(n - 1) }}{% endif %}{% endmacro %}{{ m(12) }}"
TEXT = st.sampled_from(["下面，我讲", "同志们", "一是", "，", "。", "（一）", "我县", " ", "\n", "", "1", "%", "#"])
ODD = st.sampled_from(["\ufffe", "\x00", "\x1b", "\ue030", "\u202e", "{", "}", "{{", "}}", "{%", "%}", "{#", "'", '"'])


@st.composite
def expressions(draw: st.DrawFn, depth: int = 0) -> str:
    choice = draw(st.integers(0, 9 if depth < 2 else 3))
    name = draw(st.sampled_from(NAMES))
    if choice <= 2:
        return name
    if choice == 3:
        return draw(st.sampled_from(["1", "0", "-1", "10**9", "9**9**9", "'x' * 9999", "''", "[1, 2]", "none"]))
    if choice == 4:
        return f"{name}|{draw(st.sampled_from(FILTERS))}"
    inner = draw(expressions(depth + 1))
    if choice == 5:
        return f"{inner} {draw(st.sampled_from(['~', '+', '*', '/', '//', '%', '**', '-', 'and', 'or', '==']))} {inner}"
    if choice == 6:
        return f"({inner})|{draw(st.sampled_from(FILTERS))}"
    if choice == 7:
        index = draw(st.sampled_from(INDEXES))
        return f"{inner}[{index}]"
    if choice == 8:
        width = draw(st.sampled_from(["5", "999999999", "{}"]))
        return "'{:>" + width + "}'.format(" + inner + ")"
    return f"{inner} if {name} else {inner}"


@st.composite
def jinja_texts(draw: st.DrawFn, template: bool = False) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.integers(0, 10))
        if kind <= 3:
            parts.append(draw(TEXT))
        elif kind <= 6:
            parts.append("{{ " + draw(expressions()) + " }}")
        elif kind == 7:
            parts.append(draw(ODD))
        elif kind == 8:
            e = draw(expressions())
            parts.append(f"{{% if {e} %}}{draw(TEXT)}{{% else %}}{{{{ {e} }}}}{{% endif %}}")
        elif kind == 9:
            e = draw(expressions())
            body = draw(st.sampled_from(["{{ a }}", "{% for b in " + e + " %}{{ b }}{% endfor %}", ""]))
            parts.append(f"{{% for a in {e} %}}{body}{{% endfor %}}")
        else:
            parts.append(
                draw(
                    st.sampled_from(
                        [
                            "{% include 'base.j2' %}",
                            "{% include 'village_stay.j2' %}",
                            "{% import 'base.j2' as b %}",
                            "{% set x = work * 3 %}{{ x }}",
                            RECURSIVE,
                            "{% macro m(x) %}{{ m(x ~ x) }}{% endmacro %}{{ m('a') }}",
                            "{% raw %}{{ x }}{% endraw %}",
                            "{{ s('opening.announce') }}" if template else "{{ s }}",
                            "{{ br() }}" if template else "{{ br }}",
                            "{{ head('title', meeting.name * 3) }}" if template else "{{ head }}",
                            "{{ section(3) }}" if template else "{{ section }}",
                            "{% for k in plan.sections %}{{ section(k) }}{% endfor %}" if template else "{{ plan }}",
                        ]
                    )
                )
            )
    return "".join(parts)


def _quoted(text: str) -> str:
    return '"' + "".join(c if c.isprintable() and c not in '"\\' else f"\\u{ord(c):04x}" for c in text) + '"'


def check_bank(variants: list[str]) -> None:
    """A user bank of these variants: refused when it loads (located), or loaded and drafted, or a clean error."""
    folder = Path(tempfile.mkdtemp())
    try:
        lines = ["opening.announce:"] + [f"  - {_quoted(v)}" for v in variants]
        (folder / "fuzz.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        try:
            load_banks("formal", (folder,))
        except InputError as exc:
            assert exc.problems and all(p.file.endswith("fuzz.yaml") and p.line for p in exc.problems), exc
            return
        try:
            draft = api.draft(EVENT, options=api.Options(banks=(folder,)))
        except SpeechgenError as exc:
            assert str(exc)
            return
        assert draft.han_count() > 0
    finally:
        shutil.rmtree(folder)


def check_template(body: str) -> None:
    """A user's village_stay.j2 around this body: a draft, or a clean error naming the template."""
    folder = Path(tempfile.mkdtemp())
    try:
        text = '{% extends "base.j2" %}\n{% block opening %}\n' + body + "\n{{ super() }}\n{% endblock %}\n"
        (folder / "village_stay.j2").write_text(text, encoding="utf-8")
        try:
            draft = api.draft(EVENT, options=api.Options(templates=(folder,)))
        except SpeechgenError as exc:
            assert str(exc)
            return
        assert draft.han_count() >= 0
    finally:
        shutil.rmtree(folder)


FAST = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
test_bank_variants_end_cleanly = FAST(given(st.lists(jinja_texts(), min_size=1, max_size=4))(check_bank))
test_templates_end_cleanly = FAST(given(jinja_texts(template=True))(check_template))
BOUNDED = [
    given(st.lists(jinja_texts(), min_size=1, max_size=4))(check_bank),
    given(jinja_texts(template=True))(check_template),
]
