"""`rasid sites add URL`: a site's entry found from its address. The home page and robots.txt
first (a site whose robots.txt forbids Rasid is refused), then its feeds (declared <link
rel=alternate>, else the common paths of WordPress, Drupal, Joomla and custom CMSs) and sitemaps
(robots.txt's Sitemap: lines, else the common paths), the article URLs they list, the site's zone
(monitor.inference.zone_for), URL patterns (monitor.inference.url_patterns) kept only when the
sampled pages confirm them, and a sample of up to ten articles fetched and extracted as a crawl
would. Documents are fetched one at a time through crawler.net.fetch: the crawl's User-Agent, address
policy, size cap and deadline. Only the origin asked may be on this machine or its network (a
replay server, a mirror): a feed, sitemap or page the site names elsewhere must be public."""

from __future__ import annotations

import json
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from protego import Protego

from crawler.net.fetch import FetchError, fetch
from crawler.net.limits import USER_AGENT
from extract import instants
from extract.article import extract_article, parse_html
from extract.dates import parse_date
from extract.encoding import decode_html, looks_like_html
from monitor.config import ConfigError, linear_patterns, load_sites
from monitor.inference import url_patterns, zone_for
from monitor.site import Site
from spiders.discovery import SitemapError, feed_entries, sitemap_entries

FEED_PATHS = ("/feed/", "/rss.xml", "/rss", "/feed.xml", "/atom.xml", "/index.xml", "/rss/news.xml",
              "/index.php?format=feed&type=rss")
SITEMAP_PATHS = ("/sitemap.xml", "/sitemap_index.xml", "/wp-sitemap.xml", "/sitemap-news.xml", "/news-sitemap.xml")
SAMPLE = 10
MAX_CHILD_SITEMAPS = 5


class NotASite(RuntimeError):
    """The address is not a site Rasid can monitor: one line saying why."""


@dataclass
class Sampled:
    url: str
    title: str | None = None
    published: str | None = None
    date_from: str | None = None  # where extraction read the publication date
    chars: int = 0
    evidence: str = ""
    is_article: bool = False
    matches: bool = False  # by the inferred patterns
    stated: datetime | None = None  # its publication time, when the page states it with an offset
    html: str | None = field(default=None, repr=False)  # the page, read again once the zone is known
    fetched_at: str | None = None
    zone_assumed: bool = False  # its time was written without an offset and read before the zone was known


@dataclass
class Discovery:
    key: str
    name: str
    base_url: str  # the live origin its feeds and sitemaps name
    fetched_from: str  # the origin asked (a mirror or replay server when it is not base_url)
    zone: str | None
    zone_how: str
    feeds: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    patterns: list[str] = field(default_factory=list)
    patterns_note: str = ""
    candidates: int = 0
    sample: list[Sampled] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # any one: the entry is not written
    notes: list[str] = field(default_factory=list)


def _get(url: str, origin: str) -> bytes | None:
    """The document, or None. A URL a page or robots.txt names on another host is asked on
    `origin` (the one being asked, the only one trusted) first: a site names its feeds by its
    canonical host, and a mirror serves them too."""
    tries = [url]
    if urlsplit(url).netloc != urlsplit(origin).netloc:
        tries.insert(0, _same_origin(url, origin))
    for attempt in tries:
        try:
            return fetch(attempt, trust=(origin,)).body
        except FetchError:
            continue
    return None


def _stated(value) -> datetime | None:
    """A date (a string, or a ParsedDate) as the instant it states with its own UTC offset; None
    for a day, or a time written without an offset."""
    date = parse_date(value) if isinstance(value, str) else value
    if date is None or not isinstance(date.value, datetime) or date.timezone_assumed:
        return None
    return instants.instant(date.iso)  # None near the calendar's ends: no zone's offset can be read there


def _feeds(origin: str, tree) -> dict[str, list[tuple[str, str | None]]]:
    declared = [urljoin(origin + "/", href) for href in tree.xpath(
        "//link[@rel='alternate'][contains(@type, 'rss') or contains(@type, 'atom')]/@href")]
    found = {}
    for url in declared:
        body = _get(url, origin)
        entries = feed_entries(body.decode("utf-8", "replace")) if body else []
        if entries:
            found[url] = entries
    if found:
        return found
    for url in (origin + path for path in FEED_PATHS):  # none declared, or what is declared is gone
        body = _get(url, origin)
        entries = feed_entries(body.decode("utf-8", "replace")) if body else []
        if entries:
            return {url: entries}  # the first common path that is a feed is the feed
    return found


