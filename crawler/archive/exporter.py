"""`rasid export warc`: every stored version as a WARC `response` record, written with warcio.

A record carries the article's URL, the version's fetch time (WARC-Date, WARC/1.1 so the
milliseconds the store keeps survive a round trip), the HTTP status and the headers Rasid keeps
(Content-Type, ETag, Last-Modified) and the page; warcio computes the block and payload digests.
A removed article adds a record of the 404 or 410 that said so, at the time it was seen. The file
starts with a `warcinfo` record, is gzipped per record (what pywb and the Wayback tooling index and
seek in), and is written beside OUT and renamed into place when whole: an export that fails leaves
no half-written file. An existing OUT is never overwritten unless asked (`force`; the file is
linked into place, so one that appears meanwhile is not overwritten either), and a folder that
cannot be written in is one line, not a traceback.

What the bytes are: the store keeps each page as Rasid decoded it (extract.encoding), not the bytes
the site sent, so the payload is that page in UTF-8 and its Content-Type says charset=utf-8 (a page
sent in windows-1256 is exported re-encoded, honestly labelled). `Rasid-Feed-Date` carries the date
the site's feed or sitemap gave for the URL when the version was fetched, which the extraction read
(a page without a date of its own has no other); `rasid import warc` reads it back as such.
"""

from __future__ import annotations

import io
import os
import re
from collections import Counter
from datetime import UTC, datetime
from http import HTTPStatus
from importlib.metadata import version
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from db.store import Store, utc_now
from extract import instants

_CHARSET = re.compile(r";\s*charset=[^;]*", re.I)


def warc_time(moment: datetime) -> str:
    """A stored time as a WARC/1.1 date, in UTC, to the millisecond when it has one: 2026-11-20T10:00:00.123Z."""
    spec = "milliseconds" if moment.microsecond else "seconds"
    return moment.astimezone(UTC).isoformat(timespec=spec).replace("+00:00", "Z")


def content_type(stored: str | None) -> str:
    """The Content-Type of the exported bytes: as the site sent it, with the charset they are now."""
    kind = _CHARSET.sub("", stored or "text/html").strip() or "text/html"
    return f"{kind}; charset=utf-8"


class ExportError(RuntimeError):
    """OUT cannot be written (it exists and overwriting was not asked; its folder cannot be
    written in; the disk is full): one line naming it."""


def export_warc(store: Store, out: Path, site: str | None = None, since: str | None = None,
                force: bool = False) -> Counter[str]:
    """Write every capture of the store (of `site`, fetched on or after `since`) to `out`, which
    must not exist unless `force`. Counts: records (responses written), versions, removals, articles,
    and `undated`: captures left out because their stored time cannot be read as one (extract.instants)."""
    if since:  # the store's times are UTC: compared as text, they must be written alike (a year or a day: its start)
        start = instants.period_start(since)
        if start is None:
            raise ValueError(f"--since {since!r}: not a date")
        since = start.astimezone(UTC).isoformat(timespec="milliseconds")
    if not force and out.exists():
        raise ExportError(_EXISTS.format(out))
    counts: Counter[str] = Counter()
    urls: set[str] = set()
    partial = out.with_name(out.name + ".partial")
    try:
        stream = partial.open("wb")
    except OSError as exc:
        raise ExportError(f"{out}: cannot write in {out.parent}: {exc.strerror or exc}") from None
    try:
        with stream:
            writer = WARCWriter(stream, gzip=True, warc_version="WARC/1.1")
            info = {"software": f"Rasid {version('rasid')} (warcio {version('warcio')})",
                    "format": "WARC File Format 1.1", "description": "rasid export warc",
                    "isPartOf": str(store.path), "created": utc_now(), "site": site or "all", "since": since or "-"}
            writer.write_record(writer.create_warcinfo_record(out.name, {k: v for k, v in info.items() if v}))
            for capture in store.captures(site, since):
                when = instants.instant(capture["fetched_at"])
                if when is None:  # no WARC-Date can be written for it (a store edited by hand, or broken)
                    counts["undated"] += 1
                    continue
                writer.write_record(_response(writer, capture, when))
                counts["records"] += 1
                counts["versions" if capture["html"] is not None else "removals"] += 1
                urls.add(capture["url"])
            stream.flush()
            os.fsync(stream.fileno())
        _place(partial, out, force)
    except OSError as exc:  # a full disk, a folder gone: nothing half-written is left
        partial.unlink(missing_ok=True)
        raise ExportError(f"{out}: cannot write: {exc.strerror or exc}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    counts["articles"] = len(urls)
    return counts


_EXISTS = "{}: exists already: pass --force to overwrite it"


def _place(partial: Path, out: Path, force: bool) -> None:
    """The whole file into place: replacing OUT if `force`, else linked to OUT, which fails if
    OUT appeared while the export ran (where links are not supported, checked just before)."""
    if force:
        partial.replace(out)
        return
    try:
        os.link(partial, out)
    except FileExistsError:
        raise ExportError(_EXISTS.format(out)) from None
    except OSError:  # a file system without hard links
        if out.exists():
            raise ExportError(_EXISTS.format(out)) from None
        partial.replace(out)
        return
    partial.unlink()


def _response(writer: WARCWriter, capture: dict, when: datetime):
    body = capture["html"].encode("utf-8") if capture["html"] is not None else b""
    status = int(capture["status"])
    headers = [("Content-Type", content_type(capture["content_type"]) if capture["html"] is not None
                else "text/html"), ("Content-Length", str(len(body)))]
    headers += [(name, capture[key]) for name, key in (("ETag", "etag"), ("Last-Modified", "last_modified"))
                if capture[key]]
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Unknown"
    warc_headers = {"WARC-Date": warc_time(when)}
    if capture["feed_date"]:
        warc_headers["Rasid-Feed-Date"] = capture["feed_date"]
    return writer.create_warc_record(
        capture["url"], "response", payload=io.BytesIO(body),
        http_headers=StatusAndHeaders(f"{status} {reason}", headers, protocol="HTTP/1.1"),
        warc_headers_dict=warc_headers)
