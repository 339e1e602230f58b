"""The one Jinja environment speechgen renders with.

Sandboxed and immutable (templates and banks may come from user folders), with a
budget of time, output and size (budget.py), templates found only inside their
folders (loader.py), StrictUndefined (an unknown name is an error, never an
empty string in a leader's speech). ``finalize`` wraps every value a template prints in data
marks, so event text is recognised later as data: it is inserted literally,
never rendered again, and facts may repeat where phrases may not.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

from jinja2 import StrictUndefined, Template, TemplateError, TemplateRuntimeError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.visitor import NodeTransformer

from speechgen.compose.budget import (
    MAX_VALUE,
    check_args,
    check_format,
    check_size,
    join_sized,
    meter,
    metered_filter,
    render_scope,
    replace_size,
    too_big,
)
from speechgen.compose.loader import FolderLoader
from speechgen.compose.templatecache import template_cache
from speechgen.errors import SpeechgenError
from speechgen.event.numerals import to_chinese
from speechgen.i18n import _
from speechgen.resources import templates_dir

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


MAX_RESULT = 10_000  # characters or items a template expression may build by repetition or +
_UNSAFE_STR = frozenset({"translate", "maketrans", "expandtabs"})  # growth no argument check can bound


class TemplateFault(TemplateRuntimeError):
    """A Python error inside a template (1/0, int('x'), a recursive macro), with the template's place."""

    def __init__(self, message: str, filename: str | None, lineno: int | None) -> None:
        super().__init__(message)
        self.filename, self.lineno = filename, lineno


