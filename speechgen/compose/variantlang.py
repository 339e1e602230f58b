"""The small language of a bank variant, checked when the banks load.

A variant is a sentence with facts in it, so that is all it may be: text, fields and dotted names
(``{{ program.cadres }}``, ``{{ jur.our }}``), the project's filters with at most a short text argument
(``{{ program.tasks|join("；") }}``, ``{{ program.batch|cn }}``), and a simple ``{% if %}`` over fields
(``not``, ``and``, ``or``). Loops, calls, arithmetic, ``~``, indexing, ``{% set %}``, macros, includes
and extends are refused with the variant's file and line before anything is rendered, so no bank line
can run for ever, build gigabytes or read a file. Templates keep full Jinja, under a budget (budget.py).

The walk is over Jinja's parsed tree, so no spelling of a construct slips through a pattern; the common
variant (plain text and ``{{ a.b }}`` substitutions) is recognised without parsing.
"""

from __future__ import annotations

import re

from jinja2 import Environment, TemplateSyntaxError, nodes

FILTERS = ("cn", "join_cn", "join", "first", "last", "length", "trim")
MAX_ARG = 20  # characters of a filter's text argument (a separator)
ALLOWED = (
    "text, fields such as {{ program.cadres }}, the filters "
    + ", ".join(FILTERS)
    + ' (with a short text at most: join("；")) and {% if %} over fields'
)

_SIMPLE = re.compile(
    r"\{\{\s*[A-Za-z][\w]*(?:\.[A-Za-z][\w]*)*\s*"
    r"(?:\|\s*(?:" + "|".join(FILTERS) + r")\s*(?:\(\s*(?:\"[^\"{}%\\]{0,20}\"|'[^'{}%\\]{0,20}')?\s*\))?\s*)*\}\}"
)

_WORDS: dict[type[nodes.Node], str] = {
    nodes.For: "a loop ({% for %})",
    nodes.Macro: "a macro",
    nodes.CallBlock: "{% call %}",
    nodes.Include: "{% include %}",
    nodes.Extends: "{% extends %}",
    nodes.Import: "{% import %}",
    nodes.FromImport: "{% from … import %}",
    nodes.Assign: "{% set %}",
    nodes.AssignBlock: "{% set %}",
    nodes.FilterBlock: "{% filter %}",
    nodes.With: "{% with %}",
    nodes.Block: "{% block %}",
    nodes.Call: "a call (…())",
    nodes.Concat: "joining with ~",
    nodes.BinExpr: "arithmetic",
    nodes.UnaryExpr: "arithmetic",
    nodes.Compare: "a comparison",
    nodes.Getitem: "an index ([…])",
    nodes.Slice: "a slice",
    nodes.Const: "a literal value",
    nodes.TemplateData: "text inside {{ }}",
    nodes.List: "a list literal",
    nodes.Tuple: "a tuple literal",
    nodes.Dict: "a mapping literal",
    nodes.CondExpr: "an inline if … else",
    nodes.Test: "a test (is …)",
}


class NotAllowed(Exception):
    """What a variant may not use, in words for its author."""


_PARSER: list[Environment] = []


def check(text: str, env: Environment | None = None) -> str | None:
    """Why a variant's text is refused, or None when it keeps to the variant language."""
    bad = _bad_character(text)
    if bad:
        return bad
    if "{" not in text:
        return None
    rest = _SIMPLE.sub("", text)
    if "{" not in rest and "}" not in rest:
        return None  # the common variant: text and {{ a.b }} substitutions
    if env is None:
        env = _PARSER[0] if _PARSER else _PARSER.append(Environment()) or _PARSER[0]
    try:
        tree = env.parse(text)
    except TemplateSyntaxError as exc:
        return f"template error: {exc.message}"
    except RecursionError:
        return "template error: nested too deeply"
    try:
        _statements(tree.body)
    except NotAllowed as exc:
        return f"{exc} is not allowed in a bank variant; a variant may use {ALLOWED}"
    return None


_BAD = re.compile(  # controls, surrogates, private use (speechgen's own data marks), non-characters, bidi
    "[\x00-\x1f\x7f-\x9f\ud800-\udfff\ue000-\uf8ff\U000f0000-\U0010ffff\ufffe\uffff\u202a-\u202e\u2066-\u2069]"
)


def _bad_character(text: str) -> str | None:
    m = _BAD.search(text)
    if m:
        code = ord(m.group())
        return f"the character U+{code:04X} is not allowed in a variant; delete it or retype the text around it"
    return None


def _statements(body: list[nodes.Node]) -> None:
    for node in body:
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if not isinstance(child, nodes.TemplateData):
                    _value(child)
        elif isinstance(node, nodes.If):
            _condition(node.test)
            _statements(node.body)
            for branch in node.elif_:
                _condition(branch.test)
                _statements(branch.body)
            _statements(node.else_)
        else:
            raise NotAllowed(_word(node))


def _value(node: nodes.Node) -> None:
    if isinstance(node, nodes.Filter):
        if node.name not in FILTERS:
            raise NotAllowed(f'the filter "{node.name}"')
        if node.kwargs or node.dyn_args or node.dyn_kwargs or len(node.args) > 2:
            raise NotAllowed(f'the arguments given to the filter "{node.name}"')
        for arg in node.args:
            if not (isinstance(arg, nodes.Const) and isinstance(arg.value, str) and len(arg.value) <= MAX_ARG):
                raise NotAllowed(f'an argument of the filter "{node.name}" other than a short text')
        if node.node is None:
            raise NotAllowed("a filter without a value")
        _value(node.node)
        return
    _field(node)


def _field(node: nodes.Node) -> None:
    """A name or a dotted name (program.cadres), never a private one."""
    while isinstance(node, nodes.Getattr):
        if node.attr.startswith("_"):
            raise NotAllowed(f'the name "{node.attr}"')
        node = node.node
    if not isinstance(node, nodes.Name):
        raise NotAllowed(_word(node))
    if node.name.startswith("_") or node.ctx != "load":
        raise NotAllowed(f'the name "{node.name}"')


def _condition(node: nodes.Node) -> None:
    if isinstance(node, nodes.Not):
        _condition(node.node)
    elif isinstance(node, (nodes.And, nodes.Or)):
        _condition(node.left)
        _condition(node.right)
    else:
        _field(node)


def _word(node: nodes.Node) -> str:
    for kind, word in _WORDS.items():
        if isinstance(node, kind):
            return word
    return f"{{{type(node).__name__}}}"
