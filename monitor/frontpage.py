"""What changed on a front page between two readings, and what its stored placements say: the
monitor's rules for listing pages, pure (no database, no clock).

    compare(open_rows, reading, articles, when) -> FrontChange

A placement is one article in one block of a listing page, from the reading it appeared in to the
reading it moved or left in: only changes are stored. Its order is kept as a rank, a key that sorts
as the page does (fractional indexing): the articles that kept their order relative to each other
keep their ranks, so a story added above the others, or one taken out, opens or closes one row,
and the others' positions follow from the ranks of what is open at a moment. A move is an article
that changed its order relative to the others (the fewest such: those outside the longest run kept
in order), not one pushed down by a story added above it.

An article that leaves the page while the store has it live is `pulled` when it did not merely fall
off the end of its block: an article that was below it in the same block is still there (a
"most read" box is the readers' order, not the editors': never pulled). A teaser rewritten (the same
article, the page showing other words for it) raises a `teaser` alert. Both only for watch rules
that ask for them (crawler/alerts.py), as `reprint` is.

A reading with no article link at all, or one that keeps almost nothing of a page that had many
(a consent wall, an error page answered 200), is not taken for the page: nothing closes.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from fractional_indexing import generate_n_keys_between

from extract.instants import instant
from extract.model import Placement

FRONT_ALERTS = ("pulled", "teaser")
UNREADABLE_BELOW = 0.2  # a reading keeping less than this share of a page of MANY_PLACEMENTS or more
MANY_PLACEMENTS = 10
PULLED_EARLY_HOURS = 6  # `pulled_early` (web/metadata.yml): left within so many hours of appearing


@dataclass(frozen=True)
class Open:
    """A placement open in the store: what a comparison needs of it."""

    id: int
    url: str
    block: str
    kind: str
    rank: str
    teaser: str
    appeared_at: str  # when the article appeared on this listing, in this stay (moves keep it)


@dataclass(frozen=True)
class Opening:
    url: str
    block: str
    kind: str
    rank: str
    position: int  # as read, when it opened
    block_position: int
    teaser: str
    appeared_at: str


@dataclass(frozen=True)
class Closing:
    id: int
    url: str
    # moved (its order, or its block), teaser (rewritten where it stood), left (off the page), pulled
    # (off the page, the article live, not fallen off the end of its block)
    reason: str


@dataclass(frozen=True)
class FrontAlert:
    kind: str  # one of FRONT_ALERTS
    url: str
    diff: str


@dataclass(frozen=True)
class FrontChange:
    openings: tuple[Opening, ...] = ()
    closings: tuple[Closing, ...] = ()
    alerts: tuple[FrontAlert, ...] = ()
    unreadable: str | None = None  # why the reading was not taken for the page (nothing changes)

    @property
    def changed(self) -> bool:
        return bool(self.openings or self.closings)

    def counts(self) -> dict[str, int]:
        """appeared, moved, teaser, left, pulled: articles, not rows."""
        closed = {c.url for c in self.closings}
        left = {c.url for c in self.closings if c.reason in ("left", "pulled")}
        return {"appeared": len({o.url for o in self.openings} - closed),
                "moved": len({c.url for c in self.closings if c.reason == "moved"} - left),
                "teaser": len({c.url for c in self.closings if c.reason == "teaser"}),
                "left": len(left), "pulled": len({c.url for c in self.closings if c.reason == "pulled"})}


def compare(open_rows: Sequence[Open], reading: Sequence[Placement], articles: Mapping[str, Mapping],
            when: str) -> FrontChange:
    """What the reading `reading` (taken at `when`) changes of the listing's open placements
    `open_rows` (in rank order). `articles`: url -> the stored article's `status` (live/removed) and
    `id`, for the URLs of both (absent: not stored)."""
    old_urls = {row.url for row in open_rows}
    new_urls = {p.url for p in reading}
    if open_rows and not reading:
        return FrontChange(unreadable="no article link found on the page: nothing taken as gone")
    if len(open_rows) >= MANY_PLACEMENTS and len(old_urls & new_urls) < UNREADABLE_BELOW * len(old_urls) \
            and len(reading) < UNREADABLE_BELOW * len(open_rows):
        return FrontChange(unreadable=f"{len(reading)} article links where there were {len(open_rows)}, "
                                      "almost none of them the same: not taken for the page")
    old = {(row.block, row.url): row for row in open_rows}
    # the articles kept in order: the longest run of the reading whose stored ranks increase
    matched = [(n, old[(p.block, p.url)].rank) for n, p in enumerate(reading) if (p.block, p.url) in old]
    kept = {n for n, _ in _longest_increasing(matched)}
    ranks = _ranks(reading, kept, old)
    appeared = {}
    for row in open_rows:
        appeared[row.url] = min(appeared.get(row.url, row.appeared_at), row.appeared_at)
    openings, closings, alerts, seen = [], [], [], set()
    teasers: dict[str, list[str]] = {}
    for n, p in enumerate(reading):
        key = (p.block, p.url)
        row = old.get(key)
        if row is not None:
            seen.add(key)
            if n in kept and row.teaser == p.teaser:
                continue
            closings.append(Closing(row.id, row.url, "teaser" if n in kept else "moved"))
            if row.teaser != p.teaser:
                teasers.setdefault(p.url, []).append(f"{p.block}: «{row.teaser}» → «{p.teaser}»")
        openings.append(Opening(p.url, p.block, p.kind, ranks[n], p.position, p.block_position, p.teaser,
                                appeared.get(p.url, when)))
    gone = [row for key, row in old.items() if key not in seen]
    pulled = _pulled(open_rows, reading, gone, articles)
    for row in gone:
        reason = "moved" if row.url in new_urls else "pulled" if row.url in pulled else "left"
        closings.append(Closing(row.id, row.url, reason))
    for url, lines in teasers.items():
        if url in articles:
            alerts.append(FrontAlert("teaser", url, "\n".join(lines)))
    for url, line in pulled.items():
        alerts.append(FrontAlert("pulled", url, line))
    return FrontChange(tuple(openings), tuple(closings), tuple(alerts))


def _longest_increasing(items: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The longest subsequence of (index, rank) whose ranks increase (patience sorting)."""
    tails: list[str] = []
    tail_at: list[int] = []
    back: list[int] = []
    for n, (_, rank) in enumerate(items):
        k = bisect.bisect_left(tails, rank)
        if k == len(tails):
            tails.append(rank)
            tail_at.append(n)
        else:
            tails[k], tail_at[k] = rank, n
        back.append(tail_at[k - 1] if k else -1)
    out, n = [], tail_at[-1] if tail_at else -1
    while n >= 0:
        out.append(items[n])
        n = back[n]
    return out[::-1]


