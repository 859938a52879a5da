"""Reading what a site publishes for machines: its feeds and its sitemaps. No Scrapy here: the
spider reads its responses through these, and `rasid sites check` reads the same documents
fetched on their own."""

from __future__ import annotations

import gzip
import io
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

# lxml's defaults would resolve entities and fetch DTDs: a feed is never trusted that far
_FEED_PARSER = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, encoding="utf-8")


def feed_entries(text: str) -> list[tuple[str, str | None]]:
    """(link, date as written or None) of every item of an RSS or Atom feed, in order."""
    root = etree.fromstring(text.encode("utf-8"), _FEED_PARSER) if text.strip() else None
    if root is None:
        return []
    for element in root.iter():  # namespaces off: RSS 1.0, 2.0 and Atom read alike
        if isinstance(element.tag, str) and "}" in element.tag:
            element.tag = element.tag.split("}", 1)[1]
    entries = []
    for item in root.xpath("//item | //entry"):
        link = (item.xpath("string(./link/text())") or item.xpath("string(./link[not(@rel) or @rel='alternate']/@href)")
                or item.xpath("string(./guid/text())")).strip()
        date = (item.xpath("string(./pubDate/text())") or item.xpath("string(./published/text())")
                or item.xpath("string(./updated/text())") or item.xpath("string(./date/text())")).strip()
        if link:
            entries.append((link, date or None))
    return entries


# The sitemap protocol's own limit per file; and a crawl reads no more than this in all.
MAX_SITEMAP_URLS = 50_000
MAX_SITEMAP_URLS_PER_CRAWL = 250_000
MAX_SITEMAP_BYTES = 50 * 2**20  # inflated: the protocol's 50 MB


def sitemap_date(entry: dict) -> str | None:
    """The date a sitemap entry gives its page: its news publication date or its lastmod, when it
    has a time (a bare lastmod day says less than the page will)."""
    date = entry.get("publication_date") or entry.get("lastmod")
    return date if date and len(date) > 10 else None


class SitemapError(ValueError):
    """A sitemap too large to read (inflating past MAX_SITEMAP_BYTES) or not gzip it says it is."""


@dataclass
class Sitemap:
    kind: str | None  # "urlset", "sitemapindex", or None when not a sitemap
    entries: list[dict]  # loc, lastmod, publication_date, ...
    cut: bool = False  # more entries than the limit: the rest were not read


class _Capped(io.RawIOBase):
    """A stream that refuses to yield more than `limit` bytes: inflating is checked as it goes."""

    def __init__(self, stream, limit: int):
        self.stream, self.left = stream, limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.stream.read(min(len(buffer), 1 << 16))
        self.left -= len(data)
        if self.left < 0:
            raise SitemapError(f"inflates past {MAX_SITEMAP_BYTES // 2**20} MB")
        buffer[: len(data)] = data
        return len(data)


def read_sitemap(body: bytes, limit: int = MAX_SITEMAP_URLS) -> Sitemap:
    """A sitemap or sitemap index, read as a stream (gzip inflated as it is read, each entry
    dropped from the tree once read), at most `limit` entries.

    Parsed here rather than with scrapy.utils.sitemap.Sitemap because that one flattens
    <news:news> and loses the news publication date."""
    stream = io.BytesIO(body)
    if body[:2] == b"\x1f\x8b":
        stream = gzip.GzipFile(fileobj=stream)
    source = io.BufferedReader(_Capped(stream, MAX_SITEMAP_BYTES))
    kind, entries, depth = None, [], 0
    try:
        for event, el in etree.iterparse(source, events=("start", "end"), recover=True, remove_comments=True,
                                         resolve_entities=False, no_network=True, huge_tree=True):
            if event == "start":
                depth += 1
                if depth == 1:
                    kind = etree.QName(el).localname if isinstance(el.tag, str) else None
                continue
            depth -= 1
            if depth != 1 or not isinstance(el.tag, str):
                continue
            entry = {}
            for child in el.iter():
                tag, text = child.tag, child.text
                if isinstance(tag, str) and text and not text.isspace():
                    entry.setdefault(tag[tag.rfind("}") + 1:], text.strip())  # the local name
            el.clear()
            while el.getprevious() is not None:  # what was read is let go: memory stays flat
                del el.getparent()[0]
            if entry.get("loc"):
                if len(entries) >= limit:
                    return Sitemap(kind if kind in ("urlset", "sitemapindex") else None, entries, cut=True)
                entries.append(entry)
    except (etree.XMLSyntaxError, OSError, EOFError) as exc:
        if kind is None:
            return Sitemap(None, [])
        if isinstance(exc, OSError) and not entries:
            raise SitemapError(f"not readable: {exc}") from None
    return Sitemap(kind if kind in ("urlset", "sitemapindex") else None, entries)




def sitemap_entries(get: Callable[[str], bytes], url: str, max_children: int) -> tuple[list[dict], str | None]:
    """The URL entries of the sitemap at `url`, read with `get` (URL -> body, raising SitemapError
    with the reason it got none): a urlset's own, an index's first `max_children` sitemaps' (one
    level: an index inside an index is not followed), and what is wrong when an index gave none
    (empty, or none of its sitemaps answers). Raises SitemapError when `url` itself is not a
    readable sitemap."""
    sitemap = read_sitemap(get(url))
    if sitemap.kind is None:
        raise SitemapError("not a sitemap")
    if sitemap.kind == "urlset":
        return sitemap.entries, None
    if not sitemap.entries:
        return [], "an empty sitemap index"
    entries, problems = [], []
    for child in sitemap.entries[:max_children]:
        try:
            inner = read_sitemap(get(child["loc"]))
        except SitemapError as exc:
            problems.append(f"{child['loc']}: {exc}")
            continue
        if inner.kind is None:
            problems.append(f"{child['loc']}: not a sitemap")
        entries += inner.entries if inner.kind == "urlset" else []
    if len(problems) == len(sitemap.entries[:max_children]):
        return [], f"none of its sitemaps answers ({problems[0]})"
    return entries, None
