"""The one Jinja environment speechgen renders with.

Sandboxed and immutable (templates and banks may come from user folders),
StrictUndefined (an unknown name is an error, never an empty string in a
leader's speech). ``finalize`` wraps every value a template prints in data
marks, so event text is recognised later as data: it is inserted literally,
never rendered again, and facts may repeat where phrases may not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from speechgen.event.numerals import to_chinese
from speechgen.i18n import _

DATA_OPEN, DATA_CLOSE = "\ue030", "\ue031"
PRIVATE = {chr(c) for c in range(0xE000, 0xE100)}


class Emitted(str):
    """Text produced by speechgen itself (structure marks); printed unwrapped."""


def _strip_private(text: str) -> str:
    return "".join(ch for ch in text if ch not in PRIVATE)


def mark_data(value: Any) -> Any:
    """Wrap printed values in data marks; text speechgen composed itself passes through.

    Event values never hold private-use characters (they are stripped on load and
    here), so a string that holds one was built from speechgen's own marks: the
    output of a block or of a template function.
    """
    if isinstance(value, Emitted) or (isinstance(value, str) and any(ch in PRIVATE for ch in value)):
        return value
    if value is None:
        raise ValueError("a missing fact (None) reached the text")
    if isinstance(value, (list, tuple)):
        value = "、".join(str(v) for v in value)
    return f"{DATA_OPEN}{_strip_private(str(value))}{DATA_CLOSE}"


def join_cn(items: Sequence[Any], last: str = "和", sep: str = "、") -> str:
    """A、B和C: the way a list of phrases is joined in running Chinese text."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return sep.join(items[:-1]) + last + items[-1]


def _cn(n: Any) -> str:
    return to_chinese(int(n))


MAX_RESULT = 10_000  # characters or items a template expression may build


class SpeechEnvironment(ImmutableSandboxedEnvironment):
    """Sandboxed, strict, with speechgen's filters, and arithmetic that cannot eat the machine."""

    intercepted_binops = frozenset({"*", "**", "+"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if (
            operator == "**"
            and isinstance(right, int)
            and (abs(right) > 64 or (isinstance(left, int) and abs(left) > 10**6))
        ):
            raise SecurityError(_("exponent too large for a speech template"))
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and len(seq) * n > MAX_RESULT:
                    raise SecurityError(_("repetition too large for a speech template"))
        sized = isinstance(left, (str, list, tuple)) and isinstance(right, type(left))
        if operator == "+" and sized and len(left) + len(right) > MAX_RESULT:
            raise SecurityError(_("concatenation too large for a speech template"))
        return super().call_binop(context, operator, left, right)

    def __init__(self, template_dirs: Iterable[Path] = ()) -> None:
        loaders = [FileSystemLoader([str(d) for d in template_dirs])]
        super().__init__(
            loader=ChoiceLoader(loaders),
            undefined=StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            finalize=mark_data,
            keep_trailing_newline=False,
        )
        self.filters["cn"] = _cn
        self.filters["join_cn"] = join_cn
        self.globals.clear()  # no range(), lipsum(), dict(), cycler(): nothing a bank needs


def new_environment(template_dirs: Iterable[Path] = ()) -> SpeechEnvironment:
    return SpeechEnvironment(template_dirs)


_SIMPLE = re.compile(r"\{\{\s*([A-Za-z_][\w.]*)\s*(?:\|\s*(join_cn|cn|join)\s*(?:\(\s*\"([^\"{}]*)\"\s*\))?\s*)?\}\}")
_FILTERS = {
    "join_cn": lambda v, arg: join_cn(v),
    "cn": lambda v, arg: to_chinese(int(v)),
    "join": lambda v, arg: (arg or "").join(str(x) for x in v),
}


def substitute(text: str, values: dict[str, Any]) -> str | None:
    """Render the common variant, plain text with `{{ a.b }}` or `{{ a.b|join("；") }}`, without compiling
    it through Jinja (the same output, data marks included); None when it needs Jinja after all."""
    if _SIMPLE.sub("", text).count("{") or "}" in _SIMPLE.sub("", text):
        return None
    out, pos = [], 0
    for m in _SIMPLE.finditer(text):
        value: Any = values
        for part in m.group(1).split("."):
            value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
            if value is None or part.startswith("_"):
                return None  # missing or private: let Jinja raise its precise error
        if m.group(2):
            value = _FILTERS[m.group(2)](value, m.group(3))
        out.append(text[pos : m.start()])
        out.append(mark_data(value))
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)
