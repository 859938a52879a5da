"""Reprints: two stored articles that are the same text, and which site had it first. Pure: no
database, no clock (monitor.recorder runs it against the store, in the page's transaction).

    shingles(text)            -> set of word 4-grams of the search-folded text
    signature(shingle_set)    -> Signature (a MinHash, its LSH band keys, the set's size)
    compare(a, b)             -> Match | None (exact containment and Jaccard of two shingle sets)
    evidence(member)          -> its claimed publication beside Rasid's first sight, verified or not
    story_source(members)     -> the member Rasid has evidence of first (VERIFY_WITHIN)

A copy is found in two steps, as near-duplicate detection is usually built: locality-sensitive
hashing over MinHash signatures (datasketch's, computed here: `minhash`) gives the few stored
articles that may share text with a new one, whatever the size of the store; the exact shingle
sets of those few decide. The LSH index lives in the store (db.store: one row per band key), not in
datasketch's MinHashLSH, whose storage is a Python dict or Redis/Cassandra: in SQLite the index is written in the same
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
from datetime import UTC, datetime, timedelta

from extract import instants
from extract.arabic import search_text

SHINGLE_WORDS = 4
NUM_PERM = 64
# LSH bands of ROWS rows each: a pair becomes a candidate when one band of their signatures is
# equal: P = 1 - (1 - J^2)^32, 0.73 at Jaccard 0.2, 0.95 at 0.3, 0.998 at 0.45. Two rows a band,
# because rewrites reach a Jaccard of 0.25-0.3 while unrelated articles sit two orders of magnitude
# lower, so a lookup in a large store meets about one chance candidate. 32 bands, not 64: nearly
# every pair the exact rule calls a reprint is still offered, for half the index rows written and
# read per article. bench_reprints.py measures what LSH misses against exact comparison; the
# figures behind these choices are in BENCHMARKS.md.
BANDS, ROWS = 32, 2
MIN_SHINGLES = 20  # a text shorter than this (about 24 words) gets no signature: too short to tell
MIN_CONTAINMENT = 0.45  # default threshold: 45 % of the shorter text's shingles are in the other
MIN_SHARED = 20  # and at least this many shingles shared (formulaic openings share fewer)
COPY_JACCARD = 0.8  # near-identical: a copy; below, substantially shared text: a rewrite


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


def signature(shingle_set: set[str]) -> Signature | None:
    """The MinHash of a shingle set and its LSH band keys; None for a set too small to compare."""
    if len(shingle_set) < MIN_SHINGLES:
        return None
    values = minhash([s.encode("utf-8") for s in shingle_set]).astype("<u4")
    return Signature(values.tobytes(), len(shingle_set), band_keys(values.tobytes()))


# The MinHash is written here, with numpy, rather than taken from datasketch: `import datasketch`
# imports its LSH module and scipy under it, and datasketch declares scipy as a requirement, so
# depending on it put scipy on every host (its size and memory: BENCHMARKS.md) for one function of
# twenty lines. No maintained MinHash library without scipy computes datasketch's values, and the
# signatures already stored must stay valid. So this is datasketch 2.0's `MinHash(num_perm=64)`
# (seed 1, scheme "affine32") value for value: each shingle's SHA-1, its first 4 bytes read as a
# little-endian uint32, mixed by MurmurHash3's 32-bit finalizer, then a*h + b mod 2**32 for each of
# the 64 (a, b) pairs drawn by numpy's RandomState(1), whose stream numpy keeps fixed for exactly
# this use; the signature is the minimum of each. tests/test_reprints.py checks it against
# datasketch itself (the test extra installs it) bit for bit.
_SEED = 1
_PERMUTATIONS = None  # (a, b): drawn once per process


def _permutations():
    import numpy

    global _PERMUTATIONS
    if _PERMUTATIONS is None:
        draw = numpy.random.RandomState(_SEED)
        a = draw.randint(0, 1 << 31, NUM_PERM, dtype=numpy.uint32) * numpy.uint32(2) + numpy.uint32(1)  # odd
        b = draw.randint(0, 1 << 32, NUM_PERM, dtype=numpy.uint32)
        _PERMUTATIONS = a, b
    return _PERMUTATIONS


def minhash(items: list[bytes]):
    """The NUM_PERM minimum hash values of `items` (a numpy uint32 array), as datasketch's MinHash."""
    import numpy  # imported on the first signature: a revisit of 304s signs nothing

    a, b = _permutations()
    if not items:
        return numpy.full(NUM_PERM, 0xFFFFFFFF, dtype=numpy.uint32)
    hashes = numpy.array([int.from_bytes(hashlib.sha1(item).digest()[:4], "little") for item in items],
                         dtype=numpy.uint32).reshape(-1, 1)
    # MurmurHash3's fmix32; uint32 arithmetic wraps, which is the modulo the scheme wants
    hashes ^= hashes >> numpy.uint32(16)
    hashes *= numpy.uint32(0x85EBCA6B)
    hashes ^= hashes >> numpy.uint32(13)
    hashes *= numpy.uint32(0xC2B2AE35)
    hashes ^= hashes >> numpy.uint32(16)
    return (hashes * a + b).min(axis=0)


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
    import numpy

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
    published_at: str | None  # the publication time the page claims
    first_seen: str  # Rasid's own first sight of it: a crawl's fetch, or an archive capture's WARC-Date


