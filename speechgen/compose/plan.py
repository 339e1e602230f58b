"""The plan: which sections, how many points, how long, which seed.

The plan is decided before any text is written, from the event, the options
given on the command line and the type catalogue (templates/types.yaml).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from speechgen.compose.loader import TemplateOutside, inside
from speechgen.errors import ConfigError, InputError, Problem
from speechgen.event.model import Event
from speechgen.event.schema import LENGTH_RANGE, MEETING_TYPES, POINTS_RANGE
from speechgen.event.yamlsafe import parse_single, read_text
from speechgen.i18n import _
from speechgen.resources import display_path, templates_dir

DEFAULT_RATE = 180


LAYOUTS = ("points", "items")


@dataclass(frozen=True)
class FactSpec:
    """A list of event facts a section writes units for (templates/outlines.yaml)."""

    list: str
    use: str = ""


@dataclass(frozen=True)
class SectionSpec:
    key: str
    priority: int
    topics: tuple[str, ...] = ()
    facts: tuple[FactSpec, ...] = ()
    layout: str = "points"
    units: int = 3
    requires: tuple[str, ...] = ()
    direction: str = ""  # "" : the programme's
    moment: str = ""  # "" : the type's
    rules: bool = False  # takes the rules that no other section's topics take
    slots: str = ""  # the type whose <type>.<key>.heading/intro/close slots it uses ("": its own)


@dataclass(frozen=True)
class TypeSpec:
    default_points: int
    default_length: int
    moment: str
    outlines: dict[str, tuple[SectionSpec, ...]]


@dataclass(frozen=True)
class Options:
    """The choices of a draft that a caller (the command line, the workbench) sets over the event's own
    options. Frozen: settings travel as this one typed value, never as loose keyword dictionaries."""

    style: str | None = None
    points: int | None = None
    length: int | None = None
    minutes: float | None = None
    rate: int = DEFAULT_RATE
    seed: int | None = None
    mark_missing: bool = False
    banks: tuple[Path, ...] = ()
    templates: tuple[Path, ...] = ()
    choices: tuple[tuple[str, str], ...] | None = None  # fixed choices (place, variant); None: the event's
    avoid: frozenset[str] = frozenset()  # 12-character runs of earlier drafts (--history, the batch so far)


@dataclass(frozen=True)
class Plan:
    type: str
    style: str
    seed: int
    points: int
    points_fixed: bool
    target: int
    target_given: bool
    rate: int
    mark_missing: bool
    catalogue: TypeSpec = field(repr=False)
    template_dirs: tuple[Path, ...] = ()
    bank_dirs: tuple[Path, ...] = ()
    choices: tuple[tuple[str, str], ...] = ()  # fixed choices: (place, variant text)
    family: str = "posting"
    avoid: frozenset[str] = frozenset()

    @property
    def outline(self) -> tuple[SectionSpec, ...]:
        return self.catalogue.outlines[self.family]

    def usable(self, event: Event) -> list[SectionSpec]:
        return [s for s in self.outline if all(event.get(r) for r in s.requires)]

    def sections_for(self, event: Event, points: int) -> tuple[SectionSpec, ...]:
        """The `points` sections to write, in speech order."""
        chosen = {s.key for s in sorted(self.usable(event), key=lambda s: s.priority)[:points]}
        return tuple(s for s in self.outline if s.key in chosen)

    def max_points(self, event: Event) -> int:
        return min(POINTS_RANGE[1], len(self.usable(event)))


def derive_seed(event: Event, seed: int | None) -> int:
    """The seed given, or one derived from the event's identity (stable, distinct per meeting)."""
    if seed is not None:
        return seed
    digest = hashlib.sha256(event.identity().encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big")


def make_plan(
    event: Event,
    opts: Options,
    style_meta: dict[str, Any] | None = None,
    style: str = "formal",
    family: str = "posting",
) -> Plan:
    catalogue = load_catalogue(opts.templates)[event.type]
    points = opts.points or event.get("options.points")
    if points is not None and not POINTS_RANGE[0] <= points <= POINTS_RANGE[1]:
        raise ConfigError(
            _("--points must be from {POINTS_RANGE} to {POINTS_RANGE2}, found {points}").format(
                POINTS_RANGE=POINTS_RANGE[0], POINTS_RANGE2=POINTS_RANGE[1], points=points
            )
        )
    target, given = _target(event, opts, catalogue, style_meta or {})
    return Plan(
        type=event.type,
        style=style,
        seed=derive_seed(event, opts.seed if opts.seed is not None else event.get("options.seed")),
        points=points or _default_points(event, catalogue, family),
        points_fixed=points is not None,
        target=target,
        target_given=given,
        rate=opts.rate,
        mark_missing=opts.mark_missing,
        catalogue=catalogue,
        template_dirs=opts.templates,
        bank_dirs=opts.banks,
        choices=opts.choices if opts.choices is not None else _event_choices(event),
        family=family,
        avoid=opts.avoid,
    )


def _default_points(event: Event, catalogue: TypeSpec, family: str) -> int:
    """The type's number of points, one more when a section built on the event's own facts (its tasks)
    would otherwise be left out: a default never drops what the secretary wrote down."""
    n = catalogue.default_points
    outline = [s for s in catalogue.outlines[family] if all(event.get(r) for r in s.requires)]
    kept = sorted(outline, key=lambda s: s.priority)[:n]
    dropped = [s for s in outline if s not in kept and s.requires and s.facts]
    return min(POINTS_RANGE[1], n + (1 if dropped else 0))


def _event_choices(event: Event) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((event.get("options.choices") or {}).items()))


