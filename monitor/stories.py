"""Stories: which stored articles carry the same text, and which of them Rasid saw first.

    Stories(store).track(article_id, text, content_hash, ...)  (monitor.recorder, in the page's transaction)
    Stories(store).reorder(article_id, when)  (what Rasid knows of when the article appeared changed)

A story is the article Rasid has evidence of first (its source: monitor.reprints.story_source, a
verified publication or a first sight, never a claim alone) and the stored articles found to be
its reprints (monitor.reprints decides what "the same text" is). Each reprint points at the
story's source, never at the copy it happened to be matched with: an agency wire taken by ten
sites is one source and ten rows, and when the original turns up after its copies (a site crawled
later, a backfill) with evidence of coming first, it becomes the source of all of them. Two
stories that one article joins become one. The similarity and delay stored are those to the
source, the delay on evidence (but for the reprints of a story of more than REMEASURE whose
original turned up late: they keep the similarity they were found with).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial

from db import store as db_store
from db.store import Store
from extract.model import Article, Prepared
from monitor.reprints import (
    MIN_ESTIMATE,
    Member,
    Signature,
    band_keys,
    compare,
    delay_basis,
    delay_seconds,
    duration,
    estimated_containment,
    folded_shingles,
    measure,
    shingles,
    signature,
    story_source,
    times_text,
)

CANDIDATES = 50  # LSH candidates considered, most bands shared first: a bound on any lookup
# Exact comparisons a lookup makes at most, in the order of bands shared (a text's copies share
# the most): articles that share a paragraph or two with many others (a site stitching its pages
# from stock paragraphs, bench_crawl's synthetic site) cost a bounded lookup, not fifty comparisons
EXACT_CHECKS = 4
# Reprints that follow their old source to a new one are measured against it again up to this many:
# an original crawled after a hundred copies moves them in one UPDATE, without a hundred comparisons
REMEASURE = 20


def _member(row: dict) -> Member:
    return Member(row["id"], row["published_at"], row["first_seen"])


def reprint_note(source: dict, reprint: dict, similarity: float, kind: str, delay: int | None) -> str:
    """What a reprint alert says of its source: site, title, URL, how close, how late on evidence,
    and both articles' claimed and first-seen times side by side."""
    late = "" if delay is None else (f", {duration(delay)} later"
                                     f" ({delay_basis(_member(source), _member(reprint))})")
    return (f"{kind} of {source['site']}: {source['title'] or ''}\n{source['url']}\n"
            f"similarity {similarity:.2f}{late}\n"
            f"{source['site']}: {times_text(_member(source), source.get('timezone'))}\n"
            f"{reprint['site']}: {times_text(_member(reprint), reprint.get('timezone'), _member(source))}")


def prepare(html: str | None, article: Article) -> Prepared:
    """What the store writes of a page besides its fields (db.store.prepare) with the text's reprint
    signature: made in the extraction worker beside the extraction, so that the one process writing
    the store for every worker neither shingles nor hashes (Stories.track takes it from there)."""
    ready = db_store.prepare(html, article)
    own = folded_shingles(ready.text)
    sig = signature(own)
    return replace(ready, shingles=len(own), minhash=sig.minhash if sig else None,
                   band_keys=sig.band_keys if sig else ())


