"""What one template render may spend: time, output, loop turns, calls, and the size of any one value.

A template (or a bank variant) is user-editable text run in Jinja's sandbox. The sandbox keeps Python's
internals out of reach but not the machine's memory and time: ``{{ x|center(10**9) }}``, a format width
of 999999999, three nested loops over a long string or a macro calling itself twice ran for minutes or
took gigabytes. Here every way a template can spend is metered (jinjaenv.py wires the meters in):

* every loop turn (each ``{% for %}`` iterates through ``loop``), every call, attribute lookup, operator
  and filter ticks the clock and the counters of the render under way;
* every value a filter, a method, an operator or ``~`` builds is measured before it is built where its
  size can be told in advance (a width, a repetition, a replacement), and after otherwise;
* the text a render writes is counted as it is written.

Past a limit the render stops with ``BudgetExceeded``, a SecurityError, which the composer reports at the
template's file and line. Limits are far above what a speech needs (a speech is at most 12,000 characters).
"""

from __future__ import annotations

import contextlib
import contextvars
import re
import time
import types
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from jinja2.sandbox import SecurityError

MAX_SECONDS = 5.0  # processor time of one render, in its thread (a speech takes well under a second): a
# machine busy with other work slows a render down without stopping it
MAX_OUTPUT = 2_000_000  # characters written by one render, nested variants included
MAX_VALUE = 200_000  # characters (or items) of one value a template builds
MAX_LOOPS = 20_000  # loop turns in one render (a built-in render takes a handful)
MAX_CALLS = 50_000  # calls, filters, lookups and operators in one render (a built-in render: under 100)
MAX_INT_BITS = 4_000  # an integer a template computes (about 1,200 digits)


class BudgetExceeded(SecurityError):
    """A template spent more than its budget; raised inside it, so its file and line are known."""


@dataclass
class Meter:
    started: float = field(default_factory=time.thread_time)
    output: int = 0
    loops: int = 0
    calls: int = 0

    def tick(self) -> None:
        self.calls += 1
        if self.calls > MAX_CALLS:
            raise BudgetExceeded(f"the template made more than {MAX_CALLS:,} calls and lookups; stopped")
        if self.calls & 63 == 0:
            self.clock()

    def clock(self) -> None:
        if time.thread_time() - self.started > MAX_SECONDS:
            raise BudgetExceeded(f"the template ran for more than {MAX_SECONDS:g} seconds; stopped")

    def turn(self) -> None:
        self.loops += 1
        if self.loops > MAX_LOOPS:
            raise BudgetExceeded(f"the template's loops turned more than {MAX_LOOPS:,} times; stopped")
        self.tick()

    def wrote(self, n: int) -> None:
        self.output += n
        if self.output > MAX_OUTPUT:
            raise BudgetExceeded(f"the template wrote more than {MAX_OUTPUT:,} characters; stopped")
        self.clock()


_CURRENT: contextvars.ContextVar[Meter | None] = contextvars.ContextVar("speechgen_template_meter", default=None)


def meter() -> Meter:
    """The meter of the render under way (a fresh one outside any render: a template compiled alone)."""
    return _CURRENT.get() or Meter()


@contextlib.contextmanager
def render_scope() -> Iterator[Meter]:
    """One top-level render: a fresh meter; a render nested in it (a variant) spends from the same one."""
    current = _CURRENT.get()
    if current is not None:
        yield current
        return
    token = _CURRENT.set(Meter())
    try:
        yield _CURRENT.get()  # type: ignore[misc]
    finally:
        _CURRENT.reset(token)


def too_big(what: str, size: int) -> BudgetExceeded:
    return BudgetExceeded(f"{what} would be {size:,} characters or items, over the {MAX_VALUE:,} a template may build")


