"""Article detection without URL patterns (extract.kind), on pages nobody here wrote.

    .venv/bin/python benchmarks/bench_kind.py [--corpus ../shared/corpus]

Every page of ../shared/corpus is an article by its authors' truth (trafilatura's evaluation set,
the ScrapingHub article benchmark, htmldate's news sample): the share Rasid calls an article is its
recall, and the signal it used is counted. Pages that are not articles, which the corpus does not
hold, come from the snapshot sites (home pages, and the section, tag and author pages of the
offline sites): each must be called not an article. Prints both, and the pages missed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_real import CORPUS, REFERENCE, load_corpus  # noqa: E402

from extract.article import extract_article  # noqa: E402
from extract.encoding import decode_html  # noqa: E402

SNAPSHOTS = ROOT / "seeds" / "snapshots"


def verdict(body: bytes, url: str | None = None) -> tuple[bool, str]:
    html, _ = decode_html(body, None)
    article = extract_article(html, url, reference=REFERENCE)
    if article is None:
        return False, "no article extracted"
    return bool(article.is_article), article.evidence or ""


GROUND = ROOT / "seeds" / "discovery"


def non_articles() -> list[Path]:
    """Pages that list articles: the snapshot sites' home pages, and the home, section, tag and
    author pages of the discovery ground's five sites (seeds/discovery/TRUTH.json)."""
    pages = sorted(SNAPSHOTS.glob("*/index.html"))
    truth = json.loads((GROUND / "TRUTH.json").read_text(encoding="utf-8"))
    for key, site in truth.items():
        for url in site["not_articles"]:
            path = unquote(urlsplit(url).path)
            pages.append(GROUND / key / path.lstrip("/") / "index.html")
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    pages = load_corpus(args.corpus)
    signals: Counter[str] = Counter()
    missed = []
    for page in pages:
        is_article, why = verdict(page["body_bytes"], page.get("url"))
        signals[re.sub(r"^\d+ ", "", why.split(":")[0]) if is_article else "missed"] += 1
        if not is_article:
            missed.append((page["id"], why))
    found = len(pages) - len(missed)
    print(f"real article pages called articles: {found} of {len(pages)} ({found / len(pages):.1%})")
    for signal, n in signals.most_common(8):
        print(f"  {n:5}  {signal}")
    wrong = [(p, why) for p in non_articles() for is_article, why in [verdict(p.read_bytes())] if is_article]
    print(f"listing pages called articles: {len(wrong)} of {len(non_articles())}")
    for path, why in wrong:
        print(f"  {path.relative_to(ROOT)}: {why}")
    print("missed article pages (first 15):")
    for page_id, why in missed[:15]:
        print(f"  {page_id}: {why}")


if __name__ == "__main__":
    main()
