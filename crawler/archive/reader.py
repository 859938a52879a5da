"""The response records of WARC and ARC files, read with warcio, surviving damage.

warcio parses every record here; what is written by hand is what it does not do (warcio 1.8):
- a whole-file gzip (one gzip member holding every record: `gzip x.warc`, some exports) is refused
  by its ArchiveIterator after the first record ("non-chunked gzip file detected");
- a gzip member that does not inflate, or a record whose headers do not parse, ends its iteration:
  the rest of a 1 GB CC-NEWS file would be lost for one bad record;
- a record is read whole, as long as its Content-Length says, and its payload inflated whole
  (content_stream().read()): a record of a few kilobytes can inflate to gigabytes in memory
  (BENCHMARKS.md, hostile archives).
So the file is cut into gzip members here (zlib, streaming: a member is never held whole), and each
member's records are parsed by warcio as an uncompressed WARC. A member that does not inflate is
counted and skipped to the next gzip header; a record that does not parse ends its member (in a
per-record gzip, as CC-NEWS and Browsertrix write them, that is the one record), and in an
uncompressed or whole-gzip file the reading resumes at the next line that starts a WARC record.
A payload shorter than its Content-Length (a truncated file) or whose WARC-Payload-Digest does not
match is damage too, never an article.

The crawl's page cap (Scrapy's DOWNLOAD_MAXSIZE, 10 MB) holds here too, and memory stays flat
whatever a record claims:
- a record announcing more (with room for its HTTP headers) is TooBig: counted, skipped, never
  read. Its Content-Length is a claim: in an uncompressed or whole-gzip file the reading goes on at
  the next line that starts a record, scanning a chunk at a time (a lie of 10 GB swallows none of
  the records after it, and is damage); in a gzip-per-record file the next gzip member is looked
  for in the compressed bytes, so a member inflating to 1 GB is not inflated past its record's
  headers (except the file's first member: a whole-file gzip looks the same until its end);
- a payload is decoded (Content-Encoding gzip, deflate, br) a bounded step at a time, and is TooBig
  the moment it passes the cap;
- a Content-Length that runs over the records after it, within the cap, is caught by the record
  start found inside its block: damage, and the reading goes on from that record.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import ChunkedDataReader
from warcio.exceptions import ArchiveLoadFailed

from crawler.net.limits import DOWNLOAD_MAXSIZE

try:
    import brotli  # warcio decodes br with it too, when it is installed
except ImportError:  # pragma: no cover
    brotli = None

GZIP_MAGIC = b"\x1f\x8b\x08"
CHUNK = 1 << 16
_RECORD_START = (b"WARC/1.0\r\n", b"WARC/1.1\r\n", b"WARC/0.")
PAYLOAD_BYTES = DOWNLOAD_MAXSIZE  # a page, as decoded: what a crawl downloads at most
RECORD_BYTES = DOWNLOAD_MAXSIZE + 2**20  # a record's block: the page and its HTTP headers
_DECODE_ERRORS = (zlib.error, OSError, EOFError) + ((brotli.error,) if brotli is not None else ())


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
class TooBig:
    """A record past the page cap (as announced, or as its payload decodes): never read whole."""

    url: str
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
        self.raw, self.pending = raw, head  # pending: compressed bytes read, not inflated yet
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
            try:  # a chunk out at most: 64 KB of a bomb inflate to 64 MB in one unbounded call
                out = self.inflate.decompress(data, CHUNK)
            except zlib.error as exc:
                self.error = f"a gzip member does not inflate ({exc})"
                self.rest = data  # the next member is looked for from here
                return b""
            self.pending = self.inflate.unconsumed_tail
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
    """Skip to the next gzip header in `data` + the rest of `raw` whose member starts to inflate
    (the three magic bytes also occur inside compressed data); None at the end of the file."""
    at = 1 if data.startswith(GZIP_MAGIC) else 0  # the member being left
    while True:
        at = data.find(GZIP_MAGIC, at)
        if at < 0:
            more = raw.read(CHUNK)
            if not more:
                return None
            data, at = data[-2:] + more, 0
            continue
        if len(data) - at < 512:
            more = raw.read(CHUNK)
            if more:
                data, at = data[at:] + more, 0
                continue
        try:
            zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(data[at:at + 512], 64)
            return data[at:]
        except zlib.error:
            at += 1


def read_captures(raw) -> Iterator[Capture | Damage | Skipped | TooBig]:
    """Every record of the WARC or ARC file `raw` (a binary stream; gzip per record, whole-file
    gzip or none): a Capture for each response, Skipped for the others, TooBig for a record past
    the page cap, Damage for what could not be read. Never raises for what is in the file."""
    head = raw.read(CHUNK)
    if not head.startswith(GZIP_MAGIC):
        yield from _all_records(_Plain(raw, head))
        return
    data: bytes | None = head
    first = True
    while data:
        member = _Member(raw, data)
        # past the first member the file is gzip per record: a record too big leaves its member
        left = yield from _all_records(member, leave_member=not first)
        first = False
        if left and not (member.ended or member.error):
            data = _next_gzip(raw, member.pending)  # never inflated past the record's headers
            continue
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


@dataclass
class _Big:
    """A record announcing more than RECORD_BYTES, at `start` of its stream: not read."""

    start: int
    length: int
    url: str


def _all_records(stream: _Stream, leave_member: bool = False):
    """The records of `stream`. Returns True when a record too big ended the reading of a gzip
    member (with `leave_member`): the caller looks for the next member in the compressed bytes."""
    while True:
        stop = yield from _records(stream)
        if stop is None:
            return False
        if isinstance(stop, _Big):
            if leave_member:
                yield TooBig(stop.url, f"announces {stop.length:,} bytes, past the {_mb(PAYLOAD_BYTES)} cap: not read")
                return True
            if not (yield from _pass_over(stream, stop)):
                return False
        elif not stream.resume(stop):
            return False


def _pass_over(stream: _Stream, big: _Big):
    """Go on at the next record start after `big`'s headers, reading the bytes between a chunk at a
    time (its Content-Length is a claim: a lie must not swallow the records after it). Yields
    TooBig for a record as long as it said, Damage for one that was not. False: no record is left."""
    header_end = stream.kept.find(b"\r\n\r\n")  # kept starts at the record (marked when it parsed)
    declared_end = big.start + header_end + 4 + big.length if header_end >= 0 else None
    found = stream.resume(big.start + 1)
    if declared_end is not None and stream.position < declared_end:
        what = "runs past the next record: the reading goes on there" if found else "runs past the end of the file"
        yield Damage(f"{big.url or 'a record'}: its Content-Length ({big.length:,} bytes) {what}")
    else:
        yield TooBig(big.url, f"{big.length:,} bytes, past the {_mb(PAYLOAD_BYTES)} cap: not read")
    return found


def _mb(size: int) -> str:
    return f"{size // 2**20} MB"


def _records(stream: _Stream):
    """The records of `stream` from where it is, until its end (returns None), a record too big to
    read (returns it, a _Big), or one that does not parse or lied about its length (returns where
    the search for the next record's first line starts)."""
    base = stream.position
    records = ArchiveIterator(stream, arc2warc=True, check_digests="raise")
    records.INC_RECORD = ""  # its warning on stderr; the record's digest or length check reports it here
    try:
        for record in records:
            start = base + records.offset
            stream.mark(start)  # this record's start: it parsed
            url = _url(record)
            if record.length is not None and record.length > RECORD_BYTES:
                return _Big(start, record.length, url)
            read = _read(record, url)
            swallowed = _record_inside(stream, record.length)
            if swallowed is not None:
                yield Damage(f"{url or record.rec_type}: its Content-Length ({record.length:,} bytes) runs over "
                             "the next record: the reading goes on there")
                return swallowed
            if read is not None:
                yield read
    except (ArchiveLoadFailed, ValueError, EOFError, IndexError, TypeError) as exc:
        # warcio's parse errors: the record at records.offset is not one
        why = " ".join(str(exc).split()) or type(exc).__name__
        yield Damage(f"a record does not parse ({why[:200]})")
        return base + records.offset + 1
    return None


def _record_inside(stream: _Stream, length: int | None) -> int | None:
    """Where a record's first line starts inside the block of the record just read (its
    Content-Length was a lie), or None. That record is all in the kept bytes, from their start."""
    if not length:
        return None
    header_end = stream.kept.find(b"\r\n\r\n")
    if header_end < 0:
        return None
    block, end = header_end + 4, min(header_end + 4 + length, len(stream.kept))
    found = [at for at in (stream.kept.find(b"\n" + first, block, end) for first in _RECORD_START) if at >= 0]
    return stream.kept_from + min(found) if found else None


def _url(record) -> str:
    return (record.rec_headers.get_header("WARC-Target-URI") or "").strip().strip("<>")


def _read(record, url: str) -> Capture | Damage | Skipped | TooBig | None:
    """The record read to its end (its digests checked on the way). None: the start of a record
    the stream ends in (reported as the stream's damage)."""
    headers = record.rec_headers
    response = record.rec_type == "response" and record.http_headers is not None
    try:
        body = _payload(record) if response else None
        while record.raw_stream.read(CHUNK):  # the rest unread: a payload past the cap, another kind of record
            pass
    except ArchiveLoadFailed as exc:  # a digest does not match: the bytes were changed or cut
        return Damage(f"{url or record.rec_type}: {' '.join(str(exc).split())[:200]}")
    except _DECODE_ERRORS as exc:  # a Content-Encoding that does not decode
        return Damage(f"{url}: the payload does not decode ({exc})")
    if getattr(record.raw_stream, "limit", 0):  # fewer bytes than its Content-Length said: the file was cut
        return Damage(f"{url or record.rec_type}: the record is cut short ({record.length} bytes announced)")
    if not record.rec_type:
        return None
    if not response:
        return Skipped(record.rec_type)
    if body is None:
        return TooBig(url, f"its payload decodes past the {_mb(PAYLOAD_BYTES)} cap: not read further")
    try:
        status = int(record.http_headers.get_statuscode() or 0)
        date = warc_date(headers.get_header("WARC-Date") or "")
    except (ValueError, OverflowError):  # OverflowError: a date at the calendar's end, in a zone east of UTC
        return Damage(f"{url}: its WARC-Date or HTTP status line does not parse")
    http = record.http_headers
    return Capture(url=url, date=date, status=status, body=body, content_type=http.get_header("Content-Type"),
                   etag=http.get_header("ETag"), last_modified=http.get_header("Last-Modified"),
                   feed_date=headers.get_header("Rasid-Feed-Date"))


def _payload(record) -> bytes | None:
    """A response's payload, de-chunked and decoded, or None past PAYLOAD_BYTES (not decoded
    further). warcio's content_stream() decodes the same encodings, but in one unbounded call."""
    http = record.http_headers
    stream = record.raw_stream
    if (http.get_header("Transfer-Encoding") or "").strip().lower() == "chunked":
        stream = ChunkedDataReader(stream, decomp_type=None)  # read as it is if not chunked after all
    decode = _Decoder(http.get_header("Content-Encoding"))
    body = bytearray()
    while True:
        data = stream.read(CHUNK)
        if not data:
            return bytes(body)
        body += decode(data, PAYLOAD_BYTES + 1 - len(body))
        while decode.pending and len(body) <= PAYLOAD_BYTES:
            body += decode(b"", PAYLOAD_BYTES + 1 - len(body))
        if len(body) > PAYLOAD_BYTES:
            return None


class _Decoder:
    """A Content-Encoding undone a bounded step at a time: one call gives at most `room` bytes;
    `pending` says input is left to decode. As in warcio, a payload whose first bytes do not decode
    is taken as it is (archives keep the header of payloads they stored decoded); one that stops
    decoding midway is damage."""

    def __init__(self, encoding: str | None):
        self.kind = (encoding or "").strip().lower()
        self.started = False
        self.zlib = self.brotli = None
        if self.kind in ("gzip", "x-gzip"):
            self.zlib = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif self.kind == "deflate":
            self.zlib = zlib.decompressobj(zlib.MAX_WBITS)
        elif self.kind == "br" and brotli is not None:
            self.brotli = brotli.Decompressor()

    @property
    def pending(self) -> bool:
        if self.zlib is not None:
            return bool(self.zlib.unconsumed_tail)
        return self.brotli is not None and not self.brotli.can_accept_more_data()

    def __call__(self, data: bytes, room: int) -> bytes:
        first, self.started = not self.started, True
        try:
            if self.zlib is not None:
                return self.zlib.decompress(self.zlib.unconsumed_tail + data, room)
            if self.brotli is not None:
                return self.brotli.process(data, output_buffer_limit=room)
        except _DECODE_ERRORS:
            if not first:
                raise
            if self.kind == "deflate":  # deflate sent without its zlib wrapper, as some servers do
                self.kind, self.zlib = "raw deflate", zlib.decompressobj(-zlib.MAX_WBITS)
                self.started = False
                return self(data, room)
            self.zlib = self.brotli = None  # not encoded after all
        return data
