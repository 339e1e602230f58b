"""Benchmark the workbench's live preview (issue 17): server-side time of one preview update.

    python bench/preview.py              # every example, 60 updates each (about a minute)
    python bench/preview.py --runs 200

For each example the form is posted to /draft as the page posts it after a keystroke, in process (Starlette's
test client: no network, no browser), once to warm up (banks loaded, templates compiled) and then --runs
times, each with one field changed (the number of cadres, as a secretary types) and a lock or a re-roll now
and then. The time is from the request to the full HTML answer: reading the form, validating the event,
composing, checking and rendering the page fragment. Needs the test extra (httpx for the client).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EXAMPLES = ("mobilisation", "summary", "summary_mobilisation", "village_stay")

from speechgen import api  # noqa: E402
from speechgen.run import eventfile  # noqa: E402
from speechgen.web.app import create_app  # noqa: E402
from speechgen.web.form import FormState  # noqa: E402
from speechgen.web.preview import draft_view  # noqa: E402
from speechgen.web.settings import WebSettings  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


def form(text: str) -> dict:
    state = FormState.from_data(eventfile.event_data(text))
    data: dict = dict(state.values)
    data["choice.place"] = list(state.choices)
    data["choice.variant"] = list(state.choices.values())
    return data


def count_key(data: dict) -> str | None:
    for key in ("program.cadres", "review.cadres"):
        if key in data:
            return key
    return None


def measure(name: str, runs: int) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        s = WebSettings(folder=Path(tmp), port=8765)
        with TestClient(create_app(s), base_url="http://127.0.0.1:8765") as c:
            c.cookies.set(s.cookie_name(), s.token)
            headers = {"HX-Request": "true", "X-CSRF-Token": s.csrf}
            data = form((ROOT / "examples" / f"{name}.yaml").read_text(encoding="utf-8"))
            key = count_key(data)
            first = c.post("/draft", data=data, headers=headers)
            assert first.status_code == 200, first.text[:500]
            times = []
            for i in range(runs):
                step = dict(data)
                if key:
                    step[key] = str(20 + i % 60)
                if i % 10 == 5:
                    step["action"] = "reroll"
                t = time.perf_counter()
                r = c.post("/draft", data=step, headers=headers)
                times.append(time.perf_counter() - t)
                assert r.status_code == 200, r.text[:500]
            return times


def breakdown(name: str, runs: int) -> dict[str, float]:
    """Median ms of each step of one update, called directly: the form read as an event, the draft
    (api.draft), the checker (api.review), the page's view of the draft."""
    state = FormState.from_data(eventfile.event_data((ROOT / "examples" / f"{name}.yaml").read_text(encoding="utf-8")))
    event = state.event()
    api.review(api.draft(event), event=event)  # warm
    steps: dict[str, list[float]] = {"event": [], "draft": [], "review": [], "view": []}
    for _ in range(runs):
        t0 = time.perf_counter()
        event = state.event()
        t1 = time.perf_counter()
        d = api.draft(event)
        t2 = time.perf_counter()
        r = api.review(d, event=event)
        t3 = time.perf_counter()
        draft_view(d, r, state.choices)
        t4 = time.perf_counter()
        for key, a, b in (("event", t0, t1), ("draft", t1, t2), ("review", t2, t3), ("view", t3, t4)):
            steps[key].append((b - a) * 1000)
    return {k: statistics.median(v) for k, v in steps.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()
    every: list[float] = []
    print("| example | median | p95 | max |\n|---|---|---|---|")
    for name in EXAMPLES:
        times = measure(name, args.runs)
        every += times
        q = statistics.quantiles(times, n=20)
        median, p95, top = statistics.median(times) * 1000, q[18] * 1000, max(times) * 1000
        print(f"| {name} | {median:.0f} ms | {p95:.0f} ms | {top:.0f} ms |")
    q = statistics.quantiles(every, n=20)
    print(
        f"| all ({len(every)} updates) | {statistics.median(every) * 1000:.0f} ms | {q[18] * 1000:.0f} ms | "
        f"{max(every) * 1000:.0f} ms |"
    )
    print("\n| example | form → event | api.draft | api.review | page view |\n|---|---|---|---|---|")
    for name in EXAMPLES:
        b = breakdown(name, max(5, args.runs // 4))
        print(f"| {name} | " + " | ".join(f"{b[k]:.1f} ms" for k in ("event", "draft", "review", "view")) + " |")


if __name__ == "__main__":
    main()
