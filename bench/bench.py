"""Benchmark `speechgen batch`: per-draft cost against bare python-docx, parallel speed-up, start-up, memory.

    python bench/bench.py                 # the full table (about five minutes on two cores)
    python bench/bench.py --skip-memory   # without the 5,000-event memory run

Events are generated from the examples (varied seeds, dates, names and numbers),
so the figures do not depend on hand-written inputs. Every figure is the median
of --runs runs; the per-draft cost and the bare python-docx writer are measured
in the same run, interleaved, so that both see the same machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ("mobilisation", "summary", "summary_mobilisation", "village_stay")
SPEECHGEN = Path(sys.executable).parent / "speechgen"  # the console script itself, not a version-manager shim


def generate(n: int, path: Path) -> None:
    """n events as one YAML stream, cycling through the examples with varied facts (English or Chinese keys)."""
    bases = [yaml.safe_load((ROOT / "examples" / f"{t}.yaml").read_text(encoding="utf-8")) for t in EXAMPLES]
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


def run(args: list[str], cwd: Path) -> float:
    """Wall time of one command; it must succeed."""
    t = time.perf_counter()
    subprocess.run(args, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def batch_time(work: Path, events: Path, jobs: int) -> float:
    out = work / f"out-j{jobs}"
    shutil.rmtree(out, ignore_errors=True)
    return run([str(SPEECHGEN), "batch", str(events), "-o", str(out), "-j", str(jobs), "-q"], work)


def paragraphs_of(folder: Path) -> list[list[str]]:
    from docx import Document

    return [[p.text for p in Document(str(f)).paragraphs] for f in sorted(folder.glob("*.docx"))]


def naive_time(drafts: list[list[str]], out: Path) -> float:
    """Bare python-docx: Document(), add_paragraph per paragraph, save; all drafts, wall time."""
    from docx import Document

    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    t = time.perf_counter()
    for i, paragraphs in enumerate(drafts):
        doc = Document()
        for text in paragraphs:
            doc.add_paragraph(text)
        doc.save(str(out / f"{i}.docx"))
    return time.perf_counter() - t


def _spin(n: int) -> int:
    s = 0
    for i in range(n):
        s += i * i
    return s


def machine_speedup(n: int = 5_000_000) -> float:
    """What two processes get over one on this machine right now, for plain CPU-bound Python (calibration)."""
    import multiprocessing

    t = time.perf_counter()
    _spin(n)
    _spin(n)
    serial = time.perf_counter() - t
    with multiprocessing.get_context("fork").Pool(2) as pool:
        pool.map(_spin, [1, 1])  # start the workers before timing
        t = time.perf_counter()
        pool.map(_spin, [n, n], chunksize=1)
        parallel = time.perf_counter() - t
    return serial / parallel


def tree_memory(pid: int) -> tuple[int, int]:
    """(sum of RSS, sum of PSS) in bytes of a process and its descendants, from /proc."""
    rss = pss = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1]) * 1024
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1]) * 1024
            for task in Path(f"/proc/{p}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return rss, pss


def peak_memory(work: Path, events: Path, jobs: int) -> tuple[float, float, float]:
    """(seconds, peak RSS summed over the processes, peak PSS summed) of one batch run, sampled every 20 ms."""
    out = work / "out-mem"
    shutil.rmtree(out, ignore_errors=True)
    proc = subprocess.Popen(
        [str(SPEECHGEN), "batch", str(events), "-o", str(out), "-j", str(jobs), "-q"],
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    peak = [0, 0]

    def sample() -> None:
        while proc.poll() is None:
            rss, pss = tree_memory(proc.pid)
            peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)
            time.sleep(0.02)

    t = time.perf_counter()
    sampler = threading.Thread(target=sample)
    sampler.start()
    code = proc.wait()
    sampler.join()
    if code != 0:
        raise SystemExit(f"the memory run failed with exit status {code}")
    return time.perf_counter() - t, peak[0] / 2**20, peak[1] / 2**20


def breakdown(events: Path) -> list[tuple[str, str]]:
    """Where one draft's time goes, in this process: (what, ms per draft), medians over the events."""
    from speechgen import api
    from speechgen.export.docx import to_docx, with_python_docx
    from speechgen.export.layout import Layout
    from speechgen.run.inputs import read_inputs

    t = time.perf_counter()
    jobs = list(read_inputs([str(events)]))
    read = (time.perf_counter() - t) / len(jobs)
    layout = Layout()
    compose, fast, slow = [], [], []
    for job in jobs:
        t0 = time.perf_counter()
        draft = api.draft(job.event)
        t1 = time.perf_counter()
        to_docx(draft, layout)
        t2 = time.perf_counter()
        with_python_docx(draft, layout)
        t3 = time.perf_counter()
        compose.append(t1 - t0)
        fast.append(t2 - t1)
        slow.append(t3 - t2)
    ms = lambda xs: f"{statistics.mean(xs) * 1000:.1f} ms"  # noqa: E731 - means: compiling is paid once per variant
    return [
        ("reading and validating one event (main process)", f"{read * 1000:.1f} ms"),
        ("composing one draft (speechgen.compose, incl. first-use template compiles)", ms(compose)),
        ("writing its .docx, speechgen's writer", ms(fast)),
        ("writing its .docx through the python-docx API (the old writer, same bytes)", ms(slow)),
    ]


