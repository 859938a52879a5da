"""Rasid's extraction against bare trafilatura on real third-party pages (../shared/corpus).

    .venv/bin/python benchmarks/bench_real.py [--corpus ../shared/corpus] [--sample N] [--json out.json]
                                              [--pages lost|worse|all]

Nothing in the corpus was written here: trafilatura's evaluation set (`traf-*`, snippets that must
and must not be in the text), the ScrapingHub article benchmark (`aeb-*`, whole bodies written by
hand) and htmldate's MediaCloud sample (`mc-*`, publication days, many languages). Both sides read
the same bytes in the same process, one page after the other:
- bare trafilatura as a user calls it: `trafilatura.bare_extraction(bytes, url=url, with_metadata=True)`;
- Rasid as the crawler calls it: `extract.encoding.decode_html` then `extract.article.extract_article`
  with no site hints (the pages are of no configured site).

Scores (the corpus README's definitions, whitespace folded):
- snippets: a `with` snippet in the text is a true positive, missing a false negative; a `without`
  snippet in the text a false positive; precision, recall, F1 over all snippets of all pages;
- bodies: whitespace-token multiset overlap with `body`; precision, recall, F1 per page, then the mean;
- lost: a page whose body is gone: no `with` snippet found (of a page that has some), or body recall
  below 0.2;
- dates: the publication day equals `date`;
- raised: pages where extraction raised; time: CPU time per page, summed over the run.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import trafilatura

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extract.article import extract_article  # noqa: E402
from extract.encoding import decode_html  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
# What a crawl passes as the fetch time (relative dates, htmldate's latest plausible day); bare
# trafilatura reads the machine's clock for the same purpose.
REFERENCE = datetime.now(UTC).isoformat(timespec="seconds")


def load_corpus(corpus: Path = CORPUS, sample: int | None = None) -> list[dict]:
    """Every page with its truth; with `sample`, every k-th page of each source (a fixed sample
    that keeps each source's share: the same pages on every run)."""
    pages = []
    for part in ("extraction", "dates"):
        for line in (corpus / part / "truth.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                row["path"] = corpus / part / "pages" / f"{row['id']}.html.gz"
                pages.append(row)
    if sample:
        by_source: dict[str, list[dict]] = {}
        for row in pages:
            by_source.setdefault(row["id"].split("-", 1)[0], []).append(row)
        share = sample / len(pages)
        pages = [row for rows in by_source.values()
                 for row in rows[:: max(1, round(1 / share))]]
    for row in pages:
        row["body_bytes"] = gzip.decompress(row["path"].read_bytes())
    return pages


@dataclass
class Result:
    text: str = ""
    day: str | None = None
    raised: str | None = None
    seconds: float = 0.0


def run_bare(page: dict) -> Result:
    started = time.process_time()
    try:
        doc = trafilatura.bare_extraction(page["body_bytes"], url=page["url"], with_metadata=True)
    except Exception as exc:  # noqa: BLE001 (counted: the library's own failures are part of the score)
        return Result(raised=f"{type(exc).__name__}: {exc}", seconds=time.process_time() - started)
    seconds = time.process_time() - started
    if doc is None:
        return Result(seconds=seconds)
    text = getattr(doc, "text", None) if not isinstance(doc, dict) else doc.get("text")
    date = getattr(doc, "date", None) if not isinstance(doc, dict) else doc.get("date")
    return Result(text=text or "", day=(date or "")[:10] or None, seconds=seconds)


def run_rasid(page: dict) -> Result:
    started = time.process_time()
    try:
        html, _ = decode_html(page["body_bytes"])
        article = extract_article(html, page["url"], reference=REFERENCE)
    except Exception as exc:  # noqa: BLE001 (counted: Rasid must never raise on any page)
        return Result(raised=f"{type(exc).__name__}: {exc}", seconds=time.process_time() - started)
    seconds = time.process_time() - started
    if article is None:
        return Result(seconds=seconds)
    day = article.published.iso[:10] if article.published and article.published.precision not in (
        "year", "month") else None
    return Result(text=article.text, day=day, seconds=seconds)


def _fold(text: str) -> str:
    return " ".join(text.split())


@dataclass
class PageScore:
    id: str
    kind: str  # traf, aeb, mc
    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0
    precision: float | None = None
    recall: float | None = None
    f1: float | None = None
    lost: bool = False
    day_ok: bool | None = None
    raised: str | None = None
    chars: int = 0


def _tokens_f1(got: str, want: str) -> tuple[float, float, float]:
    got_t, want_t = Counter(got.split()), Counter(want.split())
    common = sum((got_t & want_t).values())
    if not common:
        return 0.0, 0.0, 0.0
    precision, recall = common / sum(got_t.values()), common / sum(want_t.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


def score_page(page: dict, result: Result) -> PageScore:
    kind = page["id"].split("-", 1)[0]
    text = _fold(result.text)
    score = PageScore(page["id"], kind, raised=result.raised, chars=len(text))
    if kind == "traf":
        for snippet in page.get("with", []):
            found = _fold(snippet) in text
            score.tp += found
            score.fn += not found
        for snippet in page.get("without", []):
            found = _fold(snippet) in text
            score.fp += found
            score.tn += not found
        score.lost = bool(page.get("with")) and score.tp == 0
    elif kind == "aeb":
        score.precision, score.recall, score.f1 = _tokens_f1(text, _fold(page["body"]))
        score.lost = score.recall < 0.2
    if page.get("date") and kind in ("mc", "traf"):
        score.day_ok = result.day == page["date"][:10]
    return score


@dataclass
class Scores:
    precision: float = 0.0
    recall: float = 0.0
    f1: float = 0.0


@dataclass
class Summary:
    pages: int = 0
    raised: int = 0
    lost: int = 0
    snippet: Scores = field(default_factory=Scores)  # over every snippet of every page: trafilatura's own score
    body: Scores = field(default_factory=Scores)  # mean over the ScrapingHub pages' whole bodies
    dated_pages: int = 0
    day_right: int = 0
    ms_per_page: float = 0.0
    by_kind: dict = field(default_factory=dict)


def summarise(scores: list[PageScore], seconds: float) -> Summary:
    tp = sum(s.tp for s in scores)
    fn = sum(s.fn for s in scores)
    fp = sum(s.fp for s in scores)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    bodies = [s for s in scores if s.kind == "aeb"]
    # the day is scored on htmldate's sample (mc-*), the set made for dates
    dated = [s for s in scores if s.kind == "mc" and s.day_ok is not None]
    mean = (lambda xs: sum(xs) / len(xs) if xs else 0.0)  # noqa: E731
    return Summary(
        pages=len(scores), raised=sum(1 for s in scores if s.raised), lost=sum(s.lost for s in scores),
        snippet=Scores(precision, recall, 2 * precision * recall / (precision + recall) if precision + recall else 0.0),
        body=Scores(mean([s.precision for s in bodies]), mean([s.recall for s in bodies]), mean([s.f1 for s in bodies])),
        dated_pages=len(dated), day_right=sum(bool(s.day_ok) for s in dated),
        ms_per_page=1000 * seconds / max(1, len(scores)),
        by_kind={k: sum(1 for s in scores if s.kind == k) for k in ("traf", "aeb", "mc")},
    )


def compare(pages: list[dict]) -> dict:
    """Both extractors on every page, side by side, with per-page scores and the summaries."""
    ours, bare = [], []
    ours_seconds = bare_seconds = 0.0
    for page in pages:
        b = run_bare(page)
        r = run_rasid(page)
        bare_seconds += b.seconds
        ours_seconds += r.seconds
        bare.append(score_page(page, b))
        ours.append(score_page(page, r))
    return {"rasid": summarise(ours, ours_seconds), "trafilatura": summarise(bare, bare_seconds),
            "pages": list(zip(ours, bare, strict=True))}


def words_kept(ours: str, theirs: str) -> float:
    """Share of `theirs`'s words (counted with repeats) that `ours` has. (Measured here, not with
    extract.article's own helper, so the benchmark does not grade Rasid with Rasid's code.)"""
    want = Counter(theirs.split())
    return sum((Counter(ours.split()) & want).values()) / sum(want.values()) if want else 1.0


def _row(name: str, s: Summary) -> str:
    return (f"| {name} | {s.lost} | {s.raised} | {s.snippet.precision:.3f} / {s.snippet.recall:.3f} / "
            f"{s.snippet.f1:.3f} | {s.body.f1:.3f} | {s.day_right} of {s.dated_pages} | {s.ms_per_page:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--sample", type=int, help="a fixed sample of about N pages (every k-th of each source)")
    parser.add_argument("--json", type=Path, help="write the summaries and per-page scores here")
    parser.add_argument("--pages", choices=("lost", "worse", "all"), help="list pages: lost by Rasid, "
                                                                          "worse than trafilatura, or all")
    args = parser.parse_args()
    pages = load_corpus(args.corpus, args.sample)
    result = compare(pages)
    ours, bare = result["rasid"], result["trafilatura"]
    print(f"{len(pages)} pages ({ours.by_kind}) from {args.corpus}\n")
    print("| | bodies lost | raised | snippets P / R / F1 | whole-body mean F1 | day right | ms per page |")
    print("|---|---:|---:|---|---:|---:|---:|")
    print(_row("Rasid", ours))
    print(_row("bare trafilatura", bare))
    print(f"\ntime per page, Rasid / trafilatura: {ours.ms_per_page / bare.ms_per_page:.2f}")
    if args.pages:
        print()
        for r, b in result["pages"]:
            worse = (r.lost and not b.lost) or (r.f1 is not None and b.f1 is not None and r.f1 < b.f1 - 0.05) \
                or (r.tp < b.tp) or (r.fp > b.fp) or (b.day_ok and not r.day_ok) or r.raised
            if args.pages == "all" or (args.pages == "lost" and r.lost) or (args.pages == "worse" and worse):
                print(f"{r.id:50} rasid tp={r.tp} fn={r.fn} fp={r.fp} f1={r.f1} lost={r.lost} day={r.day_ok} "
                      f"raised={r.raised} | bare tp={b.tp} fp={b.fp} f1={b.f1} lost={b.lost} day={b.day_ok}")
    if args.json:
        args.json.write_text(json.dumps({"rasid": asdict(ours), "trafilatura": asdict(bare),
                                         "pages": [[asdict(r), asdict(b)] for r, b in result["pages"]]},
                                        ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
