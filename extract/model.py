"""The shapes a page takes, each declared once.

    FetchedPage  one article URL as the crawl fetched it (status, validators, HTML), and the
                 Article extracted from it: the spider makes it, the pipelines extract and
                 store it, `rasid reextract` rebuilds it from a stored version
    Article      what extraction found on the page: the fields the store keeps, the monitor
                 compares and the alerts show
    ListingPage  one listing page (a home page) as the crawl fetched it, and its Placements: the
                 article links it shows, in order, with the teaser shown for each and its block
                 (extract.frontpage reads them; monitor.frontpage says what changed)

Adding an article field is one line here (and a migration in db/migrations.py for its column):
the store writes every field of Article that is not marked `stored=False`, dates as
`<name>_at` and `<name>_precision`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from extract.arabic import visible
from extract.dates import ParsedDate


def content_hash(title: str, text: str) -> str:
    """Hash of what a reader sees: title and text, whitespace-insensitive, without the characters
    no reader sees (extract.arabic.INVISIBLE: one inside a word neither hides an edit nor makes one)."""
    normalised = " ".join(visible(title).split()) + "\n" + " ".join(visible(text).split())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def _not_stored():
    return field(default=None, metadata={"stored": False})


@dataclass
class Article:
    title: str | None
    text: str
    published: ParsedDate | None = field(default=None, metadata={"date": True})
    modified: ParsedDate | None = field(default=None, metadata={"date": True})
    author: str | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    image: str | None = None
    lang: str | None = None
    # a date the page claims later than the fetch it was read in (a day allowed for zones): not the
    # article's date (published/modified are None then), kept as the page wrote it (extract.instants)
    published_refused: str | None = None
    modified_refused: str | None = None
    # the publication time is Rasid's estimate, not what the page itself says: read relative to the
    # fetch ("منذ 3 ساعات"), the feed's or sitemap's date, or a guess from the page's text. It can
    # differ from one fetch to the next with nothing edited, so a change of it is no edit.
    published_estimated: bool = False
    # what the page says of itself, used while extracting (the URL kept is the crawl's own)
    canonical_url: str | None = _not_stored()
    site_name: str | None = _not_stored()
    # set when Rasid's own rules failed on the page and plain trafilatura's answer was used
    rules_error: str | None = _not_stored()
    # whether the page is an article by its own signals (extract.kind), and which signal said so
    is_article: bool | None = _not_stored()
    evidence: str | None = _not_stored()
    published_from: str | None = _not_stored()  # where the publication date was read

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.text.split("\n\n") if p]

    @property
    def content_hash(self) -> str:
        # read four times a page on the store's path (the decision, the row, the version, the story):
        # hashed once for the title and text it holds, again when either is replaced
        memo = self.__dict__.get("_hashed")
        if memo is None or memo[0] is not self.title or memo[1] is not self.text:
            memo = self.__dict__["_hashed"] = (self.title, self.text, content_hash(self.title or "", self.text))
        return memo[2]

    def as_dict(self) -> dict:
        """Plain JSON-able values (dates as ISO text with their precision), as `rasid extract` prints."""
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        for key in ("published", "modified"):
            value: ParsedDate | None = data[key]
            data[key] = value.iso if value else None
            data[f"{key}_precision"] = value.precision if value else None
        return data


@dataclass(frozen=True)
class Prepared:
    """What the store writes of a fetched page besides its fields, made where the page was extracted
    (db.store.prepare): the HTML compressed as versions keep it, the title and text folded as the
    search index holds them, and the content hash of the Article they were made from; with the text's
    reprint signature when monitor.stories.prepare made it (the shingles counted, its MinHash and
    LSH band keys: monitor.reprints), else the store's writer signs the text itself."""

    html_gz: bytes | None
    title: str
    text: str
    content_hash: str
    shingles: int | None = None  # None: not signed here
    minhash: bytes | None = None  # None: too short a text to have one
    band_keys: tuple[int, ...] = ()


@dataclass
class FetchedPage:
    site: str
    url: str  # public, canonical
    status: int  # HTTP status; 304 means unchanged since the validators we sent
    fetched_at: str
    html: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None  # the HTTP header as answered (its charset says how it was sent)
    feed_published: str | None = None  # a date the feed or sitemap gave for this URL
    body_hash: str | None = None  # of the raw response body: the same body is not extracted again
    article: Article | None = field(default=None, repr=False)  # set by extraction
    # set beside extraction in a worker process, so that the one process writing the store does not
    # compress and fold every page itself; never sent on the cluster stream (the writer makes it)
    prepared: Prepared | None = field(default=None, repr=False, compare=False, metadata={"local": True})


# the kinds of block a listing page is read into (extract.frontpage says how each is recognised)
BLOCK_KINDS = ("lead", "ticker", "ranking", "list")


@dataclass(frozen=True)
class Placement:
    """One article link as a listing page shows it."""

    url: str  # the article's public, canonical URL (as the store keeps it)
    teaser: str  # the headline the page shows for it, as published (whitespace collapsed)
    position: int  # 1-based, over the whole page, block after block in page order
    block: str  # the block's name: its heading or tab label, else its kind or its element's id/class
    kind: str  # one of BLOCK_KINDS
    block_position: int  # 1-based, within its block


@dataclass
class ListingPage:
    site: str
    path: str  # the listing as the site entry names it ("/", "/news")
    url: str  # public
    status: int  # 200: read; 304: unchanged since the validators sent (nothing left, nothing moved)
    fetched_at: str
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None  # of the raw body: the same bytes are not read again
    placements: tuple[Placement, ...] | None = None  # None: not read (a 304, or the same bytes as before)
