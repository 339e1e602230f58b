"""Benchmark speechgen against python-docx and docxtpl writing the same texts, as whole processes, in one run.

    python bench/bench.py                      # the table of bench/README.md (about 15 minutes on two cores)
    python bench/bench.py --runs 3 --events 100
    python bench/bench.py --help

Three programs, each one process for all the events, started afresh every run, interleaved (their order
rotates from run to run) so that all see the same machine:

* speechgen: ``speechgen batch events.yaml -o DIR -j 1 -q`` reads, validates, composes and writes;
* python-docx: the same paragraphs in the same styles, added with ``add_paragraph(text, style)`` to the
  same styled base document speechgen writes on, then saved;
* docxtpl: the same texts rendered through an equivalent template (the same styled base, one paragraph
  each for title, speaker, date and salutation, then a loop over the body whose paragraphs take the
  style of their kind).

The texts are speechgen's own drafts, read back from its first batch (not timed). Every figure is the
median of --runs runs, with the spread (lowest–highest) beside it; ratios are taken run by run, from
runs next to each other, then their median. Wall time is what a user waits; CPU time (user + system of
the process and its children) moves less when other processes share the cores. ``--jobs 2`` is reported
as a speed-up only when a calibration run in the same runs shows that a second core was free.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import yaml

from speechgen.export.pydocx import STYLE_FOR

ROOT = Path(__file__).resolve().parent.parent
TYPES = ("mobilisation", "summary", "summary_mobilisation", "village_stay")
BIN = Path(sys.executable).parent
SPEECHGEN = BIN / "speechgen"  # the console script itself, not a version-manager shim
STYLES = STYLE_FOR  # the paragraph styles speechgen gives each kind of line
KIND_OF_STYLE = {v: k for k, v in STYLES.items()}

PYTHON_DOCX = """
import json, sys
from docx import Document
drafts, base, out = json.load(open(sys.argv[1], encoding="utf-8")), sys.argv[2], sys.argv[3]
for i, draft in enumerate(drafts):
    doc = Document(base)
    for style, text in draft:
        doc.add_paragraph(text, style=style)
    doc.save(f"{out}/{i}.docx")
"""

DEFAULT_TEMPLATE = """
import json, sys
from docx import Document
drafts, out = json.load(open(sys.argv[1], encoding="utf-8")), sys.argv[2]
for i, draft in enumerate(drafts):
    doc = Document()
    for style, text in draft:
        doc.add_paragraph(text)
    doc.save(f"{out}/{i}.docx")
"""

DOCXTPL = """
import json, sys
from docxtpl import DocxTemplate
drafts, template, out = json.load(open(sys.argv[1], encoding="utf-8")), sys.argv[2], sys.argv[3]
for i, draft in enumerate(drafts):
    head = {kind: text for kind, text in draft[:4]}
    body = [{"kind": kind, "text": text} for kind, text in draft[4:]]
    doc = DocxTemplate(template)
    doc.render({**head, "body": body}, autoescape=True)
    doc.save(f"{out}/{i}.docx")