def size_of(value: Any) -> int:
    """Characters of a text, items (and the characters of text items) of a list: what holding it costs."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, (list, tuple)):
        return len(value) + sum(len(v) for v in value if isinstance(v, str))
    if isinstance(value, dict):
        return len(value)
    return 0


def check_size(value: Any, what: str = "a value") -> Any:
    size = size_of(value)
    if size > MAX_VALUE:
        raise too_big(what, size)
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        raise BudgetExceeded(f"{what} is a number of more than {MAX_INT_BITS:,} bits; stopped")
    return value


def check_args(args: Iterable[Any], what: str) -> None:
    """Whole-number arguments are widths, counts and repetitions: none may pass the value limit."""
    for a in args:
        if isinstance(a, int) and not isinstance(a, bool) and abs(a) > MAX_VALUE:
            raise BudgetExceeded(f"{what}: the argument {_short(a)} is over {MAX_VALUE:,}; refused")


def _short(n: int) -> str:
    return f"{n}" if n.bit_length() < 64 else f"of {n.bit_length()} bits"


_DIGITS = re.compile(r"\d+")


def check_format(fmt: str, args: Iterable[Any], what: str) -> None:
    """A format string ('{:>999999999}', '%999999999d') and its arguments ('%*d' % (10**9, 1))."""
    for run in _DIGITS.findall(fmt):
        if len(run) > 6 or int(run) > MAX_VALUE:
            raise BudgetExceeded(f"{what}: the width {run[:12]} is over {MAX_VALUE:,}; refused")
    check_args(args, what)


def counted(items: Iterable[Any], what: str) -> Iterator[Any]:
    """Items of a lazy result (map, select, batch …), each a loop turn, their sizes summed as they come."""
    m, total = meter(), 0
    for item in items:
        m.turn()
        total += 1 + size_of(item)
        if total > MAX_VALUE:
            raise too_big(what, total)
        yield item


def join_sized(parts: Iterable[Any], sep: str = "") -> str:
    """'…'.join, refused before the text is built if it would be too long."""
    m, texts, total = meter(), [], 0
    for p in parts:
        m.tick()
        s = p if isinstance(p, str) else str(p)
        total += len(s) + len(sep)
        if total > MAX_VALUE:
            raise too_big("the joined text", total)
        texts.append(s)
    return sep.join(texts)


def replace_size(value: Any, args: tuple[Any, ...]) -> int:
    text = str(value)
    old, new = str(args[0]) if args else "", str(args[1]) if len(args) > 1 else ""
    count = text.count(old) if old else len(text) + 1
    if len(args) > 2 and isinstance(args[2], int) and args[2] >= 0:
        count = min(count, args[2])
    return len(text) + count * max(0, len(new) - len(old))


def _indent_size(value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    width = kwargs.get("width", args[0] if args else 4)
    width = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
    text = str(value)
    return len(text) + (text.count("\n") + 1) * max(0, width)


_MATERIAL = frozenset({"list", "join", "sort", "unique", "reverse", "sum", "min", "max", "dictsort", "string"})


def metered_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that ticks, refuses arguments and results past the limits, and counts lazy results."""
    if getattr(func, "_speechgen_metered", False):
        return func

    def run(*args: Any, **kwargs: Any) -> Any:
        meter().tick()
        values = [a for a in args if not _is_context(a)]
        value, rest = (values[0], tuple(values[1:])) if values else (None, ())
        what = f"the filter {name}"
        check_args((*rest, *kwargs.values()), what)
        if name == "replace" and replace_size(value, rest) > MAX_VALUE:
            raise too_big(what, replace_size(value, rest))
        if name == "indent" and _indent_size(value, rest, kwargs) > MAX_VALUE:
            raise too_big(what, _indent_size(value, rest, kwargs))
        if name == "format" and isinstance(value, str):
            check_format(value, (*rest, *kwargs.values()), what)
        if name in _MATERIAL and value is not None and not isinstance(value, (str, list, tuple, dict)):
            args = tuple(counted(a, what) if a is value else a for a in args)  # a lazy input is counted
        result = func(*args, **kwargs)
        if isinstance(result, (types.GeneratorType, Iterator)) and not isinstance(result, (str, bytes)):
            return counted(result, what)
        return check_size(result, f"the result of {what}")

    for attr in ("jinja_pass_arg",):  # pass_context / pass_environment / pass_eval_context markers
        if hasattr(func, attr):
            setattr(run, attr, getattr(func, attr))
    run._speechgen_metered = True  # type: ignore[attr-defined]
    run.__name__ = getattr(func, "__name__", name)
    return run


def _is_context(a: Any) -> bool:
    from jinja2.environment import Environment
    from jinja2.nodes import EvalContext
    from jinja2.runtime import Context

    return isinstance(a, (Context, EvalContext, Environment))
