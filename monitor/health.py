"""Whether a monitored site still works as configured: the rules, pure (`now` passed in).

A site redesign shows first as feeds or sitemaps that stop answering, as listed URLs that no longer
look like articles to the site's patterns, and as no new article for days. crawler/sites/check.py fetches
what these rules read; `rasid sites check` prints them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Source:
    """One feed or sitemap of a site, as it answered just now."""

    kind: str  # feed, sitemap
    url: str
    problem: str | None = None  # why it gave nothing (HTTP status, not XML, unreachable)
    entries: int = 0  # URLs it lists
    articles: int = 0  # of them, article URLs of the site (its article_patterns)
    newest: datetime | None = None  # the newest date it gives an entry


@dataclass
class Health:
    site: str
    sources: list[Source]
    newest_article: datetime | None  # the newest article seen: listed now, or stored
    problems: list[str] = field(default_factory=list)
    not_articles: int = 0  # pages crawls met that are not articles (sites without article_patterns)

    @property
    def ok(self) -> bool:
        return not self.problems


def judge(site: str, sources: list[Source], newest_stored: datetime | None, now: datetime,
          stale_after_days: float, not_articles: int = 0) -> Health:
    """The site's health: one line per problem, none when it works as configured."""
    problems = [f"{s.kind} {s.url}: {s.problem}" for s in sources if s.problem]
    answering = [s for s in sources if not s.problem]
    if sources and not answering:
        problems.append("no feed or sitemap answers: nothing to find new articles from")
    listed = sum(s.entries for s in answering)
    articles = sum(s.articles for s in answering)
    if listed and not articles:
        problems.append(f"none of the {listed} URLs its feeds and sitemaps list is an article by its "
                        "article_patterns: the site's addresses may have changed")
    newest = max([d for d in [newest_stored, *(s.newest for s in answering)] if d is not None], default=None)
    if newest is None:
        problems.append("no article date found: not listed, not stored")
    elif (now - newest).total_seconds() > stale_after_days * 86400:
        problems.append(f"newest article is {(now - newest).days} days old ({newest.isoformat(timespec='minutes')})")
    return Health(site, sources, newest, problems, not_articles)
