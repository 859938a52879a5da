"""Every fetch outside Scrapy, through one HTTP client: `rasid extract URL`, `rasid sites add` and
`rasid sites check` (`fetch`: one document) and `rasid import warc URL` (`download`: an archive read
as it arrives). urllib3 (already under trafilatura and requests), never Scrapy: these commands start
in a fraction of a crawl's time and load no Scrapy module.

Every request is held to what the crawl holds its requests to:
- the address policy (crawler.net.addresses): only http(s); a non-public address (the machine itself,
  its network, the cloud metadata service) only for the origins the caller trusts (the address the
  user typed, a site's own fetch origin), never for an address a page, a feed, robots.txt or a
  redirect names. The address judged is the one connected to: the connection resolves the name
  once, checks every address and connects to a checked one (no DNS-rebinding window);
- a size cap on the body as decoded (gzip/deflate/br inflated in bounded steps by urllib3, so a
  bomb stops at the cap), Scrapy's DOWNLOAD_MAXSIZE for a document;
- a total deadline: the seconds spent waiting on the server, all told (connecting, TLS, headers,
  every read). A socket timeout is per read, so a server trickling a byte a second never trips it;
  a watchdog thread shuts the connection's socket down when the budget is spent, wherever the
  client is blocked. For a document the budget is Scrapy's DOWNLOAD_TIMEOUT; for an archive, read
  at the pace the import digests it, only the time spent waiting for bytes counts.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from crawler.net.addresses import is_public, origin_of, scheme_refusal
from crawler.net.limits import DOWNLOAD_MAXSIZE, DOWNLOAD_TIMEOUT, REDIRECT_MAX_TIMES, USER_AGENT

DOCUMENT_BYTES = DOWNLOAD_MAXSIZE  # a page, a feed, robots.txt, a sitemap file (inflated later, to 50 MB)
DOCUMENT_DEADLINE = float(DOWNLOAD_TIMEOUT)
# WARC files are rolled at about 1 GB (CC-NEWS, Heritrix, Browsertrix); a download is read as the
# import digests it, so its deadline counts only the time spent waiting for the server
ARCHIVE_BYTES = 16 * 2**30
ARCHIVE_DEADLINE = 3600.0
REDIRECTS = (301, 302, 303, 307, 308)
CHUNK = 1 << 16
_CONNECTION_REPR = re.compile(r"^<?\w*Connection(Pool)?\(host=[^)]*\)>?: ")


class FetchError(Exception):
    """A URL that could not be fetched as asked: one line naming it and why."""


class Refused(Exception):  # not an OSError: urllib3 passes it through unwrapped
    """The address policy refuses the address a connection would go to."""


@dataclass
class Document:
    body: bytes
    content_type: str | None
    url: str  # after redirects


def fetch(url: str, trust: tuple[str, ...] = (), limit: int | None = None, deadline: float | None = None,
          accept: str = "text/html,*/*;q=0.5") -> Document:
    """One document, redirects followed under the address policy. `trust`: URLs whose origins may
    be non-public (the address the user typed; a site's own fetch origin). Raises FetchError."""
    limit = DOCUMENT_BYTES if limit is None else limit
    with _Exchange(url, trust, DOCUMENT_DEADLINE if deadline is None else deadline) as exchange:
        response = exchange.open(accept, decode=True)
        body = bytearray()
        with exchange.clock:
            while True:
                data = exchange.read(response, min(CHUNK, limit + 1 - len(body)), decode=True)
                if not data:
                    break
                body += data
                if len(body) > limit:
                    raise FetchError(f"{url}: larger than {_size(limit)}: not read further")
        return Document(bytes(body), response.headers.get("Content-Type"), exchange.url)


class Download:
    """An archive being downloaded: a binary stream for crawler.archive.reader, read as it arrives.
    Past `limit` bytes or `deadline` seconds of waiting, a read raises FetchError (an OSError to
    the reader would be "the download broke off")."""

    def __init__(self, url: str, trust: tuple[str, ...] = (), limit: int | None = None,
                 deadline: float | None = None):
        self.url, self.read_so_far = url, 0
        self.limit = ARCHIVE_BYTES if limit is None else limit
        self._exchange = _Exchange(url, trust, ARCHIVE_DEADLINE if deadline is None else deadline)
        try:
            self._response = self._exchange.open("*/*", decode=False)
        except BaseException:
            self._exchange.close()
            raise

    def read(self, size: int = -1) -> bytes:
        """`size` bytes (at most CHUNK), fewer only at the end, as a file gives them: the reader
        tells gzip from plain by the first three bytes, which a server may send one at a time."""
        size = CHUNK if size is None or size < 0 else min(size, CHUNK)
        data = b""
        with self._exchange.clock:
            while len(data) < size:
                more = self._exchange.read(self._response, size - len(data), decode=False)
                if not more:
                    break
                data += more
        self.read_so_far += len(data)
        if self.read_so_far > self.limit:
            raise FetchError(f"{self.url}: larger than {_size(self.limit)}: not read further")
        return data

    def close(self) -> None:
        self._exchange.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _size(limit: int) -> str:
    return f"{limit / 2**30:g} GB" if limit >= 2**30 else f"{limit / 2**20:g} MB"


class _Clock:
    """A budget of seconds spent waiting on the network. While it runs (`with clock:`), a watchdog
    thread shuts down the sockets it watches when the budget is spent, so any blocked call returns."""

    def __init__(self, seconds: float):
        self.budget, self.seconds = seconds, seconds
        self.started: float | None = None
        self.expired = self.closed = False
        self.sockets: list[socket.socket] = []
        self._lock = threading.Condition()
        self._thread: threading.Thread | None = None

    def remaining(self) -> float:
        with self._lock:
            spent = time.monotonic() - self.started if self.started is not None else 0.0
            return max(self.budget - spent, 0.0)

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self.sockets.append(sock)
            if self.expired:
                _shut(sock)

    def __enter__(self):
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._watchdog, name="rasid-fetch-deadline", daemon=True)
                self._thread.start()
            self.started = time.monotonic()
            self._lock.notify()
        return self

    def __exit__(self, *exc) -> None:
        with self._lock:
            if self.started is not None:
                self.budget -= time.monotonic() - self.started
                self.started = None

    def close(self) -> None:
        with self._lock:
            self.closed = True
            self._lock.notify()

    def _watchdog(self) -> None:
        with self._lock:
            while not self.closed:
                if self.started is None:
                    self._lock.wait()
                    continue
                left = self.budget - (time.monotonic() - self.started)
                if left <= 0:
                    self.expired = True
                    for sock in self.sockets:
                        _shut(sock)
                    return
                self._lock.wait(left)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # closed already


