"""Rasid's extraction against bare trafilatura on the labelled set (tests/labelled/).

    .venv/bin/python benchmarks/bench_extract.py [--repeat 5] [--json out.json] [--pages]

Both read the same bytes of each page. Bare trafilatura is called the way a
user would call it: `trafilatura.extract(html, url=url, with_metadata=True)`
on the page decoded as a browser would (declared charset, else UTF-8), and
its text and metadata header are scored. Rasid is `extract.article` with
extract.encoding, run twice: with the generic rules only, and with the site's
hints from seeds/sites.toml when the page comes from a known site.

Scores per page (all after folding whitespace):
- paragraph recall: share of expected paragraphs found whole in the output;
- character precision: share of output characters on lines that are part of
  the article (a line inside an expected paragraph counts);
- clutter leak: any labelled clutter string in the output text;
- title: equal to the expected title;
- date: the expected publication day (trafilatura gives days only); for
  Rasid also the exact instant, when the label has one;
- time per page: the median of --repeat runs over the whole set.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import trafilatura
from w3lib.encoding import html_to_unicode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extract.article import extract_article  # noqa: E402
from extract.encoding import decode_html  # noqa: E402
from monitor.config import load_sites  # noqa: E402

LABELLED = ROOT / "tests" / "labelled"
REFERENCE = "2026-11-23T12:00:00+00:00"  # the fetch time relative dates would be read against


def load_labelled(folder: Path = LABELLED) -> list[dict]:
    rows = [json.loads(line) for line in (folder / "labels.jsonl").read_text(encoding="utf-8").splitlines() if line]
    for row in rows:
        row["body"] = (folder / row["file"]).read_bytes()
    return rows


@dataclass
class Output:
    title: str | None
    text: str
    published: str | None  # ISO, a day or an instant


@dataclass
class Score:
    recall: float
    precision: float
    leaks: list[str]
    title_ok: bool
    day_ok: bool
    instant_ok: bool | None  # None when the label gives a day only


def _fold(text: str) -> str:
    return " ".join(text.split())


def score(row: dict, out: Output | None) -> Score:
    if out is None:
        return Score(0.0, 0.0, [], False, False, False if "T" in row["published"] else None)
    text = _fold(out.text)
    expected = [_fold(p) for p in row["paragraphs"]]
    recall = sum(1 for p in expected if p in text) / len(expected)
    article = "\n".join(expected)
    lines = [_fold(line) for line in out.text.splitlines() if line.strip()]
    total = sum(len(line) for line in lines)
    good = sum(len(line) for line in lines if line in article)
    precision = good / total if total else 0.0
    leaks = [c for c in row["clutter"] if _fold(c) in text]
    title_ok = _fold(out.title or "") == _fold(row["title"])
    published = out.published or ""
    day_ok = published[:10] == row["published"][:10]
    instant_ok = None
    if "T" in row["published"]:
        instant_ok = bool(published) and "T" in published and \
            datetime.fromisoformat(published) == datetime.fromisoformat(row["published"])
    return Score(recall, precision, leaks, title_ok, day_ok, instant_ok)


# --- the two extractors ------------------------------------------------------------------


SITES = load_sites()


def rasid(row: dict, hints: bool) -> Output | None:
    html, _ = decode_html(row["body"], row["content_type"])
    site = SITES.get(row["site"]) if row["site"] else None
    article = extract_article(html, row["url"], hints=site.hints if site and hints else None,
                              reference=REFERENCE, tz=row["timezone"])
    if article is None:
        return None
    return Output(article.title, article.text, article.published.iso if article.published else None)


def _trafilatura_header(result: str) -> tuple[dict, str]:
    """trafilatura's txt output with metadata: a '---' header of `key: value` lines, then the text."""
    meta: dict[str, str] = {}
    if not result.startswith("---\n"):
        return meta, result
    header, _, text = result[4:].partition("\n---\n")
    for line in header.splitlines():
        key, _, value = line.partition(": ")
        value = value.strip()
        if value.startswith('"'):
            try:
                value = json.loads(value)
            except ValueError:
                value = value.strip('"')
        meta[key] = value
    return meta, text


def browser_decode(row: dict) -> str:
    """The page as a browser (and a bare scraper) decodes it: the declared charset wins."""
    return html_to_unicode(row["content_type"], row["body"])[1]


def bare_trafilatura(row: dict) -> Output | None:
    result = trafilatura.extract(browser_decode(row), url=row["url"], with_metadata=True)
    if result is None:
        return None
    meta, text = _trafilatura_header(result)
    return Output(meta.get("title"), text, meta.get("date") or None)


# --- the run -----------------------------------------------------------------------------

