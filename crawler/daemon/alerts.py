"""Alert delivery: the outbox in the store, watch rules, and the channels.

The crawl writes each alert in the same transaction as the change it reports,
with delivered_at NULL: that row is the outbox. deliver_pending() reads it,
applies the watch rules, and hands each alert to every channel (Apprise URLs,
a JSON-lines file, the console), recording each channel's attempt in the
`deliveries` table. A channel that fails is retried with exponential backoff;
an alert is closed only when every channel took it. A process killed at any
point re-reads the outbox on restart: an alert is sent again only to a channel
that had not confirmed it (at-least-once, with the window reduced to one
channel call and one commit).

Apprise does the talking to Telegram, Slack, e-mail, Discord, ntfy, JSON
webhooks and the rest; its URLs carry secrets (tokens, passwords), so they are
only ever shown through Apprise's own privacy form (`url(privacy=True)`), and
errors are scrubbed of the raw URL before they are logged or stored.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
import threading
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

from crawler.net.backoff import backoff
from crawler.net.redact import redact as scrub
from db.store import Store
from extract import instants
from extract.arabic import search_text
from monitor.changes import DEFAULT_ALERTS
from monitor.config import AlertSettings, WatchRule

log = logging.getLogger("rasid.alerts")

KIND_LABELS = {"new": "خبر جديد", "changed": "تعديل بعد النشر", "removed": "حذف", "restored": "إعادة نشر",
               "reprint": "خبر منقول", "pulled": "سُحب من الواجهة والمقال باقٍ", "teaser": "عنوان الواجهة تغيّر"}
FIRST_BACKOFF = 5  # seconds before a channel that failed is tried again; doubled each time
MAX_BACKOFF = 3600


# --- watch rules -------------------------------------------------------------------------


def _contains(haystack: str, phrase: str) -> bool:
    needle = search_text(phrase)
    return bool(needle) and f" {needle} " in haystack


def rule_matches(rule: WatchRule, alert: dict) -> bool:
    if rule.sites and alert["site"] not in rule.sites:
        return False
    if alert["kind"] not in rule.kinds:
        return False
    # Matched like search: after Arabic folding, a fused definite article ignored, whole words. An
    # edit's moved metadata is matched too: a rule watching a writer hears of their byline removed.
    words = " ".join(alert.get(key) or "" for key in ("title", "text", "moved"))
    haystack = f" {search_text(words)} "
    return (all(_contains(haystack, p) for p in rule.all)
            and (not rule.any or any(_contains(haystack, p) for p in rule.any))
            and not any(_contains(haystack, p) for p in rule.none))


def wanted(rules: tuple[WatchRule, ...], alert: dict) -> list[str]:
    """Names of the rules the alert matches; without rules every alert of the default kinds is
    wanted (a `reprint`, `pulled` or `teaser` alert only by a rule that asks for it)."""
    if not rules:
        return ["*"] if alert["kind"] in DEFAULT_ALERTS else []
    return [rule.name for rule in rules if rule_matches(rule, alert)]


# --- the message ---------------------------------------------------------------------------


def _local(value: str | None, zone: str) -> str | None:
    """A stored time in the site's zone, to the minute; what is no instant as written."""
    moment = instants.local(value, zone)
    return moment.strftime("%Y-%m-%d %H:%M") if moment is not None else value or None


def message(alert: dict, rules: list[str] | None = None) -> tuple[str, str]:
    """(title, body) of an alert, in Arabic: what happened, where, when (in the site's zone), the link,
    and for an edit the changed words."""
    label = KIND_LABELS.get(alert["kind"], alert["kind"])
    title = f"{label} · {alert['site_name'] or alert['site']}: {alert['title'] or ''}".strip()
    lines = [alert["title"] or "", f"الموقع: {alert['site_name'] or alert['site']}"]
    published = _local(alert.get("published_at"), alert["timezone"])
    if published:
        lines.append(f"النشر: {published} ({alert['timezone']})")
    if alert["kind"] != "new":
        lines.append(f"الرصد: {_local(alert['created_at'], alert['timezone'])} ({alert['timezone']})")
    lines.append(unquote(alert["url"]))
    if alert.get("diff"):  # an edit's changed words; a reprint's source
        label = {"reprint": "الأصل:", "pulled": "الواجهة:", "teaser": "الواجهة:"}.get(alert["kind"], "ما تغير:")
        lines += ["", label, alert["diff"]]
    if rules and rules != ["*"]:
        lines.append(f"قاعدة المراقبة: {', '.join(rules)}")
    return title, "\n".join(lines)