def _sitemaps(origin: str, robots: Protego | None) -> dict[str, list[dict]]:
    listed = list(robots.sitemaps) if robots else []
    found = {}
    for n, url in enumerate(listed + [origin + path for path in SITEMAP_PATHS]):
        if found and n >= len(listed):
            break  # robots.txt's answered: the common paths are not asked
        try:
            entries, _ = sitemap_entries(lambda listed: _answer(listed, origin), url, MAX_CHILD_SITEMAPS)
        except SitemapError:
            continue
        found[url] = entries
    return found


def _answer(url: str, origin: str) -> bytes:
    """_get for sitemap_entries: a body, or SitemapError."""
    body = _get(url, origin)
    if body is None:
        raise SitemapError("does not answer")
    return body


def _same_origin(url: str, origin: str) -> str:
    """A URL a document lists, on the origin being asked (a mirror lists the live site's URLs)."""
    parts = urlsplit(url)
    return origin + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _key(host: str) -> str:
    labels = [label for label in host.lower().split(".") if label not in ("www", "m", "ar", "arabic")]
    return re.sub(r"[^a-z0-9_-]", "", labels[0] if labels else host) or "site"


def discover(url: str, key: str | None = None) -> Discovery:
    """Everything `rasid sites add` says about the site at `url`. Raises NotASite."""
    try:  # the address typed is the user's to choose, even on this machine
        home = fetch(url, trust=(url,))
    except FetchError as exc:
        raise NotASite(str(exc)) from None
    body, content_type, final = home.body, home.content_type, home.url
    html, _ = decode_html(body, content_type)
    if not looks_like_html(body, html):
        raise NotASite(f"{url}: not an HTML page (a news site's address answers with its home page)")
    origin = f"{urlsplit(final).scheme}://{urlsplit(final).netloc}"
    robots_body = _get(origin + "/robots.txt", origin)
    robots = Protego.parse(robots_body.decode("utf-8", "replace")) if robots_body else None
    if robots is not None and not robots.can_fetch(final, USER_AGENT):
        raise NotASite(f"{origin}/robots.txt forbids {USER_AGENT.split('/')[0]} to crawl the site: not added")
    tree = parse_html(html)
    if tree is None:
        raise NotASite(f"{url}: an empty page")
    feeds, sitemaps = _feeds(origin, tree), _sitemaps(origin, robots)
    listed = [(link, date) for entries in feeds.values() for link, date in entries]
    listed += [(e["loc"], e.get("publication_date") or e.get("lastmod")) for entries in sitemaps.values()
               for e in entries]
    if not listed:  # a site with listing pages only: its home page's own links
        listed = [(urljoin(final, href), None) for href in tree.xpath("//a/@href")]
    return _entry(key, origin, tree, feeds, sitemaps, listed)


def _entry(key, origin, tree, feeds, sitemaps, listed) -> Discovery:
    hosts = Counter(urlsplit(link).hostname for link, _ in listed if urlsplit(link).hostname)
    live_host = hosts.most_common(1)[0][0] if hosts else urlsplit(origin).hostname
    live_scheme = next((urlsplit(link).scheme for link, _ in listed if urlsplit(link).hostname == live_host), "https")
    base = origin if live_host == urlsplit(origin).hostname else f"{live_scheme}://{live_host}"
    dated = [d for d in (_stated(date) for _, date in listed) if d]
    name = (tree.xpath("string(//meta[@property='og:site_name']/@content)") or tree.xpath("string(//title)")
            or live_host or "").strip()
    found = Discovery(key=key or _key(live_host or ""), name=re.split(r"\s+[|\-–—]\s+", name)[0] or live_host,
                      base_url=base, fetched_from=origin, zone=None, zone_how="",
                      feeds=[_on_site(u, origin, base) for u in feeds], sitemaps=[_on_site(u, origin, base) for u in sitemaps])
    site = Site(key=found.key, name=found.name, base_url=base, timezone="UTC", article_patterns=(),
                feeds=tuple(found.feeds), sitemaps=tuple(found.sitemaps), listings=("/",),
                fetch_base=None if base == origin else origin)
    candidates = list(dict.fromkeys(site.to_public(link) for link, _ in listed))
    candidates = [c for c in candidates if site.is_article(c)]
    found.candidates = len(candidates)
    _sample_and_confirm(found, site, candidates)
    # the zone from the offsets the site writes: its feeds' and sitemaps' dates, its pages' own
    dated += [r.stated for r in found.sample if r.stated]
    found.zone, found.zone_how = zone_for(dated, live_host or "")
    for row in found.sample:  # times the pages print without an offset are the zone's, now it is known
        if found.zone and row.zone_assumed:
            _read(row, extract_article(row.html, row.url, reference=row.fetched_at, tz=found.zone))
    return found