class _Exchange:
    """One URL asked, its redirects followed: the connection pools, the clock, the trusted origins."""

    def __init__(self, url: str, trust: tuple[str, ...], deadline: float):
        self.first = self.url = url
        self.trusted = frozenset(origin_of(u) for u in trust)
        self.clock = _Clock(deadline)
        self.pools: list[HTTPConnectionPool] = []

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.clock.close()
        for pool in self.pools:
            pool.close()

    def open(self, accept: str, decode: bool) -> urllib3.BaseHTTPResponse:
        """The response of the URL or of its last redirect, status 200 (2xx); FetchError otherwise."""
        # a body is decoded only where its size is capped as decoded (a document); an archive is read as sent
        encodings = ("gzip, deflate, br" if _brotli() else "gzip, deflate") if decode else "identity"
        headers = {"User-Agent": USER_AGENT, "Accept": accept, "Accept-Encoding": encodings}
        for hop in range(REDIRECT_MAX_TIMES + 1):
            response = self._request(headers, decode)
            if response.status not in REDIRECTS:
                if response.status >= 300 or response.status < 200:
                    response.release_conn()
                    raise FetchError(f"{self.first}: HTTP {response.status} {response.reason or ''}".rstrip())
                return response
            target = response.headers.get("Location")
            response.release_conn()
            if not target:
                raise FetchError(f"{self.first}: HTTP {response.status} without a Location")
            new = urljoin(self.url, target.strip())
            why = scheme_refusal(new)
            if why:
                raise FetchError(f"{self.first}: redirect to {new} refused: {why}")
            self.url = new
            if hop == REDIRECT_MAX_TIMES:
                break
        raise FetchError(f"{self.first}: more than {REDIRECT_MAX_TIMES} redirects")

    def _request(self, headers: dict, decode: bool) -> urllib3.BaseHTTPResponse:
        why = scheme_refusal(self.url)
        if why:
            raise FetchError(f"{self.url}: {why}")
        scheme, host, port = origin_of(self.url)
        parts = urlsplit(self.url)
        pool_class = _HTTPSPool if scheme == "https" else _HTTPPool
        pool = pool_class(host, port, retries=False, maxsize=1, clock=self.clock,
                          trusted=(scheme, host, port) in self.trusted)
        self.pools.append(pool)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        timeout = urllib3.Timeout(connect=max(self.clock.remaining(), 0.001), read=max(self.clock.remaining(), 0.001))
        try:
            with self.clock:
                return pool.urlopen("GET", target, headers=headers, redirect=False, preload_content=False,
                                    decode_content=decode, timeout=timeout, assert_same_host=False)
        except Refused as exc:
            where = f"{self.first}:" if self.url == self.first else f"{self.first}: redirect to {self.url}"
            raise FetchError(f"{where} refused: {exc}") from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise self._failure(exc) from None

    def read(self, response, size: int, decode: bool) -> bytes:
        try:
            return response.read1(size, decode_content=decode)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise self._failure(exc) from None
        finally:
            if self.clock.expired:
                raise self._late()

    def _late(self) -> FetchError:
        return FetchError(f"{self.first}: not answered within the {self.clock.seconds:g} s deadline: not read further")

    def _failure(self, exc: Exception) -> FetchError:
        if self.clock.expired:
            return self._late()
        reason = getattr(exc, "reason", None) or exc
        why = _CONNECTION_REPR.sub("", " ".join(str(reason).split()))  # urllib3 names its connection object first
        return FetchError(f"{self.first}: cannot fetch: {why[:300]}")


