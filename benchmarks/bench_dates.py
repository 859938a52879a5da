"""Rasid's date layer vs bare dateparser, side by side in one run.

    .venv/bin/python benchmarks/bench_dates.py [--cases ../shared/dates/public_cases.jsonl] [-n 10000]

Both parse the same strings (the public cases repeated to N) with the same
reference instant and zone. dateparser is configured as issue 3 measured it:
languages=['ar'], RELATIVE_BASE, TIMEZONE, past preference, day-first. Both are
warmed up first so the figure is the steady-state cost per call, not the
first-call locale loading. No result cache is involved on our side: each call
goes through folding, tokenising and the regexes.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import datetime
from pathlib import Path

import dateparser

from extract.dates import parse_date

HERE = Path(__file__).resolve().parent
DEFAULT_CASES = HERE.parent.parent / "shared" / "dates" / "public_cases.jsonl"


def load(path: Path, n: int) -> list[dict]:
    cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [cases[i % len(cases)] for i in range(n)]


def bare_dateparser(case: dict):
    ref = datetime.fromisoformat(case["reference"])
    return dateparser.parse(
        case["text"],
        languages=["ar"],
        settings={
            "RELATIVE_BASE": ref.replace(tzinfo=None),
            "TIMEZONE": case["tz"],
            "RETURN_AS_TIMEZONE_AWARE": True,
            "PREFER_DATES_FROM": "past",
            "DATE_ORDER": "DMY",
        },
    )


def rasid(case: dict):
    return parse_date(case["text"], case["reference"], case["tz"])


def timed(fn, cases) -> tuple[float, int]:
    start = time.perf_counter()
    found = sum(fn(c) is not None for c in cases)
    return time.perf_counter() - start, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    parser.add_argument("-n", type=int, default=10_000)
    args = parser.parse_args()
    cases = load(args.cases, args.n)
    unique = load(args.cases, len({c["text"] for c in cases}))
    for fn in (bare_dateparser, rasid):  # warm-up: locale loading, regex compilation
        for c in unique:
            fn(c)
    # Interleave the two runs in halves so a noisy neighbour hurts both alike.
    half = len(cases) // 2
    t_dp1, f_dp1 = timed(bare_dateparser, cases[:half])
    t_us1, f_us1 = timed(rasid, cases[:half])
    t_dp2, f_dp2 = timed(bare_dateparser, cases[half:])
    t_us2, f_us2 = timed(rasid, cases[half:])
    t_dp, t_us = t_dp1 + t_dp2, t_us1 + t_us2
    result = {
        "strings": len(cases),
        "bare_dateparser_us_per_call": round(1e6 * t_dp / len(cases), 1),
        "rasid_us_per_call": round(1e6 * t_us / len(cases), 1),
        "speedup": round(t_dp / t_us, 1),
        "bare_dateparser_found": f_dp1 + f_dp2,
        "rasid_found": f_us1 + f_us2,
    }
    print(f"{'':24}{'µs/call':>10}{'dates found':>14}")
    print(f"{'bare dateparser':24}{result['bare_dateparser_us_per_call']:>10}{result['bare_dateparser_found']:>14}")
    print(f"{'rasid parse_date':24}{result['rasid_us_per_call']:>10}{result['rasid_found']:>14}")
    print(f"speed-up (bare ÷ rasid): {result['speedup']}×")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
