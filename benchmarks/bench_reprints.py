"""Reprint detection measured: precision and recall on labelled pairs built from real pages, what
LSH misses against exact comparison of all pairs, and the cost of a lookup as the store grows,
beside bare datasketch (MinHash + its in-memory MinHashLSH) in the same run.

    .venv/bin/python benchmarks/bench_reprints.py [--corpus ../shared/corpus] [--sample K]
        [--sizes 1000,100000] [--json out.json]

1. Labelled pairs (benchmarks/reprint_pairs.py): every kind of copy and hard negative made from
   each real page of the corpus and each Arabic text; a pair is called a reprint as Rasid calls it
   (monitor.stories): the two signatures share an LSH band, and the exact shingle sets pass
   monitor.reprints.compare. Precision and recall at the default threshold and around it, recall
   per kind of copy, false positives per kind of negative, the Arabic pairs apart.
2. LSH against exact: over every pair of a sample of texts (sources and their copies), the pairs
   exact comparison calls reprints, and how many of them LSH did not offer as candidates.
3. Speed: a store of N articles (text drawn from a word-bigram model of the corpus, so unrelated
   articles share what real ones share: common phrases, not sentences), then 300 new articles,
   a third of them copies of stored ones, each signed, indexed and placed through monitor.stories
   as a crawl does; per-article time of signing, of writing its bands and of the lookup (candidates
   from the bands, exact check, story) at each N, the store's bytes
   per article for signatures and bands, and bare datasketch's MinHash + MinHashLSH(insert+query)
   on the same texts at the same N.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from reprint_pairs import CORPUS, NEGATIVE, POSITIVE, arabic_sources, build_pairs, load_sources  # noqa: E402

from monitor import reprints  # noqa: E402
from monitor.reprints import compare, is_reprint, measure, shingles, signature  # noqa: E402

# --- 1. labelled pairs ------------------------------------------------------------------------


def features(pair) -> tuple[bool, float, object]:
    """(an LSH band shared, the MinHash estimate of containment, the exact Match) of a pair's two
    texts: what monitor.stories.place looks at, in its order."""
    a, b = shingles(pair.a), shingles(pair.b)
    sa, sb = signature(a), signature(b)
    if sa is None or sb is None:
        return False, 0.0, measure(a, b)
    (estimate,) = reprints.estimated_containment(sa.minhash, sa.size, [(sb.minhash, sb.size)])
    return bool(set(sa.band_keys) & set(sb.band_keys)), estimate, measure(a, b)


def called(feature, threshold: float = reprints.MIN_CONTAINMENT) -> bool:
    candidate, estimate, match = feature
    return candidate and estimate >= reprints.MIN_ESTIMATE and is_reprint(match, threshold)


def judge(pair, threshold: float = reprints.MIN_CONTAINMENT) -> tuple[bool, float]:
    """(called a reprint, containment) of a pair, the way monitor.stories decides."""
    feature = features(pair)
    return called(feature, threshold), feature[2].containment


def scores(pairs, decided: list[bool]) -> dict:
    tp = sum(1 for p, c in zip(pairs, decided, strict=True) if p.label and c)
    fp = sum(1 for p, c in zip(pairs, decided, strict=True) if not p.label and c)
    positives = sum(1 for p in pairs if p.label)
    return {"pairs": len(pairs), "positives": positives, "tp": tp, "fp": fp, "fn": positives - tp,
            "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
            "recall": round(tp / positives, 4) if positives else 1.0}


def labelled(pairs) -> dict:
    feats = [features(p) for p in pairs]
    decided = [called(f) for f in feats]
    arabic = [(p, c) for p, c in zip(pairs, decided, strict=True) if p.arabic]
    out = {"default": scores(pairs, decided), "arabic": scores([p for p, _ in arabic], [c for _, c in arabic])}
    out["arabic_recall_by_kind"] = {k: round(sum(c for p, c in arabic if p.how == k)
                                             / max(1, sum(1 for p, _ in arabic if p.how == k)), 4) for k in POSITIVE}
    out["recall_by_kind"] = {k: round(sum(c for p, c in zip(pairs, decided, strict=True) if p.how == k)
                                      / max(1, sum(1 for p in pairs if p.how == k)), 4) for k in POSITIVE}
    out["false_positives_by_kind"] = {k: sum(c for p, c in zip(pairs, decided, strict=True) if p.how == k)
                                      for k in NEGATIVE}
    out["negatives_by_kind"] = {k: sum(1 for p in pairs if p.how == k) for k in NEGATIVE}
    out["missed_by_lsh"] = sum(1 for p, (cand, _, m) in zip(pairs, feats, strict=True)
                               if p.label and is_reprint(m) and not cand)
    out["dropped_by_estimate"] = sum(1 for p, (cand, est, m) in zip(pairs, feats, strict=True)
                                     if p.label and cand and is_reprint(m) and est < reprints.MIN_ESTIMATE)
    sweep = {}
    for threshold in (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7):
        sweep[str(threshold)] = scores(pairs, [called(f, threshold) for f in feats])
    out["threshold_sweep"] = sweep
    return out


# --- 2. LSH against exact over all pairs of a sample -----------------------------------------


def lsh_vs_exact(pairs, texts: int, seed: int = 2) -> dict:
    rng = random.Random(seed)
    chosen = rng.sample([p for p in pairs if p.label], min(len(pairs), texts // 2))
    sample = list(dict.fromkeys(t for p in chosen for t in (p.a, p.b)))[:texts]
    sets = [shingles(t) for t in sample]
    sigs = [signature(s) for s in sets]
    exact, offered, missed = 0, 0, []
    for i, j in combinations(range(len(sample)), 2):
        if sigs[i] is None or sigs[j] is None:
            continue
        match = compare(sets[i], sets[j])
        candidate = bool(set(sigs[i].band_keys) & set(sigs[j].band_keys))
        offered += candidate
        if match is not None:
            exact += 1
            if not candidate:
                missed.append(match)
    return {"texts": len(sample), "pairs": len(sample) * (len(sample) - 1) // 2, "exact_reprint_pairs": exact,
            "lsh_candidates": offered, "missed_by_lsh": len(missed),
            "missed_jaccard": sorted(m.jaccard for m in missed)[:20],
            "missed_jaccard_max": max((m.jaccard for m in missed), default=None),
            "missed_size_ratio_max": max((round(m.smaller / (m.shared / m.jaccard - m.smaller + m.shared), 3)
                                          for m in missed if m.jaccard), default=None),
            "share_missed": round(len(missed) / exact, 4) if exact else 0.0}


# --- 3. speed at N stored articles --------------------------------------------------------------


class Bigrams:
    """A word-bigram model of the corpus: texts that share the corpus's common phrases, not its sentences."""

    def __init__(self, texts: list[str], seed: int):
        self.rng = random.Random(seed)
        self.next: dict[str, list[str]] = {}
        for text in texts:
            words = text.split()
            for a, b in zip(words, words[1:], strict=False):
                self.next.setdefault(a, []).append(b)
        self.starts = [t.split()[0] for t in texts if t.split()]

    def text(self, words: int = 320) -> str:
        out = [self.rng.choice(self.starts)]
        while len(out) < words:
            following = self.next.get(out[-1])
            out.append(self.rng.choice(following) if following else self.rng.choice(self.starts))
        paragraphs = [" ".join(out[i:i + 60]) for i in range(0, len(out), 60)]
        return "\n\n".join(paragraphs)


