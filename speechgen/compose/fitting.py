"""Composing a whole draft: render the type's template through the composer, fit it to the target
length (more sections, then longer ones, then optional sentences dropped), and record what the draft
knows of itself."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from jinja2 import TemplateError, TemplateNotFound
from jinja2.exceptions import SecurityError

from speechgen.compose import tree
from speechgen.compose.banks import BankSet
from speechgen.compose.composer import Composer, template_environment
from speechgen.compose.picker import Alternative
from speechgen.compose.plan import Plan
from speechgen.compose.setting import Lexicon, Setting, load_lexicon, settle
from speechgen.draft import Draft, DraftInfo, finalise, with_count
from speechgen.errors import BankError, Problem
from speechgen.event.model import Event, FrozenMap
from speechgen.event.new import samples_left
from speechgen.event.schema import alias_of
from speechgen.i18n import _
from speechgen.resources import display_path

SCALES = (1.0, 1.3, 1.6, 1.9)
FACT_LISTS = (
    "program.tasks",
    "program.rules",
    "review.achievements",
    "review.shortcomings",
    "context",
    "meeting.before_speech",
    "meeting.after_speech",
    "meeting.leaders_present",
    "review.thanks",
)


def compose_once(
    event: Event, plan: Plan, banks: BankSet, points: int, setting: Setting, lexicon: Lexicon, scale: float = 1.0
) -> tuple[Draft, Composer]:
    """One full draft (every optional sentence kept) with `points` sections."""
    env = template_environment(plan.template_dirs)
    sections = plan.sections_for(event, points)
    composer = Composer(event, plan, banks, sections, env, setting, lexicon, scale=scale, fixed=dict(plan.choices))
    name = f"{event.type}.j2"
    try:
        template = env.get_template(name)
        rendered = template.render(composer.values | composer.functions())
    except BankError:
        raise
    except TemplateNotFound as exc:
        raise BankError([Problem(name, _("template not found: {name}").format(name=exc.name))]) from None
    except SecurityError as exc:
        where, line = _template_place(name, exc)
        raise BankError([Problem(where, _("unsafe template refused: {exc}").format(exc=exc), line)]) from None
    except TemplateError as exc:
        where, line = _template_place(name, exc)
        raise BankError([Problem(where, _("template error: {exc}").format(exc=exc), line)]) from None
    draft = tree.build(rendered, composer.registry, composer.heads, source=f"templates/{name}")
    for section in draft.sections:
        planned = composer.planned.get(section.key)
        section.topics = tuple(sorted(planned.topics)) if planned else ()
    return draft, composer


def _template_place(name: str, exc: Exception) -> tuple[str, int | None]:
    """(file, line) of the template line that failed.

    A syntax error carries its file and line; a runtime error (a sandbox refusal, an
    undefined name) is found in the traceback, where Jinja maps frames to template lines.
    """
    filename, lineno = getattr(exc, "filename", None), getattr(exc, "lineno", None)
    if not filename:
        tb = exc.__traceback__
        while tb is not None:
            code = tb.tb_frame.f_code.co_filename
            if code.endswith((".j2", ".jinja", ".html")) or code == "<template>":
                filename, lineno = code, tb.tb_lineno
            tb = tb.tb_next
    where = display_path(Path(filename)) if filename and filename != "<template>" else name
    return where, lineno


@dataclass(frozen=True)
class Composition:
    """A finished draft and the choices behind it (for listing alternatives)."""

    draft: Draft
    composer: Composer

    def kept_places(self) -> set[str]:
        return {s.place for s in self.draft.sentences() if s.place}

    def alternatives(self, place: str) -> list[Alternative]:
        """What else could stand at a place of the finished draft, as it would read there."""
        found = self.composer.picker.alternatives(place, self.kept_places())
        n = len(self.draft.sections)
        return [replace(a, text=with_count(a.text, n)) for a in found]


def compose(event: Event, plan: Plan, banks: BankSet) -> Draft:
    """The draft for the plan: points chosen and optional sentences trimmed to the target length."""
    return composition(event, plan, banks).draft


def composition(event: Event, plan: Plan, banks: BankSet, setting: Setting | None = None) -> Composition:
    lexicon = load_lexicon()
    setting = setting or settle(event, lexicon)
    points, top = min(plan.points, plan.max_points(event)), plan.max_points(event)
    best: tuple[float, Draft, Composer] | None = None
    scales = iter(SCALES)
    scale = next(scales)
    longest = 0  # the longest a draft has come so far: a step that adds nothing ends the search
    while True:
        draft, composer = compose_once(event, plan, banks, points, setting, lexicon, scale)
        lo, hi = tree.length_range(draft)
        if scale > 1.0 and hi <= longest:
            break  # the banks hold no more points for these sections
        longest = max(longest, hi)
        miss = max(lo - plan.target, plan.target - hi, 0) / plan.target
        if best is None or miss < best[0]:
            best = (miss, draft, composer)
        if miss == 0:
            break
        if hi < plan.target and plan.target_given and not plan.points_fixed and points < top:
            points += 1  # first more sections, then longer ones
        elif hi < plan.target:
            scale = next(scales, 0.0)
            if not scale:
                break
        elif lo > plan.target and plan.target_given and not plan.points_fixed and points > 2 and scale == 1.0:
            points -= 1
        else:
            break
    _score, draft, composer = best
    tree.trim(draft, plan.target)
    tree.split_long(draft)
    finalise(draft)
    draft.info = _info(event, plan, draft, composer)
    return Composition(draft, composer)


def unused_facts(event: Event, draft: Draft) -> tuple[tuple[str, str], ...]:
    """(path, value) of every fact the event gives that no sentence of the draft uses."""
    used = {d for s in draft.sentences() for d in s.data}
    used |= {d for p in draft.opening for s in p.sentences for d in s.data}
    text = "\n".join(t for _kind, t in draft.lines())
    out = []
    for path, value in event.facts.items():
        if path.startswith(("options.", "meeting.level", "meeting.date")) or path in ("type", "output"):
            continue
        items = value if isinstance(value, tuple) else (value,)
        for item in items:
            shown = str(item)
            if not any(shown in d for d in used) and shown not in text:
                out.append((path, shown))
    return tuple(out)


def _info(event: Event, plan: Plan, draft: Draft, composer: Composer) -> DraftInfo:
    count = draft.han_count()
    warnings = list(event.warnings) + list(composer.banks.warnings)
    for path, value in samples_left(event):
        alias = alias_of(tuple(path.split(".")))
        warnings.append(
            _("{path} ({alias}) still holds the sample value of `speechgen new`: {value} — 示例值，请替换").format(
                path=path, alias=alias, value=value
            )
        )
    if plan.points_fixed and len(draft.sections) < plan.points:
        warnings.append(
            _(
                "{points} points asked for; this meeting's outline holds {n_sections}, so the draft has that many"
            ).format(points=plan.points, n_sections=len(draft.sections))
        )
    off = (count - plan.target) / plan.target
    if plan.target_given and abs(off) > 0.15:
        warnings.append(
            _(
                "length {count} characters is {off:+.0%} off the target of {target}: the banks cannot fit it closer"
            ).format(count=count, off=off, target=plan.target)
        )
    kept = {s.place for s in draft.sentences() if s.place}
    unused = tuple(p for p, _choice in plan.choices if p not in kept or p not in composer.picker.reached)
    return DraftInfo(
        type=event.type,
        style=plan.style,
        seed=plan.seed,
        points=len(draft.sections),
        target=plan.target,
        han_characters=count,
        minutes=draft.minutes(plan.rate),
        rate=plan.rate,
        meeting=event.get("meeting.name") or "",
        date=event.date.isoformat(),
        author=event.get("speaker.name") or event.get("meeting.organizer") or event.get("speaker.title") or "",
        mark_missing=plan.mark_missing,
        missing=FrozenMap(dict(sorted(composer.missing.items()))),
        warnings=tuple(warnings),
        unused_choices=unused,
        unused_facts=unused_facts(event, draft),
        avoided=composer.picker.avoided,
        exhausted=tuple(sorted(composer.picker.exhausted)),
        family=composer.setting.family,
        direction=composer.setting.direction,
        speaker_role=composer.setting.role,
    )
