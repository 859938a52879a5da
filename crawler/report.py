"""What the commands print, as lines of text: tables of crawl figures, alerts with their diffs,
stored articles, search results, the status of each site. No I/O here: the commands read what is
shown and echo the lines."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import unquote

from extract.arabic import matching_paragraph
from monitor.reprints import COPY_JACCARD, Member, account, comparison, delay_text, evidence, times_text

CRAWL_COLUMNS = ("site", "articles", "pages", "new", "changed", "removed", "restored", "not_modified", "errors",
                 "status")
STATUS_COLUMNS = ("site", "last_run", "seconds", "result", "next_run", "live", "removed", "new_24h", "failed_24h")


def counted(n: int, noun: str) -> str:
    """`1 article`, `2 articles`: a count and its noun, agreeing."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def table(rows: list[dict], columns: tuple[str, ...] = CRAWL_COLUMNS) -> Iterator[str]:
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) if rows else len(c) for c in columns}
    yield "  ".join(c.ljust(widths[c]) for c in columns)
    for row in rows:
        yield "  ".join(str(row.get(c) if row.get(c) is not None else "").ljust(widths[c]) for c in columns)


def crawl_ended(seconds: float, stopped: list[str]) -> str:
    """The line after a crawl, above its table: finished, or stopped (and which sites it cut short)."""
    if stopped:
        return (f"\ncrawl stopped after {seconds:.1f} s (Ctrl-C or SIGTERM): {', '.join(stopped)} not crawled to "
                "the end; what was stored is kept, and the next crawl fetches the rest")
    return f"\ncrawl finished in {seconds:.1f} s"


def first_errors(rows: list[dict], per_site: int = 3) -> Iterator[str]:
    """The first error lines of each crawl that had errors, so an incomplete crawl says why."""
    for row in rows:
        try:
            lines = [str(line) for line in json.loads(row.get("error_log") or "[]")]
        except (ValueError, TypeError):  # not the list a crawl writes: shown as it is
            lines = [str(row["error_log"])]
        for line in lines[:per_site]:
            yield f"  [{row['site']}] {line}"
        if len(lines) > per_site:
            yield f"  [{row['site']}] … and {len(lines) - per_site} more"


def alert_lines(alerts: list[dict]) -> Iterator[str]:
    if not alerts:
        yield "no alerts"
    for alert in alerts:
        yield f"[{alert['kind']}] {alert['site']}: {alert['title'] or ''}"
        yield f"    {unquote(alert['url'])}"
        for line in (alert.get("diff") or "").splitlines():
            yield f"    {line}"


def front_change_lines(readings: list[tuple[dict, list[dict]]]) -> Iterator[str]:
    """What moved on the listing pages (monitor.recorder.front_changes): per reading that changed
    something, one line an article (appeared, moved, teaser rewritten, left, pulled)."""
    if not readings:
        yield "no change on any front page"
    for reading, changes in readings:
        yield f"{reading['site']} {reading['path']} (read {reading['at'][:16].replace('T', ' ')} UTC)"
        for change in changes:
            yield "  " + _front_change(change)


_FRONT_SIGNS = {"appeared": "+", "moved": "↕", "teaser": "✎", "left": "−", "pulled": "✗"}


def _front_change(change: dict) -> str:
    was, now = change["before"], change["after"]
    where = (f"{was['block']} #{was['block_position']} → {now['block']} #{now['block_position']}" if was and now
             else f"{(now or was)['block']} #{(now or was)['block_position']}")
    said = {"appeared": "appeared", "moved": "moved", "teaser": "teaser rewritten", "left": "left the page",
            "pulled": "pulled: left the page, the article still online"}[change["what"]]
    teaser = f"«{was['teaser']}» → «{now['teaser']}»" if change["what"] == "teaser" else f"«{(now or was)['teaser']}»"
    return f"{_FRONT_SIGNS[change['what']]} {where}  {teaser}  ({said})"


