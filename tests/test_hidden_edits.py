"""An edit cannot be hidden (issue 26, section 2): characters nobody sees never cost the text nor hide
an edit, a removed article that comes back is restored, and a moved publication time, byline or
section is an edit, in the store, the timeline and the feed; while fields that change on every fetch
(a "modified" stamp, rotating images, a date read relative to the fetch) raise nothing.

The rules alone are tested in test_monitor.py and the store's part in test_store.py; here the same
cases go through extraction of real pages and, in the slow tests, a crawl over the replay server."""

from __future__ import annotations

import asyncio
import re
import shutil
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db.store import article_columns
from extract.arabic import visible
from extract.article import extract_article
from extract.encoding import decode_html
from extract.model import FetchedPage
from monitor.changes import decide
from monitor.config import DEMO_UPDATE, SNAPSHOTS
from monitor.diff import metadata_moves, metadata_of
from tests.conftest import ROOT, SNAPSHOT_ARTICLES, base_url_args, rows, run_rasid

INA = "https://www.ina.iq/111563--.html"
ORIGINAL = (SNAPSHOTS / "ina" / "111563--.html").read_text(encoding="utf-8")
EDITED = (DEMO_UPDATE / "ina" / "111563--.html").read_text(encoding="utf-8")  # two insertions, as the demo's
REFERENCE = "2020-08-23T08:00:00+00:00"

# the families of characters no reader sees, each as a site could slip them in
FAMILIES = {
    "noncharacter": ["\ufffe", "\uffff", "\ufdd0", "\ufdef", "\U0001fffe", "\U0010ffff"],
    "C0 control": ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f"],
    "C1 control": ["\x80", "\x85", "\x9b", "\x9f"],
    "bidi": ["\u200e", "\u200f", "\u061c", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067",
             "\u2068", "\u2069"],
    "zero-width": ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"],
}


def extract(html: str, reference: str = REFERENCE):
    return extract_article(html, INA, reference=reference, tz="Asia/Baghdad")


def stored_row(article) -> dict:
    """The articles row the store would hold for `article` (what decide reads)."""
    return {"id": 1, "status": "live", "versions": 1, **article_columns(article)}


def _page(article) -> FetchedPage:
    """A later fetch of the INA article that extracted to `article`."""
    return FetchedPage(site="ina", url=INA, status=200, fetched_at="2020-08-23T09:00:00+00:00", article=article)


def paragraph_spans(html: str, article) -> list[tuple[int, int]]:
    """Where the article's paragraphs stand in the page's HTML: the places an insertion lands in its body."""
    spans = []
    for paragraph in article.paragraphs:
        at = html.find(paragraph)
        if at >= 0:
            spans.append((at, at + len(paragraph)))
    assert len(spans) >= 3, "the page's paragraphs must be found in its HTML"
    return spans


BEFORE = extract(ORIGINAL)
AFTER = extract(EDITED)
SPANS = paragraph_spans(EDITED, AFTER)
ORIGINAL_SPANS = paragraph_spans(ORIGINAL, BEFORE)


def insert(html: str, spans, picks: list[tuple[str, int, float]]) -> str:
    """`html` with each (character, paragraph, place) of `picks` inserted inside that paragraph's text."""
    cuts = sorted(((start + int(place * (end - start)), char) for char, n, place in picks
                   for start, end in [spans[n % len(spans)]]), reverse=True)
    for at, char in cuts:
        html = html[:at] + char + html[at:]
    return html


