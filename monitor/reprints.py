"""Reprints: two stored articles that are the same text, and which site had it first. Pure: no
database, no clock (monitor.recorder runs it against the store, in the page's transaction).

    shingles(text)            -> set of word 4-grams of the search-folded text
    signature(shingle_set)    -> Signature (a MinHash, its LSH band keys, the set's size)
    compare(a, b)             -> Match | None (exact containment and Jaccard of two shingle sets)
    story_source(members)     -> the member published first (then seen first)

A copy is found in two steps, as near-duplicate detection is usually built: locality-sensitive
hashing over MinHash signatures (datasketch) gives the few stored articles that may share text with
a new one, whatever the size of the store; the exact shingle sets of those few decide. The LSH
index lives in the store (db.store: one row per band key), not in datasketch's MinHashLSH, whose
storage is a Python dict or Redis/Cassandra: in SQLite the index is written in the same
transaction as the article, survives a restart, and needs no rebuild.

Why these numbers (benchmarks/bench_reprints.py, labelled pairs built from ../shared/corpus):
- word 4-grams of `extract.arabic.search_text` (hamza forms, alef maqsura, taa marbuta, tatweel,
  diacritics, digits folded; a fused definite article cut): orthographic variants of a copy are the
  same shingles, and two independent reports of one event, sharing names and a quoted sentence,
  share few 4-grams (5-grams lose rewrites: one word in twelve replaced breaks more of them).
- the decision is on *containment* of the shorter text (shared shingles / the smaller set), not on
  Jaccard alone: a copy that drops half the paragraphs or adds an intro keeps containment near 1
  while its Jaccard falls to 0.5.
- a floor of shared shingles: a short wire item whose formulaic opening (place, agency, "announced
  today") is all two items share is not a reprint.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from extract import instants
from extract.arabic import search_text

SHINGLE_WORDS = 4
NUM_PERM = 64
# LSH bands of ROWS rows each: a pair becomes a candidate when one band of their signatures is
# equal: P = 1 - (1 - J^2)^32, 0.73 at Jaccard 0.2, 0.95 at 0.3, 0.998 at 0.45. Two rows a band,
# because rewrites reach Jaccard 0.25-0.3 (5th percentile of the labelled pairs); unrelated
# articles sit below 0.002 (99.9th percentile of 200,000 corpus pairs), so a lookup at 100,000
# articles meets about one chance candidate. 32 bands, not 64: LSH then offers 99.87 % of the
# labelled pairs the exact rule calls reprints (64 bands: 100 %) for half the index rows written
# and read per article. bench_reprints.py measures what it misses against exact comparison.
BANDS, ROWS = 32, 2
MIN_SHINGLES = 20  # a text shorter than this (about 24 words) gets no signature: too short to tell
MIN_CONTAINMENT = 0.45  # default threshold: 45 % of the shorter text's shingles are in the other
MIN_SHARED = 20  # and at least this many shingles shared (formulaic openings share fewer)
COPY_JACCARD = 0.8  # near-identical: a copy; below, substantially shared text: a rewrite
KINDS = ("copy", "rewrite")


def shingles(text: str) -> set[str]:
    """The word 4-grams of `text` folded for search (see extract.arabic.search_text)."""
    return folded_shingles(search_text(text))


def folded_shingles(folded: str, size: int = SHINGLE_WORDS) -> set[str]:
    """The word `size`-grams of a text already folded by search_text (the search index keeps each
    stored article's: a candidate's shingles need no folding again)."""
    words = folded.split()
    if len(words) < size:
        return set()
    return {" ".join(words[i:i + size]) for i in range(len(words) - size + 1)}


@dataclass(frozen=True)
class Signature:
    minhash: bytes  # NUM_PERM uint32 values
    size: int  # shingles in the set
    band_keys: tuple[int, ...]  # one signed 64-bit key per band (band number mixed in)


_PERMUTATIONS = None  # datasketch's permutations for NUM_PERM and their scheme, drawn once per process


def signature(shingle_set: set[str]) -> Signature | None:
    """The MinHash of a shingle set and its LSH band keys; None for a set too small to compare."""
    if len(shingle_set) < MIN_SHINGLES:
        return None
    # datasketch (and numpy, scipy under it) costs 0.4 s to import: only a crawl that stores an
    # article pays it, not a revisit of 304s
    from datasketch import MinHash

    global _PERMUTATIONS
    if _PERMUTATIONS is None:  # the same for every signature; drawing them was a third of signing
        first = MinHash(num_perm=NUM_PERM)
        _PERMUTATIONS = (first.permutations, first.scheme)
    minhash = MinHash(num_perm=NUM_PERM, permutations=_PERMUTATIONS[0], scheme=_PERMUTATIONS[1])
    minhash.update_batch([s.encode("utf-8") for s in shingle_set])
    values = minhash.hashvalues.astype("<u4")
    return Signature(values.tobytes(), len(shingle_set), band_keys(values.tobytes()))


def sign(text: str) -> Signature | None:
    """The signature of a text (None when too short to compare)."""
    return signature(shingles(text))


def band_keys(minhash: bytes) -> tuple[int, ...]:
    """One key per band of ROWS values: the bytes of the band with its number, hashed to 64 bits."""
    width = 4 * ROWS
    return tuple(int.from_bytes(hashlib.blake2b(bytes([band]) + minhash[band * width:(band + 1) * width],
                                                digest_size=8).digest(), "big", signed=True)
                 for band in range(BANDS))


def estimated_containment(a: bytes, a_size: int, others: list[tuple[bytes, int]]) -> list[float]:
    """Containment of the smaller set in the other, for `a` against each of `others`, estimated
    from MinHash signatures and the sets' sizes (Jaccard is the share of equal values), all in one
    array operation: the cheap check that spares loading and shingling the text of a candidate
    LSH offered by chance."""
    if not others:
        return []
    import numpy  # datasketch's own dependency

    mine = numpy.frombuffer(a, dtype="<u4")
    theirs = numpy.frombuffer(b"".join(m for m, _ in others), dtype="<u4").reshape(len(others), -1)
    jaccard = (theirs == mine).mean(axis=1)
    sizes = numpy.array([size for _, size in others], dtype=float)
    smaller = numpy.maximum(numpy.minimum(sizes, a_size), 1)
    return (jaccard * (sizes + a_size) / (1 + jaccard) / smaller).tolist()


# An exact check is made only of candidates estimated at least this contained: LSH's chance
# candidates share a band, two of 64 values (estimated ~0.06); a reprint at the 0.45 threshold is
# estimated 0.45 +- 0.12 (bench_reprints.py counts the labelled reprints this drops).
MIN_ESTIMATE = 0.2


@dataclass(frozen=True)
class Match:
    containment: float  # shared shingles / the smaller set's
    jaccard: float  # shared / union
    shared: int
    smaller: int  # shingles of the smaller set

    @property
    def kind(self) -> str:
        return "copy" if self.jaccard >= COPY_JACCARD else "rewrite"


def measure(a: set[str], b: set[str]) -> Match:
    """How much two shingle sets share, exactly."""
    shared = len(a & b)
    smaller, union = min(len(a), len(b)), len(a) + len(b) - shared
    return Match(round(shared / smaller, 4) if smaller else 0.0, round(shared / union, 4) if union else 0.0, shared,
                 smaller)


def is_reprint(match: Match, threshold: float = MIN_CONTAINMENT) -> bool:
    """The rule: both texts long enough, enough shingles shared, the shorter one contained."""
    return match.smaller >= MIN_SHINGLES and match.shared >= MIN_SHARED and match.containment >= threshold


def compare(a: set[str], b: set[str], threshold: float = MIN_CONTAINMENT) -> Match | None:
    """The match of two shingle sets if they are the same text by the rules above, else None."""
    match = measure(a, b)
    return match if is_reprint(match, threshold) else None


@dataclass(frozen=True)
class Member:
    """An article of a story: what choosing its source needs."""

    id: int
    published_at: str | None
    first_seen: str


def first_key(member: Member) -> tuple:
    """Order of publication: the publication instant (first sight when unknown or a day only),
    then first sight, then id. Published instants compare across zones."""
    published = instants.instant(member.published_at)
    seen = instants.instant(member.first_seen)
    return ((published or seen).timestamp() if (published or seen) else float("inf"),
            seen.timestamp() if seen else float("inf"), member.id)


def story_source(members: Iterable[Member]) -> Member:
    """The article of a story published first: its source."""
    return min(members, key=first_key)


def delay_seconds(source: Member, reprint: Member) -> int | None:
    """How long after its source a reprint appeared (publication times, else first sights)."""
    start, end = first_key(source)[0], first_key(reprint)[0]
    if start == float("inf") or end == float("inf"):
        return None
    return int(round(end - start))


def duration(seconds: int) -> str:
    """A delay for people: 5h 35m, 2d 3h; -10m for a copy dated before its source."""
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    days, rest = divmod(seconds, 86400)
    return sign + (f"{days}d {rest // 3600}h" if days else f"{rest // 3600}h {rest % 3600 // 60:02d}m")


def delay_text(seconds: int | None) -> str:
    """How long after its source a reprint appeared: "+5h 35m" ("" when unknown, or when what is
    stored is no whole number of seconds)."""
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        return ""
    return ("" if seconds < 0 else "+") + duration(seconds)
