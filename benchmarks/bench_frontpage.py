"""What front pages cost the store: bytes a day for a home page of 200 links read every 5 minutes.

    .venv/bin/python benchmarks/bench_frontpage.py [--days 7] [--json bench-frontpage.json]

A simulated site's home page (a lead story, a ticker of 9, four section lists of 45, a "most read"
box of 10: 200 placements) changes as a busy news site's does: 30 new stories a day (each leads,
the former lead goes to the top of a section list whose last story falls off, and heads the ticker,
whose last item drops out), 10 moves an hour (a story taken from its place and put elsewhere on
the page, "most read" reshuffles included) and 3 teasers rewritten a day. It is read every 5 minutes
(288 readings a day) and each reading recorded as a crawl records it (monitor.recorder.Recorder.
record_listing into a fresh db.store.Store), so what is measured is the store's own growth: the
pages SQLite uses (after a checkpoint), per day, beside two ways of keeping the same history:

- every reading whole: 200 rows a reading (what a screenshot archive or a naive scraper keeps);
- literal positions: a row whenever a story's position in its block changes (every story below an
  added one moves down one), the naive "placement closes when it moves" without ranks.

Both are counted from the same simulated page, in rows, and priced at the bytes a placement row
costs in Rasid's store (the first reading's 200 rows, measured).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from db.store import Store  # noqa: E402
from extract.model import ListingPage, Placement  # noqa: E402
from monitor.recorder import Recorder  # noqa: E402

BLOCKS = [("lead", "lead", 1), ("ticker", "ticker", 9)] + [(f"قسم {n}", "list", 45) for n in range(1, 5)] \
    + [("الأكثر قراءة", "ranking", 10)]
READINGS_A_DAY = 288  # every 5 minutes
NEW_A_DAY, MOVES_AN_HOUR, TEASERS_A_DAY = 30, 10, 3
WORDS = "الحكومة تعلن خطة جديدة لدعم الاقتصاد المحلي وتوسيع الاستثمار في قطاع الطاقة والمياه والنقل".split()


class Site:
    """The simulated home page: block name -> [url, ...] in order, and each url's teaser."""

    def __init__(self, rng: random.Random):
        self.rng, self.next_id, self.teasers = rng, 0, {}
        self.blocks = {name: [self.story() for _ in range(size)] for name, _, size in BLOCKS}

    def story(self) -> str:
        self.next_id += 1
        url = f"https://news.example/2026/{self.next_id:06d}/{'-'.join(self.rng.sample(WORDS, 4))}"
        self.teasers[url] = " ".join(self.rng.sample(WORDS, 9))
        return url

    def add(self) -> None:
        url = self.story()
        former = self.blocks["lead"][0]
        self.blocks["lead"] = [url]
        section = self.blocks[f"قسم {self.rng.randint(1, 4)}"]
        section.insert(0, former)
        section.pop()
        self.blocks["ticker"].insert(0, url)
        self.blocks["ticker"].pop()

    def move(self) -> None:
        name = self.rng.choice([n for n, kind, _ in BLOCKS if kind != "lead"])
        block = self.blocks[name]
        url = block.pop(self.rng.randrange(len(block)))
        block.insert(self.rng.randrange(len(block) + 1), url)

    def rewrite(self) -> None:
        url = self.rng.choice(self.blocks[f"قسم {self.rng.randint(1, 4)}"][:10])
        self.teasers[url] = " ".join(self.rng.sample(WORDS, 9))

    def reading(self) -> tuple[Placement, ...]:
        out = []
        for name, kind, _ in BLOCKS:
            for n, url in enumerate(self.blocks[name], 1):
                out.append(Placement(url, self.teasers[url], len(out) + 1, name, kind, n))
        return tuple(out)


def used_bytes(store: Store) -> int:
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages, free, size = (store.db.execute(f"PRAGMA {p}").fetchone()[0] for p in ("page_count", "freelist_count",
                                                                                    "page_size"))
    return (pages - free) * size


def run(days: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
    site = Site(rng)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "front.db")
        store.ensure_site("sim", "simulated", "https://news.example", "Asia/Baghdad")
        recorder = Recorder(store)
        start = datetime(2026, 1, 1, tzinfo=UTC)
        empty = used_bytes(store)
        literal_rows, previous = 0, {}
        per_day, seconds, readings = [], 0.0, 0
        due = {"add": 0.0, "move": 0.0, "rewrite": 0.0}  # each change at its rate, spread over the readings
        rates = {"add": NEW_A_DAY, "move": MOVES_AN_HOUR * 24, "rewrite": TEASERS_A_DAY}
        for day in range(days + 1):  # day 0: the first reading alone (the baseline)
            for n in range(1 if day == 0 else READINGS_A_DAY):
                for change in due if day else ():
                    due[change] += rates[change] / READINGS_A_DAY
                    while due[change] >= 1:
                        getattr(site, change)()
                        due[change] -= 1
                page = site.reading()
                now = start + timedelta(days=day, minutes=5 * n)
                listing = ListingPage("sim", "/", "https://news.example/", 200, now.isoformat(timespec="milliseconds"),
                                      body_hash=str(hash(page)), placements=page)
                began = time.perf_counter()
                recorder.record_listing(listing)
                seconds += time.perf_counter() - began
                readings += 1
                current = {(p.block, p.url): (p.block_position, p.teaser) for p in page}
                literal_rows += sum(1 for key, value in current.items() if previous.get(key) != value)
                previous = current
            if day == 0:
                baseline = used_bytes(store)
            per_day.append(used_bytes(store))
        rows = store.db["placements"].count
        row_bytes = (baseline - empty) / len(site.reading())
        longest_rank = store.db.execute("SELECT max(length(rank)) FROM placements").fetchone()[0]
        store.close()
    grown = per_day[-1] - per_day[0]
    return {
        "days": days, "readings": readings, "placements_open": len(site.reading()),
        "rows": rows, "rows_per_day": round((rows - 200) / days, 1),
        "bytes_per_day": round(grown / days), "bytes_per_year_mb": round(grown / days * 365 / 2**20, 1),
        "baseline_bytes": baseline - empty, "bytes_per_row": round(row_bytes),
        "whole_readings_bytes_per_day": round(row_bytes * 200 * READINGS_A_DAY),
        "literal_positions_rows_per_day": round((literal_rows - 200) / days, 1),
        "literal_positions_bytes_per_day": round(row_bytes * (literal_rows - 200) / days),
        "ms_per_reading": round(seconds / readings * 1000, 2), "longest_rank": longest_rank,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = run(args.days)
    print(f"{result['days']} days, {result['readings']} readings of a {result['placements_open']}-link home page")
    print(f"Rasid:               {result['rows_per_day']:>9} rows/day  {result['bytes_per_day']:>10,} bytes/day "
          f"({result['bytes_per_year_mb']} MB a year); {result['ms_per_reading']} ms a reading recorded; "
          f"longest rank {result['longest_rank']} characters")
    print(f"literal positions:   {result['literal_positions_rows_per_day']:>9} rows/day  "
          f"{result['literal_positions_bytes_per_day']:>10,} bytes/day")
    print(f"every reading whole: {200 * READINGS_A_DAY:>9} rows/day  {result['whole_readings_bytes_per_day']:>10,} "
          f"bytes/day  (a row: {result['bytes_per_row']} bytes, as measured)")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