def test_one_noncharacter_in_the_text_of_an_edit_costs_nothing():
    for char in FAMILIES["noncharacter"]:
        at = EDITED.index("موسعا")
        article = extract(EDITED[:at] + char + EDITED[at:])
        assert article is not None and article.text, repr(char)
        assert visible(article.text).split() == visible(AFTER.text).split(), repr(char)
        change = decide(stored_row(BEFORE), _page(article), baseline=True)
        assert change.outcome == "changed" and "{+موسعا+}" in change.diff and "{+وشيوخ العشائر+}" in change.diff


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(family=st.sampled_from(sorted(FAMILIES)), data=st.data())
def test_invisible_characters_anywhere_in_a_real_arabic_body_never_hide_an_edit(family, data):
    chosen = data.draw(st.lists(st.tuples(st.sampled_from(FAMILIES[family]), st.integers(0, 50),
                                          st.floats(0, 1)), min_size=1, max_size=4))
    edited = extract(insert(EDITED, SPANS, chosen))
    # nothing of the text is lost: the words a reader sees are the page's
    assert visible(edited.text).split() == visible(AFTER.text).split()
    change = decide(stored_row(BEFORE), _page(edited), baseline=True)
    assert (change.outcome, change.alert) == ("changed", "changed")
    assert "{+موسعا+}" in change.diff and "{+وشيوخ العشائر+}" in change.diff, change.diff
    assert not any(char in change.diff for char, _, _ in chosen)
    # and the page unedited, with the same characters in it, is no edit
    same = extract(insert(ORIGINAL, ORIGINAL_SPANS, chosen))
    assert decide(stored_row(BEFORE), _page(same), baseline=True).outcome == "unchanged"


def test_a_new_article_with_a_noncharacter_in_it_is_stored_whole():
    at = ORIGINAL.index("محافظة البصرة")
    article = extract(ORIGINAL[:at] + "\ufffe" + ORIGINAL[at:])
    assert article.content_hash == BEFORE.content_hash
    assert decide(None, _page(article), baseline=True).outcome == "new"


# --- fields that change on every fetch ---------------------------------------------------------------

_MODIFIED = re.compile(r'''((?:"dateModified"\s*:\s*"|(?:property|name|itemprop)=["'](?:article:modified_time|'''
                       r'''og:updated_time|dateModified|last-modified)["'][^>]*?content=["']))[^"']*''', re.I)
_IMAGE = re.compile(r'''((?:<img\b[^>]*?\bsrc|property=["']og:image["'][^>]*?content|"image"\s*:\s*)\s*=?\s*["'])'''
                    r'''([^"'?]*)''', re.I)


def rotated(html: str, n: int) -> str:
    """The page as a later fetch serves it with nothing edited: its "modified" stamp moved on (one added
    where it has none) and its images rotated."""
    stamp = f"2026-12-0{n}T0{n}:1{n}:00+00:00"
    html, stamps = _MODIFIED.subn(lambda m: m.group(1) + stamp, html)
    html = _IMAGE.sub(lambda m: f"{m.group(1)}/rotating/{n}/{m.group(2).rsplit('/', 1)[-1]}", html)
    if not stamps:
        html = re.sub(r"(?i)</head>", f'<meta property="article:modified_time" content="{stamp}"></head>', html, count=1)
    return html


def snapshot_pages() -> list[Path]:
    """The article pages of the offline snapshots (everything but feeds, sitemaps, listings, robots.txt)."""
    return sorted(p for p in SNAPSHOTS.rglob("*") if p.is_file() and p.suffix not in (".xml", ".txt")
                  and not p.name.startswith("_") and p.relative_to(SNAPSHOTS).parts[1:] != ("index.html",))


def test_a_rotated_page_differs_only_in_what_churns():
    page = (SNAPSHOTS / "alaraby" / "politics" /
            "احتجاجات-في-الناصرية-للمطالبة-بالكشف-عن-قتلة-المتظاهرين").read_text(encoding="utf-8")
    once, twice = rotated(page, 1), rotated(page, 2)
    assert once != page and once != twice
    a, b = extract_article(once, None), extract_article(twice, None)
    assert a.modified != b.modified and a.image != b.image  # the churning fields did change
    assert (a.title, a.text) == (b.title, b.text)


