"""Benchmark `speechgen batch plan.xlsx`: per-draft cost from 200 to 2,000 rows, against the same events as
YAML, the reader alone, and peak memory.

    python bench/sheet.py              # the table in bench/README.md ("Spreadsheets"): 4,600 drafts
    python bench/sheet.py --runs 3     # the median of three runs per figure

Rows are generated from the examples whose meeting types the phrase banks draft as they stand (each row
its own name, date, seed and numbers; lists as ；-joined cells, dates as Excel dates), and written to a
workbook with openpyxl; the same events are written as a YAML stream for the comparison.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import EXAMPLES, ROOT, SPEECHGEN, generate, tree_memory  # noqa: E402


def draftable() -> list[str]:
    from speechgen import api
    from speechgen.errors import SpeechgenError

    ok = []
    for t in EXAMPLES:
        try:
            api.draft(api.load_event(ROOT / "examples" / f"{t}.yaml"))
            ok.append(t)
        except SpeechgenError:
            continue
    return ok


def flat(data: dict, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], object]:
    out: dict[tuple[str, ...], object] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out |= flat(value, (*prefix, key))
        else:
            out[(*prefix, key)] = "；".join(map(str, value)) if isinstance(value, list) else value
    return out


def workbook(stream: Path, path: Path) -> int:
    """The events of a YAML stream as a workbook, one row each, headers in Chinese; the number of rows."""
    from openpyxl import Workbook

    from speechgen.event.sheethead import dotted_alias, resolve, sheet_fields

    fields = [p for p, _f in sheet_fields()]
    rows = []
    for doc in yaml.safe_load_all(stream.read_text(encoding="utf-8")):
        row: list[object] = [None] * len(fields)
        for written, value in flat(doc).items():
            found = resolve(".".join(written))
            assert not isinstance(found, str), written
            row[fields.index(found[0])] = value
        rows.append(row)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("会议清单")
    ws.append([dotted_alias(p) for p in fields])
    for row in rows:
        ws.append(row)
    wb.save(path)
    return len(rows)


def events(n: int, work: Path, types: list[str]) -> tuple[Path, Path]:
    """n events of the draftable types as a YAML stream and as a workbook."""
    import bench

    saved = bench.EXAMPLES
    bench.EXAMPLES = tuple(types)
    try:
        stream = work / f"events-{n}.yaml"
        generate(n, stream)
    finally:
        bench.EXAMPLES = saved
    book = work / f"plan-{n}.xlsx"
    assert workbook(stream, book) == n
    return stream, book


def peak(work: Path, source: Path, jobs: int) -> tuple[float, float, float, float]:
    """(seconds, peak RSS summed over the process tree, peak PSS summed in MB, sampled every 20 ms, and CPU
    seconds of the tree: the figure a shared machine's load does not change)."""
    out = work / "out-mem"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [str(SPEECHGEN), "batch", str(source), "-o", str(out), "-j", str(jobs), "-q"]
    proc = subprocess.Popen(cmd, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    top = [0, 0]

    def sample() -> None:
        while proc.poll() is None:
            rss, pss = tree_memory(proc.pid)
            top[0], top[1] = max(top[0], rss), max(top[1], pss)
            time.sleep(0.02)

    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    sampler = threading.Thread(target=sample)
    sampler.start()
    code = proc.wait()
    sampler.join()
    if code != 0:
        raise SystemExit(f"the memory run failed with exit status {code}")
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds = used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime
    return time.perf_counter() - t, top[0] / 2**20, top[1] / 2**20, seconds


def reader(book: Path) -> tuple[float, float, int]:
    """In this process: (ms to check the workbook, ms per row read and validated, rows)."""
    from speechgen.event.sheet import read_rows
    from speechgen.event.sheetguard import check_workbook

    data = book.read_bytes()
    t = time.perf_counter()
    check_workbook(data, book.name)
    guard = time.perf_counter() - t
    t = time.perf_counter()
    rows = [r for r in read_rows(book, book.name) if r.event is not None]
    return guard * 1000, (time.perf_counter() - t) * 1000 / len(rows), len(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--small", type=int, default=200)
    ap.add_argument("--large", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=1, help="runs per figure; the median is shown (default 1)")
    ap.add_argument("--skip-parallel", action="store_true", help="without the --jobs 2 run of the large sheet")
    args = ap.parse_args()
    types = draftable()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="speechgen-sheet-bench-") as tmp:
        work = Path(tmp)
        small_yaml, small = events(args.small, work, types)
        large_yaml, large = events(args.large, work, types)
        peak(work, small, 1)  # warm the caches
        runs: dict[tuple[str, int], list[tuple[float, float, float, float]]] = {}
        for _ in range(args.runs):  # each run timed and its memory sampled at once
            for key, source, jobs in (
                ("small", small, 1),
                ("large", large, 1),
                ("large", large, 2),
                ("yaml", small_yaml, 1),
            ):
                if jobs == 2 and args.skip_parallel:
                    continue
                runs.setdefault((key, jobs), []).append(peak(work, source, jobs))
        made = len(list((work / "out-mem").glob("*.docx")))
        if made != args.small:
            raise SystemExit(f"only {made} of {args.small} events were drafted")
        guard_ms, row_ms, read = reader(large)
        import zipfile

        sheet_xml = zipfile.ZipFile(large).getinfo("xl/worksheets/sheet1.xml").file_size
        size = large.stat().st_size

    def med(key: str, jobs: int, i: int) -> float:
        return statistics.median(r[i] for r in runs[(key, jobs)])

    s, lg, y = (
        med("small", 1, 0) / args.small * 1000,
        med("large", 1, 0) / args.large * 1000,
        med("yaml", 1, 0) / args.small * 1000,
    )
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores, median of {args.runs} run(s); "
        f"types {', '.join(types)}; load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after; "
        f"{dt.date.today()}\n"
    )
    print("| measure | result |\n|---|---|")
    print(f"| per draft, `batch plan.xlsx -j 1`, {args.small} rows | {s:.1f} ms |")
    print(
        f"| per draft, `batch plan.xlsx -j 1`, {args.large:,} rows | {lg:.1f} ms "
        f"({lg / s:.2f}× the {args.small}-row figure) |"
    )
    print(f"| per draft, the same {args.small} events as a YAML stream, `-j 1` | {y:.1f} ms |")
    for key, n, what in (("small", args.small, "rows"), ("large", args.large, "rows"), ("yaml", args.small, "YAML")):
        print(f"| CPU per draft, {n:,} {what}, `-j 1` | {med(key, 1, 3) / n * 1000:.0f} ms |")
    print(
        f"| checking the {args.large:,}-row workbook before opening it (zip directory, XML scan) | {guard_ms:.0f} ms |"
    )
    print(f"| reading and validating one row (in process, {read:,} rows) | {row_ms:.2f} ms |")
    print(f"| the {args.large:,}-row workbook | {size / 1e6:.1f} MB, its sheet {sheet_xml / 1e6:.1f} MB of XML |")
    for key, jobs in (("small", 1), ("large", 1), ("large", 2)):
        if (key, jobs) not in runs:
            continue
        n = args.small if key == "small" else args.large
        secs, rss, pss = med(key, jobs, 0), med(key, jobs, 1), med(key, jobs, 2)
        print(
            f"| peak memory, {n:,} rows, `--jobs {jobs}` ({secs:.0f} s) | {pss:.0f} MB PSS ({rss:.0f} MB RSS summed) |"
        )


if __name__ == "__main__":
    main()
