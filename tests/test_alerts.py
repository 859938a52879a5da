"""Alerts: watch rules after Arabic normalisation, Arabic messages, the outbox with retries and
backoff, and secrets that never reach logs or the store."""

from __future__ import annotations

import logging
import socket
from datetime import UTC, datetime, timedelta

import pytest

from crawler.crawl.processes import alive
from crawler.daemon.alerts import Channel, RedactingFilter, channels, deliver_pending, message, rule_matches
from db.store import Store
from monitor.config import AlertSettings, WatchRule
from tests.factories import fetched, record

ALERT = {"id": 1, "kind": "new", "site": "ina", "site_name": "وكالة الأنباء العراقية", "timezone": "Asia/Baghdad",
         "url": "https://www.ina.iq/%D8%AE%D8%A8%D8%B1", "title": "الكاظمى يزور البصرة",
         "text": "وصل رئيس الوزراء إلى محافظة البصرة صباح اليوم.", "published_at": "2026-11-23T06:30:00+00:00",
         "created_at": "2026-11-23T07:00:00+00:00", "diff": None}


@pytest.mark.parametrize("rule, matches", [
    (WatchRule("a", all=("الكاظمي", "البصرة")), True),  # alef maqsura, and بالبصرة-style forms
    (WatchRule("b", all=("الكاظمي", "بغداد")), False),  # AND
    (WatchRule("c", any=("بغداد", "محافظه البصره")), True),  # OR; taa marbuta typed as haa; a phrase
    (WatchRule("d", all=("الكاظمي",), none=("البصرة",)), False),
    (WatchRule("e", all=("الكاظمي",), sites=("alaraby",)), False),  # per-site scope
    (WatchRule("f", all=("الكاظمي",), kinds=("changed",)), False),
    (WatchRule("g", all=("وزراء",)), True),  # "الوزراء" without its article
    (WatchRule("h", all=("البصر",)), False),  # whole words only
])
def test_watch_rules(rule, matches):
    assert rule_matches(rule, ALERT) is matches


def test_watch_rules_hear_of_a_metadata_only_edit_by_the_article_or_the_byline_that_moved(store):
    url = "https://www.ina.iq/0"  # "الكاظمي في البصرة", stored by the fixture
    moved = fetched(url, "الكاظمي في البصرة", "الكاظمي في البصرة", at="2026-11-23T08:00:00+00:00",
                    author="صحفي مستقل")
    record(store, moved, 1)
    record(store, fetched(url, "الكاظمي في البصرة", "الكاظمي في البصرة", at="2026-11-23T09:00:00+00:00"), 1)
    alert = {**store.undelivered_alerts()[-1], "site_name": "INA"}
    assert (alert["kind"], alert["moved"]) == ("changed", "author: صحفي مستقل → none")
    assert rule_matches(WatchRule("story", all=("الكاظمي",), kinds=("changed",)), alert)  # the article's words
    assert rule_matches(WatchRule("byline", any=("صحفي مستقل",)), alert)  # the byline that went
    assert not rule_matches(WatchRule("other", all=("الكاظمي",), none=("مستقل",)), alert)
    assert not rule_matches(WatchRule("new only", all=("الكاظمي",), kinds=("new",)), alert)
    assert "author: صحفي مستقل → none" in message(alert)[1]


def test_messages_read_well_in_arabic():
    title, body = message({**ALERT, "kind": "changed", "diff": "[-صباح-] {+مساء+}"}, ["a"])
    assert title.startswith("تعديل بعد النشر · وكالة الأنباء العراقية: الكاظمى")
    assert "النشر: 2026-11-23 09:30 (Asia/Baghdad)" in body  # the site's own zone
    assert "https://www.ina.iq/خبر" in body and "[-صباح-] {+مساء+}" in body and "قاعدة المراقبة: a" in body


class Flaky(Channel):
    key = label = "flaky"

    def __init__(self, failures: int):
        self.failures, self.sent = failures, []

    def send(self, title, body, record):
        if self.failures:
            self.failures -= 1
            raise ConnectionError("channel down")
        self.sent.append(record["id"])


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "rasid.db")
    store.ensure_site("ina", "INA", "https://www.ina.iq", "Asia/Baghdad")
    store.finish_crawl(store.start_crawl("ina", alive), {}, [], "ok")  # a baseline: later articles alert
    for n, title in enumerate(["الكاظمي في البصرة", "أمطار في أربيل"]):
        record(store, fetched(f"https://www.ina.iq/{n}", title, title, at="2026-11-23T07:00:00+00:00"), 1)
    yield store
    store.close()


