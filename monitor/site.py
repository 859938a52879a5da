"""One monitored site as Rasid knows it: where it lives and where it is fetched from, which of its
URLs are its own and which are articles. Built from the site list and the config file by
monitor.config, which checks every field; used by the spider, the pipelines, the commands."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from extract.hints import ExtractionHints

# paths that are files or machine documents, never an article page (a site without article_patterns)
_NOT_PAGES = re.compile(r"\.(xml|rss|atom|json|txt|css|js|jpe?g|png|gif|webp|svg|ico|pdf|mp[34]|zip|gz)$"
                        r"|^/(wp-json|wp-admin|wp-content|wp-includes|feed|rss|tag|tags|category|author|search|page)(/|$)",
                        re.I)


def _on_origin(parts, origin: str) -> str:
    """The path and query of a split URL on another scheme://host:port, without fragment."""
    target = urlsplit(origin)
    return urlunsplit((target.scheme, target.netloc, parts.path or "/", parts.query, ""))


@dataclass(frozen=True)
class Site:
    key: str
    name: str
    base_url: str
    timezone: str
    article_patterns: tuple  # compiled by RE2 (monitor.config.linear_patterns)
    hosts: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    listings: tuple[str, ...] = ()
    revisit_seconds: int = 1800
    cron: str | None = None  # a crontab line; when set, the daemon uses it instead of revisit
    download_delay: float = 1.0
    enabled: bool = True
    hints: ExtractionHints = field(default_factory=ExtractionHints)
    fetch_base: str | None = None  # where to fetch from instead of base_url (replay, mirror)

    @property
    def fetch_origin(self) -> str:
        return (self.fetch_base or self.base_url).rstrip("/")

    @property
    def politeness_delay(self) -> float:
        """Seconds between requests: the site's download_delay, none for a replay server or a
        mirror on this machine (localhost or a loopback address)."""
        host = urlsplit(self.fetch_base).hostname if self.fetch_base else None
        try:
            local = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:  # a name, or no fetch base
            local = False
        return 0.0 if local else self.download_delay

    @property
    def live_hosts(self) -> tuple[str, ...]:
        return (urlsplit(self.base_url).hostname or "",) + self.hosts

    def absolute(self, path_or_url: str) -> str:
        """A feed/sitemap/listing entry as a public URL."""
        return urljoin(self.base_url.rstrip("/") + "/", path_or_url)

    def to_fetch(self, url: str) -> str:
        """The URL to request for a public URL: same path on the fetch origin."""
        parts = urlsplit(url)
        if self.fetch_base is None or (parts.hostname or "") not in self.live_hosts:
            return url
        return _on_origin(parts, self.fetch_origin)

    def to_public(self, url: str) -> str:
        """The public URL for a fetched URL: the live origin for the fetch origin."""
        parts = urlsplit(url)
        from_fetch_origin = self.fetch_base is not None and parts.netloc == urlsplit(self.fetch_origin).netloc
        if from_fetch_origin or (parts.hostname or "") in self.hosts:  # hosts: mobile / bare-domain copies
            return _on_origin(parts, self.base_url)
        return url

    @property
    def checks_pages(self) -> bool:
        """No article_patterns: every page of the site is a candidate, and its own signals
        (extract.kind) say whether it is an article."""
        return not self.article_patterns

    def owns(self, url: str) -> bool:
        """Whether `url` is on the site's own origin: one of its hosts, on its base URL's port (the
        default port of http or https when it names none), with no user name or password. Another
        port is another server; credentials ask for a page the public may not see: neither speaks
        for the site (an archive record for http://evil@host/ or https://host:8443/ is not its page)."""
        parts = urlsplit(url)
        if (parts.hostname or "") not in self.live_hosts or "@" in parts.netloc:
            return False
        try:
            port, base_port = parts.port, urlsplit(self.base_url).port
        except ValueError:  # a port that is not a number
            return False
        if base_port is not None:
            return port == base_port
        return port is None or port == {"http": 80, "https": 443}.get(parts.scheme)

    def is_article(self, public_url: str) -> bool:
        """Whether a URL of the site is (with article_patterns) or may be (without) an article."""
        parts = urlsplit(public_url)
        if not self.owns(public_url):
            return False
        path = unquote(parts.path)
        if self.article_patterns:
            return any(p.search(path) for p in self.article_patterns)
        return path not in self._own_paths and not _NOT_PAGES.search(path)

    @cached_property
    def _own_paths(self) -> frozenset[str]:
        """The paths of the site's own feeds, sitemaps and listings, and its root: never an article."""
        return frozenset({urlsplit(self.absolute(p)).path for p in (*self.feeds, *self.sitemaps, *self.listings)}
                         | {"", "/"})