def _on_site(url: str, origin: str, base: str) -> str:
    """A feed or sitemap as the site list writes it: a path on the site, else the URL."""
    parts = urlsplit(url)
    if parts.netloc in (urlsplit(origin).netloc, urlsplit(base).netloc):
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return url


def _sample_and_confirm(found: Discovery, site: Site, candidates: list[str]) -> None:
    """Fetch up to SAMPLE candidates as a crawl would; keep the inferred patterns only if they
    cover nine in ten candidates and every sampled page they match is an article."""
    patterns = url_patterns([urlsplit(c).path for c in candidates])
    compiled = linear_patterns(patterns, "inferred article_patterns")
    for url in candidates[:SAMPLE]:
        row = Sampled(url, matches=any(p.search(urlsplit(url).path) for p in compiled))
        body = _get(site.to_fetch(url), found.fetched_from)
        if body:
            row.html, row.fetched_at = decode_html(body, None)[0], datetime.now(UTC).isoformat(timespec="seconds")
            _read(row, extract_article(row.html, url, reference=row.fetched_at))  # the zone is not known yet
        found.sample.append(row)
    covered = sum(any(p.search(urlsplit(c).path) for p in compiled) for c in candidates)
    if patterns and covered >= 0.9 * len(candidates) and all(r.is_article for r in found.sample if r.matches):
        found.patterns = patterns
        found.patterns_note = f"they match {covered} of the {len(candidates)} article URLs listed"
    else:
        found.patterns_note = ("none written: the URLs listed share no pattern the sample confirms; "
                               "each page is judged by its own signals")
    if not any(r.is_article for r in found.sample):
        found.problems.append(f"no article among the {len(found.sample)} pages sampled of {len(candidates)} listed")
    if not found.feeds and not found.sitemaps:
        found.notes.append("no feed and no sitemap: new articles are found on the home page's links only")


def _read(row: Sampled, article) -> None:
    """What a sampled page's extraction says, on its row."""
    if article is None:
        return
    row.title, row.chars, row.is_article = article.title, len(article.text), bool(article.is_article)
    row.published, row.evidence = (article.published.iso if article.published else None), article.evidence or ""
    row.date_from = article.published_from
    row.stated = _stated(article.published)
    row.zone_assumed = article.published is not None and article.published.timezone_assumed


def entry_toml(found: Discovery) -> str:
    """The [sites.KEY] table for the site list, as `rasid sites add --write` appends it."""
    def strings(values):
        return "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in values) + "]"

    lines = [f"[sites.{found.key}]", f"name = {json.dumps(found.name, ensure_ascii=False)}",
             f"base_url = {json.dumps(found.base_url)}", f"timezone = {json.dumps(found.zone or 'UTC')}",
             f"feeds = {strings(found.feeds)}", f"sitemaps = {strings(found.sitemaps)}", 'listings = ["/"]']
    if found.patterns:  # TOML literal strings: a pattern's backslashes stay as written
        lines.append("article_patterns = [" + ", ".join(f"'{p}'" for p in found.patterns) + "]")
    return "\n".join(lines) + "\n"


def write_entry(found: Discovery, sites_file: Path) -> str:
    """Append the site's table to `sites_file`, only after the whole file with it loads as a site
    list (every field checked as for any site); the rest of the file is not touched. Returns the
    entry. ValueError (one line) for a key already listed or an entry that does not load."""
    before = sites_file.read_text(encoding="utf-8") if sites_file.exists() else ""
    entry = entry_toml(found)
    text = before + ("\n" if before and not before.endswith("\n\n") else "") + entry
    with tempfile.TemporaryDirectory() as tmp:
        trial = Path(tmp) / "sites.toml"
        trial.write_text(text, encoding="utf-8")
        if before:
            try:
                if found.key in load_sites(sites_file):
                    raise ValueError(f"{sites_file}: a site {found.key!r} is listed already: choose another --key")
            except ConfigError as exc:
                raise ValueError(str(exc)) from None
        try:
            load_sites(trial)
        except ConfigError as exc:
            raise ValueError(f"the entry for {found.key} does not load: {exc}") from None
    with sites_file.open("a", encoding="utf-8") as f:
        f.write(text[len(before):])
    return entry
