"""The store persists what the monitor decides: versions only for real changes, one alert per
change, all-or-nothing writes, raw HTML kept, migrations. (The rules alone: test_monitor.py.)"""

import sqlite3

import pytest

from crawler.processes import alive
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