"""


# -- inputs -----------------------------------------------------------------------------------------


def generate(n: int, path: Path, types: Sequence[str]) -> None:
    """n events as one YAML stream, cycling through the examples with varied facts (English or Chinese keys)."""
    bases = [yaml.safe_load((ROOT / "examples" / f"{t}.yaml").read_text(encoding="utf-8")) for t in types]
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            ev = yaml.safe_load(yaml.safe_dump(bases[i % len(bases)], allow_unicode=True))
            meeting = _part(ev, "meeting", "会议")
            name = _key(meeting, "name", "名称")
            meeting[name] = f"{meeting[name]}（第{i + 1}场）"
            meeting[_key(meeting, "date", "日期")] = dt.date(2026, 1, 5) + dt.timedelta(days=i % 700)
            options = _part(ev, "options", "选项")
            options[_key(options, "seed", "随机种子")] = 1000 + i
            for part, (en, zh), base, step in (
                (("program", "工作"), ("cadres", "人数"), 20, 7),
                (("review", "回顾"), ("cadres", "人数"), 10, 5),
            ):
                group = ev.get(part[0], ev.get(part[1]))
                if isinstance(group, dict) and _key(group, en, zh) in group:
                    group[_key(group, en, zh)] = base + (i * step) % 90
            f.write("---\n" + yaml.safe_dump(ev, allow_unicode=True, sort_keys=False))


def _key(d: dict, en: str, zh: str) -> str:
    return zh if zh in d else en


def _part(ev: dict, en: str, zh: str) -> dict:
    return ev.setdefault(_key(ev, en, zh), {})


def drafts_of(folder: Path) -> list[list[tuple[str, str]]]:
    """(style, text) of every paragraph of every draft speechgen wrote (read back, not timed)."""
    from docx import Document

    out = []
    for f in sorted(folder.glob("*.docx")):
        out.append([(p.style.name, p.text) for p in Document(str(f)).paragraphs])
    return out


def styled_base(sample: Path, path: Path) -> None:
    """speechgen's styled base: one of its documents with the body's paragraphs removed."""
    from docx import Document

    doc = Document(str(sample))
    for p in list(doc.paragraphs):
        p._element.getparent().remove(p._element)
    doc.save(str(path))


def equivalent_template(base: Path, path: Path) -> None:
    """The docxtpl template equivalent to speechgen's output: the same base and styles, the body a loop."""
    from docx import Document

    doc = Document(str(base))
    for kind in ("title", "speaker", "date", "salutation"):
        doc.add_paragraph(f"{{{{ {kind} }}}}", style=STYLES[kind])
    doc.add_paragraph("{%p for p in body %}")
    doc.add_paragraph("{%p if p.kind == 'heading1' %}")
    doc.add_paragraph("{{ p.text }}", style=STYLES["heading1"])
    doc.add_paragraph("{%p elif p.kind == 'heading2' %}")
    doc.add_paragraph("{{ p.text }}", style=STYLES["heading2"])
    doc.add_paragraph("{%p else %}")
    doc.add_paragraph("{{ p.text }}", style=STYLES["body"])
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{%p endfor %}")
    doc.save(str(path))


# -- measuring --------------------------------------------------------------------------------------


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: compiled modules are read, not compiled each run
    return env


