"""WARC import speed: `rasid import warc` against its floor, side by side in one run.

A WARC file (gzip per record, as CC-NEWS writes them) of the synthetic site's N article pages
(benchmarks/synthetic.py, 60-120 KB each, with its feed and sitemaps captured first) is read:
1. bare warcio: ArchiveIterator over the file, every response payload read (digests not checked);
2. bare trafilatura: `extract(html, with_metadata=True)` of the same pages, already decoded;
3. Rasid's import into a fresh store (Importer.run: reading with digests checked, extraction,
   dates, monitor, store, reprint signatures), extracting in its own process, as the floor does;
3'. the same with `rasid import warc`'s default, an extraction pool of one process per core;
4. the same file imported again (every record known: what makes a re-run idempotent).
Reported as records per second and as ratios: 3 ÷ (1 + 2) (the import against a bare warcio loop
plus bare trafilatura on the same pages, one process each), 3' ÷ (1 + 2), 3 ÷ 2, and 4 ÷ 3.

    .venv/bin/python benchmarks/bench_warc.py            # N = 2,000 pages
    .venv/bin/python benchmarks/bench_warc.py -n 300     # a quick look
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from trafilatura import extract  # noqa: E402
from warcio.archiveiterator import ArchiveIterator  # noqa: E402
from warcio.statusandheaders import StatusAndHeaders  # noqa: E402
from warcio.warcwriter import WARCWriter  # noqa: E402

from benchmarks.synthetic import BASE, build  # noqa: E402
from crawler.archive.importer import Importer  # noqa: E402
from db.store import Store  # noqa: E402
from monitor.config import load_sites  # noqa: E402


def write_warc(site_dir: Path, out: Path, pages: int) -> int:
    """The site as an archive captured it: feed and sitemaps, then every article. Returns records."""
    files = [site_dir / "rss.xml", *sorted(site_dir.glob("sitemap*.xml"))]
    files += [site_dir / "news" / f"{n}.html" for n in range(1, pages + 1)]
    with out.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for k, file in enumerate(files):
            kind = "application/xml" if file.suffix == ".xml" else "text/html; charset=utf-8"
            http = StatusAndHeaders("200 OK", [("Content-Type", kind)], protocol="HTTP/1.1")
            url = f"{BASE}/{file.relative_to(site_dir).as_posix()}"
            writer.write_record(writer.create_warc_record(
                url, "response", payload=io.BytesIO(file.read_bytes()), http_headers=http,
                warc_headers_dict={"WARC-Date": f"2026-11-20T{k // 3600 % 24:02d}:{k // 60 % 60:02d}:{k % 60:02d}Z"}))
    return len(files)


def bare_warcio(path: Path) -> tuple[float, list[bytes]]:
    started, bodies = time.perf_counter(), []
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type == "response":
                bodies.append(record.content_stream().read())
    return time.perf_counter() - started, bodies


def bare_trafilatura(bodies: list[bytes]) -> float:
    pages = [b.decode("utf-8") for b in bodies if b.lstrip().startswith(b"<!DOCTYPE")]
    started = time.perf_counter()
    for html in pages:
        extract(html, with_metadata=True)
    return time.perf_counter() - started


def rasid_import(path: Path, db: Path, sites, workers: int = 0) -> tuple[float, dict]:
    store = Store(db)
    try:
        started = time.perf_counter()
        counts = Importer(store, sites, now=datetime.now(UTC), workers=workers).run([str(path)])
        return time.perf_counter() - started, dict(counts.outcomes)
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=2000, help="article pages (default 2,000)")
    parser.add_argument("--json", type=Path, default=Path("bench-warc.json"), help="where to write every figure")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rasid-bench-warc-") as tmp:
        work = Path(tmp)
        sites_toml = build(work / "site", args.n)
        sites = list(load_sites(sites_toml).values())
        warc = work / "bench.warc.gz"
        records = write_warc(work / "site" / "bench", warc, args.n)
        size_mb = warc.stat().st_size / 2**20
        print(f"WARC: {records} response records, {size_mb:.1f} MB gzipped", flush=True)
        warcio_s, bodies = bare_warcio(warc)
        print("1 bare warcio done", flush=True)
        trafilatura_s = bare_trafilatura(bodies)
        print("2 bare trafilatura done", flush=True)
        import_s, outcomes = rasid_import(warc, work / "rasid.db", sites)
        print("3 rasid import done", flush=True)
        pool_s, pool_outcomes = rasid_import(warc, work / "rasid-pool.db", sites, workers=os.cpu_count() or 1)
        print("3' rasid import with the pool done", flush=True)
        again_s, again = rasid_import(warc, work / "rasid.db", sites)
        print("4 rasid import again done", flush=True)
    figures = {
        "pages": args.n, "records": records, "warc_mb": size_mb,
        "bare_warcio_records_per_s": records / warcio_s, "bare_trafilatura_pages_per_s": args.n / trafilatura_s,
        "floor_records_per_s": records / (warcio_s + trafilatura_s),
        "rasid_import_records_per_s": records / import_s, "rasid_reimport_records_per_s": records / again_s,
        "rasid_import_pool_records_per_s": records / pool_s, "pool_outcomes": pool_outcomes,
        "pool_vs_floor": (warcio_s + trafilatura_s) / pool_s, "pool_vs_import": import_s / pool_s,
        "import_outcomes": outcomes, "reimport_outcomes": again,
        "import_vs_floor": (warcio_s + trafilatura_s) / import_s, "import_vs_trafilatura": trafilatura_s / import_s,
        "reimport_vs_import": import_s / again_s,
    }
    print(f"\nN = {args.n} article pages, {records} records, {size_mb:.1f} MB")
    print("| measure | records/s |\n|---|---:|")
    print(f"| 1 bare warcio loop (payloads read) | {figures['bare_warcio_records_per_s']:,.0f} |")
    print(f"| 2 bare trafilatura (pages/s) | {figures['bare_trafilatura_pages_per_s']:,.1f} |")
    print(f"| 1 + 2, the floor | {figures['floor_records_per_s']:,.1f} |")
    print(f"| 3 rasid import, fresh store | {figures['rasid_import_records_per_s']:,.1f} |")
    print(f"| 3' rasid import, extraction pool of {os.cpu_count()} | {figures['rasid_import_pool_records_per_s']:,.1f} |")
    print(f"| 4 rasid import of the same file again | {figures['rasid_reimport_records_per_s']:,.1f} |")
    print(f"\nratios: import ÷ floor (speed) = {figures['import_vs_floor']:.2f}; import ÷ bare trafilatura = "
          f"{figures['import_vs_trafilatura']:.2f}; re-import ÷ import = {figures['reimport_vs_import']:.1f}")
    print(f"        with the pool: ÷ floor = {figures['pool_vs_floor']:.2f}; ÷ one process = {figures['pool_vs_import']:.2f}")
    print(f"outcomes: {outcomes}; again: {again}")
    args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
