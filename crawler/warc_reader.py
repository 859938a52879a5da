"""The response records of WARC and ARC files, read with warcio, surviving damage.

warcio parses every record here; what is written by hand is what it does not do (warcio 1.8):
- a whole-file gzip (one gzip member holding every record: `gzip x.warc`, some exports) is refused
  by its ArchiveIterator after the first record ("non-chunked gzip file detected");
- a gzip member that does not inflate, or a record whose headers do not parse, ends its iteration:
  the rest of a 1 GB CC-NEWS file would be lost for one bad record.
So the file is cut into gzip members here (zlib, streaming: a member is never held whole), and each
member's records are parsed by warcio as an uncompressed WARC. A member that does not inflate is
counted and skipped to the next gzip header; a record that does not parse ends its member (in a
per-record gzip, as CC-NEWS and Browsertrix write them, that is the one record), and in an
uncompressed or whole-gzip file the reading resumes at the next line that starts a WARC record.
A payload shorter than its Content-Length (a truncated file) or whose WARC-Payload-Digest does not
match is damage too, never an article.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

GZIP_MAGIC = b"\x1f\x8b\x08"
CHUNK = 1 << 16
_RECORD_START = (b"WARC/1.0\r\n", b"WARC/1.1\r\n", b"WARC/0.")


@dataclass
class Capture:
    """One `response` record: a URL as an archive fetched it."""

    url: str
    date: str  # WARC-Date, as the store writes times: UTC, ISO 8601, milliseconds
    status: int
    body: bytes
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    feed_date: str | None = None  # Rasid-Feed-Date, written by `rasid export warc`


@dataclass
class Damage:
    """A record (or the rest of a file) that could not be read, and why: one line."""

    why: str


@dataclass
class Skipped:
    """A record read whole that is not a response capture (warcinfo, request, metadata, revisit)."""

    kind: str


def warc_date(value: str) -> str:
    """A WARC-Date (or an ARC's 14-digit date, which warcio turns into one) in the store's form."""
    when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat(timespec="milliseconds")


class _Stream:
    """The bytes handed to warcio, with those since the current record's start kept: after a record
    that does not parse, the reading goes back there and looks for the next record's first line
    (warcio reads 16 KB ahead, so resuming where it stopped would lose the records it had buffered)."""

    def __init__(self):
        self.position = 0  # of the next byte handed out, from the stream's start
        self.kept = bytearray()  # the bytes from kept_from on, handed out or read ahead
        self.kept_from = 0

    def more(self) -> bytes:
        """The next bytes of the stream, b"" at its end."""
        raise NotImplementedError

    def read(self, size: int = -1) -> bytes:
        at = self.position - self.kept_from
        while size < 0 or len(self.kept) - at < size:
            data = self.more()
            if not data:
                break
            self.kept += data
        out = bytes(self.kept[at:] if size < 0 else self.kept[at:at + size])
        self.position += len(out)
        return out

    def mark(self, offset: int) -> None:
        """Nothing before `offset` will be read again."""
        if offset > self.kept_from:
            del self.kept[:offset - self.kept_from]
            self.kept_from = offset

    def resume(self, after: int) -> bool:
        """Go on from the first line after `after` that starts a WARC record; False if none is left."""
        self.position = max(after, self.kept_from)
        while True:
            data = self.read(CHUNK)
            if not data:
                return False
            found = [at for at in (data.find(b"\n" + start) for start in _RECORD_START) if at >= 0]
            if found:
                self.position -= len(data) - min(found) - 1
                self.mark(self.position)
                return True
            if len(data) <= 16:
                return False
            self.position -= 16  # a record's first line may straddle two reads
            self.mark(self.position)


class _Plain(_Stream):
    """An uncompressed file."""

    def __init__(self, raw, head: bytes):
        super().__init__()
        self.raw, self.head = raw, head

    def more(self) -> bytes:
        head, self.head = self.head, b""
        return head or self.raw.read(CHUNK)


class _Member(_Stream):
    """The inflated bytes of one gzip member of `raw`; `rest` is what follows it."""

    def __init__(self, raw, head: bytes):
        super().__init__()
        self.raw, self.pending = raw, head
        self.inflate = zlib.decompressobj(zlib.MAX_WBITS | 16)
        self.rest = b""  # raw bytes after the member's end, once reached
        self.ended = False  # the member inflated to its end
        self.error: str | None = None

    def more(self) -> bytes:
        while not self.ended and self.error is None:
            data = self.pending or self.raw.read(CHUNK)
            self.pending = b""
            if not data:
                self.error = "the file ends inside a gzip member (truncated)"
                return b""
            try:
                out = self.inflate.decompress(data)
            except zlib.error as exc:
                self.error = f"a gzip member does not inflate ({exc})"
                self.rest = data  # the next member is looked for from here
                return b""
            if self.inflate.eof:
                self.ended, self.rest = True, self.inflate.unused_data
            if out:
                return out
        return b""

    def finish(self) -> None:
        """Inflate to the member's end (warcio stops at its last record)."""
        while self.more():
            self.mark(self.kept_from + len(self.kept))


def _next_gzip(raw, data: bytes) -> bytes | None:
    """Skip to the next gzip header in `data` + the rest of `raw`; None at the end of the file."""
    data = data[1:] if data.startswith(GZIP_MAGIC) else data
    while True:
        at = data.find(GZIP_MAGIC)
        if at >= 0:
            return data[at:]
        more = raw.read(CHUNK)
        if not more:
            return None
        data = data[-2:] + more


def read_captures(raw) -> Iterator[Capture | Damage | Skipped]:
    """Every record of the WARC or ARC file `raw` (a binary stream; gzip per record, whole-file
    gzip or none): a Capture for each response, Skipped for the others, Damage for what could not
    be read. Never raises for what is in the file."""
    head = raw.read(CHUNK)
    if not head.startswith(GZIP_MAGIC):
        yield from _all_records(_Plain(raw, head))
        return
    data: bytes | None = head
    while data:
        member = _Member(raw, data)
        yield from _all_records(member)
        member.finish()
        if member.error:
            yield Damage(member.error)
            data = _next_gzip(raw, member.rest) if member.rest else None
        else:
            data = member.rest or raw.read(CHUNK)
            if data and not data.startswith(GZIP_MAGIC):
                if not data.strip(b"\r\n\x00"):
                    data = raw.read(CHUNK)  # padding between members
                    continue
                yield Damage("bytes that are not a gzip member between two members")
                data = _next_gzip(raw, data)


def _all_records(stream: _Stream) -> Iterator[Capture | Damage | Skipped]:
    while True:
        failed_at = yield from _records(stream)
        if failed_at is None or not stream.resume(failed_at + 1):
            return


def _records(stream: _Stream):
    """The records of `stream` from where it is, until its end (returns None) or the first that
    does not parse (returns where that record starts)."""
    base = stream.position
    records = ArchiveIterator(stream, arc2warc=True, check_digests="raise")
    records.INC_RECORD = ""  # its warning on stderr; the record's digest or length check reports it here
    try:
        for record in records:
            stream.mark(base + records.offset)  # this record's start: it parsed
            read = _read(record)
            if read is not None:
                yield read
    except (ArchiveLoadFailed, ValueError, EOFError, IndexError, TypeError) as exc:
        # warcio's parse errors: the record at records.offset is not one
        why = " ".join(str(exc).split()) or type(exc).__name__
        yield Damage(f"a record does not parse ({why[:200]})")
        return base + records.offset
    return None


def _read(record) -> Capture | Damage | Skipped | None:
    """The record read to its end (its digests checked on the way). None: the start of a record
    the stream ends in (reported as the stream's damage)."""
    headers = record.rec_headers
    url = (headers.get_header("WARC-Target-URI") or "").strip().strip("<>")
    try:
        body = record.content_stream().read()
    except ArchiveLoadFailed as exc:  # a digest does not match: the bytes were changed or cut
        return Damage(f"{url or record.rec_type}: {' '.join(str(exc).split())[:200]}")
    except (zlib.error, OSError, EOFError) as exc:  # a Content-Encoding that does not decode
        return Damage(f"{url}: the payload does not decode ({exc})")
    if getattr(record.raw_stream, "limit", 0):  # fewer bytes than its Content-Length said: the file was cut
        return Damage(f"{url or record.rec_type}: the record is cut short ({record.length} bytes announced)")
    if not record.rec_type:
        return None
    if record.rec_type != "response" or record.http_headers is None:
        return Skipped(record.rec_type)
    try:
        status = int(record.http_headers.get_statuscode() or 0)
        date = warc_date(headers.get_header("WARC-Date") or "")
    except (ValueError, OverflowError):  # OverflowError: a date at the calendar's end, in a zone east of UTC
        return Damage(f"{url}: its WARC-Date or HTTP status line does not parse")
    http = record.http_headers
    return Capture(url=url, date=date, status=status, body=body, content_type=http.get_header("Content-Type"),
                   etag=http.get_header("ETag"), last_modified=http.get_header("Last-Modified"),
                   feed_date=headers.get_header("Rasid-Feed-Date"))