class SpeechTemplate(Template):
    """A template whose render has a budget (budget.py): nested renders spend from the outer one."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        with render_scope():
            return super().render(*args, **kwargs)


class SpeechEnvironment(ImmutableSandboxedEnvironment):
    """Sandboxed, strict, with speechgen's filters, and a budget of time, output and size (budget.py)."""

    template_class = SpeechTemplate
    intercepted_binops = frozenset({"*", "**", "+", "%", "/", "//", "-"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        meter().tick()
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
            if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > 4000:
                raise SecurityError(_("multiplication too large for a speech template"))
        sized = isinstance(left, (str, list, tuple)) and isinstance(right, type(left))
        if operator == "+" and sized and len(left) + len(right) > MAX_RESULT:
            raise SecurityError(_("concatenation too large for a speech template"))
        if operator == "%" and isinstance(left, str):
            check_format(left, right if isinstance(right, tuple) else (right,), "the % operator")
        return check_size(super().call_binop(context, operator, left, right), f"the result of {operator}")

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        meter().tick()
        target = getattr(__obj, "__wrapped__", __obj)  # str.format is wrapped by newer Jinja versions
        name = getattr(target, "__name__", "")
        what = f"{name}()" if name else "a call"
        check_args((*args, *kwargs.values()), what)
        owner = getattr(target, "__self__", None)
        if isinstance(owner, str):
            if name in ("format", "format_map"):
                mapped = [v for a in args if isinstance(a, dict) for v in a.values()]
                check_format(owner, (*args, *kwargs.values(), *mapped), what)
            elif name == "replace" and replace_size(owner, args) > MAX_VALUE:
                raise too_big(what, replace_size(owner, args))
            elif name == "join" and args:
                return join_sized(args[0], owner)
        return check_size(super().call(__context, __obj, *args, **kwargs), f"the result of {what}")

    def getattr(self, obj: Any, attribute: str) -> Any:
        meter().tick()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        meter().tick()
        return super().getitem(obj, argument)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, str) and attr in _UNSAFE_STR:
            return False
        return super().is_safe_attribute(obj, attr, value)

    def concat(self, parts: Iterable[str]) -> str:  # type: ignore[override]
        """The text a render writes, counted as it is written."""
        m, out = meter(), []
        for part in parts:
            m.wrote(len(part))
            out.append(part)
        return "".join(out)

    def budget_loop(self, iterable: Any) -> Iterator[Any]:
        """What every {% for %} iterates through (compile() puts it there): each turn is counted."""
        return counted_turns(iterable)

    def budget_join(self, *parts: Any) -> str:
        """What every ~ becomes (compile() puts it there): the text is measured before it is built."""
        return join_sized(parts)

    def compile(self, source: Any, name: str | None = None, filename: str | None = None, *args: Any, **kw: Any) -> Any:
        if isinstance(source, str):
            source = self.parse(source, name, filename)
        return super().compile(_Metered().visit(source), name, filename, *args, **kw)

    def get_template(self, *args: Any, **kwargs: Any) -> Any:  # includes and extends, counted
        meter().tick()
        return super().get_template(*args, **kwargs)

    def select_template(self, *args: Any, **kwargs: Any) -> Any:
        meter().tick()
        return super().select_template(*args, **kwargs)

    def handle_exception(self, source: str | None = None) -> NoReturn:
        """Errors inside a template are template errors at its file and line, never a crash of speechgen."""
        from jinja2.debug import rewrite_traceback_stack

        exc = rewrite_traceback_stack(source=source)
        if isinstance(exc, (TemplateError, SpeechgenError)) or not isinstance(exc, Exception):
            raise exc
        filename, lineno = template_place(exc, outermost=isinstance(exc, RecursionError))
        if isinstance(exc, RecursionError):
            message = _("nested too deeply (a macro, include or extends that calls itself?)")
        elif isinstance(exc, MemoryError):
            message = _("out of memory")
        else:
            message = f"{type(exc).__name__}: {exc}"
        raise TemplateFault(message, filename, lineno) from None

    def __init__(self, template_dirs: Iterable[Path] = ()) -> None:
        super().__init__(
            loader=FolderLoader(list(template_dirs)),
            undefined=StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            finalize=mark_data,
            keep_trailing_newline=False,
            bytecode_cache=template_cache(),  # compiled templates kept between runs
        )
        self.filters["cn"] = _cn
        self.filters["join_cn"] = join_cn
        self.filters.pop("random", None)  # the same event must give the same bytes
        self.filters = {k: metered_filter(k, f) for k, f in self.filters.items()}
        self.globals.clear()  # no range(), lipsum(), dict(), cycler(): nothing a bank needs


def counted_turns(iterable: Any) -> Iterator[Any]:
    m = meter()
    for item in iterable:
        m.turn()
        yield item


def template_place(exc: BaseException, outermost: bool = False) -> tuple[str | None, int | None]:
    """(file, line) of the innermost template frame in a traceback (Jinja maps frames to template lines),
    a user's template before a built-in one (a built-in template cannot loop by itself). For a recursion the
    outermost: where it began, the same however deep the stack happened to be when it ran out."""
    builtin = str(templates_dir())
    places: list[tuple[str, int]] = []
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code.co_filename
        if code.endswith((".j2", ".jinja", ".html")) or code == "<template>":
            places.append((code, tb.tb_lineno))
        tb = tb.tb_next
    users = [p for p in places if not os.path.abspath(p[0]).startswith(builtin)]
    found = users or places or [(None, None)]
    return found[0] if outermost else found[-1]


class _Metered(NodeTransformer):
    """Every loop iterates through environment.budget_loop and every ~ goes through environment.budget_join."""

    def visit_For(self, node: nodes.For) -> nodes.Node:  # noqa: N802
        self.generic_visit(node)
        meter_call = nodes.EnvironmentAttribute("budget_loop", lineno=node.lineno)
        node.iter = nodes.Call(meter_call, [node.iter], [], None, None, lineno=node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:  # noqa: N802
        self.generic_visit(node)
        join = nodes.EnvironmentAttribute("budget_join", lineno=node.lineno)
        return nodes.Call(join, list(node.nodes), [], None, None, lineno=node.lineno)


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