def alert_record(alert: dict, rules: list[str]) -> dict:
    """The JSON form of an alert (the JSON-lines channel)."""
    keys = ("id", "kind", "site", "url", "title", "created_at", "published_at", "diff")
    return {k: alert.get(k) for k in keys} | {"site_name": alert["site_name"], "rules": rules}


# --- channels ------------------------------------------------------------------------------


class Channel:
    """One place alerts go. `key` identifies it in the store without revealing secrets."""

    key: str
    label: str

    def send(self, title: str, body: str, record: dict) -> None:
        """Deliver or raise."""
        raise NotImplementedError


class AppriseChannel(Channel):
    def __init__(self, url: str):
        import apprise

        self._apprise = apprise.Apprise()
        if not self._apprise.add(url):
            raise ValueError("not a URL Apprise knows")
        service = self._apprise[0]
        # Apprise masks tokens and passwords in its privacy form, but not query values: headers
        # given as ?+X-Api-Token=… stay in clear there, so every query value is masked here
        self.label = _mask_query(service.url(privacy=True))
        self.key = f"apprise:{hashlib.sha256(url.encode()).hexdigest()[:16]}"

    def send(self, title: str, body: str, record: dict) -> None:
        import apprise

        # The body goes as plain text, which Apprise escapes for HTML services (e-mail, Telegram
        # in HTML mode); the title it passes through as given, so markup in a headline is defused here.
        title = title.replace("<", "‹").replace(">", "›")
        if not self._apprise.notify(title=title, body=body, body_format=apprise.NotifyFormat.TEXT):
            raise RuntimeError(f"{self.label}: the service did not accept the notification")


class JsonLinesChannel(Channel):
    def __init__(self, path: Path):
        self.path = path
        self.key = f"jsonl:{path}"
        self.label = str(path)

    def send(self, title: str, body: str, record: dict) -> None:
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
            f.flush()


class ConsoleChannel(Channel):
    key = label = "console"

    def send(self, title: str, body: str, record: dict) -> None:
        print(f"\n[{record['kind']}] {title}\n{body}", file=sys.stdout, flush=True)


def channels(settings: AlertSettings) -> list[Channel]:
    out: list[Channel] = []
    for n, url in enumerate(settings.urls):
        try:
            out.append(AppriseChannel(url))
        except ValueError as exc:
            raise ValueError(f"[alerts] urls[{n}]: {exc}") from None  # never echo the URL: it may hold a token
    if settings.jsonl:
        out.append(JsonLinesChannel(settings.jsonl))
    if settings.console:
        out.append(ConsoleChannel())
    return out


def _mask_query(url: str) -> str:
    where, _, query = url.partition("?")
    if not query:
        return where
    pairs = [pair.partition("=") for pair in query.split("&") if pair]
    return where + "?" + "&".join(f"{key}={'***' if value else ''}" if eq else key for key, eq, value in pairs)


def _secret_parts(url: str) -> set[str]:
    """Every part of an Apprise URL that may be a secret: user and password, path segments (bot
    tokens, webhook ids), and every query value, header parameters (`?+X-Api-Token=…`) included;
    each as written and percent-decoded (Apprise and its libraries log either)."""
    rest = url.split("://", 1)[-1]
    where, _, query = rest.partition("?")
    parts = {p for p in where.replace("@", "/").replace(":", "/").split("/") if len(p) >= 6}
    for pair in query.replace(";", "&").split("&"):
        key, _, value = pair.partition("=")
        if len(value) >= 3:
            parts.add(value)
        if key.startswith(("+", "-")) and len(key) >= 3:  # a header's name may tell its token apart
            parts.discard(key)
    return parts | {unquote(p) for p in parts} | {unquote(p).replace("+", " ") for p in parts}