def front_page_lines(listing: dict, rows: list[dict], at: str, zone: str | None, as_json: bool) -> Iterator[str]:
    """A listing page as it stood at `at`: its placements in order (position, block and place in it,
    teaser, the article's URL and, when stored, its title), or one JSON object."""
    from extract import instants

    if as_json:
        yield json.dumps({"site": listing["site"], "listing": listing["path"], "url": listing["url"], "at": at,
                          "placements": [{k: row[k] for k in ("position", "block", "kind", "block_position", "teaser",
                                                              "url", "article_id", "title", "opened_at", "appeared_at")}
                                         for row in rows]}, ensure_ascii=False)
        return
    shown = instants.local(at, zone)
    yield (f"{listing['site']} {listing['path']} as it stood at {shown.isoformat(timespec='minutes') if shown else at}"
           f" ({len(rows)} placements; last read {listing['last_read'][:16].replace('T', ' ')} UTC)")
    block = None
    for row in rows:
        if row["block"] != block:
            block = row["block"]
            yield f"  [{block}] ({row['kind']})"
        yield f"  {row['position']:>3}. {row['block_position']:>2}  {row['teaser']}"
        yield f"            {unquote(row['url'])}"
        if row["title"] and row["title"] != row["teaser"]:
            yield f"            the article's title: {row['title']}"


def article_lines(articles: list[dict]) -> Iterator[str]:
    for row in articles:
        yield f"  {row['site']:8} {(row['published_at'] or '?')[:16]:16}  {row['title']}"


def search_lines(results: list[dict], query: str, as_json: bool) -> Iterator[str]:
    """Each result: JSON (id, site, url, title, published_at, excerpt), or three lines of text."""
    for row in results:
        excerpt = matching_paragraph(row["text"] or "", query)
        if as_json:
            yield json.dumps({k: row[k] for k in ("id", "site", "url", "title", "published_at")}
                             | {"excerpt": excerpt}, ensure_ascii=False)
            continue
        yield f"{(row['published_at'] or row['first_seen'] or '')[:16]:16}  {row['site']:8} {row['title']}"
        yield f"    {unquote(row['url'])}"
        if excerpt:
            yield f"    {excerpt}"


def _told(member: Member, zone: str | None, source: Member | None = None) -> dict:
    """An article's claimed publication beside its first sight, and what Rasid makes of them."""
    return {"published_at": member.published_at, "first_seen": member.first_seen, "timezone": zone,
            **account(member), **(comparison(source, member) if source is not None else {})}


def stories(rows: list[dict]) -> list[dict]:
    """store.reprint_list rows as stories: {source: {...}, reprints: [{...}, ...]}, each story's
    reprints by their delay on evidence (by their claims where the evidence cannot order them)."""
    out: dict[int, dict] = {}
    for row in rows:
        source = Member(row["source_id"], row["source_published_at"], row["source_first_seen"])
        story = out.setdefault(row["source_id"], {"source": {
            "id": row["source_id"], "site": row["source_site"], "url": row["source_url"],
            "title": row["source_title"], **_told(source, row["source_timezone"])}, "reprints": []})
        reprint = Member(row["article_id"], row["published_at"], row["first_seen"])
        story["reprints"].append({"id": row["article_id"], **{k: row[k] for k in (
            "site", "url", "title", "similarity", "jaccard", "kind", "delay_seconds")},
            **_told(reprint, row["timezone"], source)})
    for story in out.values():
        story["reprints"].sort(key=lambda r: (_order(r["delay_seconds"]), _order(r["claimed_delay_seconds"]), r["id"]))
    # oldest story first: by its source's claim or first sight, whichever is earlier (an order to
    # read them in; which article is the source is evidence's to say)
    return sorted(out.values(), key=lambda s: (_order(_earliest(s["source"])), s["source"]["id"]))


def _earliest(told: dict) -> float | None:
    moment = evidence(Member(0, told["published_at"], told["first_seen"])).earliest
    return moment.timestamp() if moment is not None else None


