"""Exponential back-off, the one rule for every retry Rasid schedules: a page a struggling server
refused (crawler.crawl.middlewares) and an alert a channel refused (crawler.daemon.alerts)."""

from __future__ import annotations


def backoff(retries_so_far: int, base: float, cap: float) -> float:
    """Seconds to wait before the next try: base, then doubled for each retry already made, at most cap."""
    return min(cap, base * 2 ** max(0, retries_so_far))
