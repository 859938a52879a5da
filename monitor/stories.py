"""Stories: which stored articles carry the same text, and which of them was published first.

    Stories(store).track(article_id, text, content_hash, ...)  (monitor.recorder, in the page's transaction)

A story is an article that was published first (its source) and the stored articles found to be
its reprints (monitor.reprints decides what "the same text" is). Each reprint points at the
story's source, never at the copy it happened to be matched with: an agency wire taken by ten
sites is one source and ten rows, and when the original turns up after its copies (a site crawled
later, a backfill), it becomes the source of all of them. Two stories that one article joins
become one. The similarity and delay stored are those to the source (but for the reprints of a
story of more than REMEASURE whose original turned up late: they keep the similarity they were
found with).
"""

from __future__ import annotations

from db.store import Store
from monitor.reprints import (
    MIN_ESTIMATE,
    Member,
    Signature,
    band_keys,
    compare,
    delay_seconds,
    duration,
    estimated_containment,
    folded_shingles,
    measure,
    shingles,
    signature,
    story_source,
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


def reprint_note(source: dict, similarity: float, kind: str, delay: int | None) -> str:
    """What a reprint alert says of its source: site, title, URL, how close, how late."""
    late = "" if delay is None else f", {duration(delay)} later"
    return (f"{kind} of {source['site']}: {source['title'] or ''}\n{source['url']}\n"
            f"similarity {similarity:.2f}{late}")


class Stories:
    def __init__(self, store: Store):
        self.store = store

    def track(self, article_id: int, text: str, content_hash: str, when: str, crawl_id: int | None = None,
              news: bool = False, new: bool = False) -> None:
        """Index an article's (new or edited) text and place it in its story. `news`: the fetch
        raised an alert of its own (not a site's first import), so an article found to be a
        reprint raises a `reprint` alert too. `new`: the article was stored just now (it has no signature or story yet:
        two reads fewer on the store's busiest path)."""
        old = None if new else self.store.signature(article_id)
        if old is not None and old[1] == content_hash:
            return  # this text is indexed already
        # an edited reprint is not news again
        was_reprint = not new and self.store.reprint_of(article_id) is not None
        folded = self.store.folded_texts([article_id]).get(article_id)  # its search row, written before this
        own = folded_shingles(folded) if folded is not None else shingles(text)
        sig = signature(own)
        self.store.put_signature(article_id, sig.minhash if sig else None, len(own), content_hash,
                                 sig.band_keys if sig else (), band_keys(old[0]) if old and old[0] else ())
        if old is not None:  # an edit: the article leaves its story, and is placed again below
            self._leave(article_id)
        first_time = self.place(article_id, own, sig, when) if sig is not None else []
        if news:
            for reprint in first_time:
                if not (reprint == article_id and was_reprint):
                    self._alert(reprint, when, crawl_id)

    # --- placing ----------------------------------------------------------------------

    def place(self, article_id: int, own: set[str], sig: Signature, when: str) -> list[int]:
        """Match the article against the stored ones; join (or merge) the stories it matches.
        Returns the articles that became reprints for the first time.

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
        for candidate in likely:
            if checks == EXACT_CHECKS:
                break
            root = sources.get(candidate, candidate)
            if root in heads:
                continue
            checks += 1
            folded = self.store.folded_texts([candidate]).get(candidate, "")
            if compare(own, folded_shingles(folded)) is not None:
                heads.add(root)
        heads.discard(article_id)
        return self._point(heads | {article_id}, when) if heads else []

    def _point(self, heads: set[int], when: str) -> list[int]:
        """One story of `heads` (each a story's source, or an article in none): the first published
        is its source (a head is its own story's first); each other head becomes its reprint,
        measured against it, and the reprints of those heads follow it to the new source (their
        delay recomputed in SQL; measured again when they are at most REMEASURE, else they keep
        the similarity they were found with). Returns the heads that became reprints."""
        rows = self.store.story_articles(heads)
        source = rows[story_source(_member(rows[h]) for h in heads).id]
        others = sorted(heads - {source["id"]})
        if not others:
            return []
        folded = self.store.folded_texts([source["id"], *others])
        source_set = folded_shingles(folded.get(source["id"], ""))
        for head in others:
            match = measure(folded_shingles(folded.get(head, "")), source_set)
            self.store.put_reprint({
                "article_id": head, "source_id": source["id"], "similarity": match.containment,
                "jaccard": match.jaccard, "kind": match.kind, "found_at": when,
                "delay_seconds": delay_seconds(_member(source), _member(rows[head])),
            })
            moved = self.store.reprints_from(head)
            self.store.move_reprints(head, source["id"])
            if len(moved) <= REMEASURE:
                self._remeasure(moved, source_set)
        return others

    def _remeasure(self, ids: list[int], source_set: set[str]) -> None:
        """Similarity and kind of reprints that moved to a new source, against that source."""
        for article_id, text in self.store.folded_texts(ids).items():
            match = measure(folded_shingles(text), source_set)
            self.store.set_similarity(article_id, match.containment, match.jaccard, match.kind)

    def _leave(self, article_id: int) -> None:
        """An edited article leaves its story: as a reprint it is no longer one (until placed
        again); as a source, its first reprint becomes the source of the others."""
        self.store.drop_reprint(article_id)
        reprints = self.store.reprints_from(article_id)
        if reprints:
            rows = self.store.story_articles(reprints)
            first = story_source(_member(rows[m]) for m in reprints).id
            self.store.drop_reprint(first)
            self.store.move_reprints(article_id, first)
            if len(reprints) <= REMEASURE:
                folded = self.store.folded_texts([first]).get(first, "")
                self._remeasure([m for m in reprints if m != first], folded_shingles(folded))

    def _alert(self, article_id: int, when: str, crawl_id: int | None) -> None:
        row = self.store.reprint_of(article_id)
        if row is None:
            return
        rows = self.store.story_articles([article_id, row["source_id"]])
        self.store.alert("reprint", rows[article_id], when, crawl_id,
                         reprint_note(rows[row["source_id"]], row["similarity"], row["kind"], row["delay_seconds"]))
