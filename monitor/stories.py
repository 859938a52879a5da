"""Stories: which stored articles carry the same text, and which of them was published first.

    Stories(store).track(article_id, text, content_hash, ...)  (monitor.recorder, in the page's transaction)

A story is an article that was published first (its source) and the stored articles found to be
its reprints (monitor.reprints decides what "the same text" is). Each reprint points at the
story's source, never at the copy it happened to be matched with: an agency wire taken by ten
sites is one source and ten rows, and when the original turns up after its copies (a site crawled
later, a backfill), it becomes the source of all of them. Two stories that one article joins
become one. The similarity and delay stored are those to the source.
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
    measure,
    shingles,
    signature,
    story_source,
)

CANDIDATES = 50  # LSH candidates checked exactly, most bands shared first: a bound on any lookup


def _member(row: dict) -> Member:
    return Member(row["id"], row["published_at"], row["first_seen"])


def reprint_note(source: dict, similarity: float, kind: str, delay: int | None) -> str:
    """What a reprint alert says of its source: site, title, URL, how close, how late."""
    late = "" if delay is None else f", {duration(delay)} later"
    return (f"{kind} of {source['site']}: {source['title'] or ''}\n{source['url']}\n"
            f"similarity {similarity:.2f}{late}")


class Stories:
    def __init__(self, store: Store, threshold: float | None = None):
        self.store = store
        self.threshold = threshold

    def track(self, article_id: int, text: str, content_hash: str, when: str, crawl_id: int | None = None,
              news: bool = False) -> None:
        """Index an article's (new or edited) text and place it in its story. `news`: the fetch
        raised an alert of its own (not a site's first import), so an article found to be a
        reprint raises a `reprint` alert too."""
        old = self.store.signature(article_id)
        if old is not None and old[1] == content_hash:
            return  # this text is indexed already
        was_reprint = self.store.reprint_of(article_id) is not None  # an edited reprint is not news again
        own = shingles(text)
        sig = signature(own)
        self.store.put_signature(article_id, sig.minhash if sig else None, len(own), content_hash,
                                 sig.band_keys if sig else (), band_keys(old[0]) if old and old[0] else ())
        if old is not None:  # an edit: the article leaves its story, and is placed again below
            self._leave(article_id, when)
        first_time = self.place(article_id, own, sig, when) if sig is not None else []
        if news:
            for reprint in first_time:
                if not (reprint == article_id and was_reprint):
                    self._alert(reprint, when, crawl_id)

    # --- placing ----------------------------------------------------------------------

    def _texts(self, ids) -> dict[int, dict]:
        return self.store.story_articles(ids)

    def _root(self, article_id: int) -> int:
        row = self.store.reprint_of(article_id)
        return row["source_id"] if row else article_id

    def place(self, article_id: int, own: set[str], sig: Signature, when: str) -> list[int]:
        """Match the article against the stored ones; join (or merge) the stories it matches.
        Returns the articles that became reprints for the first time."""
        offered = self.store.band_matches(sig.band_keys, exclude=article_id, limit=CANDIDATES)
        estimates = self.store.signatures_of(offered)
        candidates = [c for c in offered if c in estimates and estimated_containment(
            sig.minhash, sig.size, *estimates[c]) >= MIN_ESTIMATE]
        rows = self._texts(candidates)
        kwargs = {} if self.threshold is None else {"threshold": self.threshold}
        matched = [c for c in candidates if c in rows and compare(own, shingles(rows[c]["text"] or ""), **kwargs)]
        if not matched:
            return []
        return self._point({article_id} | {self._root(c) for c in matched}, when)

    def _point(self, heads: set[int], when: str) -> list[int]:
        """One story of `heads` (each a story's source, or an article in none) and their reprints:
        the first published of the heads is its source (a head is its own story's first), every
        other member points at it. Only the members whose source changes are read and written:
        a wire taken by a hundred sites costs its new copy one row, not a hundred."""
        rows = self._texts(heads)
        source = rows[story_source(_member(rows[h]) for h in heads).id]
        moving = (heads - {source["id"]}) | {m for h in heads - {source["id"]} for m in self.store.reprints_from(h)}
        rows |= self._texts(moving - set(rows))
        source_set = shingles(source["text"] or "")
        first_time = []
        for m in sorted(moving):
            had_source = self.store.reprint_of(m) is not None
            match = measure(shingles(rows[m]["text"] or ""), source_set)
            self.store.put_reprint({
                "article_id": m, "source_id": source["id"], "similarity": match.containment,
                "jaccard": match.jaccard, "kind": match.kind, "found_at": when,
                "delay_seconds": delay_seconds(_member(source), _member(rows[m])),
            })
            if not had_source:
                first_time.append(m)
        return first_time

    def _leave(self, article_id: int, when: str) -> None:
        """An edited article leaves its story: as a reprint it is no longer one (until placed
        again); as a source, its reprints are matched again among themselves."""
        self.store.drop_reprint(article_id)
        reprints = self.store.reprints_from(article_id)
        for m in reprints:
            self.store.drop_reprint(m)
        if len(reprints) > 1:  # the copies of one text are still one story without it
            self._point(set(reprints), when)

    def _alert(self, article_id: int, when: str, crawl_id: int | None) -> None:
        row = self.store.reprint_of(article_id)
        if row is None:
            return
        rows = self._texts([article_id, row["source_id"]])
        self.store.alert("reprint", rows[article_id], when, crawl_id,
                         reprint_note(rows[row["source_id"]], row["similarity"], row["kind"], row["delay_seconds"]))
