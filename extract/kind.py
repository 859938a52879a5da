"""Is a page an article? Read from the page's own signals, so that a site needs no hand-written
URL patterns: what it declares for machines (JSON-LD @type, og:type) first, else its shape: a body
of real prose, not a list of headlines. Section, tag, author and home pages are lists of headlines
(short lines, each a link) or declare themselves CollectionPage, ProfilePage, SearchResultsPage.

How well it tells them apart, on the real article pages of ../shared/corpus and the snapshot
sites' home and listing pages: benchmarks/bench_kind.py, BENCHMARKS.md."""

from __future__ import annotations

import json

ARTICLE_TYPES = {"article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
                 "backgroundnewsarticle", "reviewnewsarticle", "askpublicnewsarticle", "blogposting",
                 "liveblogposting", "report", "scholarlyarticle", "techarticle", "satiricalarticle"}
LISTING_TYPES = {"collectionpage", "profilepage", "searchresultspage", "itemlist"}
PROSE = 80  # characters: a paragraph of prose, longer than a headline or a teaser line
MIN_PROSE_PARAGRAPHS = 2
MIN_TEXT = 250  # a three-paragraph news brief; a list of headlines has no paragraph of PROSE at all


def ld_types(tree) -> set[str]:
    """Every @type the page's JSON-LD declares, lower-case (a bounded walk of @graph and friends)."""
    found: set[str] = set()
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            stack = [json.loads(script.text or "")]
        except ValueError:
            continue
        seen = 0
        while stack and seen < 500:
            item = stack.pop()
            seen += 1
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                kind = item.get("@type")
                found |= {k.lower() for k in (kind if isinstance(kind, list) else [kind]) if isinstance(k, str)}
                stack.extend(item.get(key) for key in ("@graph", "mainEntity") if key in item)
    return found


def article_evidence(declared_types: set[str], og_type: str | None, text: str) -> tuple[bool, str]:
    """(is it an article, the signal that said so): a declared article type wins, then a declared
    listing type; otherwise a body of prose (MIN_PROSE_PARAGRAPHS paragraphs of PROSE characters,
    MIN_TEXT in all) makes an article and a list of short lines does not."""
    paragraphs = [p for p in text.split("\n\n") if len(p) >= PROSE]
    prose = len(paragraphs) >= MIN_PROSE_PARAGRAPHS and len(text) >= MIN_TEXT
    article_types = sorted(declared_types & ARTICLE_TYPES)
    if article_types and text:
        return True, f"JSON-LD {article_types[0]}"
    if (og_type or "").lower() == "article" and text:
        return True, "og:type article"
    listing = sorted(declared_types & LISTING_TYPES)
    if listing:
        return False, f"JSON-LD {listing[0]}: a list of articles, not one"
    if prose:
        return True, f"{len(paragraphs)} paragraphs of prose"
    return False, f"{len(paragraphs)} paragraph(s) of prose in {len(text)} characters: a list of headlines, not an article"