EXTRACTORS = {
    "trafilatura": bare_trafilatura,
    "rasid-generic": lambda row: rasid(row, hints=False),
    "rasid": lambda row: rasid(row, hints=True),
}


def time_per_page(extract, rows: list[dict], repeat: int) -> float:
    """Median over `repeat` passes of the whole set, in milliseconds per page."""
    passes = []
    for _ in range(repeat):
        start = time.perf_counter()
        for row in rows:
            extract(row)
        passes.append((time.perf_counter() - start) / len(rows) * 1000)
    return statistics.median(passes)


def evaluate(rows: list[dict], repeat: int = 0) -> dict:
    """Scores of every extractor on every page, and the summary table."""
    report: dict = {"pages": len(rows), "extractors": {}}
    for name, extract in EXTRACTORS.items():
        scores = {row["id"]: score(row, extract(row)) for row in rows}
        with_instant = [s.instant_ok for s in scores.values() if s.instant_ok is not None]
        summary = {
            "paragraph_recall": statistics.mean(s.recall for s in scores.values()),
            "char_precision": statistics.mean(s.precision for s in scores.values()),
            "pages_with_leaks": sum(1 for s in scores.values() if s.leaks),
            "title_accuracy": statistics.mean(s.title_ok for s in scores.values()),
            "date_day_accuracy": statistics.mean(s.day_ok for s in scores.values()),
            "date_instant_accuracy": statistics.mean(with_instant) if name != "trafilatura" else None,
        }
        if repeat:
            summary["ms_per_page"] = time_per_page(extract, rows, repeat)
        report["extractors"][name] = {"summary": summary, "pages": {k: asdict(v) for k, v in scores.items()}}
    return report


def worse_pages(report: dict, name: str = "rasid", than: str = "trafilatura") -> list[str]:
    """Pages where `name` scores below `than` on any measure."""
    ours, theirs = report["extractors"][name]["pages"], report["extractors"][than]["pages"]
    worse = []
    for page, a in ours.items():
        b = theirs[page]
        if (a["recall"] < b["recall"] or a["precision"] < b["precision"] - 1e-9 or len(a["leaks"]) > len(b["leaks"])
                or (b["title_ok"] and not a["title_ok"]) or (b["day_ok"] and not a["day_ok"])):
            worse.append(page)
    return worse


def print_table(report: dict) -> None:
    columns = list(report["extractors"])
    rows = [("paragraph recall", "paragraph_recall", "{:.3f}"), ("character precision", "char_precision", "{:.3f}"),
            ("pages with clutter leaks", "pages_with_leaks", "{}"), ("title accuracy", "title_accuracy", "{:.3f}"),
            ("date accuracy (day)", "date_day_accuracy", "{:.3f}"),
            ("date accuracy (exact time)", "date_instant_accuracy", "{:.3f}"), ("ms per page", "ms_per_page", "{:.2f}")]
    print(f"{report['pages']} labelled pages")
    print(f"| {'measure':<28} | " + " | ".join(f"{c:>13}" for c in columns) + " |")
    print(f"|{'-' * 30}|" + "|".join("-" * 15 for _ in columns) + "|")
    for label, key, fmt in rows:
        cells = []
        for c in columns:
            value = report["extractors"][c]["summary"].get(key)
            cells.append("n/a" if value is None else fmt.format(value))
        print(f"| {label:<28} | " + " | ".join(f"{v:>13}" for v in cells) + " |")
    summary = report["extractors"]
    if "ms_per_page" in summary["rasid"]["summary"]:
        ratio = summary["rasid"]["summary"]["ms_per_page"] / summary["trafilatura"]["summary"]["ms_per_page"]
        print(f"\nRasid time per page ÷ bare trafilatura: {ratio:.2f}×")
    print(f"pages where Rasid is worse than bare trafilatura: {worse_pages(report) or 'none'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="timing passes over the set (median is reported)")
    parser.add_argument("--json", type=Path, help="write every figure and per-page score here")
    parser.add_argument("--pages", action="store_true", help="also list each page's leaks and misses")
    args = parser.parse_args()
    report = evaluate(load_labelled(), repeat=args.repeat)
    print_table(report)
    if args.pages:
        for name, data in report["extractors"].items():
            for page, s in data["pages"].items():
                if s["leaks"] or s["recall"] < 1 or s["precision"] < 1 or not s["title_ok"] or not s["day_ok"]:
                    print(f"{name:>14} {page:<13} recall={s['recall']:.2f} precision={s['precision']:.2f} "
                          f"title={s['title_ok']} day={s['day_ok']} leaks={s['leaks']}")
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
