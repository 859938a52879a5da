"""Per-site extraction hints, as given in a site's [sites.KEY.hints] table."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExtractionHints:
    """What generic rules cannot know about one site. All optional.

    date_selector: CSS selector of the visible publication date
    remove: CSS selectors of clutter the generic rules miss
    title_suffix: text the site appends to every <title>
    """

    date_selector: str | None = None
    remove: tuple[str, ...] = ()
    title_suffix: str | None = None
