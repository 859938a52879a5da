"""The replay server behaves like a real web server."""

import urllib.error
import urllib.request

import pytest

from crawler.demo.replay import ReplayServer

pytestmark = pytest.mark.slow  # servers and child processes: `pytest -m "not slow"` skips them


def get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_etag_and_last_modified_give_304(replay):
    url = replay.base_urls["ina"] + "/111563--.html"
    status, headers, body = get(url)
    assert status == 200 and "الكاظمي".encode() in body
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert get(url, {"If-None-Match": headers["ETag"]})[0] == 304
    assert get(url, {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    assert get(url, {"If-None-Match": '"stale"'})[0] == 200


def test_redirect_gone_missing_and_feeds(replay):
    base = replay.base_urls["ina"]
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as moved:
        opener.open(base + "/news/111563")
    assert moved.value.code == 301 and moved.value.headers["Location"] == "/111563--.html"
    assert get(base + "/111001--.html")[0] == 410
    assert get(base + "/nope.html")[0] == 404
    assert get(base + "/rss.xml")[1]["Content-Type"].startswith("application/rss+xml")
    assert get(replay.base_urls["elaph"] + "/rss/news.xml")[1]["Content-Type"].startswith("application/atom+xml")
    assert get(base + "/robots.txt")[1]["Content-Type"].startswith("text/plain")
    assert get(replay.base_urls["kitabat"] + "/feed/")[0] == 200
    assert get(replay.base_urls["kitabat"] + "/feed")[0] == 200  # 301 to /feed/, followed


def test_never_serves_outside_the_snapshot(replay):
    base = replay.base_urls["ina"]
    assert get(base + "/../../../etc/passwd")[0] == 404
    assert get(base + "/%2e%2e/%2e%2e/etc/passwd")[0] == 404
    assert get(base + "/_replay.toml")[0] == 404


def test_charset_follows_the_file(snapshot_root):
    page = snapshot_root / "ina" / "legacy.html"
    page.write_bytes('<html><head><meta charset="windows-1256"></head><body>خبر</body></html>'.encode("cp1256"))
    with ReplayServer(snapshot_root) as server:
        status, headers, body = get(server.base_urls["ina"] + "/legacy.html")
    assert headers["Content-Type"] == "text/html; charset=windows-1256"
    assert body.decode("cp1256").endswith("<body>خبر</body></html>")


def test_missing_root_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="snapshot root not found"):
        ReplayServer(tmp_path / "nope")
