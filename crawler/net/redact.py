"""URLs that carry secrets (an alert channel's token, the cluster's Redis password) are never
printed whole: every line Rasid logs or stores that may quote one is scrubbed here, each kind of URL
telling what of it is secret (crawler.daemon.alerts for Apprise URLs, crawler.cluster.shared for
Redis URLs)."""

from __future__ import annotations

from collections.abc import Callable, Iterable


def redact(text: str, urls: Iterable[str], shown: Callable[[str], str], secrets: Callable[[str], set[str]]) -> str:
    """A message without any of `urls` (each written as `shown` makes it) or any of their parts that
    could be secret (`secrets`), longest first, so that no part of a longer secret is left."""
    for url in urls:
        text = text.replace(url, shown(url))
        for part in sorted(secrets(url), key=len, reverse=True):
            text = text.replace(part, "***")
    return text
