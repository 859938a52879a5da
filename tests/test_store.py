"""The store persists what the monitor decides: versions only for real changes, one alert per
change, all-or-nothing writes, raw HTML kept, migrations. (The rules alone: test_monitor.py.)"""

import sqlite3

import pytest

from crawler.crawl.processes import alive
from db.store import Store, StoreError
from tests.factories import fetched, record

URL = "https://www.ina.iq/1--.html"


def page(text="نص الخبر الأول.", title="عنوان", status=200, at="2026-01-01T10:00:00+00:00", **kw):
    return fetched(URL, text, title, status=status, at=at, **kw)


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "s.db")
    s.ensure_site("ina", "INA", "https://www.ina.iq", "Asia/Baghdad")
    crawl = s.start_crawl("ina", alive)
    s.finish_crawl(crawl, {}, [], "ok")  # a finished baseline: alerts are on
    yield s
    s.close()


def count(store, table):
    return store.db[table].count


def test_new_unchanged_changed_removed_restored(store):
    assert record(store, page()) == "new"
    assert record(store, page(text="  نص   الخبر الأول. ")) == "unchanged"  # whitespace is no change
    assert count(store, "versions") == 1
    assert record(store, page(status=304, text=None)) == "not_modified"
    assert record(store, page(text="نص الخبر الأول بعد التعديل.")) == "changed"
    assert count(store, "versions") == 2
    assert record(store, page(status=404, text=None)) == "removed"
    assert record(store, page(status=410, text=None)) == "unchanged"  # removed once, alerted once
    assert record(store, page(text="نص الخبر الأول بعد التعديل.")) == "restored"
    kinds = [a["kind"] for a in store.alerts()]
    assert kinds == ["new", "changed", "removed", "restored"]
    changed = store.alerts()[1]
    assert "[-الأول.-]" in changed["diff"] and "{+الأول بعد التعديل.+}" in changed["diff"]


def test_title_edit_is_a_change_with_its_own_diff(store):
    record(store, page())
    assert record(store, page(title="عنوان معدل")) == "changed"
    assert store.alerts()[-1]["diff"].startswith("العنوان: عنوان {+معدل+}")


def test_baseline_crawl_raises_no_new_alert(tmp_path):
    s = Store(tmp_path / "b.db")
    s.ensure_site("ina", "INA", "https://www.ina.iq", "Asia/Baghdad")
    assert record(s, page()) == "new"
    assert s.alerts() == []