def _store(path: Path):
    from db.store import Store

    store = Store(path)
    store.ensure_site("bench", "bench", "https://bench.example", "UTC")
    return store


def _insert(store, n: int, text: str) -> int:
    """An article row and its search row, as Store.save writes them before monitor.stories runs."""
    from extract.arabic import search_text
    from extract.model import content_hash

    article_id = store.db.execute(
        "INSERT INTO articles (url, site, title, text, published_at, first_seen, content_hash) "
        "VALUES (?, 'bench', ?, ?, ?, ?, ?)",
        [f"https://bench.example/{n}", f"t{n}", text, f"2026-01-01T00:{n % 60:02d}:00+00:00",
         "2026-01-02T00:00:00+00:00", content_hash(f"t{n}", text)]).lastrowid
    store.db.execute("INSERT INTO articles_search (article_id, title, text) VALUES (?, ?, ?)",
                     [article_id, f"t{n}", search_text(text)])
    return article_id


WARM_UP = 50  # probes run first at each size and not timed: imports, statement cache, warm pages


def speed(model: Bigrams, sizes: list[int], probes: int = 600) -> dict:
    from datasketch import MinHash, MinHashLSH

    from monitor.stories import Stories

    out = {}
    largest = max(sizes)
    base = [model.text() for _ in range(largest)]
    rng = random.Random(7)
    fresh = [model.text() for _ in range(probes)]
    warm = [model.text() for _ in range(WARM_UP)]
    with tempfile.TemporaryDirectory() as tmp:
        store = _store(Path(tmp) / "bench.db")
        stories = Stories(store)
        done = 0
        for size in sorted(sizes):
            with store.transaction():
                for n in range(done, size):
                    stories.track(_insert(store, n, base[n]), base[n], f"h{n}", "2026-01-02T00:00:00+00:00")
            done = size
            # a third of the probes copy a stored article (trimmed, a line added): lookups that find
            probe_texts = [("\n\n".join(base[rng.randrange(size)].split("\n\n")[:-1]) + "\n\nتابعونا")
                           if k % 3 == 0 else fresh[k] for k in range(probes)]
            sign, index, look = [], [], []
            store.db.conn.execute("BEGIN IMMEDIATE")  # rolled back: the probes leave the store as it was
            for k, text in enumerate(warm + probe_texts):  # the first WARM_UP untimed
                article_id = _insert(store, 2 * largest + size + k, text)
                started = time.perf_counter()
                own = shingles(text)
                sig = signature(own)
                signed = time.perf_counter()
                store.put_signature(article_id, sig.minhash, len(own), f"p{k}", sig.band_keys)
                indexed = time.perf_counter()
                stories.place(article_id, lambda own=own: own, sig, "2026-01-02T00:00:00+00:00")
                placed = time.perf_counter()
                if k < WARM_UP:
                    continue
                sign.append(signed - started)
                index.append(indexed - signed)
                look.append(placed - indexed)
            store.db.conn.execute("ROLLBACK")
            # bare datasketch on the same texts: MinHash, then its in-memory MinHashLSH
            lsh = MinHashLSH(threshold=0.3, num_perm=reprints.NUM_PERM)
            for n in range(size):
                m = MinHash(num_perm=reprints.NUM_PERM)
                m.update_batch([s.encode() for s in shingles(base[n])])
                lsh.insert(n, m)
            bare = []
            for text in warm:
                m = MinHash(num_perm=reprints.NUM_PERM)
                m.update_batch([s.encode() for s in shingles(text)])
                lsh.query(m)
            for text in probe_texts:
                started = time.perf_counter()
                m = MinHash(num_perm=reprints.NUM_PERM)
                m.update_batch([s.encode() for s in shingles(text)])
                lsh.query(m)
                bare.append(time.perf_counter() - started)
            db_bytes = _table_bytes(Path(tmp) / "bench.db")
            out[size] = {
                "sign_ms": round(statistics.median(sign) * 1000, 3),
                "index_write_ms": round(statistics.median(index) * 1000, 3),
                "lookup_ms": round(statistics.median(look) * 1000, 3),
                "lookup_mean_ms": round(statistics.mean(look) * 1000, 3),
                "lookup_p95_ms": round(sorted(look)[int(0.95 * len(look))] * 1000, 3),
                "rasid_total_ms": round(statistics.median([a + b + c for a, b, c in zip(sign, index, look, strict=True)])
                                        * 1000, 3),
                "bare_datasketch_ms": round(statistics.median(bare) * 1000, 3),
                "bytes_per_article": {t: round(b / size) for t, b in db_bytes.items()},
            }
        store.close()
    small, large = out[min(sizes)], out[largest]
    out["lookup_ratio_largest_vs_smallest"] = round(large["lookup_ms"] / small["lookup_ms"], 2)
    out["lookup_mean_ratio_largest_vs_smallest"] = round(large["lookup_mean_ms"] / small["lookup_mean_ms"], 2)
    out["rasid_vs_bare_datasketch_at_largest"] = round(large["rasid_total_ms"] / large["bare_datasketch_ms"], 2)
    return out


