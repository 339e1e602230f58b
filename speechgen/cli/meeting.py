"""Parameter types of the drafting commands: a meeting type by key or Chinese name, a finite number."""

from __future__ import annotations

import click

from speechgen.event.schema import MEETING_TYPES, MINUTES_RANGE, TYPE_LABELS
from speechgen.i18n import _


class MeetingType(click.ParamType):
    """A meeting type by its key or its Chinese name (动员会, 总结会, 总结暨动员会, 驻村蹲点 …)."""

    name = "type"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from speechgen.event.schema import TYPE_ALIASES

        text = str(value).strip()
        if text in MEETING_TYPES:
            return text
        if text in TYPE_ALIASES:
            return TYPE_ALIASES[text]
        import difflib

        names = [*MEETING_TYPES, *TYPE_LABELS.values()]
        close = difflib.get_close_matches(text, [*names, *TYPE_ALIASES], n=1, cutoff=0.5)
        hint = _("; did you mean {name}?").format(name=close[0]) if close else ""
        self.fail(
            _("{text!r} is not a meeting type{hint} Choose from: {type_list}").format(
                text=text, hint=hint, type_list=type_list()
            ),
            param,
            ctx,
        )


def type_list() -> str:
    return ", ".join(f"{TYPE_LABELS[t]} ({t})" for t in MEETING_TYPES)


def finite(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    """FloatRange lets nan through (every comparison with nan is false)."""
    if value is not None and value != value:
        raise click.BadParameter(
            _("nan is not in the range {lo}<=x<={hi}.").format(lo=MINUTES_RANGE[0], hi=MINUTES_RANGE[1])
        )
    return value