def _target(event: Event, opts: Options, spec: TypeSpec, meta: dict[str, Any]) -> tuple[int, bool]:
    if opts.length is not None:
        length = opts.length
    elif opts.minutes is not None:
        length = round(opts.minutes * opts.rate)
    elif event.get("options.length") is not None:
        length = event.get("options.length")
    elif event.get("options.minutes") is not None:
        length = round(event.get("options.minutes") * opts.rate)
    else:
        return round(spec.default_length * float(meta.get("length_factor", 1.0))), False
    lo, hi = LENGTH_RANGE
    if not lo <= length <= hi:
        raise ConfigError(
            _("the target length must be from {lo} to {hi} characters, found {length}").format(
                lo=lo, hi=hi, length=length
            )
        )
    return length, True


OUTLINES = "outlines.yaml"
FAMILIES = ("posting", "exchange", "village", "team", "other")


def load_catalogue(extra_dirs: Sequence[Path] = ()) -> dict[str, TypeSpec]:
    """outlines.yaml from the first template folder that has one (user folders first)."""
    for d in [*extra_dirs, templates_dir()]:
        try:
            f = inside(d, OUTLINES)  # never a link out of the folder (loader.py)
        except TemplateOutside as exc:
            raise ConfigError(str(exc)) from None
        if f is not None:
            return _catalogue(f, f.stat().st_mtime, display_path(d / OUTLINES))
    raise ConfigError(_("no {OUTLINES} found in the template folders").format(OUTLINES=OUTLINES))


@functools.lru_cache(maxsize=8)
def _catalogue(path: Path, _mtime: float, name: str) -> dict[str, TypeSpec]:
    data = parse_single(read_text(path, name), name).plain()
    out: dict[str, TypeSpec] = {}
    problems: list[Problem] = []
    for t in MEETING_TYPES:
        spec = data.get(t)
        try:
            outlines = {family: tuple(_section(s) for s in spec["outlines"][family]) for family in FAMILIES}
            out[t] = TypeSpec(int(spec["default_points"]), int(spec["default_length"]), str(spec["moment"]), outlines)
            in_range(out[t])
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            message = f"needs default_points, default_length, moment and an outline for each of {', '.join(FAMILIES)}"
            problems.append(Problem(name, f"{message} ({exc})", key=t))
    if problems:
        raise InputError(problems)
    return out


def in_range(spec: TypeSpec) -> None:
    """Numbers a user's outlines.yaml may not push out of range (a default_length of 0 divided by zero)."""
    lo, hi = LENGTH_RANGE
    if not lo <= spec.default_length <= hi:
        raise ValueError(
            _("default_length must be from {lo} to {hi}, found {found}").format(lo=lo, hi=hi, found=spec.default_length)
        )
    if not POINTS_RANGE[0] <= spec.default_points <= POINTS_RANGE[1]:
        raise ValueError(_("default_points must be from {lo} to {hi}").format(lo=POINTS_RANGE[0], hi=POINTS_RANGE[1]))
    for sections in spec.outlines.values():
        for section in sections:
            if not 1 <= section.units <= 12:
                raise ValueError(
                    _("units of section {key} must be from 1 to 12, found {units}").format(
                        key=section.key, units=section.units
                    )
                )


def _section(s: dict[str, Any]) -> SectionSpec:
    facts = tuple(
        FactSpec(f) if isinstance(f, str) else FactSpec(str(f["list"]), str(f.get("use", "")))
        for f in s.get("facts", ())
    )
    layout = str(s.get("layout", "points"))
    if layout not in LAYOUTS:
        raise ValueError(f"layout {layout!r} of section {s['key']}")
    return SectionSpec(
        key=str(s["key"]),
        priority=int(s.get("priority", 9)),
        topics=tuple(s.get("topics", ())),
        facts=facts,
        layout=layout,
        units=int(s.get("units", 3)),
        requires=tuple(s.get("requires", ())),
        direction=str(s.get("direction", "")),
        moment=str(s.get("moment", "")),
        rules=bool(s.get("rules", False)),
        slots=str(s.get("slots", "")),
    )
