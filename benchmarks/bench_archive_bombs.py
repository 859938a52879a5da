"""Hostile archives: peak memory and time of reading them, before and after issue 27, in one run.

Each archive is made here (tests/hostile.py's gzip_bomb: 1 GiB of zeros in about 1 MB) and read by
crawler.archive.reader.read_captures in a child process of its own (its peak RSS is the child's
VmHWM), with the reader of this tree and, given --before, the reader of another checkout
(e.g. `git worktree add --detach /tmp/before 99a3451`). A child's address space is capped
(--cap-gb) so a reader that inflates everything fails at the cap instead of taking the machine.

1. gzip per record, a response whose Content-Encoding: gzip payload inflates to 1 GiB;
2. gzip per record, a member holding one record of 1 GiB (after a warcinfo and a page);
3. the same record as the file's first member (a whole-file gzip looks the same until its end);
4. uncompressed, a record announcing 10,000,000,000 bytes followed by N good records.

    .venv/bin/python benchmarks/bench_archive_bombs.py [--before /tmp/before] [-n 100000]
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from warcio.statusandheaders import StatusAndHeaders  # noqa: E402
from warcio.warcwriter import WARCWriter  # noqa: E402

from tests.hostile import gzip_bomb  # noqa: E402

GIB = 1 << 30
PAGE = "<html><body><article><p>الخبر رقم {} في بغداد</p></article></body></html>"

CHILD = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[3]), int(sys.argv[3])))
from collections import Counter
from crawler.archive.reader import read_captures
started, kinds = time.perf_counter(), Counter()
try:
    with open(sys.argv[2], "rb") as raw:
        for item in read_captures(raw):
            kinds[type(item).__name__] += 1
    outcome = "read"
except MemoryError:
    outcome = "MemoryError at the cap"
# VmHWM, this program's own peak: ru_maxrss would count the parent's pages the child was forked with
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"kinds": kinds, "outcome": outcome, "seconds": time.perf_counter() - started,
                  "peak_mb": peak / 1024}))
"""


def _warc(records: list[tuple[str, list[tuple[str, str]], bytes]], gz: bool = True) -> bytes:
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=gz)
    writer.write_record(writer.create_warcinfo_record("bench.warc.gz", {"software": "bench"}))
    for url, headers, body in records:
        http = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http,
                                                      warc_headers_dict={"WARC-Date": "2026-11-20T10:00:00Z"}))
    return out.getvalue()


def _raw(url: str, http: bytes, length: int) -> bytes:
    return (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {url}\r\nWARC-Date: 2026-11-20T10:00:00Z\r\n"
            f"WARC-Record-ID: <urn:uuid:{abs(hash(url)):032x}>\r\nContent-Type: application/http; msgtype=response\r\n"
            f"Content-Length: {length}\r\n\r\n").encode() + http


def archives(folder: Path, good: int) -> dict[str, Path]:
    html = [("Content-Type", "text/html; charset=utf-8")]
    page = PAGE.format(0).encode()
    made = {}
    bomb = _warc([("https://www.ina.iq/1--.html", html, page),
                  ("https://www.ina.iq/2--.html", html + [("Content-Encoding", "gzip")], gzip_bomb(GIB, b"<html><p>")),
                  ("https://www.ina.iq/3--.html", html, page)])
    made["1. payload inflating to 1 GiB (Content-Encoding: gzip)"] = bomb
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"
    record = gzip_bomb(GIB, _raw("https://www.ina.iq/9--.html", http, len(http) + GIB), b"\r\n\r\n")
    made["2. a 1 GiB record in one gzip member"] = _warc([("https://www.ina.iq/1--.html", html, page)]) + record
    made["3. the same, the file's first member"] = record + _warc([("https://www.ina.iq/1--.html", html, page)])
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
    lines = [_raw("https://www.ina.iq/lie--.html", http + page, 10_000_000_000) + b"\r\n\r\n"]
    lines += [_raw(f"https://www.ina.iq/{n}--.html", http + PAGE.format(n).encode(),
                   len(http) + len(PAGE.format(n).encode())) + b"\r\n\r\n" for n in range(good)]
    made[f"4. Content-Length of 10 GB, then {good:,} records"] = b"".join(lines)
    paths = {}
    for n, (name, data) in enumerate(made.items()):
        gz = data.startswith(b"\x1f\x8b")
        paths[name] = folder / (f"case{n}.warc.gz" if gz else f"case{n}.warc")
        paths[name].write_bytes(data)
    return paths


def read(root: Path, path: Path, cap: int) -> dict:
    result = subprocess.run([sys.executable, "-c", CHILD, str(root), str(path), str(cap)], capture_output=True,
                            text=True)
    if result.returncode != 0:
        return {"outcome": "failed: " + (result.stderr.strip().splitlines() or ["?"])[-1][:80], "peak_mb": None,
                "seconds": None, "kinds": {}}
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, help="a checkout whose reader is measured beside this one")
    parser.add_argument("-n", type=int, default=100_000, help="good records after the lying one (default 100,000)")
    parser.add_argument("--cap-gb", type=float, default=8.0, help="address space of each reading child (GB)")
    args = parser.parse_args()
    readers = ([("before", args.before)] if args.before else []) + [("after", ROOT)]
    cap = int(args.cap_gb * GIB)
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in archives(Path(tmp), args.n).items():
            size = path.stat().st_size
            print(f"\n{name}: {f'{size / 2**20:,.2f} MB' if size >= 2**20 else f'{size / 1024:,.1f} KB'} on disk")
            for label, root in readers:
                got = read(root, path, cap)
                peak = f"{got['peak_mb']:,.0f} MB" if got["peak_mb"] is not None else "-"
                seconds = f"{got['seconds']:.1f} s" if got["seconds"] is not None else "-"
                kinds = ", ".join(f"{n:,} {k}" for k, n in sorted(got["kinds"].items()))
                print(f"  {label:6} peak RSS {peak:>9}  {seconds:>8}  {got['outcome']}: {kinds}")


if __name__ == "__main__":
    main()