def _table_bytes(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
    except sqlite3.OperationalError:  # SQLite without the dbstat table
        return {"file": os.path.getsize(path)}
    finally:
        conn.close()
    names = {"signatures", "reprint_bands", "reprint_bands_recent", "articles", "reprints"}
    return {name: size for name, size in rows if name in names}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--sizes", default="1000,100000", help="stored articles at which lookups are timed")
    parser.add_argument("--all-pairs", type=int, default=1200, help="texts compared all against all (section 2)")
    parser.add_argument("--speed-only", action="store_true", help="section 3 alone (texts still from the corpus)")
    parser.add_argument("--probes", type=int, default=600, help="new articles timed at each size")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    started = time.perf_counter()
    sources = load_sources(args.corpus, extra=arabic_sources())
    if args.speed_only:
        return _speed_section(sources, args)
    pairs = build_pairs(sources)
    print(f"{len(sources)} source texts, {len(pairs)} labelled pairs ({time.perf_counter() - started:.0f} s to build)")
    result = {"labelled": labelled(pairs)}
    d = result["labelled"]["default"]
    print(f"default threshold {reprints.MIN_CONTAINMENT}: precision {d['precision']}, recall {d['recall']} "
          f"(tp {d['tp']}, fp {d['fp']}, fn {d['fn']}); Arabic: {result['labelled']['arabic']}")
    print("recall by kind:", result["labelled"]["recall_by_kind"])
    print("Arabic recall by kind:", result["labelled"]["arabic_recall_by_kind"])
    print("false positives by kind:", result["labelled"]["false_positives_by_kind"],
          "of", result["labelled"]["negatives_by_kind"])
    print(f"reprints by the exact rule that LSH did not offer: {result['labelled']['missed_by_lsh']}; "
          f"dropped by the MinHash estimate: {result['labelled']['dropped_by_estimate']}")
    for t, s in result["labelled"]["threshold_sweep"].items():
        print(f"  threshold {t}: precision {s['precision']}, recall {s['recall']}")
    result["lsh_vs_exact"] = lsh_vs_exact(pairs, args.all_pairs)
    print("LSH vs exact over all pairs:", result["lsh_vs_exact"])
    _speed_section(sources, args, result)


def _speed_section(sources, args, result: dict | None = None) -> None:
    result = {} if result is None else result
    model = Bigrams([s.text for s in sources], seed=5)
    result["speed"] = speed(model, [int(x) for x in args.sizes.split(",")], args.probes)
    for size, figures in result["speed"].items():
        print(f"  {size}: {figures}")
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
