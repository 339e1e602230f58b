"""No sentence twice across an office's speeches: in a batch, each draft avoids what the drafts before it
said (the last few of the same meeting type), and what the office's earlier drafts said (--history).

Drafts are composed here, one after another in input order, so the result does not depend on the number
of worker processes; the workers then export and write them.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import replace

from speechgen import api
from speechgen.run.inputs import Job
from speechgen.run.job import BatchSettings

WINDOW = 8  # drafts of one type whose sentences the next one avoids: about a year of one office's meetings


def fresh_drafts(jobs: Iterator[Job], settings: BatchSettings, history: frozenset[str]) -> Iterator[Job]:
    """The jobs, each with its draft composed to avoid the history and the drafts before it."""
    recent: dict[str, deque[frozenset[str]]] = defaultdict(lambda: deque(maxlen=WINDOW))
    r = settings.render
    for job in jobs:
        if job.event is None:
            yield job
            continue
        path = settings.folder / job.output
        if not r.force and (path.exists() or path.is_symlink()):
            yield job  # skipped by the job itself, before drafting
            continue
        before = recent[job.event.type]
        avoid = history.union(*before) if before else history
        try:
            job.draft = api.draft(job.event, options=replace(r.options, avoid=r.options.avoid | avoid))
        except Exception:  # noqa: BLE001 - a bad input or a bug: the job drafts it again and reports it as its own
            yield job
            continue
        before.append(api.said(job.draft))
        yield job
