"""The pages of `rasid serve` under concurrent clients on a large store: the home page against the others.

    .venv/bin/python benchmarks/bench_serve.py [-n 100000] [-c 8] [-r 12] [--db STORE] [--keep DIR]
        [--before TREE [--before-db STORE]] [--json bench-serve.json]

1. A store of N articles (default 100,000), written 500 a transaction through
   `Recorder.record_all` as the store benchmark of bench_crawl.py writes its own (pages extracted
   and prepared as the extraction workers hand them over, each text synthetic.shuffled_text), but
   with first sights spread over the last 60 days and five sites, and N/20 of them (5,000 at
   100,000) seen again with one paragraph edited, so the home page's charts and lists (new
   articles per site and day, edits per day, the newest articles and edits) and the alerts feed
   have content. Or the store given with --db.
2. `rasid serve` on it in a child process (`python -m crawler serve` run in the tree measured) on
   a free port, asked for its home page until it answers; then one unrecorded warm-up request of
   each page kind.
3. C client threads (default 8), each with its own keep-alive `http.client` connection, each
   asking in random order for R rounds (default 12): the home page `/`, an article page
   `/-/article/<random id>`, a search `/-/search?q=<a word of the texts, drawn each time>`, the
   `latest` canned query `/<db>/latest` and the alerts Atom feed `/<db>/alerts_feed.atom` (where
   `/-/alerts.atom` redirects). Every answer must be 200 (a run with any other fails).

Prints per page kind p50 / p99 (ms, wall clock at the client, so under load a request waits
for the ones before it in the server's single process) and the ratio the issue's target reads:
home p50 ÷ the median of the other four kinds' p50.

--before TREE: the same against another checkout's code, in the same run (first TREE, then this
tree): its store written by TREE's own code (a store written by this Rasid may not open in an
older one) with TREE/.venv/bin/python if there is one (else this interpreter), served by it.
--keep DIR keeps the stores built (store.db, before.db) so the next run can take them with --db
and --before-db.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from synthetic import PARAGRAPHS, free_port, shuffled_text  # noqa: E402

KINDS = ("home", "article", "search", "latest", "alerts_feed")
SITES = 5
DAYS = 60
BATCH = 500
WORDS = sorted({w.strip(".،:؛") for p in PARAGRAPHS for w in p.split() if len(w) > 4})


def write_store(db: Path, articles: int, seed: int = 7) -> dict:
    """Write the store of step 1 with the code first on sys.path (this tree's or --before's)."""
    from db.store import Store
    from extract.dates import parse_date
    from extract.model import Article, FetchedPage
    from monitor.recorder import Recorder

    try:  # the extraction workers' preparation, signed (since 9d78ed0)
        from monitor.stories import prepare
    except ImportError:  # an older tree: its writer signs
        from db.store import prepare

    rng = random.Random(seed)
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    start = end - timedelta(days=DAYS)
    sites = [f"site{k}" for k in range(SITES)]
    store = Store(db)
    for site in sites:
        store.ensure_site(site, site, f"https://{site}.example", "Asia/Baghdad")
    recorder = Recorder(store)
    edited = set(rng.sample(range(articles), articles // 20))
    texts: dict[int, tuple[str, str, datetime, datetime]] = {}  # what the edited articles are seen again with

    def page(n: int, site: str, seen: datetime, text: str, published: datetime):
        fetched = FetchedPage(url=f"https://{site}.example/a/{n}", site=site, status=200, fetched_at=seen.isoformat(),
                              article=Article(title=f"خبر رقم {n}", text=text,
                                              published=parse_date(published.isoformat())))
        fetched.prepared = prepare(fetched.html, fetched.article)
        return fetched

    started, outcomes = time.perf_counter(), {}
    span = (end - start).total_seconds()
    for first in range(0, articles, BATCH):
        batch = []
        for n in range(first, min(first + BATCH, articles)):
            seen = start + timedelta(seconds=span * n / articles + rng.uniform(0, 600))
            published = seen - timedelta(minutes=rng.uniform(5, 180))
            site, text = rng.choice(sites), shuffled_text(rng)
            if n in edited:
                paragraphs = text.split("\n\n")
                paragraphs[-1] = shuffled_text(rng, 1)
                later = min(seen + timedelta(hours=rng.uniform(1, 72)), end)
                texts[n] = (site, "\n\n".join(paragraphs), later, published)
            batch.append(page(n, site, seen, text, published))
        for outcome in recorder.record_all(batch):
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    again = sorted(texts.items(), key=lambda item: item[1][2])
    for first in range(0, len(again), BATCH):
        batch = [page(n, site, later, text, published) for n, (site, text, later, published) in again[first:first + BATCH]]
        for outcome in recorder.record_all(batch):
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    alerts = dict(store.db.execute("SELECT kind, count(*) FROM alerts GROUP BY kind").fetchall())
    store.close()
    return {"articles": articles, "outcomes": outcomes, "alerts": alerts, "write_s": time.perf_counter() - started}


def python_of(tree: Path) -> str:
    venv = tree / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def build(tree: Path, db: Path, articles: int) -> dict:
    """write_store run by `tree`'s code in a child process."""
    out = subprocess.run([python_of(tree), str(Path(__file__).resolve()), "--write-store", str(db), "-n", str(articles),
                          "--code", str(tree)], cwd=tree, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def get(conn: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    conn.request("GET", path)
    response = conn.getresponse()
    return response.status, response.read()


class Server:
    """`rasid serve` of `tree` on `db`, in a child, on a free port."""

    def __init__(self, tree: Path, db: Path):
        self.port = free_port()
        self.process = subprocess.Popen([python_of(tree), "-m", "crawler", "serve", "--db", str(db), "--port",
                                         str(self.port)], cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 180
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"rasid serve ({tree}) stopped: {self.process.stderr.read().decode()[-2000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if get(conn, "/")[0] == 200:
                    conn.close()
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"rasid serve ({tree}) did not answer within 180 s") from None
                time.sleep(0.3)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def paths(db: Path, rng: random.Random, ids: tuple[int, int]) -> dict[str, str]:
    name = db.stem
    return {"home": "/", "article": f"/-/article/{rng.randint(*ids)}",
            "search": "/-/search?" + urlencode({"q": rng.choice(WORDS)}),
            "latest": f"/{name}/latest", "alerts_feed": f"/{name}/alerts_feed.atom?site=&kind="}


def measure(tree: Path, db: Path, clients: int, rounds: int, seed: int = 11) -> dict:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        ids = conn.execute("SELECT min(id), max(id) FROM articles").fetchone()
    server = Server(tree, db)
    latencies: dict[str, list[float]] = {kind: [] for kind in KINDS}
    failures: list[str] = []
    lock = threading.Lock()

    def client(number: int) -> None:
        rng = random.Random(seed * 100 + number)
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=300)
        for _ in range(rounds):
            for kind in rng.sample(KINDS, len(KINDS)):
                path = paths(db, rng, ids)[kind]
                started = time.perf_counter()
                status, _ = get(conn, path)
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    latencies[kind].append(elapsed)
                    if status != 200:
                        failures.append(f"{status} {path}")
        conn.close()

    try:
        warm = http.client.HTTPConnection("127.0.0.1", server.port, timeout=300)
        for path in paths(db, random.Random(seed), ids).values():
            status, _ = get(warm, path)
            if status != 200:
                failures.append(f"{status} {path} (warm-up)")
        warm.close()
        started = time.perf_counter()
        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
    finally:
        server.stop()
    if failures:
        raise SystemExit(f"{tree}: {len(failures)} answers were not 200, e.g. {failures[:5]}")
    kinds = {}
    for kind, values in latencies.items():
        values.sort()
        kinds[kind] = {"p50_ms": statistics.median(values), "p99_ms": statistics.quantiles(values, n=100, method="inclusive")[98],
                       "requests": len(values)}
    others = statistics.median(kinds[kind]["p50_ms"] for kind in KINDS if kind != "home")
    return {"tree": str(tree), "db": str(db), "clients": clients, "rounds": rounds, "wall_s": wall,
            "load_1min": os.getloadavg()[0], "kinds": kinds, "home_vs_others_p50": kinds["home"]["p50_ms"] / others}


def side(label: str, tree: Path, db: Path | None, work: Path, name: str, args) -> dict:
    figures: dict = {"label": label}
    if db is None:
        db = work / f"{name}.db"
        print(f"{label}: writing {args.n:,} articles into {db} with {tree}'s code ...", flush=True)
        figures["store"] = build(tree, db, args.n)
        print(f"  {figures['store']['write_s']:.0f} s; alerts {figures['store']['alerts']}", flush=True)
    print(f"{label}: rasid serve on {db}, {args.clients} clients x {args.rounds} rounds ...", flush=True)
    figures.update(measure(tree, db, args.clients, args.rounds))
    return figures


def print_table(runs: list[dict]) -> None:
    print(f"\n{'':<8}" + "".join(f"{kind + ' p50 / p99 ms':>27}" for kind in KINDS) + f"{'home ÷ others p50':>20}")
    for run in runs:
        cells = "".join(f"{run['kinds'][k]['p50_ms']:>17,.0f} / {run['kinds'][k]['p99_ms']:>7,.0f}" for k in KINDS)
        print(f"{run['label']:<8}{cells}{run['home_vs_others_p50']:>20.2f}   (load {run['load_1min']:.1f}, "
              f"{run['wall_s']:.0f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=100_000, help="articles of the store built (default 100,000)")
    parser.add_argument("-c", "--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("-r", "--rounds", type=int, default=12, help="rounds of the five pages per client (default 12)")
    parser.add_argument("--db", type=Path, help="serve this store instead of building one")
    parser.add_argument("--before", type=Path, help="another checkout's tree, measured first in the same run")
    parser.add_argument("--before-db", type=Path, help="the --before side's store instead of building one")
    parser.add_argument("--keep", type=Path, help="build the stores in this folder and keep them")
    parser.add_argument("--json", type=Path, default=Path("bench-serve.json"), help="where to write every figure")
    parser.add_argument("--write-store", type=Path, help=argparse.SUPPRESS)  # step 1 alone, in the tree's child
    parser.add_argument("--code", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write_store:
        sys.path.insert(0, str(args.code.resolve()))
        print(json.dumps(write_store(args.write_store, args.n)))
        return
    with tempfile.TemporaryDirectory(prefix="rasid-bench-serve-") as scratch:
        work = args.keep or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        runs = []
        if args.before:
            runs.append(side("before", args.before.resolve(), args.before_db, work, "before", args))
        runs.append(side("this", ROOT, args.db, work, "store", args))
    print_table(runs)
    args.json.write_text(json.dumps({"n": args.n, "cores": os.cpu_count(), "runs": runs}, indent=1))
    print(f"\nevery figure in {args.json}")


if __name__ == "__main__":
    main()
