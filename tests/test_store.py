"""The store: versions only for real changes, one alert per change, all-or-nothing writes."""

import sqlite3

import pytest

from db.store import PageRecord, Store, StoreError, word_diff
from extract.article import content_hash

URL = "https://www.ina.iq/1--.html"


def page(text="نص الخبر الأول.", title="عنوان", status=200, at="2026-01-01T10:00:00+00:00", **kw):
    return PageRecord(url=URL, site="ina", status=status, fetched_at=at, title=title, text=text,
                      content_hash=content_hash(title, text) if text else None, html=f"<p>{text}</p>" if text else None, **kw)


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "s.db")
    s.ensure_site("ina", "INA", "https://www.ina.iq", "Asia/Baghdad")
    crawl = s.start_crawl("ina")
    s.finish_crawl(crawl, {}, [], "ok")  # a finished baseline: alerts are on
    yield s
    s.close()


def count(store, table):
    return store.db[table].count


def test_new_unchanged_changed_removed_restored(store):
    assert store.record_page(page()) == "new"
    assert store.record_page(page(text="  نص   الخبر الأول. ")) == "unchanged"  # whitespace is no change
    assert count(store, "versions") == 1
    assert store.record_page(page(status=304, text=None)) == "not_modified"
    assert store.record_page(page(text="نص الخبر الأول بعد التعديل.")) == "changed"
    assert count(store, "versions") == 2
    assert store.record_page(page(status=404, text=None)) == "removed"
    assert store.record_page(page(status=410, text=None)) == "unchanged"  # removed once, alerted once
    assert store.record_page(page(text="نص الخبر الأول بعد التعديل.")) == "restored"
    kinds = [a["kind"] for a in store.alerts()]
    assert kinds == ["new", "changed", "removed", "restored"]
    changed = store.alerts()[1]
    assert "[-الأول.-]" in changed["diff"] and "{+الأول بعد التعديل.+}" in changed["diff"]


def test_title_edit_is_a_change_with_its_own_diff(store):
    store.record_page(page())
    assert store.record_page(page(title="عنوان معدل")) == "changed"
    assert store.alerts()[-1]["diff"].startswith("العنوان: عنوان {+معدل+}")


def test_baseline_crawl_raises_no_new_alert(tmp_path):
    s = Store(tmp_path / "b.db")
    s.ensure_site("ina", "INA", "https://www.ina.iq", "Asia/Baghdad")
    assert s.record_page(page()) == "new"
    assert s.alerts() == []


def test_a_failed_write_leaves_nothing_half_written(store, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk gone")

    monkeypatch.setattr(store, "_version", boom)  # dies after the article row, before its version
    with pytest.raises(RuntimeError):
        store.record_page(page())
    assert count(store, "articles") == 0 and count(store, "versions") == 0 and count(store, "alerts") == 0


def test_raw_html_is_kept_compressed(store):
    import zlib

    store.record_page(page())
    blob = next(store.db["versions"].rows)["html_gz"]
    assert zlib.decompress(blob).decode("utf-8") == "<p>نص الخبر الأول.</p>"


def test_arabic_is_stored_as_published(store):
    text = "مَسْؤُولِيَّة الأمن — ١٤ فبراير"
    store.record_page(page(text=text))
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


def test_word_diff_shows_context_and_elides_the_rest():
    old = " ".join(f"w{i}" for i in range(40))
    new = old.replace("w20", "X")
    diff = word_diff(old, new)
    assert "[-w20-] {+X+}" in diff and "w14" in diff and "w26" in diff and "w2 " not in diff
    assert "…" in diff


def test_decaying_revisit_schedule(tmp_path):
    from datetime import UTC, datetime, timedelta

    from db.store import PageRecord, Store

    s = Store(tmp_path / "r.db")
    s.ensure_site("ina", "INA", "https://www.ina.iq", "Asia/Baghdad")
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    schedule = ((900, 6 * 3600), (3600, 86400), (86400, 7 * 86400))  # 15m until 6h, 1h until 1d, 1d until 7d

    def stored(url, first_seen_ago, last_seen_ago):
        s.record_page(PageRecord(url=url, site="ina", status=200, fetched_at=(now - first_seen_ago).isoformat(),
                                 title="t", text=url, content_hash=url))
        s.db["articles"].update(s.article(url)["id"], {"last_seen": (now - last_seen_ago).isoformat()})

    stored("https://www.ina.iq/fresh-due", timedelta(hours=2), timedelta(minutes=20))
    stored("https://www.ina.iq/fresh-recent", timedelta(hours=2), timedelta(minutes=5))
    stored("https://www.ina.iq/day-due", timedelta(hours=12), timedelta(hours=2))
    stored("https://www.ina.iq/day-recent", timedelta(hours=12), timedelta(minutes=30))
    stored("https://www.ina.iq/week", timedelta(days=3), timedelta(hours=25))
    stored("https://www.ina.iq/old", timedelta(days=9), timedelta(days=2))
    assert set(s.due_articles("ina", now, schedule)) == {"https://www.ina.iq/fresh-due", "https://www.ina.iq/day-due",
                                                         "https://www.ina.iq/week"}
    # a one-off crawl revisits everything inside the window, but never what is older
    assert "https://www.ina.iq/old" not in s.due_articles("ina", now, schedule, every_step=False)
    assert len(s.due_articles("ina", now, schedule, every_step=False)) == 5
