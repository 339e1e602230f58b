"""Peak memory and time of speechgen on large and hostile inputs (issue 14), measured with /usr/bin/time -v.

Each case builds its input in a temporary folder, runs the installed console script under
`/usr/bin/time -v` (Debian package `time`) and reads back the exit status, the wall-clock and CPU
time and the maximum resident set size. Prints one Markdown table row per case (bench/README.md).

    python bench/large_inputs.py                 # every case: a few minutes on two cores
    python bench/large_inputs.py --only check    # the cases whose name contains "check"
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

SPEECHGEN = Path(sys.executable).parent / "speechgen"  # the console script itself
TIME = "/usr/bin/time"
ROOT = Path(__file__).resolve().parent.parent
EVENT = ROOT / "examples" / "village_stay.yaml"

HEAD = "defaults:\n  type: village_stay\n  speaker: {title: 县委常委、组织部部长}\n"
ENTRY = (
    "  - meeting: {{name: 全县第{i}次驻村蹲点工作会议, date: 2026-03-16}}\n"
    "    program: {{cadres: {n}, tasks: [{tasks}]}}\n"
)
TASKS = ", ".join("建强村级班子发展村集体经济" * 15 + str(k) for k in range(30))  # about 18 KB an event


def _events(count: int) -> list[str]:
    return [ENTRY.format(i=i, n=i % 900 + 1, tasks=TASKS) for i in range(count)]


def events_list(folder: Path, mb: int) -> list[str]:
    entries = _events(mb * 2**20 // len(_events(1)[0].encode()))
    (folder / "batch.yaml").write_text(HEAD + "events:\n" + "".join(entries), encoding="utf-8")
    return ["validate", "batch.yaml"]


def events_stream(folder: Path, mb: int) -> list[str]:
    entries = _events(mb * 2**20 // len(_events(1)[0].encode()))
    one = "type: village_stay\nspeaker: {title: 县委常委、组织部部长}\n"
    docs = (one + e[4:].replace("\n    ", "\n") for e in entries)
    (folder / "stream.yaml").write_text("---\n".join(docs), encoding="utf-8")
    return ["validate", "stream.yaml"]


def big_scalar(folder: Path, command: str) -> list[str]:
    with open(folder / "big.yaml", "w", encoding="utf-8") as f:
        f.write("type: village_stay\nmeeting:\n  name: ")
        f.write("长" * 17_000_000)  # 51 MB of UTF-8
        f.write("\n")
    return ["batch", "big.yaml", "-o", "out", "-q"] if command == "batch" else ["validate", "big.yaml"]


def zip_bomb(folder: Path, command: str) -> list[str]:
    with zipfile.ZipFile(folder / "bomb.docx", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", b" " * 200_000_000)  # 200 MB of spaces, about 200 KB packed
    if command == "check":
        return ["check", "bomb.docx"]
    return ["render", str(EVENT), "--reference-docx", "bomb.docx", "-o", "s.docx"]


def findings(folder: Path, paragraphs: bool) -> list[str]:
    body = "某某。\n\n" * 100_000 if paragraphs else "某某。" * 100_000 + "\n"
    (folder / "draft.md").write_text("# 在会议上的讲话\n\n同志们：\n\n" + body, encoding="utf-8")
    return ["check", "draft.md"]


def runaway_template(folder: Path, body: str) -> list[str]:
    (folder / "tpl").mkdir()
    text = '{% extends "base.j2" %}\n{% block opening %}\n' + body + "\n{{ super() }}\n{% endblock %}\n"
    (folder / "tpl" / "village_stay.j2").write_text(text, encoding="utf-8")
    return ["render", str(EVENT), "--templates", "tpl", "-o", "speech.md"]


def runaway_bank(folder: Path) -> list[str]:
    variants = [
        "{{ cadre|center(10**9) }}",
        "{{ '{:>999999999}'.format(1) }}",
        "{% for a in work %}{% for b in work %}{{ a }}{% endfor %}{% endfor %}",
        "{{ 9**9**9 }}",
        "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
    ]
    (folder / "banks").mkdir()
    lines = "".join(f"  - {json.dumps(v, ensure_ascii=False)}\n" for v in variants)  # JSON strings are YAML
    (folder / "banks" / "runaway.yaml").write_text("opening.announce:\n" + lines, encoding="utf-8")
    return ["render", str(EVENT), "--banks", "banks", "-o", "speech.md"]


def fifo(folder: Path) -> list[str]:
    os.mkfifo(folder / "event.yaml")
    return ["render", "event.yaml", "-o", "speech.md"]


CASES: list[tuple[str, Callable[[Path], list[str]]]] = [
    ("render a FIFO (refused unread)", fifo),
    ("render /dev/zero (refused unread)", lambda d: ["render", "/dev/zero", "-o", "speech.md"]),
    ("validate, one 51 MB scalar (refused)", lambda d: big_scalar(d, "validate")),
    ("batch, one 51 MB scalar (refused)", lambda d: big_scalar(d, "batch")),
    ("validate, 60 MB `events:` list (about 3,400 events)", lambda d: events_list(d, 60)),
    ("validate, the same events as a YAML stream", lambda d: events_stream(d, 60)),
    ("render with a zip-bomb `--reference-docx` (refused)", lambda d: zip_bomb(d, "render")),
    ("check the zip-bomb .docx (refused)", lambda d: zip_bomb(d, "check")),
    ("check, 100,000 paragraphs 「某某。」 (1.1 MB, 100,000 findings)", lambda d: findings(d, True)),
    ("check, one paragraph of 100,000 「某某。」 (0.9 MB)", lambda d: findings(d, False)),
    (
        "render, a template recursing twice a level (stopped by its budget)",
        lambda d: runaway_template(
            d, "{% macro m(n) %}{% if n %}{{ m(n - 1) }}{{ m(n - 1) }}{% endif %}{% endmacro %}{{ m(40) }}"
        ),
    ),
    (
        "render, a template with three nested loops over 14,000 characters (loop budget)",
        lambda d: runaway_template(
            d,
            "{% set s = meeting.name * 400 %}{% for a in s %}{% for b in s %}{% for c in s %}{% endfor %}"
            "{% endfor %}{% endfor %}",
        ),
    ),
    (
        "render, a template printing a paragraph of 7,700 sentences (330 KB draft, reviewed)",
        lambda d: runaway_template(d, "{% for i in meeting.name * 700 %}{{ meeting.name }}某某。{% endfor %}"),
    ),
    ("render with a bank of five runaway variants (refused when banks load)", runaway_bank),
]


def measure(args: list[str], cwd: Path, timeout: float) -> dict[str, str]:
    cmd = [TIME, "-v", str(SPEECHGEN), *args]
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    report = dict(re.findall(r"^\s*([^:\n]+(?:\([^)]*\))?[^:\n]*): (.*)$", done.stderr, re.M))
    user, system = float(report["User time (seconds)"]), float(report["System time (seconds)"])
    wall = report["Elapsed (wall clock) time (h:mm:ss or m:ss)"]
    seconds = sum(float(x) * 60**i for i, x in enumerate(reversed(wall.split(":"))))
    rss = int(report["Maximum resident set size (kbytes)"]) / 1024
    said = [line for line in done.stderr.splitlines() if line and not line.startswith(("\t", "Command exited"))]
    return {
        "said": (said[0][:70] + ("…" if len(said[0]) > 70 else "")) if said else "",
        "exit": report.get("Exit status", "?"),
        "wall": f"{seconds:.2f} s",
        "cpu": f"{user + system:.2f} s",
        "rss": f"{rss:.0f} MB",
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", default="", help="run only the cases whose name contains this text")
    ap.add_argument("--timeout", type=float, default=900, help="seconds one case may take")
    opts = ap.parse_args()
    if not Path(TIME).exists():
        sys.exit(f"{TIME} is missing: apt-get install time")
    load = os.getloadavg()[0]
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; load average {load:.1f} before\n")
    print("| input | exit | wall | CPU (user+sys) | peak RSS | first line on stderr |")
    print("|---|---|---|---|---|---|")
    for name, build in CASES:
        if opts.only not in name:
            continue
        with tempfile.TemporaryDirectory(prefix="speechgen-bench-") as tmp:
            args = build(Path(tmp))
            size = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file())
            r = measure(args, Path(tmp), opts.timeout)
        shown = f"{name} [{size / 2**20:.1f} MB on disk]" if size > 2**20 else name
        said = r["said"].replace("|", "¦")
        print(f"| {shown} | {r['exit']} | {r['wall']} | {r['cpu']} | {r['rss']} | {said} |", flush=True)
    print(f"\nload average {os.getloadavg()[0]:.1f} after")


if __name__ == "__main__":
    main()