def _brotli() -> bool:
    try:
        import brotli  # noqa: F401 — urllib3 decodes br with it, in bounded steps
    except ImportError:
        return False
    return True


class _Guarded:
    """A connection that judges the address it connects to (unless its origin is trusted) and
    puts its socket under the exchange's clock."""

    def __init__(self, *args, clock: _Clock, trusted: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self._clock, self._trusted = clock, trusted

    def _new_conn(self) -> socket.socket:
        if self._trusted:
            sock = super()._new_conn()
        else:
            sock = self._connect_public()
        self._clock.watch(sock)
        return sock

    def _connect_public(self) -> socket.socket:
        try:
            infos = socket.getaddrinfo(self._dns_host, self.port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise urllib3.exceptions.NameResolutionError(self.host, self, exc) from exc
        for info in infos:
            if not is_public(info[4][0]):
                raise Refused(f"{self.host} is a non-public address ({info[4][0]})")
        error: OSError | None = None
        for family, kind, proto, _, address in infos:  # the very addresses judged, in the resolver's order
            sock = socket.socket(family, kind, proto)
            try:
                for option in self.socket_options or ():
                    sock.setsockopt(*option)
                sock.settimeout(self.timeout)
                sock.connect(address)
                return sock
            except OSError as exc:
                sock.close()
                error = exc
        raise urllib3.exceptions.NewConnectionError(self, f"Failed to establish a new connection: {error}")


class _HTTPConnection(_Guarded, HTTPConnection):
    pass


class _HTTPSConnection(_Guarded, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection
