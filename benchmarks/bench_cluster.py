"""Cluster scaling: the synthetic site crawled by one `rasid crawl` process, then by a cluster of one
writer and 1 or 2 workers, side by side in one run, and the writer path alone.

On the synthetic site (benchmarks/synthetic.py: N article pages of 60-120 KB, feed and sitemaps),
served by the replay server on loopback, each with a fresh store and a fresh redis-server:
1. `rasid crawl` (one process, its extraction pool): pages per second of the first crawl;
2. a cluster of `rasid writer` + 1 `rasid worker`: from `rasid cluster crawl` (the round pushed)
   until every page is stored and nothing is left in Redis;
3. the same with 2 workers;
4. the writer alone: 2 workers fill the stream until its back-pressure bound (crawler.cluster.shared.
   MAX_STREAM pages) and are stopped, then a writer drains it: the writer path's pages per second,
   where a cluster saturates however many workers it has.
The stores of 2 and 3 are compared with 1's (URL, title, text, publication date, versions).

    .venv/bin/python benchmarks/bench_cluster.py            # N = 5,000 (~6 min)
    .venv/bin/python benchmarks/bench_cluster.py -n 600     # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402

from benchmarks.synthetic import build, free_port  # noqa: E402
from crawler.cluster import shared  # noqa: E402
from crawler.demo.replay import ReplayServer  # noqa: E402


class Redis:
    def __init__(self, work: Path):
        self.port = free_port()
        self.process = subprocess.Popen([shutil.which("redis-server"), "--port", str(self.port), "--bind",
                                         "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(work)],
                                        stdout=subprocess.DEVNULL)
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.client = redis.Redis(port=self.port)
        until(lambda: _pings(self.client))

    def close(self):
        self.process.kill()
        self.process.wait()


def _pings(client) -> bool:
    try:
        return client.ping()
    except redis.ConnectionError:
        return False


def until(condition, deadline: float = 3600):
    limit = time.monotonic() + deadline
    while time.monotonic() < limit:
        if condition():
            return
        time.sleep(0.1)
    raise RuntimeError("gave up")


def rasid(*args: str, wait: bool = True, env: dict | None = None):
    cmd = [sys.executable, "-m", "crawler", *args]
    if wait:
        return subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True)
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, **(env or {})})


def count(db: Path) -> int:
    if not db.exists():
        return 0
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()


def contents(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT url, title, text, published_at, versions FROM articles ORDER BY url").fetchall()
    finally:
        conn.close()


def drained(client) -> bool:
    pending = client.xpending(shared.PAGES, shared.GROUP)["pending"] if client.exists(shared.PAGES) else 0
    _, left = shared.round_state(client, "bench")  # requests leased by workers are in no queue
    return (client.llen(shared.jobs_key("bench")) == 0 and client.zcard(shared.queue_key("bench")) == 0
            and client.xlen(shared.PAGES) == 0 and pending == 0 and left == 0)


def config(work: Path, name: str, sites_toml: Path, base: str, redis_url: str | None) -> tuple[Path, Path]:
    db = work / f"{name}.db"
    path = work / f"{name}.toml"
    text = f'sites_file = "{sites_toml}"\ndb = "{db}"\n[sites.bench]\nbase_url = "{base}"\n'
    if redis_url:
        text += f'[cluster]\nredis = "{redis_url}"\n'
    path.write_text(text, encoding="utf-8")
    return path, db


def stop(*processes):
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()


def cluster_run(work: Path, name: str, sites_toml, base, pages: int, workers: int) -> dict:
    server = Redis(work)
    cfg, db = config(work, name, sites_toml, base, server.url)
    procs = [rasid("writer", "--config", str(cfg), wait=False)]
    procs += [rasid("worker", "--config", str(cfg), wait=False) for _ in range(workers)]
    try:
        until(lambda: len(list(server.client.scan_iter(match=shared.WORKERS + "*"))) == workers)
        started = time.perf_counter()
        rasid("cluster", "crawl", "--config", str(cfg))
        until(lambda: count(db) >= pages and drained(server.client))
        seconds = time.perf_counter() - started
    finally:
        stop(*procs)
        server.close()
    return {"seconds": seconds, "pages_per_s": pages / seconds, "db": db}


def writer_alone(work: Path, sites_toml, base, pages: int) -> dict:
    server = Redis(work)
    cfg, db = config(work, "writer-alone", sites_toml, base, server.url)
    filling = [rasid("worker", "--config", str(cfg), wait=False) for _ in range(2)]
    target = min(pages, shared.MAX_STREAM)
    try:
        until(lambda: len(list(server.client.scan_iter(match=shared.WORKERS + "*"))) == 2)
        rasid("cluster", "crawl", "--config", str(cfg))
        until(lambda: server.client.xlen(shared.PAGES) >= target)
        stop(*filling)
        waiting = server.client.xlen(shared.PAGES)
        writer = rasid("writer", "--config", str(cfg), wait=False)
        # timed from its first batch acknowledged (not its start-up) to its last
        until(lambda: server.client.xlen(shared.PAGES) < waiting)
        started, first = time.perf_counter(), server.client.xlen(shared.PAGES)
        until(lambda: server.client.xlen(shared.PAGES) == 0 and drained_stream(server.client))
        seconds = time.perf_counter() - started
        stop(writer)
    finally:
        server.close()
    return {"pages": first, "seconds": seconds, "pages_per_s": first / seconds, "stored": count(db)}


def drained_stream(client) -> bool:
    try:
        return client.xpending(shared.PAGES, shared.GROUP)["pending"] == 0
    except redis.ResponseError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=5000, help="article pages (default 5,000)")
    parser.add_argument("--json", type=Path, default=Path("bench-cluster.json"), help="where to write every figure")
    args = parser.parse_args()
    if shutil.which("redis-server") is None:
        sys.exit("redis-server is missing: `make redis` installs it")
    with tempfile.TemporaryDirectory(prefix="rasid-bench-cluster-") as tmp:
        work = Path(tmp)
        sites_toml = build(work / "site", args.n)
        with ReplayServer(work / "site") as replay:
            base = replay.base_urls["bench"]
            cfg, local_db = config(work, "local", sites_toml, base, None)
            started = time.perf_counter()
            rasid("crawl", "--config", str(cfg), "--quiet")
            local_s = time.perf_counter() - started
            print("1 rasid crawl done", flush=True)
            one = cluster_run(work, "one-worker", sites_toml, base, args.n, 1)
            print("2 cluster, 1 worker done", flush=True)
            two = cluster_run(work, "two-workers", sites_toml, base, args.n, 2)
            print("3 cluster, 2 workers done", flush=True)
            alone = writer_alone(work, sites_toml, base, args.n)
            print("4 writer alone done", flush=True)
            expected = contents(local_db)
            same = {"one_worker": contents(one.pop("db")) == expected, "two_workers": contents(two.pop("db")) == expected}
    figures = {"pages": args.n, "cores": os.cpu_count(), "local_pages_per_s": args.n / local_s,
               "one_worker": one, "two_workers": two, "writer_alone": alone, "same_store_as_rasid_crawl": same,
               "two_vs_one": two["pages_per_s"] / one["pages_per_s"],
               "one_vs_local": one["pages_per_s"] / (args.n / local_s)}
    print(f"\nN = {args.n} pages, {os.cpu_count()} cores")
    print("| measure | pages/s |\n|---|---:|")
    print(f"| 1 rasid crawl, one process | {figures['local_pages_per_s']:.1f} |")
    print(f"| 2 cluster: writer + 1 worker | {one['pages_per_s']:.1f} |")
    print(f"| 3 cluster: writer + 2 workers | {two['pages_per_s']:.1f} |")
    print(f"| 4 the writer alone, {alone['pages']} pages after its first batch | {alone['pages_per_s']:.1f} |")
    print(f"\nratios: 2 workers ÷ 1 = {figures['two_vs_one']:.2f}; 1 worker ÷ rasid crawl = {figures['one_vs_local']:.2f}")
    print(f"same store contents as rasid crawl: {same}")
    args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