def _ranks(reading: Sequence[Placement], kept: set[int], old: Mapping) -> list[str]:
    """A rank for every placement of the reading: the kept ones their own, the others new keys
    between their kept neighbours'."""
    ranks: list[str | None] = [old[(p.block, p.url)].rank if n in kept else None for n, p in enumerate(reading)]
    n = 0
    while n < len(ranks):
        if ranks[n] is not None:
            n += 1
            continue
        end = n
        while end < len(ranks) and ranks[end] is None:
            end += 1
        before = ranks[n - 1] if n else None
        after = ranks[end] if end < len(ranks) else None
        ranks[n:end] = generate_n_keys_between(before, after, end - n)
        n = end
    return ranks  # type: ignore[return-value]


def _pulled(open_rows: Sequence[Open], reading: Sequence[Placement], gone: Iterable[Open],
            articles: Mapping[str, Mapping]) -> dict[str, str]:
    """url -> how it was pulled, for each article off the page whose article the store has live
    and that did not fall off the end of its block (something below it in the block stayed)."""
    on_page = {p.url for p in reading}
    staying = {(p.block, p.url) for p in reading}
    by_block: dict[str, list[Open]] = {}
    for row in open_rows:  # in rank order
        by_block.setdefault(row.block, []).append(row)
    out: dict[str, str] = {}
    for row in gone:
        if row.url in on_page or row.kind == "ranking" or (articles.get(row.url) or {}).get("status") != "live":
            continue
        block = by_block[row.block]
        at = block.index(row)
        if any((below.block, below.url) in staying for below in block[at + 1:]):
            out.setdefault(row.url, f"{row.block} #{at + 1} of {len(block)}: off the page, the article still online")
    return out


# --- reading stored placements back ----------------------------------------------------------


def numbered(rows: Sequence[Mapping]) -> list[dict]:
    """The placements open at one moment (rows with `rank` and `block`, in rank order) with their
    positions then: `position` over the page, `block_position` in its block."""
    out, in_block = [], {}
    for n, row in enumerate(rows, 1):
        in_block[row["block"]] = in_block.get(row["block"], 0) + 1
        out.append({**row, "position": n, "block_position": in_block[row["block"]]})
    return out


def differences(before: Sequence[Mapping], after: Sequence[Mapping]) -> list[dict]:
    """What a reader sees changed between two states of a page (each numbered(), rows with url,
    block, teaser and, for `before`, closed_as): one entry per article, `what` appeared, moved,
    teaser, left or pulled, with `before` and `after` (the rows), in the order of the new page."""
    old = {(r["block"], r["url"]): r for r in before}
    new = {(r["block"], r["url"]): r for r in after}
    old_urls, new_urls = {r["url"] for r in before}, {r["url"] for r in after}
    out, done = [], set()
    for key, row in new.items():
        was = old.get(key) or next((r for r in before if r["url"] == row["url"] and (r["block"], r["url"]) not in new),
                                   None)
        if was is None:
            if row["url"] not in old_urls:
                out.append({"what": "appeared", "before": None, "after": row})
            continue
        done.add((was["block"], was["url"]))
        if was["teaser"] != row["teaser"]:
            out.append({"what": "teaser", "before": was, "after": row})
        elif was["id"] != row["id"]:
            out.append({"what": "moved", "before": was, "after": row})
    for key, row in old.items():
        if key not in done and key not in new and row["url"] not in new_urls:
            out.append({"what": "pulled" if row.get("closed_as") == "pulled" else "left", "before": row, "after": None})
    return out