# A claimed publication time is *verified* when Rasid's own first sight of the article is within
# this of it. One hour: a site Rasid watches is revisited every 15 minutes by default, and its feed
# lists a new article within minutes, so an honest claim is seen within the hour (a crawl on a
# longer interval, or an archive capture made later, leaves a true claim unverified: its first
# sight then stands for it, still evidence). Copies come 50 minutes to hours after their source
# (the demo's: 50 min, 2 h, 5.5 h); a copier can backdate its way to "first" only by being seen
# within the hour of the time it claims, so only by copying within the hour. The same width is the
# resolution of first sights: two within it (one crawl of several sites, one archive file) cannot
# be ordered by what Rasid saw, only by what the pages claim.
VERIFY_WITHIN = timedelta(hours=1)


@dataclass(frozen=True)
class Evidence:
    """What Rasid can say of when an article appeared."""

    claimed: datetime | None  # the instant the page claims (None: none, or a day without a time)
    seen: datetime | None  # Rasid's first sight

    @property
    def verified(self) -> bool:
        """The claim is confirmed: Rasid first saw the article within VERIFY_WITHIN of it."""
        return self.claimed is not None and self.seen is not None and abs(self.seen - self.claimed) <= VERIFY_WITHIN

    @property
    def vouched(self) -> datetime | None:
        """The time Rasid vouches the article was out by: its claim when verified (its first sight
        if that came first), else its first sight."""
        if self.verified:
            return min(self.claimed, self.seen)
        return self.seen if self.seen is not None else None

    @property
    def how(self) -> str:
        """`verified` (a confirmed claim), `claimed` (a claim Rasid could not confirm) or `seen` (no
        claimed instant: only Rasid's first sight)."""
        return "verified" if self.verified else ("claimed" if self.claimed is not None else "seen")

    @property
    def earliest(self) -> datetime | None:
        """The earliest time the article could have been out by, on the page's word."""
        return min(t for t in (self.claimed, self.seen) if t is not None) if self.claimed or self.seen else None


def evidence(member: Member) -> Evidence:
    """An article's claimed publication instant (a day without a time claims no instant) beside
    Rasid's first sight of it."""
    claimed = instants.instant(member.published_at)
    return Evidence(claimed, instants.instant(member.first_seen))


def _at(moment: datetime | None) -> float:
    return moment.timestamp() if moment is not None else float("inf")


def story_source(members: Iterable[Member]) -> Member:
    """The article of a story Rasid has evidence of first: the earliest vouched time (a verified
    publication, else a first sight), a verified one first on a tie. A claim that is not verified
    never makes an article the source, but for one case: when the earliest evidence is a first
    sight, the articles first seen within VERIFY_WITHIN of it (and before any verified publication)
    cannot be told apart by what Rasid saw, and the earliest of their claims decides among them."""
    members = list(members)
    known = {m.id: evidence(m) for m in members}
    first = min(members, key=lambda m: (_at(known[m.id].vouched), not known[m.id].verified, m.id))
    start = known[first.id]
    if start.verified or start.vouched is None:
        return first
    # in seconds: an instant near the ends of time plus an hour does not overflow
    limit = min([_at(start.vouched) + VERIFY_WITHIN.total_seconds(),
                 *(_at(e.vouched) for e in known.values() if e.verified)])
    together = [m for m in members if not known[m.id].verified and known[m.id].vouched is not None
                and (_at(known[m.id].vouched) < limit or known[m.id].vouched == start.vouched)]
    return min(together, key=lambda m: (_at(known[m.id].earliest), _at(known[m.id].vouched), m.id))


def delay_seconds(source: Member, reprint: Member) -> int | None:
    """How long after its source a reprint appeared, on evidence: from the source's vouched time to
    the reprint's (each a verified publication, else a first sight). None when one is unknown, or
    when the two are within VERIFY_WITHIN and not both verified: what Rasid saw cannot order them."""
    start, end = evidence(source), evidence(reprint)
    if start.vouched is None or end.vouched is None:
        return None
    delay = end.vouched - start.vouched
    if not (start.verified and end.verified) and abs(delay) <= VERIFY_WITHIN:
        return None
    return int(round(delay.total_seconds()))


