"""`rasid reextract`: the stored raw HTML rebuilds text and metadata without refetching."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from crawler.cli import main
from db.store import Store
from extract.article import extract_page
from extract.model import FetchedPage
from monitor.config import load_sites
from monitor.recorder import Recorder

SNAPSHOTS = Path(__file__).resolve().parents[1] / "seeds" / "snapshots"
SITES = load_sites()
PAGES = {"ina": "111563--.html", "okaz": "archives/52871", "elaph": "Web/News/2022/04/1470123.html"}


def stored(db: Path) -> Store:
    """A store holding three articles, as a crawl would have written them."""
    store = Store(db)
    for key, path in PAGES.items():
        site = SITES[key]
        store.ensure_site(key, site.name, site.base_url, site.timezone)
        html = (SNAPSHOTS / key / path).read_text(encoding="utf-8")
        url = f"{site.base_url}/{path}"
        page = FetchedPage(site=key, url=url, status=200, fetched_at="2026-11-20T10:00:00+00:00", html=html)
        page.article = extract_page(page, hints=site.hints, tz=site.timezone)
        Recorder(store).record(page)
    return store


def test_reextract_rebuilds_what_an_older_extractor_got_wrong(tmp_path):
    db = tmp_path / "rasid.db"
    store = stored(db)
    good = {r["url"]: dict(r) for r in store.db["articles"].rows}
    # what an older, worse extractor might have stored: clutter in the text, no title, no date
    store.db.execute("UPDATE articles SET text = text || '\n\nاقرأ أيضاً: خبر آخر', title = NULL, "
                     "published_at = NULL, content_hash = 'old' WHERE site != 'okaz'")
    versions_before = store.db["versions"].count
    store.close()

    result = CliRunner().invoke(main, ["reextract", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "re-extracted 3 pages" in result.output and "2 changed, 1 unchanged" in result.output

    store = Store(db)
    for row in store.db["articles"].rows:
        for column in ("title", "text", "published_at", "content_hash", "author", "section", "tags"):
            assert row[column] == good[row["url"]][column], (row["url"], column)
    assert store.db["versions"].count == versions_before  # not an edit: no new version
    assert store.db["alerts"].count == 0  # and no alert
    for row in store.db.query("SELECT a.text, a.content_hash, v.text AS v_text, v.content_hash AS v_hash "
                              "FROM articles a JOIN versions v ON v.article_id = a.id"):
        assert (row["v_text"], row["v_hash"]) == (row["text"], row["content_hash"])  # the version follows


def test_reextract_of_other_metadata_raises_no_edit_then_or_at_the_next_fetch(tmp_path):
    db = tmp_path / "rasid.db"
    store = stored(db)
    good = {r["url"]: dict(r) for r in store.db["articles"].rows}
    # an older extractor's metadata: a byline and a section that are not the page's, and on the page
    # that declares its date for machines (okaz), another date (the others' stored date stands in for
    # the feed's, which re-extraction has not: see crawler.reextract)
    store.db.execute("UPDATE articles SET author = 'كاتب آخر', section = 'رياضة'")
    store.db.execute("UPDATE versions SET author = 'كاتب آخر', section = 'رياضة'")
    store.db.execute("UPDATE articles SET published_at = '2020-01-01T00:00:00+03:00' WHERE site = 'okaz'")
    store.close()
    assert CliRunner().invoke(main, ["reextract", "--db", str(db)]).exit_code == 0
    store = Store(db)
    for row in store.db.query("SELECT a.url, a.published_at, a.author, a.section, v.published_at AS v_published, "
                              "v.author AS v_author, v.section AS v_section, v.moved FROM articles a "
                              "JOIN versions v ON v.article_id = a.id"):
        expected = good[row["url"]]
        assert (row["published_at"], row["author"], row["section"]) == (
            expected["published_at"], expected["author"], expected["section"])
        assert (row["v_published"], row["v_author"], row["v_section"], row["moved"]) == (
            expected["published_at"], expected["author"], expected["section"], None)  # the version follows
    assert (store.db["versions"].count, store.db["alerts"].count) == (3, 0)
    # the next fetch of each page (new bytes, the same article) finds nothing moved
    for key, path in PAGES.items():
        site = SITES[key]
        html = (SNAPSHOTS / key / path).read_text(encoding="utf-8").replace("</body>", "<!-- 2 --></body>")
        page = FetchedPage(site=key, url=f"{site.base_url}/{path}", status=200,
                           fetched_at="2026-11-21T10:00:00+00:00", html=html)
        page.article = extract_page(page, hints=site.hints, tz=site.timezone)
        assert Recorder(store).record(page) == "unchanged", key
    assert (store.db["versions"].count, store.db["alerts"].count) == (3, 0)
    store.close()


def test_reextract_one_site_and_bad_input(tmp_path):
    db = tmp_path / "rasid.db"
    stored(db).close()
    result = CliRunner().invoke(main, ["reextract", "--db", str(db), "--site", "okaz"])
    assert result.exit_code == 0 and "re-extracted 1 pages" in result.output
    result = CliRunner().invoke(main, ["reextract", "--db", str(db), "--site", "nope"])
    assert result.exit_code == 2 and "nope" in result.output
    result = CliRunner().invoke(main, ["reextract", "--db", str(tmp_path / "missing.db")])
    assert result.exit_code == 2 and "missing.db: no such store" in result.output


def test_tags_survive_reextraction_as_json(tmp_path):
    db = tmp_path / "rasid.db"
    stored(db).close()
    CliRunner().invoke(main, ["reextract", "--db", str(db)])
    store = Store(db)
    okaz = next(store.db["articles"].rows_where("site = 'okaz'"))
    assert json.loads(okaz["tags"]) == ["الكاظمي"]


def test_reextract_never_overwrites_a_version_a_crawl_wrote_meanwhile(tmp_path, monkeypatch):
    # the race of a crawl and `rasid reextract`: the version read first, a newer one stored, then the
    # re-extraction of the older one must not put its text back over the newer one
    import crawler.reextract as module
    from crawler.reextract import reextract

    store = stored(tmp_path / "rasid.db")
    url = f"{SITES['ina'].base_url}/{PAGES['ina']}"
    real_extract = module.extract_page

    def crawl_meanwhile(page, **kwargs):
        if page.url == url:  # a crawl stores the edited article while this page is being re-extracted
            edited = FetchedPage(site="ina", url=url, status=200, fetched_at="2026-11-21T10:00:00+00:00",
                                 html=page.html.replace("ترهيب", "تهديد"))
            edited.article = real_extract(edited, **kwargs)
            Recorder(store).record(edited)
        return real_extract(page, **kwargs)

    monkeypatch.setattr(module, "extract_page", crawl_meanwhile)
    counts = reextract(store, SITES)
    assert counts["newer"] == 1
    article = store.article(url)
    assert "تهديد" in article["title"] and article["versions"] == 2
    newest = store.db.execute("SELECT title, content_hash FROM versions WHERE article_id = ? ORDER BY id DESC "
                              "LIMIT 1", [article["id"]]).fetchone()
    assert newest == (article["title"], article["content_hash"])
    store.close()
