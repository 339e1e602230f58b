"""One batch job, in whichever process runs it: draft, review, export and write one event.

Everything a worker needs travels in ``BatchSettings`` (frozen, picklable), so the same code runs inline,
in a forked worker or in a spawned one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from speechgen import api
from speechgen.errors import Problem, SpeechgenError, StrictError
from speechgen.event.schema import alias_of
from speechgen.i18n import _
from speechgen.run.inputs import Job
from speechgen.run.output import OutputExists, write_atomic
from speechgen.run.render import RenderSettings


@dataclass(frozen=True)
class BatchSettings:
    folder: Path
    fmt: str = "docx"
    render: RenderSettings = field(default_factory=RenderSettings)
    jobs: int = 1  # more than one: worker processes
    fail_fast: bool = False
    report: Path | None = None
    sheet: str | None = None  # of a spreadsheet input: this sheet, not the first
    archive: Path | None = None  # --zip: every draft and the report in one .zip


@dataclass
class Outcome:
    """What became of one event; all the report needs, and nothing of the draft itself."""

    label: str
    status: str  # drafted | skipped | failed
    output: str = ""
    type: str = ""
    style: str = ""
    seed: int | None = None
    han_characters: int = 0
    minutes: float = 0.0
    warnings: list[str] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)


def run_job(job: Job, settings: BatchSettings) -> Outcome:
    if job.event is None:
        return Outcome(job.label, "failed", errors=list(job.problems))
    return draft_job(job, settings)


def draft_job(job: Job, s: BatchSettings) -> Outcome:
    """Draft, review, export and write one event (in a worker process, or inline for one job)."""
    assert job.event is not None
    r = s.render
    out = Outcome(job.label, "failed", output=job.output, type=job.event.type)
    path = s.folder / job.output
    try:
        if not r.force and (path.exists() or path.is_symlink()):
            raise OutputExists(path)  # before drafting: a rerun after an interruption is quick
        draft = job.draft or api.draft(job.event, options=r.options)
        review = api.review(draft, event=job.event, strict=r.strict)
        data = api.export(draft, s.fmt, layout=r.layout, explain=r.explain, reference=r.reference)
        write_atomic(path, data, force=r.force, sync=False)
    except OutputExists as exc:
        out.status, out.errors = "skipped", [Problem(str(exc.path), _("exists; use --force to overwrite"))]
        return out
    except StrictError as exc:
        out.errors = [job.locate(exc.message)] + [job.locate(f"check: {f}") for f in exc.findings]
        return out
    except SpeechgenError as exc:
        problems = getattr(exc, "problems", None)
        out.errors = [job.place(p) for p in problems] if problems else [job.locate(exc.message)]
        return out
    except Exception as exc:  # noqa: BLE001 - a bug must not stop the other events
        out.errors = [job.locate(_("internal error: {kind}: {exc}").format(kind=type(exc).__name__, exc=exc))]
        return out
    info = draft.info
    out.status, out.style, out.seed = "drafted", info.style, info.seed
    out.han_characters, out.minutes = info.han_characters, info.minutes
    lines = review_lines(review, draft, prefix=False)
    out.warnings = [without_file(w, job.file) for w in lines]
    return out


def without_file(warning: str, file: str | None) -> str:
    """An event's warning without the file it names first (in English or Chinese): a label that also names
    the document, entry or row takes its place."""
    for own in (f"{file}: ", f"{file}："):
        if file and warning.startswith(own):
            return warning[len(own) :]
    return warning


SETTINGS = ("program.direction", "speaker.role")  # choices that shape the draft, never words in it


def review_lines(review: api.Review, draft: api.Draft | None = None, *, prefix: bool = True) -> list[str]:
    """A review as the lines a front-end shows: warnings, facts missing, facts given but not used (with the
    draft), checker findings. Markers asked for with --mark-missing are reported once, as missing facts,
    not again as placeholders left in the text."""
    lines = [_("warning: {w}").format(w=w) if prefix else w for w in review.warnings]
    for path, alias in review.missing.items():
        if review.marked:
            lines.append(_("missing: {path} ({alias}): marked 【待补充】").format(path=path, alias=alias))
        else:
            lines.append(_("missing: {path} ({alias}): sentences left out").format(path=path, alias=alias))
    if draft is not None:
        lines += [
            _(
                "not used: {path} ({alias}) = {value}: no sentence of this draft takes it; another --seed or a "
                "longer draft may"
            ).format(path=path, alias=alias_of(tuple(path.split("."))), value=value)
            for path, value in draft.info.unused_facts
            if path not in SETTINGS
        ]
    asked = review.marked
    lines += [
        _("check: {finding}").format(finding=f)
        for f in review.findings
        if f.severity != "info" and not (asked and f.code == "placeholder" and "【待补充" in f.excerpt)
    ]
    return lines