def test_outbox_retries_with_backoff_then_delivers_once(store):
    channel = Flaky(failures=2)
    now = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert deliver_pending(store, AlertSettings(), (), [channel], now)["failed"] == 2
    assert deliver_pending(store, AlertSettings(), (), [channel], now + timedelta(seconds=2))["failed"] == 0  # backoff
    assert deliver_pending(store, AlertSettings(), (), [channel], now + timedelta(seconds=6))["delivered"] == 2
    assert deliver_pending(store, AlertSettings(), (), [channel], now + timedelta(hours=1))["sent"] == 0
    assert sorted(channel.sent) == [1, 2]
    assert [r["attempts"] for r in store.db["deliveries"].rows] == [2, 2]  # one failure, one success each


def test_watch_rules_filter_the_outbox(store):
    channel = Flaky(failures=0)
    counts = deliver_pending(store, AlertSettings(), (WatchRule("k", all=("الكاظمى",)),), [channel])
    assert counts["filtered"] == 1 and channel.sent == [1]
    assert {r["delivery"] for r in store.db["alerts"].rows} == {"delivered", "filtered"}


SECRET_URL = "tgram://123456789:AAHsecretTOKENvalue123/987654321"


def test_secrets_in_alert_urls_never_reach_logs_or_the_store(store, caplog):
    settings = AlertSettings(urls=(SECRET_URL,), console=False)
    (telegram,) = channels(settings)
    assert "AAHsecretTOKENvalue123" not in telegram.label and "AAHsecretTOKENvalue123" not in telegram.key
    logger = logging.getLogger("rasid.test")
    logger.addFilter(RedactingFilter(settings))
    with caplog.at_level(logging.INFO):
        logger.info("posting to %s", SECRET_URL)
    assert "AAHsecretTOKENvalue123" not in caplog.text

    class Leaky(Channel):
        key, label = telegram.key, telegram.label

        def send(self, title, body, record):
            raise RuntimeError(f"cannot reach {SECRET_URL}")

    deliver_pending(store, settings, (), [Leaky()])
    stored = " ".join(str(v) for row in store.db["deliveries"].rows for v in row.values())
    assert "cannot reach" in stored and "AAHsecretTOKENvalue123" not in stored


def test_unknown_apprise_url_is_refused_without_echoing_it():
    with pytest.raises(ValueError) as error:
        channels(AlertSettings(urls=("nosuchservice://user:hunter2secret@host",)))
    assert "urls[0]" in str(error.value) and "hunter2secret" not in str(error.value)


def test_a_header_token_in_a_channel_url_never_reaches_logs_or_the_store(store, caplog):
    # Apprise's json:// takes HTTP headers as ?+Name=value; a token there is as secret as a password
    token = "SeKrEt-Header-Token-42"
    with socket.socket() as closed:  # a port nothing listens on: every delivery fails and is logged
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    url = f"json://127.0.0.1:{port}/hook?+X-Api-Token={token}&+Authorization=Bearer%20{token}x"
    settings = AlertSettings(urls=(url,), console=False)
    (channel,) = channels(settings)
    assert token not in channel.label and token not in channel.key
    caplog.handler.addFilter(RedactingFilter(settings))
    with caplog.at_level(logging.DEBUG):
        counts = deliver_pending(store, settings, (), [channel])
    assert counts["failed"] >= 1
    stored = " ".join(str(v) for row in store.db["deliveries"].rows for v in row.values())
    assert token not in caplog.text and token not in stored and "Bearer " + token not in caplog.text
    assert "***" in stored or "<alert URL>" in stored or "Connection" in stored


def test_front_page_alerts_go_only_to_the_watch_rules_that_ask_for_them(tmp_path):
    from crawler.daemon.alerts import wanted
    from monitor.config import load_config

    pulled = {**ALERT, "kind": "pulled", "diff": "آخر الأخبار #3 of 5: off the page, the article still online"}
    teaser = {**ALERT, "kind": "teaser", "diff": "آخر الأخبار: «الكاظمى يزور البصرة» → «زيارة مفاجئة للبصرة»"}
    assert wanted((), pulled) == [] and wanted((), teaser) == []  # never sent without a rule asking
    everything = WatchRule("any kind of default", all=("الكاظمي",))
    assert wanted((everything,), pulled) == []  # a rule of the default kinds does not hear of them either
    asks = WatchRule("front", all=("الكاظمي",), kinds=("pulled", "teaser"))
    assert wanted((everything, asks), pulled) == ["front"] and wanted((asks,), teaser) == ["front"]
    assert "سُحب من الواجهة" in message(pulled)[0] and "الواجهة:" in message(pulled)[1]
    config = tmp_path / "rasid.toml"  # the kinds a config file may name
    config.write_text('[[watch]]\nname = "front"\nall = ["الكاظمي"]\nkinds = ["pulled", "teaser"]\n', encoding="utf-8")
    assert load_config(config).watch[0].kinds == ("pulled", "teaser")