def _metadata_twice(html: str, url: str | None, reference: str, tz: str | None) -> tuple[dict, list[str]]:
    """An article's metadata extracted from `html`, and what moved against the same page fetched again
    an hour later with its churning parts rotated (and, before that, against itself extracted twice)."""
    first = extract_article(html, url, reference=reference, tz=tz)
    again = extract_article(html, url, reference=reference, tz=tz)
    if first is None:
        return {}, []
    later = (datetime.fromisoformat(reference) + timedelta(hours=1)).isoformat()
    rotated_page = extract_article(rotated(html, 3), url, reference=later, tz=tz)
    before = metadata_of(first)
    moves = metadata_moves(before, metadata_of(again)) + metadata_moves(before, metadata_of(rotated_page))
    return before, moves


def test_the_snapshots_extracted_twice_and_rotated_show_no_metadata_edit():
    compared = {"published": 0, "author": 0, "section": 0}
    for path in snapshot_pages():
        html = path.read_bytes().decode("utf-8")
        metadata, moves = _metadata_twice(html, None, "2023-06-01T09:00:00+00:00", "Asia/Baghdad")
        assert moves == [], (path, moves)
        compared["published"] += metadata.get("published_estimated") is False and bool(metadata.get("published_at"))
        compared["author"] += bool(metadata.get("author"))
        compared["section"] += bool(metadata.get("section"))
    assert compared["published"] >= 20 and compared["section"] >= 10 and compared["author"] >= 1, compared


@pytest.mark.slow
def test_real_pages_extracted_twice_and_fetched_again_rotated_show_no_metadata_edit():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_real import CORPUS, load_corpus
    from bench_real import REFERENCE as BENCH_REFERENCE

    assert CORPUS.is_dir(), f"{CORPUS}: the real-page corpus must sit beside the repository (../shared)"
    pages = load_corpus(sample=200)
    compared = {"published": 0, "author": 0, "section": 0}
    false_edits = []
    for page in pages:
        html, _ = decode_html(page["body_bytes"])
        metadata, moves = _metadata_twice(html, page["url"], str(BENCH_REFERENCE), None)
        if moves:
            false_edits.append((page["id"], moves))
        compared["published"] += metadata.get("published_estimated") is False and bool(metadata.get("published_at"))
        compared["author"] += bool(metadata.get("author"))
        compared["section"] += bool(metadata.get("section"))
    assert false_edits == []
    # not a vacuous pass: most pages give a date of their own, many an author and a section
    assert compared["published"] >= 80 and compared["author"] >= 40 and compared["section"] >= 20, compared


# --- end to end, over the replay server ----------------------------------------------------------------

ALARABY = Path("alaraby") / "politics" / "احتجاجات-في-الناصرية-للمطالبة-بالكشف-عن-قتلة-المتظاهرين"
ALARABY_URL = ("https://www.alaraby.co.uk/politics/%D8%A7%D8%AD%D8%AA%D8%AC%D8%A7%D8%AC%D8%A7%D8%AA-%D9%81%D9%8A-"
               "%D8%A7%D9%84%D9%86%D8%A7%D8%B5%D8%B1%D9%8A%D8%A9-%D9%84%D9%84%D9%85%D8%B7%D8%A7%D9%84%D8%A8%D8%A9-"
               "%D8%A8%D8%A7%D9%84%D9%83%D8%B4%D9%81-%D8%B9%D9%86-%D9%82%D8%AA%D9%84%D8%A9-%D8%A7%D9%84%D9%85%D8%AA"
               "%D8%B8%D8%A7%D9%87%D8%B1%D9%8A%D9%86")
MOVED = ("published 2020-08-24 18:20+01:00 → 2020-08-23 21:45+01:00\n"
         "author: محمد علي - بغداد → none\n"
         "section: سياسة → مجتمع")