def _order(value) -> tuple:
    """A sort key for a number that may be missing, or not a number at all in a damaged row: last."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return (not number, value if number else 0)


# What the two numbers of a reprint are: `rewrite shared 1.00` alone read as a contradiction (all of
# the shorter text is in the other, and the kind comes from the Jaccard of the two).
REPRINT_LEGEND = (f"shared: the share of the shorter text found in the other; jaccard: what both texts share of all "
                  f"either has (a copy from {COPY_JACCARD:.2f}, else a rewrite); then the delay on evidence "
                  "(? when Rasid's own sight cannot order them)")


def _number(value) -> str:
    return f"{value:.2f}" if isinstance(value, int | float) and not isinstance(value, bool) else "?"


def reprint_lines(rows: list[dict], as_json: bool) -> Iterator[str]:
    """Each story: its source (site, title; claimed and first-seen times; URL), then each reprint
    (site, kind, shared share, Jaccard, delay on evidence, title; its times; URL); a legend last."""
    found = stories(rows)
    for story in found:
        if as_json:
            yield json.dumps(story, ensure_ascii=False)
            continue
        source = story["source"]
        first = Member(source["id"], source["published_at"], source["first_seen"])
        yield f"{source['site']:8} {source['title'] or ''}"
        yield f"    {times_text(first, source['timezone'])}"
        yield f"    {unquote(source['url'])}"
        for r in story["reprints"]:
            yield (f"    ← {r['site']:8} {r['kind']:7} shared {_number(r['similarity'])} jaccard {_number(r['jaccard'])}"
                   f"  {delay_text(r['delay_seconds']) or '?':>9}  {r['title'] or ''}")
            yield f"      {times_text(Member(r['id'], r['published_at'], r['first_seen']), r['timezone'], first)}"
            yield f"      {unquote(r['url'])}"
    if not as_json:
        copies = sum(len(s["reprints"]) for s in found)
        yield f"{len(found)} stor{'ies' if len(found) != 1 else 'y'} with reprints, {copies} reprint{'s' * (copies != 1)}"
        if found:
            yield REPRINT_LEGEND


HEALTH_COLUMNS = ("site", "source", "url", "answers", "entries", "articles", "newest")


def health_lines(checks: list) -> Iterator[str]:
    """`rasid sites check`: a row per feed and sitemap, then each site's verdict."""
    rows = [{"site": h.site, "source": s.kind, "url": unquote(s.url), "answers": s.problem or "yes",
             "entries": s.entries, "articles": s.articles,
             "newest": s.newest.isoformat(timespec="minutes") if s.newest else "-"}
            for h in checks for s in h.sources]
    yield from table(rows, HEALTH_COLUMNS)
    yield ""
    for h in checks:
        met = f" ({h.not_articles} pages met that are not articles)" if h.not_articles else ""
        yield f"{h.site}: " + ("ok" if h.ok else "; ".join(h.problems)) + met


SAMPLE_COLUMNS = ("url", "article", "published", "date from", "chars", "title", "signal")


def discovery_lines(found) -> Iterator[str]:
    """`rasid sites add`: what was found, the sample fetched, the verdict."""
    yield f"site:      {found.name} ({found.base_url}" + (
        f", fetched from {found.fetched_from})" if found.fetched_from != found.base_url else ")")
    yield f"feeds:     {', '.join(found.feeds) or 'none'}"
    yield f"sitemaps:  {', '.join(found.sitemaps) or 'none'}"
    yield f"time zone: {found.zone or 'unknown'} — {found.zone_how}"
    yield f"patterns:  {', '.join(found.patterns) or '-'} ({found.patterns_note})"
    yield f"articles listed: {found.candidates}; sampled:"
    rows = [{"url": unquote(r.url), "article": "yes" if r.is_article else "no", "published": r.published or "-",
             "date from": r.date_from or "-",
             "chars": r.chars, "title": (r.title or "")[:50], "signal": r.evidence[:40]} for r in found.sample]
    yield from table(rows, SAMPLE_COLUMNS)
    for note in found.notes:
        yield f"note: {note}"
    yield ("verdict: " + "; ".join(found.problems)) if found.problems else \
        f"verdict: a working site: {sum(r.is_article for r in found.sample)} of {len(found.sample)} sampled pages are articles"


@dataclass
class Status:
    sites: list[dict]  # Store.site_status rows, with next_run
    daemon_pid: int | None
    errors: list[dict]  # Store.recent_errors
    undelivered: int