def test_a_failed_write_leaves_nothing_half_written(store, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk gone")

    monkeypatch.setattr(store, "_version", boom)  # dies after the article row, before its version
    with pytest.raises(RuntimeError):
        record(store, page())
    assert count(store, "articles") == 0 and count(store, "versions") == 0 and count(store, "alerts") == 0


def test_raw_html_is_kept_compressed(store):
    import zlib

    record(store, page())
    blob = next(store.db["versions"].rows)["html_gz"]
    assert zlib.decompress(blob).decode("utf-8") == "<p>نص الخبر الأول.</p>"


def test_arabic_is_stored_as_published(store):
    text = "مَسْؤُولِيَّة الأمن — ١٤ فبراير"
    record(store, page(text=text))
    conn = sqlite3.connect(store.path)
    assert conn.execute("SELECT text FROM articles").fetchone()[0] == text


def test_bad_store_paths_are_clear_errors(tmp_path):
    with pytest.raises(StoreError, match="does not exist"):
        Store(tmp_path / "missing" / "x.db")
    with pytest.raises(StoreError, match="is a directory"):
        Store(tmp_path)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot open store"):
        Store(junk)


def test_the_revisit_window_is_read_from_first_sight(store):
    record(store, page(at="2026-01-01T10:00:00+00:00"))
    assert [r["url"] for r in store.watched_articles("ina", "2026-01-01T09:00:00+00:00")] == [URL]
    assert store.watched_articles("ina", "2026-01-01T11:00:00+00:00") == []
    assert store.watched_articles("ina", None) == []


def test_migrations_are_recorded_and_read_once(tmp_path):
    from db import migrations

    path = tmp_path / "m.db"
    Store(path).close()
    s = Store(path)  # opened again: nothing left to apply
    assert [m.name for m in migrations.migrations.applied(s.db)] == migrations.NAMES
    assert migrations.migrations.pending(s.db) == []
    assert "modified_precision" in s.db["articles"].columns_dict
    s.close()


def test_a_store_from_before_migrations_were_recorded_is_brought_up_to_date(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)  # the shape Rasid 0.1 wrote: user_version 3, no migrations table
    conn.executescript("""
        CREATE TABLE sites (key TEXT PRIMARY KEY, name TEXT, base_url TEXT, timezone TEXT,
                            first_crawl_at TEXT, last_crawl_at TEXT);
        INSERT INTO sites (key, name) VALUES ('ina', 'INA');
        PRAGMA user_version = 3;""")
    conn.close()
    s = Store(path)
    assert s.db["sites"].get("ina")["name"] == "INA"  # kept
    assert {"articles", "versions", "alerts", "deliveries", "articles_search"} <= set(s.db.table_names())
    s.close()


def test_a_store_written_by_a_newer_rasid_is_refused_in_one_line(tmp_path):
    path = tmp_path / "new.db"
    s = Store(path)
    s.db["_sqlite_migrations"].insert({"migration_set": "rasid", "name": "m999_future", "applied_at": "2027"})
    s.close()
    with pytest.raises(StoreError, match=r"new\.db: written by a newer Rasid \(schema step m999_future\)"):
        Store(path)


def test_not_modified_sights_are_written_in_batches_and_before_any_other_page(store):
    from monitor.recorder import Recorder

    record(store, page(at="2026-01-01T10:00:00+00:00"))
    recorder = Recorder(store)
    later = "2026-01-02T10:00:00+00:00"
    assert recorder.record(page(status=304, text=None, at=later, etag='"v2"')) == "not_modified"
    assert store.article(URL)["last_seen"] == "2026-01-01T10:00:00+00:00"  # waiting for its batch
    assert recorder.record(fetched("https://www.ina.iq/2--.html", at=later)) == "new"  # written first
    assert (store.article(URL)["last_seen"], store.article(URL)["etag"]) == (later, '"v2"')
    recorder.record(page(status=304, text=None, at="2026-01-03T10:00:00+00:00"))
    recorder.flush()
    assert store.article(URL)["last_seen"] == "2026-01-03T10:00:00+00:00"
    assert recorder.record(fetched("https://www.ina.iq/never-stored", status=304)) == "missing"


def test_a_removed_article_answering_304_is_restored_not_left_removed(store):
    from monitor.recorder import Recorder

    record(store, page(etag='"before"'))
    assert record(store, page(status=404, text=None, at="2026-01-02T10:00:00+00:00")) == "removed"
    recorder = Recorder(store)  # a 304 of a live article waits for its batch; this one must not
    back = page(status=304, text=None, at="2026-01-03T10:00:00+00:00", etag='"before"')
    assert recorder.record(back) == "restored"
    article = store.article(URL)
    assert (article["status"], article["removed_at"], article["last_seen"]) == ("live", None, back.fetched_at)
    assert [a["kind"] for a in store.alerts()] == ["new", "removed", "restored"]
    assert count(store, "versions") == 1  # the content is the stored one: no new version
    assert recorder.record(page(status=304, text=None, at="2026-01-04T10:00:00+00:00")) == "not_modified"
    assert len(store.alerts()) == 3


def test_a_metadata_edit_is_a_version_and_an_alert_and_the_earlier_values_are_kept(store):
    first = dict(published="2022-04-05T10:00:00+03:00", author="محمد علي", section="سياسة")
    record(store, page(**first))
    assert record(store, page(at="2026-01-01T11:00:00+00:00", **first)) == "unchanged"
    assert record(store, page(at="2026-01-01T12:00:00+00:00", published="2022-04-04T22:00:00+03:00",
                              section="سياسة")) == "changed"
    alert = store.alerts()[-1]
    assert alert["kind"] == "changed"
    assert alert["diff"] == "published 2022-04-05 10:00+03:00 → 2022-04-04 22:00+03:00\nauthor: محمد علي → none"
    assert alert["moved"] == alert["diff"]
    versions = list(store.db.query("SELECT published_at, author, section, moved FROM versions ORDER BY id"))
    assert versions == [
        {"published_at": "2022-04-05T10:00:00+03:00", "author": "محمد علي", "section": "سياسة", "moved": None},
        {"published_at": "2022-04-04T22:00:00+03:00", "author": None, "section": "سياسة", "moved": alert["diff"]}]
    article = store.article(URL)
    assert (article["published_at"], article["author"], article["versions"]) == ("2022-04-04T22:00:00+03:00", None, 2)
    # the same page again: nothing moved
    assert record(store, page(at="2026-01-01T13:00:00+00:00", published="2022-04-04T22:00:00+03:00",
                              section="سياسة")) == "unchanged"


def test_a_date_the_page_gave_is_never_overwritten_by_a_guess_or_by_nothing(store):
    record(store, page(published="2022-04-05T10:00:00+03:00"))
    assert record(store, page(at="2026-01-02T10:00:00+00:00")) == "unchanged"  # no date found this time
    assert record(store, page(at="2026-01-03T10:00:00+00:00", published="2022-04-01", estimated=True)) == "unchanged"
    article = store.article(URL)
    assert (article["published_at"], article["published_precision"], article["published_estimated"]) == (
        "2022-04-05T10:00:00+03:00", "second", 0)
    assert article["last_seen"] == "2026-01-03T10:00:00+00:00"


def test_a_store_from_before_invisible_characters_were_ignored_is_rehashed(tmp_path):
    import hashlib

    from extract.model import content_hash


    path = tmp_path / "old.db"
    s = Store(path)
    s.ensure_site("ina", "INA", "https://www.ina.iq", "Asia/Baghdad")
    title, text = "عنوان\u200f الخبر", "نص\u200b الخبر\ufeff الأول."
    record(s, page(text=text, title=title))
    old_hash = hashlib.sha256((" ".join(title.split()) + "\n" + " ".join(text.split())).encode()).hexdigest()
    for table in ("articles", "versions", "signatures"):  # as the hash was made before m012
        s.db.execute(f"UPDATE {table} SET content_hash = ?", [old_hash])
    s.db.execute("DELETE FROM _sqlite_migrations WHERE name = ?", ["m012_metadata_edits"])
    s.close()
    s = Store(path)
    new_hash = content_hash("عنوان الخبر", "نص الخبر الأول.")
    assert {r[0] for r in s.db.execute("SELECT content_hash FROM articles UNION SELECT content_hash FROM versions "
                                        "UNION SELECT content_hash FROM signatures")} == {new_hash}
    assert s.article(URL)["text"] == text  # stored as published
    assert record(s, page(text="نص الخبر الأول.", title="عنوان الخبر", at="2026-01-02T10:00:00+00:00")) == "unchanged"
    s.close()


def kept_counts(store) -> tuple[list, list]:
    """What the store keeps per day and per status, beside what counting the articles says."""
    per_day = sorted(store.db.execute("SELECT site, day, n FROM articles_per_day WHERE n > 0"))
    counted = sorted(store.db.execute("SELECT coalesce(site, ''), coalesce(substr(first_seen, 1, 10), ''), count(*) "
                                      "FROM articles GROUP BY 1, 2"))
    per_status = sorted(store.db.execute("SELECT status, n FROM articles_per_status WHERE n > 0"))
    by_status = sorted(store.db.execute("SELECT coalesce(status, ''), count(*) FROM articles GROUP BY 1"))
    return (per_day, per_status), (counted, by_status)


def test_the_counts_the_home_page_reads_follow_every_write_of_an_article(store):
    record(store, page())
    record(store, fetched("https://www.ina.iq/2--.html", "نص آخر.", at="2026-01-02T23:59:00+00:00"))
    record(store, fetched("https://www.ina.iq/3--.html", "نص ثالث.", at="2026-01-02T08:00:00+00:00"))
    record(store, page(status=404, text=None, at="2026-01-03T10:00:00+00:00"))  # removed
    assert store.saw_earlier(store.article("https://www.ina.iq/2--.html")["id"], "2025-12-31T10:00:00+00:00")
    kept, counted = kept_counts(store)
    assert kept == counted
    assert kept[0] == [("ina", "2025-12-31", 1), ("ina", "2026-01-01", 1), ("ina", "2026-01-02", 1)]
    assert kept[1] == [("live", 2), ("removed", 1)]
    # rows written by hand, with what no crawl writes (a first sight that is no time, no status), and deleted
    for url in ("https://x/1", "https://x/2"):
        store.db.execute("INSERT INTO articles (url, site, first_seen, status) VALUES (?, 'ina', 'x', NULL)", [url])
    store.db.execute("DELETE FROM articles WHERE url = 'https://x/2'")
    store.ensure_site("other", "Other", "https://other.example", "Asia/Baghdad")
    store.db.execute("UPDATE articles SET site = 'other', status = 'live' WHERE url = ?", [URL])
    kept, counted = kept_counts(store)
    assert kept == counted


def test_a_store_from_before_the_counts_gets_them_counted(tmp_path):
    s = Store(tmp_path / "s.db")
    s.ensure_site("ina", "INA", "https://www.ina.iq", "Asia/Baghdad")
    record(s, page())
    record(s, fetched("https://www.ina.iq/2--.html", "نص آخر.", at="2026-01-02T10:00:00+00:00"))
    s.db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm014_speed'")
    for name in ("articles_counted", "articles_uncounted", "articles_recounted_day", "articles_recounted_status"):
        s.db.execute(f"DROP TRIGGER {name}")
    s.db.execute("DELETE FROM articles_per_day")
    s.db.execute("DELETE FROM articles_per_status")
    record(s, fetched("https://www.ina.iq/3--.html", "نص ثالث.", at="2026-01-03T10:00:00+00:00"))  # uncounted
    s.close()
    s = Store(tmp_path / "s.db")  # migrated again: counted from the articles
    kept, counted = kept_counts(s)
    assert kept == counted and kept[1] == [("live", 3)]
    s.close()