def redate_unsign_and_move(path: Path) -> None:
    """The site's quiet edit: the story dated back, its byline gone, filed under another section;
    title and text untouched."""
    html = path.read_text(encoding="utf-8")
    for old, new in (('"datePublished":"2020-08-24T18:20:00+01:00"', '"datePublished":"2020-08-23T21:45:00+01:00"'),
                     ('<div class="article-date">24 اغسطس 2020</div>', '<div class="article-date">23 اغسطس 2020</div>'),
                     (',"author":{"@type":"Person","name":"محمد علي - بغداد"}', ""),
                     ('<div class="author">محمد علي - بغداد</div>', ""),
                     ('"articleSection":"سياسة"', '"articleSection":"مجتمع"'),
                     ('<a class="category" href="/politics">سياسة</a>', '<a class="category" href="/society">مجتمع</a>')):
        assert old in html, old
        html = html.replace(old, new)
    path.write_text(html, encoding="utf-8")


def web_page(db: Path, path: str) -> str:
    """A page of `rasid serve` on the store, through Datasette in this process."""
    from web.serve import datasette

    async def get():
        app = datasette(db)
        await app.invoke_startup()
        response = await app.client.get(path, follow_redirects=True)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
        return response.text

    return asyncio.run(get())


@pytest.mark.slow
def test_a_page_edited_only_in_its_date_byline_and_section_is_an_edit_in_the_store_timeline_and_feed(
        tmp_path, replay, snapshot_root):
    db = tmp_path / "rasid.db"
    run_rasid("crawl", "alaraby", "--db", str(db), *base_url_args(replay))
    before = rows(db, "SELECT * FROM articles WHERE url = ?", [ALARABY_URL])[0]
    assert (before["published_at"], before["author"], before["section"]) == (
        "2020-08-24T18:20:00+01:00", "محمد علي - بغداد", "سياسة")
    redate_unsign_and_move(snapshot_root / ALARABY)
    replay.reload()
    run_rasid("crawl", "alaraby", "--db", str(db), *base_url_args(replay))

    alerts = rows(db, "SELECT kind, url, diff FROM alerts")
    assert alerts == [{"kind": "changed", "url": ALARABY_URL, "diff": MOVED}]
    assert rows(db, "SELECT moved FROM alerts") == [{"moved": MOVED}]
    after = rows(db, "SELECT * FROM articles WHERE url = ?", [ALARABY_URL])[0]
    assert (after["published_at"], after["author"], after["section"], after["versions"]) == (
        "2020-08-23T21:45:00+01:00", None, "مجتمع", 2)
    assert (after["title"], after["text"]) == (before["title"], before["text"])
    versions = rows(db, "SELECT published_at, author, section, moved FROM versions WHERE article_id = ? ORDER BY id",
                    [after["id"]])
    assert versions == [  # the earlier values are kept, not overwritten
        {"published_at": "2020-08-24T18:20:00+01:00", "author": "محمد علي - بغداد", "section": "سياسة", "moved": None},
        {"published_at": "2020-08-23T21:45:00+01:00", "author": None, "section": "مجتمع", "moved": MOVED}]
    crawl = rows(db, "SELECT changed, unchanged FROM crawls ORDER BY id DESC LIMIT 1")[0]
    assert crawl["changed"] == 1

    # the article page's timeline says what moved, and so does the Atom feed
    page = web_page(db, f"/-/article/{after['id']}")
    timeline = page.split('id="versions"', 1)[1].split("</ol>", 1)[0]
    for line in MOVED.split("\n"):
        assert line in timeline, line
    feed = web_page(db, "/-/alerts.atom?kind=changed")
    assert "author: محمد علي - بغداد → none" in feed and "published 2020-08-24 18:20+01:00" in feed

    # and crawled again, nothing more
    run_rasid("crawl", "alaraby", "--db", str(db), *base_url_args(replay))
    assert len(rows(db, "SELECT * FROM alerts")) == 1


