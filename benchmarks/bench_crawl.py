"""Crawl performance, side by side in one run: Rasid against the floors that bound it.

    .venv/bin/python benchmarks/bench_crawl.py [--quick] [-n 5000] [--json bench-crawl.json]

On a synthetic site of N Arabic article pages (benchmarks/synthetic.py, 60-120 KB each, each
paragraph words drawn from real Arabic news's word frequencies: pages that share no text, as on a
real site) served by the replay server on loopback, one after the other in this process tree:

1. extraction floor: bare trafilatura, `extract(html, with_metadata=True)`, over the same
   files, in one process: pages per second; and 1p, as its users run it on a machine: in a pool
   of one process per core (forked with trafilatura imported, warmed up), `extract(bytes,
   with_metadata=True)` on each file: 1p and 3 run in turn PAIRS times, each pair's ratio reported;
2. fetching floor: a bare Scrapy spider (Rasid's concurrency settings) that downloads the
   same article URLs and does nothing else: pages per second;
3. Rasid's first crawl of the site into a fresh store (discover through feed and
   sitemaps, fetch, extract, dates, store): pages per second, CPU seconds per page (the
   whole process tree), and peak RSS (the whole tree, sampled every 50 ms), at N and at
   N/5 pages, to show memory does not grow with the site;
2'. the revisit floor: the same bare Scrapy spider sending the conditional requests a revisit sends
   (each stored article's ETag and Last-Modified), as a whole process;
4. Rasid's revisit of the unchanged site (conditional requests): pages per second; 2' and 4 run
   in turn three times, and the median pair is reported;
5. the store: article inserts per second in batches of 500 (the writer: pages come extracted,
   prepared and signed for reprints, as the extraction workers hand them over; the writer stores
   them, their band keys, and looks each up), and full-text search latency (median, p95) over
   STORE_N articles.

6. the same pairs as 1p and 3 on two more sites: the synthetic site of stitched pages (each 6-14 of
   the same ~100 snapshot paragraphs: the reprint index's worst case, every article in one of a few
   huge stories), and the 994 real pages of ../shared/corpus/extraction served as one site.

Prints one table, writes every figure to JSON, and reports the ratios that hold on a noisy
shared machine: 3 / 1p (first crawl vs the extraction floor as a pool), 3 / 1, 4 / 2' (revisit vs
its floor), 4 / 3 (revisit vs first crawl), 3 / 2 (first crawl vs the fetching floor), RSS(N) /
RSS(N/5).
--quick: N = 1,000 and 20,000 store articles, one pair, the headline site only (about two
minutes); the default is N = 5,000 and 100,000, three pairs, the three sites.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from synthetic import PARAGRAPHS, build, build_real, shuffled_text  # noqa: E402

from crawler.demo.replay import ReplayServer  # noqa: E402
from db.store import Store  # noqa: E402
from db.store import prepare as db_prepare  # noqa: E402
from extract.dates import parse_date  # noqa: E402
from extract.model import Article, FetchedPage  # noqa: E402
from monitor.recorder import Recorder  # noqa: E402
from monitor.stories import prepare  # noqa: E402

BARE_SPIDER = '''
import sys, scrapy
from scrapy.crawler import CrawlerProcess
import crawler.crawl.settings as s

class Bare(scrapy.Spider):
    name = "bare"
    handle_httpstatus_list = [304]
    def __init__(self, urls, **kw):
        super().__init__(**kw)
        self.urls, self.pages = urls, 0
    async def start(self):
        for url, etag, last_modified in self.urls:
            headers = {}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            yield scrapy.Request(url, headers=headers, dont_filter=True)
    def parse(self, response):
        self.pages += 1

# one request a line: URL, then optionally the ETag and Last-Modified to send (tab-separated)
urls = [(line.split("\t") + [None, None])[:3] for line in open(sys.argv[1], encoding="utf-8").read().splitlines()]
process = CrawlerProcess({"LOG_LEVEL": "ERROR", "CONCURRENT_REQUESTS": s.CONCURRENT_REQUESTS,
                          "CONCURRENT_REQUESTS_PER_DOMAIN": s.CONCURRENT_REQUESTS_PER_DOMAIN,
                          "ROBOTSTXT_OBEY": False, "COOKIES_ENABLED": False, "TELNETCONSOLE_ENABLED": False,
                          "DOWNLOAD_MAXSIZE": s.DOWNLOAD_MAXSIZE})
crawler = process.create_crawler(Bare)
process.crawl(crawler, urls=urls)
process.start()
print(crawler.spider.pages)
'''


# --- measuring a process tree -----------------------------------------------------------


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []


def tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            continue
        stack.extend(_children(current))
    return total


def run_tree(cmd: list[str], **kwargs) -> dict:
    """Run a command; its wall time, CPU time of the whole tree, and peak RSS of the whole tree."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)
    peak = 0
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(process.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    out, err = process.communicate()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd)} exited {process.returncode}:\n{err[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": wall, "cpu_s": cpu, "peak_rss_mb": peak / 2**20, "stdout": out}


# --- the five measurements -----------------------------------------------------------------


def bare_trafilatura(files: list[Path]) -> dict:
    import trafilatura

    pages = [f.read_text(encoding="utf-8") for f in files]
    for html in pages[:5]:  # warm-up: first calls load trafilatura's data
        trafilatura.extract(html, with_metadata=True)
    started = time.perf_counter()
    for html in pages:
        trafilatura.extract(html, with_metadata=True)
    wall = time.perf_counter() - started
    return {"pages": len(pages), "wall_s": wall, "pages_per_s": len(pages) / wall}


def _extract_file(path: str) -> bool:
    import trafilatura

    return trafilatura.extract(Path(path).read_bytes(), with_metadata=True) is not None


def trafilatura_pool(files: list[Path], workers: int) -> dict:
    """Bare trafilatura as its users run it over files on a machine: one process per core, each
    reading a file and extracting it. Forked with trafilatura imported and warmed up: what is timed
    is the extraction of the files, not a start-up."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    import trafilatura  # noqa: F401 — imported before the fork

    paths = [str(f) for f in files]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        list(pool.map(_extract_file, paths[:4 * workers]))  # warm-up: each worker's first calls
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        extracted = sum(pool.map(_extract_file, paths, chunksize=4))
        wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the workers, reaped with the pool (warm-up too)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"pages": len(paths), "extracted": extracted, "workers": workers, "wall_s": wall,
            "pages_per_s": len(paths) / wall, "cpu_s_per_page": cpu / len(paths)}


def first_crawl_pairs(files: list[Path], config: Path, work: Path, name: str, pairs: int) -> dict:
    """Bare trafilatura's pool (1p) and Rasid's first crawl (3) of the same pages, in turn `pairs`
    times, each crawl into a fresh store: every pair's ratio, and the pair of the median ratio."""
    runs = []
    for k in range(pairs):
        floor = trafilatura_pool(files, os.cpu_count() or 1)
        db = work / f"{name}-{k}.db"
        crawl = rasid_crawl(config, db)
        runs.append((floor, crawl))
        for leftover in work.glob(f"{name}-{k}.db*"):
            leftover.unlink()
    ratios = [crawl["pages_per_s"] / floor["pages_per_s"] for floor, crawl in runs]
    middle = ratios.index(statistics.median_low(ratios))
    return {"trafilatura_pool": runs[middle][0], "rasid_first_crawl": runs[middle][1], "ratios": ratios,
            "ratio_median": ratios[middle]}


def bare_scrapy(urls: list[str], work: Path, validators: dict[str, tuple[str, str]] | None = None) -> dict:
    """A bare Scrapy process fetching `urls`; with `validators` (url -> ETag, Last-Modified), the
    conditional requests a revisit sends, and nothing else done with the answers."""
    url_file, script = work / "urls.txt", work / "bare_spider.py"
    url_file.write_text("\n".join("\t".join([url, *(validators or {}).get(url, ())]) for url in urls))
    script.write_text(BARE_SPIDER)
    result = run_tree([sys.executable, str(script), str(url_file)], cwd=ROOT)
    pages = int(result["stdout"].split()[-1])
    return {"pages": pages, "wall_s": result["wall_s"], "pages_per_s": pages / result["wall_s"],
            "cpu_s_per_page": result["cpu_s"] / max(pages, 1), "peak_rss_mb": result["peak_rss_mb"]}


def stored_validators(db: Path, server: ReplayServer) -> dict[str, tuple[str, str]]:
    """fetch URL -> (ETag, Last-Modified) of every article the first crawl stored."""
    store = Store(db)
    try:
        live = store.db["sites"].get("bench")["base_url"].rstrip("/")
        return {row["url"].replace(live, server.base_urls["bench"], 1): (row["etag"] or "", row["last_modified"] or "")
                for row in store.db.query("SELECT url, etag, last_modified FROM articles")}
    finally:
        store.close()


def rasid_crawl(config: Path, db: Path) -> dict:
    store = Store(db)
    before = store.db["articles"].count
    store.close()
    result = run_tree([sys.executable, "-m", "crawler", "crawl", "bench", "--config", str(config), "--db", str(db),
                       "--quiet"], cwd=ROOT)
    store = Store(db)
    crawl = next(store.db["crawls"].rows_where(order_by="id desc", limit=1))
    stored = store.db["articles"].count - before
    store.close()
    pages = crawl["pages"]
    return {"pages": pages, "new_articles": stored, "not_modified": crawl["not_modified"], "status": crawl["status"],
            "wall_s": result["wall_s"], "pages_per_s": pages / result["wall_s"],
            "cpu_s_per_page": result["cpu_s"] / max(pages, 1), "peak_rss_mb": result["peak_rss_mb"]}


def store_figures(work: Path, articles: int, queries: int = 60, writer_signs: bool = False) -> dict:
    """The store's writer at `articles` articles, and search in them. `writer_signs`: pages come
    without their reprint signature, so the writer signs each text itself (the cluster's writer,
    whose pages come from the stream, does)."""
    rng = random.Random(7)
    store = Store(work / "store-bench.db")
    store.ensure_site("bench", "bench", "https://bench.example", "Asia/Baghdad")
    recorder, published = Recorder(store), parse_date("2026-11-23T09:00:00+03:00")
    inserted, insert_s = 0, 0.0
    for first in range(0, articles, 500):
        # Pages arrive at the store extracted, as the extraction workers hand them over: the
        # writer's path is what is timed (the article, version, search row, signature and band keys
        # written, the reprint lookup), each text synthetic.shuffled_text. (What the extraction
        # workers make beside each page, monitor.stories.prepare: the HTML compressed, the text
        # folded for search and signed, is theirs, made here before the clock starts.)
        batch = []
        for n in range(first, min(first + 500, articles)):
            page = FetchedPage(url=f"https://bench.example/a/{n}", site="bench", status=200,
                               fetched_at="2026-11-23T10:00:00+00:00",
                               article=Article(title=f"خبر رقم {n}", text=shuffled_text(rng), published=published))
            page.prepared = (db_prepare if writer_signs else prepare)(page.html, page.article)
            batch.append(page)
        started = time.perf_counter()
        recorder.record_all(batch)
        insert_s += time.perf_counter() - started
        inserted += len(batch)
    words = sorted({w for p in PARAGRAPHS for w in p.split() if len(w) > 4})
    latencies = []
    for _ in range(queries):
        query = " ".join(rng.sample(words, rng.choice([1, 1, 2])))
        t = time.perf_counter()
        store.search(query, limit=50)
        latencies.append((time.perf_counter() - t) * 1000)
    store.close()
    latencies.sort()
    return {"articles": inserted, "inserts_per_s": inserted / insert_s, "fts_median_ms": statistics.median(latencies),
            "fts_p95_ms": latencies[int(0.95 * (len(latencies) - 1))], "queries": queries}


PAIRS = 3


def site_config(work: Path, name: str, pages: int, texts: str = "unrelated") -> tuple[Path, ReplayServer]:
    """A site (`texts`: synthetic.TEXTS, or "real"), served; the config of a crawl of it."""
    site_dir = work / name
    sites_toml = build_real(site_dir) if texts == "real" else build(site_dir, pages, texts=texts)
    server = ReplayServer(site_dir).start()
    config = work / f"{name}.toml"
    config.write_text(f'sites_file = "{sites_toml}"\n[sites.bench]\nbase_url = "{server.base_urls["bench"]}"\n')
    return config, server


def news_files(work: Path, name: str) -> list[Path]:
    return sorted((work / name / "bench" / "news").glob("*.html"), key=lambda p: int(p.stem))


def run(pages: int, store_articles: int, work: Path, pairs: int = PAIRS, other_sites: bool = True) -> dict:
    small = max(100, pages // 5)
    figures: dict = {"n": pages, "n_small": small, "cores": os.cpu_count()}
    config, server = site_config(work, "site", pages)
    config_small, server_small = site_config(work, "site-small", small)
    try:
        files = news_files(work, "site")
        sizes = [f.stat().st_size for f in files]
        figures["page_kb"] = {"min": min(sizes) / 1024, "mean": statistics.mean(sizes) / 1024, "max": max(sizes) / 1024}
        print(f"site: {pages} pages, {figures['page_kb']['min']:.0f}-{figures['page_kb']['max']:.0f} KB", flush=True)
        figures["bare_trafilatura"] = bare_trafilatura(files)
        print("1 bare trafilatura done", flush=True)
        urls = [f"{server.base_urls['bench']}/news/{f.stem}.html" for f in files]
        figures["bare_scrapy"] = bare_scrapy(urls, work)
        print("2 bare scrapy done", flush=True)
        figures["pool"] = first_crawl_pairs(files, config, work, "pool-pair", pairs)
        print("1p trafilatura's pool and 3 rasid first crawl, in turn, done", flush=True)
        figures["rasid_first_crawl"] = rasid_crawl(config, work / "rasid.db")
        print("3 rasid first crawl done", flush=True)
        # the revisit and its floor, PAIRS times in turn: each ratio from one pair run back to back,
        # the median of them reported (one pair on this shared machine varied by 10 %)
        validators = stored_validators(work / "rasid.db", server)
        turns = [(bare_scrapy(urls, work, validators), rasid_crawl(config, work / "rasid.db")) for _ in range(pairs)]
        ratios = [revisit["pages_per_s"] / floor["pages_per_s"] for floor, revisit in turns]
        middle = ratios.index(statistics.median_low(ratios))
        figures["bare_scrapy_conditional"], figures["rasid_revisit"] = turns[middle]
        figures["revisit_vs_floor_each_pair"] = ratios
        print("2' bare scrapy conditional requests and 4 rasid revisit, in turn, done", flush=True)
        figures["rasid_first_crawl_small"] = rasid_crawl(config_small, work / "rasid-small.db")
        print("3' rasid first crawl of the small site done", flush=True)
    finally:
        server.stop()
        server_small.stop()
    for texts, n in (("stitched", pages), ("real", 0)) if other_sites else ():
        config_other, server_other = site_config(work, f"site-{texts}", n, texts)
        try:
            figures[f"pool_{texts}"] = first_crawl_pairs(news_files(work, f"site-{texts}"), config_other, work,
                                                         f"{texts}-pair", pairs)
        finally:
            server_other.stop()
        print(f"6 the {texts} site: trafilatura's pool and rasid's first crawl, in turn, done", flush=True)
    figures["store"] = store_figures(work, store_articles)
    print("5 store done", flush=True)
    first, revisit = figures["rasid_first_crawl"], figures["rasid_revisit"]
    figures["ratios"] = {
        "first_crawl_vs_trafilatura_pool": figures["pool"]["ratio_median"],
        **{f"{texts}_first_crawl_vs_trafilatura_pool": figures[f"pool_{texts}"]["ratio_median"]
           for texts in ("stitched", "real") if f"pool_{texts}" in figures},
        "first_crawl_vs_bare_trafilatura": first["pages_per_s"] / figures["bare_trafilatura"]["pages_per_s"],
        "revisit_vs_first_crawl": revisit["pages_per_s"] / first["pages_per_s"],
        "first_crawl_vs_bare_scrapy": first["pages_per_s"] / figures["bare_scrapy"]["pages_per_s"],
        "revisit_vs_bare_scrapy_conditional": revisit["pages_per_s"] / figures["bare_scrapy_conditional"]["pages_per_s"],
        "rss_n_vs_rss_small": first["peak_rss_mb"] / figures["rasid_first_crawl_small"]["peak_rss_mb"],
    }
    return figures


def print_table(f: dict) -> None:
    t, s, c, first, revisit, small = (f["bare_trafilatura"], f["bare_scrapy"], f["bare_scrapy_conditional"],
                                      f["rasid_first_crawl"], f["rasid_revisit"], f["rasid_first_crawl_small"])
    r, st = f["ratios"], f["store"]
    def pool_rows(key: str, label: str) -> list[tuple[str, str, str]]:
        p = f[key]
        floor, crawl = p["trafilatura_pool"], p["rasid_first_crawl"]
        return [(f"1p {label}: trafilatura, pool of {floor['workers']}", f"{floor['pages_per_s']:.1f} pages/s",
                 f"{floor['pages']} files, ~{floor['cpu_s_per_page'] * 1000:.1f} ms CPU/page (warm-up in it)"),
                (f"3 {label}: Rasid first crawl", f"{crawl['pages_per_s']:.1f} pages/s",
                 f"{crawl['cpu_s_per_page'] * 1000:.1f} ms CPU/page; ratio {p['ratio_median']:.2f} "
                 f"(pairs: {', '.join(f'{x:.2f}' for x in p['ratios'])})")]

    rows = [
        *pool_rows("pool", "unrelated texts"),
        *(pool_rows("pool_stitched", "stitched texts") if "pool_stitched" in f else []),
        *(pool_rows("pool_real", "real pages") if "pool_real" in f else []),
        ("1 bare trafilatura, 1 process", f"{t['pages_per_s']:.1f} pages/s", f"{t['pages']} pages"),
        ("2 bare Scrapy download", f"{s['pages_per_s']:.1f} pages/s",
         f"{s['cpu_s_per_page'] * 1000:.1f} ms CPU/page, peak RSS {s['peak_rss_mb']:.0f} MB"),
        ("2' bare Scrapy, conditional requests", f"{c['pages_per_s']:.1f} pages/s", f"{c['pages']} answers"),
        (f"3 Rasid first crawl, {first['pages']} pages", f"{first['pages_per_s']:.1f} pages/s",
         f"{first['cpu_s_per_page'] * 1000:.1f} ms CPU/page, peak RSS {first['peak_rss_mb']:.0f} MB"),
        (f"3' Rasid first crawl, {small['pages']} pages", f"{small['pages_per_s']:.1f} pages/s",
         f"peak RSS {small['peak_rss_mb']:.0f} MB"),
        ("4 Rasid revisit, unchanged", f"{revisit['pages_per_s']:.1f} pages/s",
         f"{revisit['not_modified']} of {revisit['pages']} answered 304"),
        (f"5 store, {st['articles']} articles", f"{st['inserts_per_s']:.0f} inserts/s",
         f"FTS median {st['fts_median_ms']:.1f} ms, p95 {st['fts_p95_ms']:.1f} ms"),
    ]
    print(f"\nN = {f['n']} pages of {f['page_kb']['mean']:.0f} KB on average, {f['cores']} cores")
    print(f"| {'measure':<34} | {'rate':>16} | details")
    print(f"|{'-' * 36}|{'-' * 18}|{'-' * 50}")
    for name, rate, detail in rows:
        print(f"| {name:<34} | {rate:>16} | {detail}")
    others = "".join(f", {r[f'{texts}_first_crawl_vs_trafilatura_pool']:.2f} ({texts})" for texts in ("stitched", "real")
                     if f"{texts}_first_crawl_vs_trafilatura_pool" in r)
    print(f"\nratios: first crawl / trafilatura's pool = {r['first_crawl_vs_trafilatura_pool']:.2f} (unrelated texts)"
          f"{others}  (target >= 0.9)")
    print(f"        first crawl / bare trafilatura, 1 process = {r['first_crawl_vs_bare_trafilatura']:.2f}")
    print(f"        revisit / first crawl          = {r['revisit_vs_first_crawl']:.1f}  (target >= 10)")
    print(f"        first crawl / bare Scrapy      = {r['first_crawl_vs_bare_scrapy']:.2f}")
    print(f"        revisit / bare Scrapy's conditional requests = "
          f"{r['revisit_vs_bare_scrapy_conditional']:.2f}  (target >= 1.0; median of "
          f"{', '.join(f'{x:.2f}' for x in f['revisit_vs_floor_each_pair'])})")
    print(f"        peak RSS at {f['n']} / at {f['n_small']} pages = {r['rss_n_vs_rss_small']:.2f}  (target <= 1.3, "
          f"and under 300 MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 pages and 20,000 store articles")
    parser.add_argument("-n", type=int, help="pages of the synthetic site (default 5,000; --quick 1,000)")
    parser.add_argument("--store-articles", type=int, help="articles for the store figures (100,000; --quick 20,000)")
    parser.add_argument("--json", type=Path, default=Path("bench-crawl.json"), help="where to write every figure")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one)")
    parser.add_argument("--pairs", type=int, help=f"turns of each side-by-side pair (default {PAIRS}; --quick 1)")
    args = parser.parse_args()
    pages = args.n or (1000 if args.quick else 5000)
    store_articles = args.store_articles or (20_000 if args.quick else 100_000)
    pairs = args.pairs or (1 if args.quick else PAIRS)
    started = time.perf_counter()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        figures = run(pages, store_articles, args.keep, pairs, not args.quick)
    else:
        with tempfile.TemporaryDirectory(prefix="rasid-bench-") as work:
            figures = run(pages, store_articles, Path(work), pairs, not args.quick)
    figures["total_s"] = time.perf_counter() - started
    print_table(figures)
    args.json.write_text(json.dumps(figures, indent=1, default=str))
    print(f"\nevery figure in {args.json}; {figures['total_s']:.0f} s in all")


if __name__ == "__main__":
    main()