def status(rows: list[dict], next_runs: dict[str, datetime | None], daemon_pid: int | None, errors: list[dict],
           undelivered: int, now: datetime) -> Status:
    """`rasid status`: each site's last crawl (Store.site_status rows) with its next run in the
    daemon's schedule (crawler.daemon.scheduler.daemon_status), recent errors, the outbox."""
    for row in rows:
        next_run = next_runs.get(row["site"])
        if row["site"] not in next_runs:
            row["next_run"] = "not scheduled"
        elif next_run is None:
            row["next_run"] = "paused"
        elif daemon_pid is None:  # the schedule is kept, but nothing runs it now
            row["next_run"] = "no daemon running"
        else:
            # in UTC like every time of the table (a cron job's next run comes in its site's zone)
            row["next_run"] = next_run.astimezone(UTC).isoformat(timespec="seconds") + (" (due)" if next_run <= now else "")
        row["last_run"] = row["last_run"] or "never"
    return Status(rows, daemon_pid, errors, undelivered)


def status_lines(report: Status) -> Iterator[str]:
    yield from table(report.sites, STATUS_COLUMNS)
    running = f"running (pid {report.daemon_pid})" if report.daemon_pid else "not running"
    yield f"\ndaemon: {running}; times are UTC (+00:00)"
    if report.errors:
        yield "\nrecent errors:"
        for error in report.errors:
            yield f"  {error['started_at']}  {error['site']:8} {error['line']}"
    yield f"\nalerts not yet delivered by `rasid daemon`: {report.undelivered}"


# --- `rasid import warc` --------------------------------------------------------------------


def import_progress(counts) -> str:
    """One progress line of an import (crawler.archive.importer.ImportCounts)."""
    sites = " · ".join(f"{site} {n:,}" for site, n in counts.per_site.most_common(6))
    return (f"  {counts.records:,} records read · {counts.stored:,} articles stored or edited · "
            f"{counts.rate:,.0f} records/s" + (f" · {sites}" if sites else ""))


def import_summary(counts) -> Iterator[str]:
    """What an import did: the records, what each response became, per site, and the damage."""
    outcomes = counts.outcomes
    responses = sum(n for kind, n in outcomes.items() if not kind.startswith("record:"))
    others = sum(n for kind, n in outcomes.items() if kind.startswith("record:"))
    yield (f"imported {counts.records:,} records in {time.monotonic() - counts.started:.1f} s "
           f"({counts.rate:,.0f}/s): {responses:,} responses, {others:,} other records, "
           f"{len(counts.damaged):,} damaged")
    stored = ", ".join(f"{outcomes[o]:,} {o}" for o in ("new", "changed", "removed", "restored") if outcomes[o])
    yield f"  stored: {stored or 'nothing new'}"
    left = [(kind, n) for kind, n in outcomes.most_common()
            if kind not in ("new", "changed", "removed", "restored") and not kind.startswith("record:")]
    if left:
        yield "  left as they were: " + ", ".join(f"{n:,} {kind}" for kind, n in left)
    if counts.per_site:
        yield "  per site: " + ", ".join(f"{site} {n:,}" for site, n in counts.per_site.most_common())
    for line in counts.damaged[:20]:
        yield f"  damaged: {line}"
    if len(counts.damaged) > 20:
        yield f"  … and {len(counts.damaged) - 20:,} more damaged records"


# --- `rasid cluster status` -----------------------------------------------------------------


def cluster_lines(report) -> Iterator[str]:
    """crawler.cluster.shared.Status as lines: per site, the stream, the workers, the writer."""
    yield from table(report.sites, ("site", "jobs", "queued", "leased", "round", "stored"))
    lag = f", the oldest {report.oldest_ms / 1000:.1f} s old" if report.oldest_ms is not None else ""
    yield f"\npages waiting for the writer: {report.stream:,} ({report.pending:,} being written{lag})"
    if report.dead:
        yield f"entries the writer could not read: {report.dead:,} (stream rasid:pages:dead)"
    yield f"workers alive: {len(report.workers)}"
    now = time.time()
    for worker in report.workers:
        rate = worker["pages"] / max(worker["at"] - worker["started"], 1e-9)
        yield (f"  {worker['name']}: {worker['pages']:,} pages ({rate:.1f}/s), {worker['responses']:,} responses, "
               f"seen {now - worker['at']:.0f} s ago; sites {', '.join(worker['sites'])}")
    writer = report.writer
    if writer is None:
        yield "writer: none running"
    else:
        yield (f"writer: {writer['name']} → {writer.get('db', '?')}: {writer.get('pages', 0):,} pages "
               f"({writer.get('pages_per_s', 0):.1f}/s), seen {now - writer['at']:.0f} s ago")