class Stories:
    def __init__(self, store: Store):
        self.store = store

    def track(self, article_id: int, text: str, content_hash: str, when: str, crawl_id: int | None = None,
              news: bool = False, new: bool = False, prepared: Prepared | None = None) -> None:
        """Index an article's (new or edited) text and place it in its story. `news`: the fetch
        raised an alert of its own (not a site's first import), so an article found to be a
        reprint raises a `reprint` alert too. `new`: the article was stored just now (it has no signature or story yet:
        two reads fewer on the store's busiest path). `prepared`: the page's, with the signature of
        this text if the extraction worker made it (prepare above)."""
        old = None if new else self.store.signature(article_id)
        if old is not None and old[1] == content_hash:
            return  # this text is indexed already
        # the story it was in before this text: an edit (of a copy or of its source) that leaves
        # a pair together is not news again
        before = set() if new else self._members(article_id)
        if prepared is not None and prepared.shingles is not None and prepared.content_hash == content_hash:
            size = prepared.shingles
            sig = Signature(prepared.minhash, size, prepared.band_keys) if prepared.minhash is not None else None
            own = partial(folded_shingles, prepared.text)  # made only if a candidate is compared exactly: rarely
        else:
            folded = self.store.folded_texts([article_id]).get(article_id)  # its search row, written before this
            own_set = folded_shingles(folded) if folded is not None else shingles(text)
            size, sig = len(own_set), signature(own_set)

            def own() -> set[str]:
                return own_set
        self.store.put_signature(article_id, sig.minhash if sig else None, size, content_hash,
                                 sig.band_keys if sig else (), band_keys(old[0]) if old and old[0] else ())
        if old is not None:  # an edit: the article leaves its story, and is placed again below
            self._leave(article_id)
        first_time = self.place(article_id, own, sig, when) if sig is not None else []
        if news:
            for reprint in first_time:
                if reprint not in before:
                    self._alert(reprint, when, crawl_id)

    def _members(self, article_id: int) -> set[int]:
        """The articles of the story `article_id` is in (none when it is in none)."""
        source = self.store.sources_of([article_id]).get(article_id, article_id)
        reprints = self.store.reprints_from(source)
        return {source, *reprints} if reprints else set()

    # --- placing ----------------------------------------------------------------------

    def place(self, article_id: int, own: Callable[[], set[str]], sig: Signature, when: str) -> list[int]:
        """Match the article against the stored ones; join (or merge) the stories it matches.
        Returns the articles that became reprints for the first time. `own()` makes its shingle set,
        asked for once, and only when a candidate is compared exactly (most lookups meet none).

        Candidates come most bands shared first; one of a story's articles matched is enough for
        the story, so the others are not checked (a wire a hundred sites took costs its next copy
        one exact comparison, not fifty); a candidate whose MinHash estimate is far below the
        threshold (LSH's chance candidates) is never read."""
        offered = self.store.band_matches(sig.band_keys, exclude=article_id, limit=CANDIDATES)
        signed = self.store.signatures_of(offered)
        offered = [c for c in offered if c in signed]
        estimates = estimated_containment(sig.minhash, sig.size, [signed[c] for c in offered])
        likely = [c for c, estimate in zip(offered, estimates, strict=True) if estimate >= MIN_ESTIMATE]
        sources = self.store.sources_of(likely)
        heads: set[int] = set()
        checks = 0
        mine: set[str] | None = None
        for candidate in likely:
            if checks == EXACT_CHECKS:
                break
            root = sources.get(candidate, candidate)
            if root in heads:
                continue
            checks += 1
            folded = self.store.folded_texts([candidate]).get(candidate, "")
            mine = own() if mine is None else mine
            if compare(mine, folded_shingles(folded)) is not None:
                heads.add(root)
        heads.discard(article_id)
        return self._point(heads | {article_id}, when) if heads else []

    def _point(self, heads: set[int], when: str) -> list[int]:
        """One story of `heads` (each a story's source, or an article in none): its source is the
        one of all their articles Rasid has evidence of first (monitor.reprints.story_source);
        each other head becomes its reprint, measured against it, and the reprints of those heads
        follow it to the new source (measured again when they are at most REMEASURE, else they
        keep the similarity they were found with). Returns the heads that became reprints."""
        members = {m: self.store.reprints_from(m) for m in heads}
        rows = self.store.story_articles(heads | {r for found in members.values() for r in found})
        source = rows[story_source(_member(row) for row in rows.values()).id]
        others = sorted(heads - {source["id"]})
        if source["id"] not in heads:  # one of a head's reprints turns out to be first
            self.store.drop_reprint(source["id"])
            for found in members.values():
                if source["id"] in found:
                    found.remove(source["id"])
        folded = self.store.folded_texts([source["id"], *others])
        source_set = folded_shingles(folded.get(source["id"], ""))
        for head in others:
            match = measure(folded_shingles(folded.get(head, "")), source_set)
            self.store.put_reprint({
                "article_id": head, "source_id": source["id"], "similarity": match.containment,
                "jaccard": match.jaccard, "kind": match.kind, "found_at": when,
                "delay_seconds": delay_seconds(_member(source), _member(rows[head])),
            })
            self._follow(members[head], source, rows, source_set)
        return others

    def _follow(self, moved: list[int], source: dict, rows: dict[int, dict], source_set: set[str] | None) -> None:
        """Reprints that move to `source`: their delay to it on evidence, and (up to REMEASURE of
        them, `source_set` its shingles) their similarity against it."""
        if not moved:
            return
        self.store.set_source(source["id"], {m: delay_seconds(_member(source), _member(rows[m])) for m in moved})
        if len(moved) <= REMEASURE and source_set is not None:
            self._remeasure(moved, source_set)

    def _remeasure(self, ids: list[int], source_set: set[str]) -> None:
        """Similarity and kind of reprints that moved to a new source, against that source."""
        for article_id, text in self.store.folded_texts(ids).items():
            match = measure(folded_shingles(text), source_set)
            self.store.set_similarity(article_id, match.containment, match.jaccard, match.kind)

    def _leave(self, article_id: int) -> None:
        """An edited article leaves its story: as a reprint it is no longer one (until placed
        again); as a source, the first of its reprints becomes the source of the others."""
        self.store.drop_reprint(article_id)
        reprints = self.store.reprints_from(article_id)
        if reprints:
            rows = self.store.story_articles(reprints)
            first = rows[story_source(_member(rows[m]) for m in reprints).id]
            self.store.drop_reprint(first["id"])
            folded = self.store.folded_texts([first["id"]]).get(first["id"], "")
            self._follow([m for m in reprints if m != first["id"]], first, rows, folded_shingles(folded))

    def reorder(self, article_id: int, when: str) -> None:
        """What Rasid knows of when an article appeared changed (an archive capture from before its
        first sight, a publication time read again): its story's source is chosen again, and every
        delay measured again. Raises no alert: no article was published."""
        members = self._members(article_id)
        if len(members) < 2:
            return
        source_id = self.store.sources_of([article_id]).get(article_id, article_id)
        rows = self.store.story_articles(members)
        first = rows[story_source(_member(row) for row in rows.values()).id]
        if first["id"] != source_id:
            self.store.drop_reprint(first["id"])
            folded = self.store.folded_texts([first["id"], source_id])
            first_set = folded_shingles(folded.get(first["id"], ""))
            match = measure(folded_shingles(folded.get(source_id, "")), first_set)
            self.store.put_reprint({
                "article_id": source_id, "source_id": first["id"], "similarity": match.containment,
                "jaccard": match.jaccard, "kind": match.kind, "found_at": when,
                "delay_seconds": delay_seconds(_member(first), _member(rows[source_id])),
            })
            self._follow([m for m in members - {first["id"], source_id}], first, rows, first_set)
        else:
            self._follow(sorted(members - {source_id}), first, rows, None)

    def _alert(self, article_id: int, when: str, crawl_id: int | None) -> None:
        row = self.store.reprint_of(article_id)
        if row is None:
            return
        rows = self.store.story_articles([article_id, row["source_id"]])
        self.store.alert("reprint", rows[article_id], when, crawl_id,
                         reprint_note(rows[row["source_id"]], rows[article_id], row["similarity"], row["kind"],
                                      row["delay_seconds"]))