@pytest.mark.slow
def test_a_removed_article_that_comes_back_is_restored(tmp_path, replay, snapshot_root):
    db = tmp_path / "rasid.db"
    page = snapshot_root / "okaz" / "archives" / "52866"
    url = "https://soukukkaz.com/archives/52866"
    run_rasid("crawl", "okaz", "--db", str(db), *base_url_args(replay))
    kept = tmp_path / "52866"
    shutil.move(page, kept)
    replay.reload()
    run_rasid("crawl", "okaz", "--db", str(db), *base_url_args(replay))
    assert rows(db, "SELECT status FROM articles WHERE url = ?", [url]) == [{"status": "removed"}]
    shutil.move(kept, page)  # back, byte for byte (its ETag the one from before the removal)
    replay.reload()
    run_rasid("crawl", "okaz", "--db", str(db), *base_url_args(replay))
    assert rows(db, "SELECT kind FROM alerts WHERE url = ? ORDER BY id", [url]) == [{"kind": "removed"},
                                                                                     {"kind": "restored"}]
    assert rows(db, "SELECT status, removed_at, versions FROM articles WHERE url = ?", [url]) == [
        {"status": "live", "removed_at": None, "versions": 1}]
    assert rows(db, "SELECT restored FROM crawls ORDER BY id DESC LIMIT 1") == [{"restored": 1}]
    run_rasid("crawl", "okaz", "--db", str(db), *base_url_args(replay))
    assert len(rows(db, "SELECT * FROM alerts")) == 2


@pytest.mark.slow
def test_snapshots_crawled_twice_with_their_churning_parts_rotated_raise_no_edit(tmp_path, replay, snapshot_root):
    db = tmp_path / "rasid.db"
    run_rasid("crawl", "--db", str(db), *base_url_args(replay))
    before = rows(db, "SELECT max(id) AS id FROM crawls")[0]["id"]
    for path in snapshot_pages():
        served = snapshot_root / path.relative_to(SNAPSHOTS)
        served.write_text(rotated(served.read_text(encoding="utf-8"), 4), encoding="utf-8")
    replay.reload()
    run_rasid("crawl", "--db", str(db), *base_url_args(replay))
    assert rows(db, "SELECT kind, url, diff FROM alerts") == []
    assert rows(db, "SELECT count(*) AS n FROM versions")[0]["n"] == SNAPSHOT_ARTICLES
    # every article was read again (new bytes: no 304), and found unchanged
    again = rows(db, "SELECT sum(unchanged) AS unchanged, sum(not_modified) AS nm FROM crawls WHERE id > ?", [before])[0]
    assert (again["unchanged"], again["nm"]) == (SNAPSHOT_ARTICLES, 0)


@pytest.mark.slow
def test_an_edit_with_a_noncharacter_in_its_text_is_recorded_by_a_crawl(tmp_path, replay, snapshot_root):
    db = tmp_path / "rasid.db"
    run_rasid("crawl", "ina", "--db", str(db), *base_url_args(replay))
    at = EDITED.index("موسعا")
    (snapshot_root / "ina" / "111563--.html").write_text(EDITED[:at] + "\ufffe" + EDITED[at:], encoding="utf-8")
    replay.reload()
    run_rasid("crawl", "ina", "--db", str(db), *base_url_args(replay))
    assert rows(db, "SELECT status, errors, changed FROM crawls ORDER BY id DESC LIMIT 1") == [
        {"status": "ok", "errors": 0, "changed": 1}]
    [alert] = rows(db, "SELECT kind, url, diff FROM alerts")
    assert (alert["kind"], alert["url"]) == ("changed", INA)
    assert "{+موسعا+}" in alert["diff"] and "{+وشيوخ العشائر+}" in alert["diff"] and "\ufffe" not in alert["diff"]
    text = rows(db, "SELECT text FROM articles WHERE url = ?", [INA])[0]["text"]
    assert visible(text).split() == visible(AFTER.text).split()
