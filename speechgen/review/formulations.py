"""Dated formulations: period slogans and renamed bodies, layered like the banks."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from speechgen.errors import InputError, Problem
from speechgen.event.yamlsafe import parse_single, read_text
from speechgen.i18n import _
from speechgen.resources import banks_dir, display_path, env_bank_dirs

KEYS = {"pattern", "severity", "message", "until", "replaced_by", "source"}


@dataclass(frozen=True)
class Formulation:
    pattern: str
    severity: str
    message: str
    until: dt.date
    replaced_by: str = ""
    source: str = ""

    @property
    def regex(self) -> re.Pattern[str]:
        return re.compile(self.pattern)


def load_formulations(user_dirs: Sequence[Path] = ()) -> list[Formulation]:
    files = [banks_dir() / "checks" / "formulations.yaml"]
    for d in [*env_bank_dirs(), *user_dirs]:
        f = d / "checks" / "formulations.yaml"
        if f.is_file():
            files.append(f)
    out: list[Formulation] = []
    for f in files:
        out.extend(_read(f, f.stat().st_mtime))
    return out


@functools.lru_cache(maxsize=16)
def _read(path: Path, _mtime: float) -> tuple[Formulation, ...]:
    name = display_path(path)
    root = parse_single(read_text(path, name), name)
    problems: list[Problem] = []
    entries = root.value.get("formulations")
    if entries is None or entries.node.kind != "seq":
        raise InputError([Problem(name, _("expected a list under formulations:"), root.line, root.col)])
    out = []
    for node in entries.node.value:
        item = node.plain() if node.kind == "map" else None
        if not isinstance(item, dict):
            problems.append(Problem(name, _("each formulation is a mapping"), node.line, node.col))
            continue
        unknown = set(item) - KEYS
        until = item.get("until")
        try:
            re.compile(str(item.get("pattern", "")))
            ok_pattern = bool(item.get("pattern"))
        except re.error:
            ok_pattern = False
        if (
            unknown
            or not ok_pattern
            or item.get("severity") not in ("error", "warning", "info")
            or not isinstance(until, dt.date)
        ):
            problems.append(
                Problem(
                    name,
                    "a formulation needs pattern (a valid regular expression), "
                    "severity (error|warning|info), message and until (YYYY-MM-DD)"
                    + (f"; unknown key {sorted(unknown)[0]!r}" if unknown else ""),
                    node.line,
                    node.col,
                )
            )
            continue
        out.append(
            Formulation(
                str(item["pattern"]),
                item["severity"],
                str(item.get("message", "")),
                until,
                str(item.get("replaced_by", "")),
                str(item.get("source", "")),
            )
        )
    if problems:
        raise InputError(problems)
    return tuple(out)