def median(f: Callable[[], float], runs: int) -> float:
    return statistics.median(f() for _ in range(runs))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=200, help="events for the timing runs (default 200)")
    ap.add_argument("--runs", type=int, default=5, help="runs per figure; the median is shown (default 5)")
    ap.add_argument(
        "--long-events",
        type=int,
        default=600,
        help="events of the longer run that gives the steady throughput (default 600)",
    )
    ap.add_argument("--memory-events", type=int, default=5000, help="events for the memory run (default 5000)")
    ap.add_argument("--skip-memory", action="store_true", help="leave out the memory run")
    args = ap.parse_args()
    n = args.events
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="speechgen-bench-") as tmp:
        work = Path(tmp)
        events = work / "events.yaml"
        generate(n, events)
        batch_time(work, events, 1)  # warm the file cache and check that every event drafts
        drafts = paragraphs_of(work / "out-j1")
        if len(drafts) != n:
            raise SystemExit(f"only {len(drafts)} of {n} events were drafted")
        long_events = work / "long.yaml"
        generate(args.long_events, long_events)
        per_draft, naive, j1, j2, steady, machine = [], [], [], [], [], []
        for _ in range(args.runs):  # interleaved, so that all figures see the same machine
            t1 = batch_time(work, events, 1)
            j1.append(t1)
            per_draft.append(t1 / n)
            naive.append(naive_time(drafts, work / "naive") / n)
            t2 = batch_time(work, events, 2)
            j2.append(t2)
            # events n+1 … long: start-up and first compiles are paid in both runs and cancel out
            steady.append((batch_time(work, long_events, 1) - t1) / (batch_time(work, long_events, 2) - t2))
            machine.append(machine_speedup())
        help_s = median(lambda: run([str(SPEECHGEN), "--help"], work), max(args.runs, 10))
        example = ROOT / "examples" / "village_stay.yaml"
        render_s = median(
            lambda: run([str(SPEECHGEN), "render", str(example), "-o", str(work / "r.docx"), "--force"], work),
            args.runs,
        )
        pd, nv = statistics.median(per_draft), statistics.median(naive)
        t1, t2 = statistics.median(j1), statistics.median(j2)
        rows = [
            (f"per draft, `batch --jobs 1`, {n} events", f"{pd * 1000:.1f} ms", ""),
            ("per draft, bare python-docx (same paragraphs)", f"{nv * 1000:.1f} ms", ""),
            ("ratio speechgen / python-docx", f"{pd / nv:.2f}×", "≤ 1.0×"),
            (
                f"`--jobs 2` vs `--jobs 1`, {n} events, wall time ({os.cpu_count()} cores)",
                f"{t1 / t2:.2f}× "
                f"({t1:.2f} s → {t2:.2f} s; best run {max(a / b for a, b in zip(j1, j2, strict=True)):.2f}×)",
                "≥ 1.7×",
            ),
            (
                f"`--jobs 2` vs `--jobs 1`, steady throughput (events {n + 1}–{args.long_events})",
                f"{statistics.median(steady):.2f}× (best run {max(steady):.2f}×)",
                "≥ 1.7×",
            ),
            (
                "calibration: 2 processes vs 1 on plain CPU-bound Python, same runs",
                f"{statistics.median(machine):.2f}× (best run {max(machine):.2f}×)",
                "2.0× on 2 idle cores",
            ),
            ("`speechgen --help`", f"{help_s:.3f} s", "≤ 0.15 s"),
            ("`speechgen render examples/village_stay.yaml`", f"{render_s:.3f} s", "≤ 0.5 s"),
        ]
        if not args.skip_memory:
            m = args.memory_events
            mem_events = work / "many.yaml"
            generate(m, mem_events)
            for jobs in (1, 2):
                secs, rss, pss = peak_memory(work, mem_events, jobs)
                rows.append(
                    (
                        f"peak memory, {m:,} events, `--jobs {jobs}` ({secs:.0f} s)",
                        f"{pss:.0f} MB PSS ({rss:.0f} MB RSS summed)",
                        "< 200 MB",
                    )
                )
        parts = breakdown(events)
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores, median of {args.runs} runs; "
        f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after (other processes share the cores)\n"
    )
    print("| measure | result | target |\n|---|---|---|")
    for row in rows:
        print(f"| {' | '.join(row)} |")
    print("\n| where a draft's time goes (in process, mean of the events) | per draft |\n|---|---|")
    for row in parts:
        print(f"| {' | '.join(row)} |")


if __name__ == "__main__":
    main()
