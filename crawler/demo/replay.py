"""Serve offline site snapshots over loopback with real HTTP behaviour.

A snapshot tree has one folder per site (seeds/snapshots/<site>/) whose files
mirror URL paths: /111563--.html is <site>/111563--.html, /feed/ is
<site>/feed/index.xml or index.html. Each site is served on its own
127.0.0.1 port, so root-relative links work exactly as on the live site and
the spider reaches it by a base-URL override alone.

What a crawler meets on a real server is reproduced: ETag and Last-Modified
with 304 answers to conditional requests, 301 redirects and 410 Gone listed
in the site's optional _replay.toml, 404 for missing pages, and a
Content-Type with the charset the file declares.

Written on http.server because no maintained package serves a plain file tree
with conditional requests and per-path redirects over several ports without
a framework (pywb replays WARC files, which would hide the snapshot's HTML
from the people reading it).
"""

from __future__ import annotations

import hashlib
import re
import sys
import threading
import tomllib
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

_CHARSET_META = re.compile(rb"""<meta[^>]+charset=["']?([\w-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding=["']([\w-]+)""", re.I)


@dataclass
class SiteSnapshot:
    """One site's folder and its replay rules."""

    root: Path
    redirects: dict[str, str] = field(default_factory=dict)
    gone: set[str] = field(default_factory=set)
    validators: bool = True  # false: a server that sends no ETag/Last-Modified and never answers 304

    @classmethod
    def load(cls, root: Path) -> SiteSnapshot:
        rules_file = root / "_replay.toml"
        rules = tomllib.loads(rules_file.read_text(encoding="utf-8")) if rules_file.exists() else {}
        return cls(root, dict(rules.get("redirects", {})), set(rules.get("gone", {}).get("paths", [])),
                   bool(rules.get("validators", True)))

    def resolve(self, path: str) -> Path | None:
        """The file that answers `path`, or None. Never leaves the snapshot root."""
        relative = path.lstrip("/")
        candidates = [relative + "index.html", relative + "index.xml"] if path.endswith("/") else [relative]
        root = self.root.resolve()
        for candidate in candidates:
            target = (root / candidate).resolve()
            if target.is_relative_to(root) and target.is_file() and not target.name.startswith("_"):
                return target
        return None


def content_type(path: Path, body: bytes) -> str:
    head = body[:2048]
    match = _XML_ENCODING.search(head) or _CHARSET_META.search(head)
    charset = match.group(1).decode("ascii").lower() if match else "utf-8"
    if path.name == "robots.txt" or path.suffix == ".txt":
        kind = "text/plain"
    elif head.lstrip().startswith(b"<?xml") or path.suffix == ".xml":
        kind = ("application/rss+xml" if b"<rss" in head else
                "application/atom+xml" if b"<feed" in head else "application/xml")
    else:
        kind = "text/html"
    return f"{kind}; charset={charset}"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # socketserver's default backlog of 5 drops connections under a crawl's burst

    def handle_error(self, request, client_address) -> None:
        # A client that hangs up mid-request (a crawl stopped or killed) is ordinary for a web
        # server: no traceback for it. Anything else is still printed by socketserver.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server_version = "RasidReplay/1.0"
    protocol_version = "HTTP/1.1"  # keep-alive, as real news servers do; every answer has a Content-Length
    snapshot: SiteSnapshot  # set on the per-site subclass
    quiet = True

    def do_HEAD(self) -> None:  # noqa: N802 (http.server's naming)
        self._answer(send_body=False)

    def do_GET(self) -> None:  # noqa: N802
        self._answer(send_body=True)

    def _answer(self, send_body: bool) -> None:
        path = unquote(urlsplit(self.path).path) or "/"
        snap = self.snapshot
        if path in snap.redirects:
            self._plain(HTTPStatus.MOVED_PERMANENTLY, send_body, location=quote(snap.redirects[path]))
            return
        if path in snap.gone:
            self._plain(HTTPStatus.GONE, send_body)
            return
        target = snap.resolve(path)
        if target is None and not path.endswith("/") and snap.resolve(path + "/"):
            self._plain(HTTPStatus.MOVED_PERMANENTLY, send_body, location=quote(path + "/"))
            return
        if target is None:
            self._plain(HTTPStatus.NOT_FOUND, send_body)
            return
        body = target.read_bytes()
        etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
        mtime = int(target.stat().st_mtime)
        headers = {"ETag": etag, "Last-Modified": formatdate(mtime, usegmt=True),
                   "Content-Type": content_type(target, body), "Cache-Control": "max-age=60"}
        if not snap.validators:
            del headers["ETag"], headers["Last-Modified"]
        elif self._not_modified(etag, mtime):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            for name in ("ETag", "Last-Modified", "Cache-Control"):
                self.send_header(name, headers[name])
            self.end_headers()
            return
        self.send_response(HTTPStatus.OK)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def _not_modified(self, etag: str, mtime: int) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:  # RFC 9110: If-None-Match wins over If-Modified-Since
            return etag in [tag.strip() for tag in if_none_match.split(",")] or if_none_match.strip() == "*"
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                return mtime <= parsedate_to_datetime(since).timestamp()
            except (TypeError, ValueError):
                return False
        return False

    def _plain(self, status: HTTPStatus, send_body: bool, location: str | None = None) -> None:
        body = f"<html><body><h1>{status.value} {status.phrase}</h1></body></html>".encode()
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        if not self.quiet:
            super().log_message(format, *args)


class ReplayServer:
    """Serves every site folder under `root`, each on its own loopback port.

    `base_urls` maps site key to its http://127.0.0.1:PORT origin. Use as a
    context manager, or call start() and stop()."""

    def __init__(self, root: Path, first_port: int = 0, host: str = "127.0.0.1", quiet: bool = True):
        self.root = Path(root)
        if not self.root.is_dir():
            raise FileNotFoundError(f"snapshot root not found: {self.root}")
        self.sites = sorted(p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))
        if not self.sites:
            raise FileNotFoundError(f"no site folders in snapshot root: {self.root}")
        self.first_port, self.host, self.quiet = first_port, host, quiet
        self.base_urls: dict[str, str] = {}
        self._servers: list[_Server] = []

    def start(self) -> ReplayServer:
        for n, site in enumerate(self.sites):
            snapshot = SiteSnapshot.load(self.root / site)
            handler = type(f"Replay_{site}", (_Handler,), {"snapshot": snapshot, "quiet": self.quiet})
            port = self.first_port + n if self.first_port else 0
            server = _Server((self.host, port), handler)
            threading.Thread(target=server.serve_forever, name=f"replay-{site}", daemon=True).start()
            self._servers.append(server)
            self.base_urls[site] = f"http://{self.host}:{server.server_address[1]}"
        return self

    def reload(self) -> None:
        """Re-read every site's _replay.toml (after the snapshot tree changed)."""
        for server in self._servers:
            handler = server.RequestHandlerClass
            handler.snapshot = SiteSnapshot.load(handler.snapshot.root)

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers.clear()

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