def claimed_delay_seconds(source: Member, reprint: Member) -> int | None:
    """The delay the pages' own claims give (None unless both claim an instant): shown beside the
    one on evidence, never taken for it."""
    start, end = evidence(source).claimed, evidence(reprint).claimed
    return None if start is None or end is None else int(round((end - start).total_seconds()))


def claims_earlier(source: Member, reprint: Member) -> bool:
    """The reprint claims a publication before anything known of its source (its claim, its first
    sight) without Rasid confirming it: a claim to have been first, shown as a claim."""
    start, end = evidence(source), evidence(reprint)
    return (not end.verified and end.claimed is not None and start.earliest is not None
            and end.claimed < start.earliest)


def delay_basis(source: Member, reprint: Member) -> str:
    """Which two times delay_seconds compares, in words."""
    def name(e: Evidence) -> str:
        return "verified publication" if e.verified else "first sight"
    return f"{name(evidence(source))} to {name(evidence(reprint))}"


def account(member: Member) -> dict:
    """What Rasid says of when an article appeared, for the commands and pages that show it:
    `evidence` (verified, claimed or seen) and `vouched_at`."""
    known = evidence(member)
    return {"evidence": known.how, "vouched_at": utc_text(known.vouched)}


def comparison(source: Member, reprint: Member) -> dict:
    """A reprint beside its source: its `claimed_delay_seconds`, whether it `claims_earlier` than
    its source, and which two times its delay on evidence compares (`delay_between`)."""
    return {"claimed_delay_seconds": claimed_delay_seconds(source, reprint),
            "claims_earlier": claims_earlier(source, reprint), "delay_between": delay_basis(source, reprint)}


def utc_text(moment: datetime | None) -> str | None:
    """An instant as ISO-8601 in UTC (as written when UTC cannot hold it)."""
    if moment is None:
        return None
    try:
        return moment.astimezone(UTC).isoformat()
    except OverflowError:  # near the ends of time
        return moment.isoformat()


def local_minutes(moment: datetime | None, zone: str | None) -> str:
    """An instant to the minute in the site's zone, with its offset ("2026-11-01 10:00+03:00", as the
    web view shows it); "?" when unknown."""
    if moment is None:
        return "?"
    try:
        return (moment.astimezone(instants.zone(zone)) if zone else moment).isoformat(sep=" ", timespec="minutes")
    except OverflowError:  # an instant at the ends of time
        return moment.isoformat(timespec="minutes")


def times_text(member: Member, zone: str | None = None, source: Member | None = None) -> str:
    """The claimed and first-seen times of an article side by side, and what Rasid makes of the
    claim: "claims 2026-10-31 10:00 (-1d 0h: earlier than its source), first seen 2026-11-20 10:00
    (not verified)". `source`: the story's source, for a reprint (its claimed delay)."""
    known = evidence(member)
    seen = f"first seen {local_minutes(known.seen, zone)}"
    if known.claimed is None:
        day = f", a day only: {member.published_at[:10]}" if member.published_at else ""
        return f"{seen} (no publication time claimed{day})"
    notes = []
    if source is not None:
        claimed = claimed_delay_seconds(source, member)
        if claimed is not None:
            notes.append(signed_duration(claimed))
        if claims_earlier(source, member):
            notes.append("earlier than its source")
    note = f" ({': '.join(notes)})" if notes else ""
    verb = "published" if known.verified else "claims"
    return f"{verb} {local_minutes(known.claimed, zone)}{note}, {seen} ({'verified' if known.verified else 'not verified'})"


def duration(seconds: int) -> str:
    """A delay for people: 5h 35m, 2d 3h; -10m for a copy dated before its source."""
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    days, rest = divmod(seconds, 86400)
    return sign + (f"{days}d {rest // 3600}h" if days else f"{rest // 3600}h {rest % 3600 // 60:02d}m")


def signed_duration(seconds: int | None) -> str:
    """A delay either way: "+5h 35m", "-1d 0h" ("" when unknown)."""
    return "" if seconds is None else ("+" if seconds >= 0 else "") + duration(seconds)


def delay_text(seconds: int | None) -> str:
    """How long after its source a reprint appeared: "+5h 35m" ("" when unknown, or when what is
    stored is no whole number of seconds)."""
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        return ""
    return ("" if seconds < 0 else "+") + duration(seconds)
