"""`rasid extract`: one page, from a file or a URL, through the crawl's own extraction.

Fetching one URL typed by the user needs no crawler: crawler.net.fetch, with the crawl's User-Agent,
address policy, size cap and deadline. Scrapy is not imported (the command starts in a fraction
of the time)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from crawler.net.fetch import DOCUMENT_BYTES, FetchError, fetch
from extract.article import extract_article
from extract.encoding import decode_html, looks_like_html
from monitor.config import Config
from monitor.site import Site


class PageError(ValueError):
    """The page cannot be read as asked: one line naming the file, URL or option."""


def read_page(source: str, url: str | None) -> tuple[str, str | None, str]:
    """(html, its URL, the encoding it was read in) of a saved file or an http(s) URL."""
    content_type = None
    if urlsplit(source).scheme in ("http", "https"):
        try:  # the address typed is the user's to choose, even on this machine; its redirects are not
            page = fetch(source, trust=(source,))
        except FetchError as exc:
            raise PageError(str(exc)) from None
        body, content_type, url = page.body, page.content_type, page.url
    elif "://" in source:
        raise PageError(f"{source}: only http and https URLs can be fetched")
    else:
        try:
            with Path(source).open("rb") as file:
                body = file.read(DOCUMENT_BYTES + 1)  # a file past the cap is not read whole to say so
        except OSError as exc:
            raise PageError(f"{source}: cannot read: {exc.strerror}") from None
    if len(body) > DOCUMENT_BYTES:
        raise PageError(f"{source}: larger than {DOCUMENT_BYTES // 2**20} MB, not an article page")
    html, encoding = decode_html(body, content_type)
    if not looks_like_html(body, html):
        raise PageError(f"{source}: not an HTML page")
    return html, url, encoding


def site_for(config: Config, key: str | None, url: str | None) -> Site | None:
    if key:
        return config.select([key])[0]
    host = urlsplit(url).hostname if url else None
    return next((s for s in config.sites.values() if host and host in s.live_hosts), None)


def extract_one(config: Config, source: str, url: str | None = None, site_key: str | None = None,
                reference: str | None = None, tz: str | None = None) -> dict | None:
    """The article of one page as `rasid extract` prints it (None: no article text). The site is
    --site, else the one whose host the URL or the page's own canonical URL has: its zone and hints."""
    html, url, encoding = read_page(source, url)
    when = reference or datetime.now(UTC).isoformat(timespec="seconds")
    site = site_for(config, site_key, url)
    try:
        article = extract_article(html, url, hints=site.hints if site else None, reference=when,
                                  tz=tz or (site.timezone if site else None))
        if site is None and article is not None and article.canonical_url:
            # the page names its own address: a site of the list gets its zone and hints after all
            site = site_for(config, None, article.canonical_url)
            if site is not None:
                article = extract_article(html, url or article.canonical_url, hints=site.hints, reference=when,
                                          tz=tz or site.timezone)
    except ValueError as exc:  # only an unknown --tz or a malformed --reference reach here
        raise PageError(f"--reference/--tz: {exc}") from None
    if article is None or not article.text:
        return None
    # a time printed without an offset, on a page of no known zone, is read as UTC: say so
    assumed = any(d is not None and d.timezone_assumed for d in (article.published, article.modified))
    return {**article.as_dict(), "site": site.key if site else None, "timezone": tz or (site.timezone if site else None),
            "timezone_assumed": assumed, "encoding": encoding, "fetched_at": when}


def refusals(data: dict) -> list[str]:
    """What `rasid extract` says of the dates it refused (extract.article.refuse_later_claims)."""
    return [f"{name} {data[f'{name}_refused']} refused: later than the fetch ({data['fetched_at']}); "
            "not taken as the article's date" for name in ("published", "modified") if data.get(f"{name}_refused")]
