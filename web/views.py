"""What the newsroom pages show: the home page's figures, one article with its versions and edits, a
search; made from the rows web/reads.py reads. The pages' HTML is in web/templates; the pieces of
it in web/render.py."""

from __future__ import annotations

import asyncio
import zlib
from datetime import UTC, date, datetime, timedelta

from extract import instants
from extract.arabic import QueryError, matching_paragraph, search_query
from monitor import frontpage
from monitor.reprints import Member, account, comparison, delay_text, signed_duration
from web import reads, render

DAYS = 30


async def home(db, today: date | None = None) -> dict:
    """Figures of the front page: what is in the store, the newest articles and today's edits, and
    articles per day per site and edits per day over the last DAYS days."""
    today = today or datetime.now(UTC).date()
    since = (today - timedelta(days=DAYS - 1)).isoformat()
    days = [(today - timedelta(days=DAYS - 1 - n)).isoformat() for n in range(DAYS)]
    # a day that is none of the chart's (after today: a stored value from a clock that ran ahead, or
    # no date at all) has no bar
    bar = {day: n for n, day in enumerate(days)}
    # the page's reads are asked together, not one after the other: each is cheap alone, but under
    # concurrent clients each waits its turn in Datasette's SQL threads, and seven turns in a row
    # made the home page the slowest page (BENCHMARKS.md, issue 31)
    per_day, per_day_edits, counts, site_zones, latest, recent_edits, fronts = await asyncio.gather(
        reads.new_per_site_and_day(db, since), reads.edits_per_day(db, since), reads.counts(db, today.isoformat()),
        reads.zones(db), reads.latest(db), reads.latest_edits(db), reads.front_sites(db))
    per_site: dict[str, list[int]] = {}
    for row in per_day:
        if row["day"] in bar:
            per_site.setdefault(row["site"], [0] * DAYS)[bar[row["day"]]] = row["n"]
    edits = [0] * DAYS
    for row in per_day_edits:
        if row["day"] in bar:
            edits[bar[row["day"]]] = row["n"]
    for row in latest:
        row["when"] = render.local_time(row["published_at"] or row["first_seen"], site_zones.get(row["site"]))
    for row in recent_edits:
        row["when"] = render.local_time(row["created_at"], site_zones.get(row["site"]))
    return {
        "fronts": fronts,
        "counts": counts,
        "latest": latest,
        "edits": recent_edits,
        "articles_chart": render.bar_chart(days, per_site or {"—": [0] * DAYS},
                                           f"مقالات جديدة في اليوم · new articles per day, last {DAYS} days"),
        "edits_chart": render.bar_chart(days, {"edits": edits},
                                        f"تعديلات في اليوم · edits per day, last {DAYS} days"),
    }


async def article(db, article_id: int, compare: tuple[int, int] | None = None) -> dict | None:
    """One article: its fields, its site, its versions oldest first, each edit as a highlighted
    diff of the one before it, and (compare = two version ids) the diff between any two."""
    item = await reads.article(db, article_id)
    if item is None:
        return None
    versions = await reads.versions(db, article_id)
    for before, after in zip(versions, versions[1:], strict=False):
        after["diff"] = edit(before, after)
    for version in versions:
        version["seen"] = render.local_time(version["fetched_at"], item["timezone"])
        # the metadata that moved at this version, as its alert said it (decided at the fetch, so a
        # later re-extraction of the page never shows as a move here)
        version["moved"] = (version["moved"] or "").splitlines()
    by_id = {v["id"]: v for v in versions}
    chosen = None
    if compare and compare[0] in by_id and compare[1] in by_id:
        chosen = {"from": by_id[compare[0]], "to": by_id[compare[1]],
                  "diff": edit(by_id[compare[0]], by_id[compare[1]])}
    zone = item["timezone"]
    return {"article": item, "versions": versions, "compare": chosen, "story": await story(db, item),
            "front": await front_history(db, item),
            "paragraphs": [p for p in (item["text"] or "").split("\n\n") if p],
            "published": render.local_time(item["published_at"], zone),
            "first_seen": render.local_time(item["first_seen"], zone),
            "alerts": await reads.alerts(db, article_id)}


async def front_history(db, item: dict) -> list[dict]:
    """The article's front-page history (monitor.frontpage.history), one entry per listing page and
    stay: when it appeared and left, its best positions, its moves, every teaser it had beside its own
    title, and whether it left while still online (pulled; or Rasid saw it online after it left)."""
    found = await reads.placements_of(db, item["url"])
    if not found:
        return []
    overlapping: dict[int, list[dict]] = {}
    for listing_id in {r["listing_id"] for r in found}:
        mine = [r for r in found if r["listing_id"] == listing_id]
        start = min(r["opened_at"] for r in mine)
        end = None if any(r["closed_at"] is None for r in mine) else max(r["closed_at"] for r in mine)
        overlapping[listing_id] = await reads.placements_between(db, listing_id, start, end)
    zone, title = item.get("timezone"), item.get("title") or ""
    stays = frontpage.history(found, overlapping)
    for stay in stays:
        stay["appeared_shown"] = render.local_time(stay["appeared"], zone)
        stay["left_shown"] = render.local_time(stay["left"], zone)
        # a removal's 404 is a sight too: only a live article's last sight says it was online after it left
        seen_after = bool(stay["left"]) and item.get("status") == "live" and (item.get("last_seen") or "") >= stay["left"]
        stay["left_live"] = stay["pulled"] or seen_after
        for teaser in stay["teasers"]:
            teaser["shown"] = render.local_time(teaser["since"], zone)
            teaser["differs"] = " ".join(teaser["teaser"].split()) != " ".join(title.split())
    return stays