def redact(text: str, urls: Iterable[str]) -> str:
    """A message without any of the alert URLs `urls` or any of their parts that could be secret."""
    return scrub(text, urls, shown=lambda url: "<alert URL>", secrets=_secret_parts)


# --- the outbox ----------------------------------------------------------------------------


def deliver_pending(store: Store, settings: AlertSettings, rules: tuple[WatchRule, ...],
                    outlets: list[Channel] | None = None, now: datetime | None = None,
                    stop: threading.Event | None = None) -> dict[str, int]:
    """Deliver every undelivered alert whose channels are due; return counts: `delivered`
    alerts (every channel has them), `sent` and `failed` deliveries to single channels,
    `filtered` alerts (no watch rule matched). `now` is the caller's clock (default: now); `stop`, once set,
    ends the pass after the delivery under way (a slow channel must not hold up a stop)."""
    outlets = channels(settings) if outlets is None else outlets
    counts = {"sent": 0, "failed": 0, "filtered": 0, "delivered": 0}
    for alert in store.undelivered_alerts():
        if stop is not None and stop.is_set():
            break
        matched = wanted(rules, alert)
        if not matched:
            store.close_alert(alert["id"], "filtered")
            counts["filtered"] += 1
        elif not outlets:
            store.close_alert(alert["id"], "no_channels")
        elif _deliver(store, settings, alert, matched, outlets, counts, now, stop):
            store.close_alert(alert["id"], "delivered")
            counts["delivered"] += 1
    return counts


def _deliver(store: Store, settings: AlertSettings, alert: dict, matched: list[str], outlets: list[Channel],
             counts: dict[str, int], now: datetime | None, stop: threading.Event | None) -> bool:
    """One alert to every channel that does not have it yet and is due; True once all have it."""
    title, body = message(alert, matched)
    record = alert_record(alert, matched)
    done = True
    for channel in outlets:
        if stop is not None and stop.is_set():
            return False
        state = store.delivery(alert["id"], channel.key)
        if state and state["delivered_at"]:
            continue
        if state and state["next_attempt_at"] and \
                state["next_attempt_at"] > (now or datetime.now(UTC)).isoformat(timespec="seconds"):
            done = False
            continue
        try:
            channel.send(title, body, record)
        except Exception as exc:  # any channel failure is retried later, never fatal
            attempts = (state or {"attempts": 0})["attempts"] + 1
            # from when this attempt failed, not from the start of the pass: a pass held up by a
            # slow channel must not schedule retries that are already due
            retry = (now or datetime.now(UTC)) + timedelta(seconds=backoff(attempts - 1, FIRST_BACKOFF, MAX_BACKOFF))
            error = redact(f"{type(exc).__name__}: {exc}", settings.urls)
            store.record_attempt(alert["id"], channel.key, False, error, retry.isoformat(timespec="seconds"))
            log.warning("alert %s to %s failed (attempt %d, next at %s): %s", alert["id"], channel.label,
                        attempts, retry.isoformat(timespec="seconds"), error)
            counts["failed"] += 1
            done = False
            continue
        store.record_attempt(alert["id"], channel.key, True)
        counts["sent"] += 1
    return done


class RedactingFilter(logging.Filter):
    """Scrubs configured alert URLs (and their secret-looking parts) from every log record,
    whoever logs it: Rasid, Apprise, APScheduler."""

    def __init__(self, settings: AlertSettings):
        super().__init__()
        self.settings = settings

    def filter(self, record: logging.LogRecord) -> bool:
        if self.settings.urls:
            record.msg = redact(record.getMessage(), self.settings.urls)
            record.args = ()
        return True