def _moment(value: str | None) -> datetime | None:
    return instant(value) if value else None


def best_positions(row: Mapping, listing_rows: Sequence[Mapping]) -> tuple[int, int]:
    """The best (page, block) positions a placement `row` held while open, from the listing's rows
    that overlapped it (each with rank, block, opened_at, closed_at): its position at any moment is
    one more than the rows ranked above it open then."""
    start, end = _moment(row["opened_at"]), _moment(row["closed_at"])
    if start is None:  # no stored value breaks a page: the position it opened at
        return row.get("position") or 1, row.get("block_position") or 1
    events: dict[datetime, list[tuple[int, bool]]] = {}
    above_page = above_block = 0
    for other in listing_rows:
        if other["rank"] >= row["rank"]:
            continue
        o_start, o_end = _moment(other["opened_at"]), _moment(other["closed_at"])
        if o_start is None or (o_end is not None and o_end <= start) or (end is not None and o_start >= end):
            continue
        same = other["block"] == row["block"]
        if o_start <= start:
            above_page += 1
            above_block += same
        else:
            events.setdefault(o_start, []).append((1, same))
        if o_end is not None and (end is None or o_end < end):
            events.setdefault(o_end, []).append((-1, same))
    best_page, best_block = above_page, above_block
    for moment in sorted(events):
        for step, same in events[moment]:
            above_page += step
            above_block += step * same
        best_page, best_block = min(best_page, above_page), min(best_block, above_block)
    return best_page + 1, best_block + 1


def history(rows: Sequence[Mapping], listing_rows: Mapping[int, Sequence[Mapping]]) -> list[dict]:
    """An article's front-page history, one entry per listing and stay (from appearing to leaving):
    appeared, left (None while on the page), best page and block positions, the blocks, the moves,
    each teaser with when it was first shown, whether it was pulled. `rows`: the article's
    placements (listing_id, listing, block, kind, rank, teaser, opened_at, closed_at, closed_as,
    appeared_at), oldest first; `listing_rows`: listing id -> the placements overlapping them."""
    stays: dict[tuple[int, str], dict] = {}
    for row in rows:
        stay = stays.setdefault((row["listing_id"], row["appeared_at"]), {
            "listing": row["listing"], "listing_id": row["listing_id"], "appeared": row["appeared_at"],
            "left": None, "pulled": False, "best": None, "best_block": None, "blocks": [], "moves": 0,
            "teasers": [], "open": False})
        page, block = best_positions(row, listing_rows.get(row["listing_id"], ()))
        if stay["best"] is None or page < stay["best"][0]:
            stay["best"] = (page, row["block"])
        if stay["best_block"] is None or block < stay["best_block"][0]:
            stay["best_block"] = (block, row["block"])
        if row["block"] not in stay["blocks"]:
            stay["blocks"].append(row["block"])
        if row["teaser"] not in [t["teaser"] for t in stay["teasers"]]:
            stay["teasers"].append({"teaser": row["teaser"], "since": row["opened_at"], "block": row["block"]})
        stay["moves"] += row["closed_as"] == "moved"
        if row["closed_at"] is None:
            stay["open"] = True
        elif row["closed_as"] in ("left", "pulled"):
            stay["left"] = row["closed_at"]
            stay["pulled"] = stay["pulled"] or row["closed_as"] == "pulled"
    for stay in stays.values():
        if stay["open"]:
            stay["left"] = None
    return list(stays.values())


def leaders(rows: Sequence[Mapping], start: str, end: str) -> list[dict]:
    """Who led between `start` and `end`: the lead block's first placement, as spans (from, to,
    the row), from the listing's lead rows (rank, opened_at, closed_at, ...) overlapping them."""
    t0, t1 = _moment(start), _moment(end)
    rows = [r for r in rows if _moment(r["opened_at"]) is not None]
    cuts = {t0, t1}
    for row in rows:
        for value in (row["opened_at"], row["closed_at"]):
            moment = _moment(value)
            if moment is not None and t0 < moment < t1:
                cuts.add(moment)
    spans: list[dict] = []
    moments = sorted(cuts)
    for a, b in zip(moments, moments[1:], strict=False):
        open_then = [r for r in rows if _moment(r["opened_at"]) <= a and (
            r["closed_at"] is None or _moment(r["closed_at"]) > a)]
        top = min(open_then, key=lambda r: r["rank"], default=None)
        if spans and spans[-1]["row"] is top:
            spans[-1]["to"] = b
        else:
            spans.append({"from": a, "to": b, "row": top})
    return spans