async def front_timeline(db, site: str, day: str | None = None, path: str | None = None) -> dict | None:
    """What led a site's listing page (its lead block's first story) hour by hour for a day in the
    site's zone (default: the last day it was read), with how many minutes each story led."""
    found = await reads.listings(db, site, path)
    if not found:
        return None
    listing = found[0]
    zone = instants.zone(listing["timezone"])
    last = instants.local(listing["last_read"], listing["timezone"])
    try:
        chosen = date.fromisoformat(day) if day else (last.date() if last else datetime.now(UTC).date())
    except ValueError:
        chosen = last.date() if last else datetime.now(UTC).date()
    start = datetime(chosen.year, chosen.month, chosen.day, tzinfo=zone)
    hours = [start + timedelta(hours=n) for n in range(25)]
    lo, hi = (h.astimezone(UTC).isoformat(timespec="milliseconds") for h in (hours[0], hours[-1]))
    leads = await reads.leads_between(db, listing["id"], lo, hi)
    timeline = []
    for a, b in zip(hours, hours[1:], strict=False):
        spans = [s for s in frontpage.leaders(leads, a.isoformat(), b.isoformat()) if s["row"] is not None]
        timeline.append({"hour": a.strftime("%H:%M"), "leads": [
            {**s["row"], "minutes": round((s["to"] - s["from"]).total_seconds() / 60)} for s in spans]})
    return {"listing": listing, "day": chosen.isoformat(), "hours": timeline,
            "before": (chosen - timedelta(days=1)).isoformat(), "after": (chosen + timedelta(days=1)).isoformat(),
            "listings": [r["path"] for r in found]}


async def story(db, item: dict) -> dict:
    """The article's story: the source it was taken from (`source`), or the reprints of it
    (`reprints`), each with site, title, kind, similarity, delay on evidence and the times it
    compares, and its claimed publication and first sight in its site's zone side by side
    (`evidence`: verified, claimed or seen); `claims_earlier`: a reprint (or this article, as
    one) claiming a publication before its source's that Rasid did not confirm."""
    source = await reads.source_of(db, item["id"])
    reprints = await reads.reprints_of(db, item["id"])
    this = Member(item["id"], item["published_at"], item["first_seen"])
    for row, is_source in [(r, True) for r in source] + [(r, False) for r in reprints]:
        member = Member(row["id"], row["published_at"], row["first_seen"])
        first, copy = (member, this) if is_source else (this, member)
        row |= _when(member, row["timezone"]) | comparison(first, copy)
        row["delay"] = delay_text(row["delay_seconds"])
        row["claimed_delay"] = signed_duration(row["claimed_delay_seconds"])
    return {"source": source[0] if source else None, "reprints": reprints, "this": _when(this, item["timezone"])}


def _when(member: Member, zone: str | None) -> dict:
    """An article's claimed publication and Rasid's first sight of it, in its site's zone, and
    what Rasid makes of the claim (monitor.reprints.evidence)."""
    return {"claimed": render.local_time(member.published_at, zone), "seen": render.local_time(member.first_seen, zone),
            "evidence": account(member)["evidence"]}


def edit(before: dict, after: dict) -> dict:
    """The highlighted edit between two versions: title (when it changed) and text."""
    title_changed = (before["title"] or "") != (after["title"] or "")
    return {"title": render.diff_html(before["title"] or "", after["title"] or "") if title_changed else None,
            "text": render.text_diff_html(before["text"] or "", after["text"] or "")}


async def version_html(db, article_id: int, version_id: int) -> str | None:
    """The raw HTML of one version, as fetched."""
    stored = await reads.version_html(db, article_id, version_id)
    return zlib.decompress(stored).decode("utf-8") if stored is not None else None


async def search(db, query: str, site: str | None = None, limit: int = 50) -> dict:
    """Articles matching `query` (folded like the index), newest first, each with the passage
    that matched, its words marked; and the sites, for the form. An empty or unusable query gives
    no results and says why."""
    site_zones = await reads.zones(db)
    try:
        match = search_query(query) if query.strip() else ""
    except QueryError as exc:
        return {"results": [], "problem": str(exc), "sites": sorted(site_zones)}
    if not match:
        return {"results": [], "sites": sorted(site_zones),
                "problem": "اكتب كلمة للبحث · type a word to search for" if query.strip() else None}
    found = await reads.matching(db, match, site, limit)
    for row in found:
        row["excerpt"] = render.marked(matching_paragraph(row.pop("text") or "", query, width=320), query)
        row["title_marked"] = render.marked(row["title"] or "", query)
        row["published"] = render.local_time(row["published_at"] or row["first_seen"], site_zones.get(row["site"]))
    return {"results": found, "problem": None, "sites": sorted(site_zones)}