def timed(args: Sequence[str], cwd: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of one command, which must succeed; CPU is user + system of it and its children."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(
        list(args), cwd=cwd, check=True, env=environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def _spin(n: int) -> int:
    s = 0
    for i in range(n):
        s += i * i
    return s


def second_core(n: int = 3_000_000) -> float:
    """What two processes get over one for plain CPU-bound Python right now: 2.0 when a second core is free."""
    import multiprocessing

    t = time.perf_counter()
    _spin(n)
    _spin(n)
    serial = time.perf_counter() - t
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.map(_spin, [1, 1])  # start the workers before timing
        t = time.perf_counter()
        pool.map(_spin, [n, n], chunksize=1)
        parallel = time.perf_counter() - t
    return serial / parallel


class Figures:
    """Named series of measurements, one value a run."""

    def __init__(self) -> None:
        self.series: dict[str, list[float]] = {}

    def add(self, name: str, value: float) -> None:
        self.series.setdefault(name, []).append(value)

    def median(self, name: str) -> float:
        return statistics.median(self.series[name])

    def spread(self, name: str, scale: float = 1.0, fmt: str = "{:.1f}") -> str:
        xs = self.series[name]
        return f"{fmt.format(min(xs) * scale)}–{fmt.format(max(xs) * scale)}"


def in_process(events: Path) -> list[tuple[str, str]]:
    """Where a draft's time goes inside one process: median per draft over the events, after a warm pass."""
    from speechgen import api
    from speechgen.export.docx import to_docx
    from speechgen.export.layout import Layout
    from speechgen.run.inputs import read_inputs

    jobs = [j for j in read_inputs([str(events)]) if j.event is not None]
    layout = Layout()
    for job in jobs[:8]:  # warm: banks, templates and the base document loaded
        to_docx(api.draft(job.event), layout)
    compose, review, write = [], [], []
    for job in jobs:
        t0 = time.process_time()
        draft = api.draft(job.event)
        t1 = time.process_time()
        api.review(draft, event=job.event)
        t2 = time.process_time()
        to_docx(draft, layout)
        t3 = time.process_time()
        compose.append(t1 - t0)
        review.append(t2 - t1)
        write.append(t3 - t2)

    def ms(xs: list[float]) -> str:
        qs = statistics.quantiles(xs, n=4)
        return f"{statistics.median(xs) * 1000:.2f} ms (quartiles {qs[0] * 1000:.2f}–{qs[2] * 1000:.2f})"

    return [
        ("composing one draft (api.draft)", ms(compose)),
        ("checking it (api.review; `render` runs it, a batch only with --strict)", ms(review)),
        ("writing its .docx (the lean writer)", ms(write)),
    ]


# -- the run ----------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=200, help="events of the batch runs (default 200)")
    ap.add_argument("--runs", type=int, default=7, help="runs of every figure; medians are shown (default 7)")
    ap.add_argument("--renders", type=int, default=21, help="paired runs of render to .docx and .txt (default 21)")
    ap.add_argument("--types", default=",".join(TYPES), help="meeting types of the events (default: all four)")
    ap.add_argument("--out", type=Path, help="also write the tables to this file")
    args = ap.parse_args()
    types = [t.strip() for t in args.types.split(",") if t.strip()]
    n = args.events
    load_before = os.getloadavg()
    fig = Figures()
    with tempfile.TemporaryDirectory(prefix="speechgen-bench-") as tmp:
        work = Path(tmp)
        events = work / "events.yaml"
        generate(n, events, types)
        (work / "py_docx.py").write_text(PYTHON_DOCX, encoding="utf-8")
        (work / "default_template.py").write_text(DEFAULT_TEMPLATE, encoding="utf-8")
        (work / "docxtpl_run.py").write_text(DOCXTPL, encoding="utf-8")
        # a first batch: warms the caches (banks, templates, base document, compiled modules), gives the texts
        timed([str(SPEECHGEN), "batch", str(events), "-o", str(fresh(work / "sg")), "-j", "1", "-q"], work)
        drafts = drafts_of(work / "sg")
        if len(drafts) != n:
            raise SystemExit(f"only {len(drafts)} of {n} events were drafted; try --types")
        (work / "drafts.json").write_text(json.dumps(drafts, ensure_ascii=False), encoding="utf-8")
        kinds = [[(KIND_OF_STYLE[s], t) for s, t in d] for d in drafts]
        (work / "kinds.json").write_text(json.dumps(kinds, ensure_ascii=False), encoding="utf-8")
        styled_base(next((work / "sg").glob("*.docx")), work / "base.docx")
        equivalent_template(work / "base.docx", work / "template.docx")
        py = sys.executable
        programs: dict[str, Callable[[], list[str]]] = {
            "speechgen": lambda: [str(SPEECHGEN), "batch", str(events), "-o", str(fresh(work / "sg")), "-j", "1", "-q"],
            "python-docx": lambda: [py, "py_docx.py", "drafts.json", "base.docx", str(fresh(work / "pd"))],
            "docxtpl": lambda: [py, "docxtpl_run.py", "kinds.json", "template.docx", str(fresh(work / "dt"))],
            "default template": lambda: [py, "default_template.py", "drafts.json", str(fresh(work / "dd"))],
        }
        for command in programs.values():  # each once, untimed: compiled modules and file caches warm
            timed(command(), work)
        names = list(programs)
        for r in range(args.runs):
            for name in names[r % len(names) :] + names[: r % len(names)]:
                wall, cpu = timed(programs[name](), work)
                fig.add(f"{name} wall", wall / n)
                fig.add(f"{name} cpu", cpu / n)
            for other in ("python-docx", "docxtpl", "default template"):
                for kind in ("wall", "cpu"):
                    fig.add(
                        f"ratio {other} {kind}", fig.series[f"speechgen {kind}"][-1] / fig.series[f"{other} {kind}"][-1]
                    )
            j2_wall, _ = timed(
                [str(SPEECHGEN), "batch", str(events), "-o", str(fresh(work / "j2")), "-j", "2", "-q"], work
            )
            fig.add("jobs 2 wall", j2_wall)
            fig.add("jobs ratio", fig.series["speechgen wall"][-1] * n / j2_wall)
            fig.add("second core", second_core())
        example = ROOT / "examples" / ("village_stay.yaml" if "village_stay" in types else f"{types[0]}.yaml")
        render = [str(SPEECHGEN), "render", str(example), "--force", "-o"]
        for fmt in ("docx", "txt"):
            timed([*render, str(work / f"r.{fmt}")], work)
        for r in range(args.renders):
            order = ("docx", "txt") if r % 2 == 0 else ("txt", "docx")
            for fmt in order:
                wall, cpu = timed([*render, str(work / f"r.{fmt}")], work)
                fig.add(f"render {fmt} wall", wall)
                fig.add(f"render {fmt} cpu", cpu)
            for kind in ("wall", "cpu"):
                fig.add(
                    f"render ratio {kind}", fig.series[f"render docx {kind}"][-1] / fig.series[f"render txt {kind}"][-1]
                )
            wall, cpu = timed([str(SPEECHGEN), "--help"], work)
            fig.add("help wall", wall)
            fig.add("help cpu", cpu)
        parts = in_process(events)
    load_after = os.getloadavg()
    lines = report(fig, n, args, types, load_before, load_after, parts)
    print("\n".join(lines))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def report(fig: Figures, n: int, args, types, load_before, load_after, parts) -> list[str]:  # noqa: ANN001
    def ms(name: str) -> str:
        return f"{fig.median(name) * 1000:.2f} ms ({fig.spread(name, 1000, '{:.2f}')})"

    def ratio(name: str) -> str:
        return f"**{fig.median(name):.2f}×** ({fig.spread(name, 1, '{:.2f}')})"

    def s(name: str) -> str:
        return f"{fig.median(name):.3f} s ({fig.spread(name, 1, '{:.3f}')})"

    core = fig.median("second core")
    free = core >= 1.8
    jobs = (
        f"{ratio('jobs ratio')}; a second core was free (calibration {core:.2f}×)"
        if free
        else f"not reported: no second core was free in these runs (calibration {core:.2f}×, "
        f"{fig.spread('second core', 1, '{:.2f}')}; measured {fig.median('jobs ratio'):.2f}×)"
    )
    editable = any(BIN.parent.glob("lib/python*/site-packages/__editable__*speechgen*"))
    head = (
        f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, {args.runs} runs of {n} events "
        f"({', '.join(types)}), {args.renders} paired renders; load average {load_before[0]:.1f} before, "
        f"{load_after[0]:.1f} after; speechgen installed {'editable' if editable else 'as a package'}."
    )
    rows = [
        (
            "per draft, `speechgen batch -j 1` (whole process: read, validate, compose, write)",
            ms("speechgen wall"),
            ms("speechgen cpu"),
            "",
        ),
        (
            "per draft, python-docx writing the same paragraphs on the same styled base",
            ms("python-docx wall"),
            ms("python-docx cpu"),
            "",
        ),
        (
            "per draft, docxtpl rendering an equivalent template with the same texts",
            ms("docxtpl wall"),
            ms("docxtpl cpu"),
            "",
        ),
        (
            "speechgen / python-docx, same styled base",
            ratio("ratio python-docx wall"),
            ratio("ratio python-docx cpu"),
            "",
        ),
        ("speechgen / docxtpl", ratio("ratio docxtpl wall"), ratio("ratio docxtpl cpu"), "≤ 1.0×"),
        (
            "old baseline: speechgen / python-docx on its default template (839 KB of parts)",
            ratio("ratio default template wall"),
            ratio("ratio default template cpu"),
            "",
        ),
        (
            f"`render` of {types[-1] if 'village_stay' not in types else 'village_stay'} to .docx",
            s("render docx wall"),
            s("render docx cpu"),
            "≤ 0.12 s",
        ),
        ("same render to .txt", s("render txt wall"), s("render txt cpu"), ""),
        ("render .docx / .txt", ratio("render ratio wall"), ratio("render ratio cpu"), "≤ 1.1×"),
        ("`speechgen --help`", s("help wall"), s("help cpu"), "≤ 0.15 s"),
        (f"`batch --jobs 2` vs `--jobs 1`, {n} events, wall", jobs, "", ""),
    ]
    out = [
        head,
        "",
        "| measure | wall: median (lowest–highest) | CPU: median (lowest–highest) | target |",
        "|---|---|---|---|",
    ]
    out += [f"| {' | '.join(row)} |" for row in rows]
    out += ["", "| inside one process, per draft (CPU) | median |", "|---|---|"]
    out += [f"| {a} | {b} |" for a, b in parts]
    return out


if __name__ == "__main__":
    main()
