"""Front pages: the reader on real saved Arabic home pages and on the snapshots (extract/frontpage.py),
the rule that says what changed between two readings (monitor/frontpage.py, no SQLite), and the
store's rows and the page at a moment read back from them (db/store.py, monitor/recorder.py)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

import lxml.html
import pytest
from w3lib.url import canonicalize_url

from db.store import Store
from extract.frontpage import read_listing
from extract.model import ListingPage, Placement
from monitor.config import DEMO_THIRD, DEMO_UPDATE, SNAPSHOTS, load_sites
from monitor.frontpage import Open, best_positions, compare, differences, leaders, numbered
from monitor.recorder import Recorder, front_page_at

PAGES = Path(__file__).parent / "frontpages"


def resolver(host: str, pattern: str | None):
    """A site's judgement of a link, as the spider makes it: its own host, its article pattern
    (None: every page of the host but its root may be one, as on a site without patterns)."""
    rx = re.compile(pattern) if pattern else None

    def resolve(url: str) -> str | None:
        parts = urlsplit(url)
        if not (parts.hostname or "").endswith(host) or parts.path in ("", "/"):
            return None
        if rx is not None and not rx.search(unquote(parts.path)):
            return None
        return canonicalize_url(url)
    return resolve


def read(name: str, host: str, pattern: str | None, url: str) -> tuple[Placement, ...]:
    return read_listing(lxml.html.fromstring((PAGES / name).read_bytes()), url, resolver(host, pattern))


def blocks(placements) -> list[tuple[str, str, int]]:
    """(block, kind, how many) in page order."""
    out: list[tuple[str, str, int]] = []
    for p in placements:
        if out and out[-1][0] == p.block:
            out[-1] = (p.block, p.kind, out[-1][2] + 1)
        else:
            out.append((p.block, p.kind, 1))
    return out


YOUM7_STORY = r"^/story/\d{4}/\d{1,2}/\d{1,2}/[^/]+/\d+$"
OKAZ_ARTICLE = r"^/article/\d+/"


def ids(placements) -> list[str]:
    return [p.url.rsplit("/", 1)[-1] for p in placements]


def test_youm7_lead_ticker_and_blocks_are_told_apart():
    placements = read("youm7.com.html", "youm7.com", YOUM7_STORY, "http://www.youm7.com/")
    assert blocks(placements) == [
        ("ticker", "ticker", 10), ("lead", "lead", 4), ("TopNewsDiv", "list", 6), ("تحقيقات و ملفات", "list", 7),
        ("أخبار عاجلة", "list", 5), ("سياسة", "list", 5), ("حوادث", "list", 5), ("عقارات", "list", 5),
        ("كتاب و أراء", "list", 4), ("الأكثر قراءة", "ranking", 10), ("الأكثر تعليقا", "ranking", 4)]
    lead = [p for p in placements if p.kind == "lead"]
    # the slider's four stories, in its order, each with the words its link shows
    assert ids(lead) == ["3698430", "3698324", "3698416", "3698405"]
    assert lead[0].teaser.startswith("وجه مرتضى منصور، رئيس نادى الزمالك") and lead[0].position == 11
    ticker = [p for p in placements if p.kind == "ticker"]
    assert ticker[0].teaser == "السيسى يستمع لشرح تفصيلى حول الموقف التنفيذى لميناء شرق بورسعيد"
    assert ticker[-1].block_position == 10 and ticker[-1].position == 10
    # a card drawn by a script: its headline is the title attribute, not the slide's number
    top = [p for p in placements if p.block == "TopNewsDiv"]
    assert top[0].teaser == "موسى مصطفى موسى: حشود المصريين بالخارج تؤكد المنافسة بينى وبين السيسي"
    # the writers' box: their stories, never the writers' own pages or their names
    assert [p.teaser for p in placements if p.block == "كتاب و أراء"] == [
        "شباب مصر بالخارج يلقنون الإخوان والثوار «صفعة القرن» فى لجان الانتخابات", "كلنا سفراء لمصر",
        "كان عندنا شركة اسمها «شرق الدلتا»", "لا تكيلوا بمكيالين!"]
    assert [p.position for p in placements] == list(range(1, len(placements) + 1))


@pytest.mark.parametrize("pattern", [YOUM7_STORY, None], ids=["patterns", "no patterns"])
def test_youm7_no_menu_section_or_footer_link_is_a_placement(pattern):
    placements = read("youm7.com.html", "youm7.com", pattern, "http://www.youm7.com/")
    paths = {unquote(urlsplit(p.url).path) for p in placements}
    assert paths and all(path.startswith("/story/") for path in paths), sorted(paths - {""})[:5]
    assert not {p.teaser for p in placements} & {"عاجل", "سياسة", "رياضة", "من نحن", "سياسة الخصوصية", "مقالات"}
    assert ids(p for p in placements if p.kind == "lead") == ["3698430", "3698324", "3698416", "3698405"]
    assert sum(p.kind == "ticker" for p in placements) == 10


def test_okaz_lead_ticker_tabs_and_base_href():
    placements = read("okaz.com.sa.html", "okaz.com.sa", OKAZ_ARTICLE, "https://www.okaz.com.sa/")
    found = blocks(placements)
    assert found[:4] == [("شريط الأخبار", "ticker", 5), ("lead", "lead", 5), ("BigImageSlider padd10px", "list", 6),
                         ("أخبار الساعة", "list", 6)]
    assert ("الأكثر قراءة", "ranking", 12) in found and ("الأكثر تعليقاً", "ranking", 4) in found
    assert [b for b, _, _ in found if b in ("فيديو", "محليات", "صوت المواطن", "رياضة", "اقتصاد", "السياسة",
                                             "محطة أخيرة", "كتاب ومقالات")] == [
        "فيديو", "محليات", "صوت المواطن", "رياضة", "اقتصاد", "السياسة", "محطة أخيرة", "كتاب ومقالات"]
    lead = [p for p in placements if p.kind == "lead"]
    # the slideshow's image links carry no words: the thumbnails' links give the headlines, in order
    assert [p.teaser for p in lead][:2] == ["ولي العهد: المملكة لا تركز على ما يخلق التوتر",
                                            "إن عدتم «نووياً» عدنا.. محمد بن سلمان أعذر فأنذر"]
    # the ticker's separators are not the headline's; its guillemets are
    ticker = [p.teaser for p in placements if p.kind == "ticker"]
    assert ticker[2] == "«البيئة»: لا إصابات جديدة بإنفلونزا الطيور H5N8" and not ticker[0].endswith("-")


def test_okaz_without_patterns_takes_no_menu_footer_or_service_link():
    placements = read("okaz.com.sa.html", "okaz.com.sa", None, "https://www.okaz.com.sa/")
    paths = {unquote(urlsplit(p.url).path) for p in placements}
    menus = {"/محليات", "/السياسة", "/اقتصاد", "/كتاب-ومقالات", "/English", "/about-us", "/contact-us", "/archive",
             "/الرئيسية", "/morearticles/المرأة", "/rss", "/themes/okaz/images/fav1.png"}
    assert not paths & menus
    assert [p.kind for p in placements][:10] == ["ticker"] * 5 + ["lead"] * 5


def test_nothing_but_navigation_reads_as_no_placement():
    page = ('<html><body><header><nav><a href="/a/1">سياسة عربية دولية</a></nav></header>'
            '<ul class="menu"><li><a href="/a/2">خبر أول طويل هنا</a></li></ul>'
            '<footer><a href="/a/3">من نحن وما نفعل</a></footer></body></html>')
    assert read_listing(lxml.html.fromstring(page), "https://x.test/", resolver("x.test", None)) == ()


SNAPSHOT_BLOCKS = [("ticker", "ticker", 3), ("lead", "lead", 1), ("آخر الأخبار", "list", 5), ("الأكثر قراءة", "ranking", 2)]


def ina_reading(root: Path) -> tuple[Placement, ...]:
    site = load_sites()["ina"]

    def resolve(url: str) -> str | None:
        public = canonicalize_url(url)
        return public if site.is_article(public) else None
    return read_listing(lxml.html.fromstring((root / "ina" / "index.html").read_bytes()), "https://www.ina.iq/", resolve)


def test_the_snapshot_home_pages_read_into_their_blocks():
    assert blocks(ina_reading(SNAPSHOTS)) == SNAPSHOT_BLOCKS
    assert blocks(ina_reading(DEMO_THIRD))[2] == ("آخر الأخبار", "list", 4)
    second = ina_reading(DEMO_UPDATE)
    assert [p.url for p in second if p.kind == "lead"] == ["https://www.ina.iq/111570--.html"]


# --- the rule ------------------------------------------------------------------------------------


def reading(*items: tuple[str, str, str]) -> tuple[Placement, ...]:
    """(block, url, teaser) in page order, as placements ("ranking" blocks are named so)."""
    out, in_block = [], {}
    for n, (block, url, teaser) in enumerate(items, 1):
        in_block[block] = in_block.get(block, 0) + 1
        kind = "ranking" if block == "ranking" else "lead" if block == "lead" else "list"
        out.append(Placement(url, teaser, n, block, kind, in_block[block]))
    return tuple(out)


def opened(change, start: int = 0) -> list[Open]:
    return [Open(start + n, o.url, o.block, o.kind, o.rank, o.teaser, o.appeared_at)
            for n, o in enumerate(change.openings)]


def rows_after(rows: list[Open], change, start: int) -> list[Open]:
    """The open rows once `change` is applied, in rank order."""
    closed = {c.id for c in change.closings}
    return sorted([r for r in rows if r.id not in closed] + opened(change, start), key=lambda r: r.rank)


LIVE = {u: {"status": "live", "id": n} for n, u in enumerate("abcdefghxyz")}


def test_a_first_reading_opens_every_placement_in_order_and_alerts_nothing():
    change = compare([], reading(("lead", "a", "A"), ("list", "b", "B"), ("list", "c", "C")), LIVE, "t1")
    assert [o.url for o in change.openings] == ["a", "b", "c"] and not change.closings and not change.alerts
    assert [o.rank for o in change.openings] == sorted(o.rank for o in change.openings)
    assert {o.appeared_at for o in change.openings} == {"t1"}


def test_a_story_added_at_the_top_is_one_row_not_a_new_position_for_every_other():
    page = reading(*[("list", f"u{n}", f"T{n}") for n in range(200)])
    rows = opened(compare([], page, {}, "t1"))
    # a new story at the top, the last one off the end: two rows touched, 198 kept as they were
    new = reading(("list", "new", "NEW"), *[("list", f"u{n}", f"T{n}") for n in range(199)])
    change = compare(rows, new, {}, "t2")
    assert [o.url for o in change.openings] == ["new"]
    assert [(c.url, c.reason) for c in change.closings] == [("u199", "left")]
    assert change.counts() == {"appeared": 1, "moved": 0, "teaser": 0, "left": 1, "pulled": 0}
    after = numbered([{"url": r.url, "block": r.block} for r in rows_after(rows, change, 1000)])
    assert [(r["url"], r["position"]) for r in after[:3]] == [("new", 1), ("u0", 2), ("u1", 3)]


def test_a_move_is_the_story_that_changed_order_not_those_it_passed():
    rows = opened(compare([], reading(*[("list", u, u) for u in "abcdef"]), {}, "t1"))
    change = compare(rows, reading(*[("list", u, u) for u in "abdecf"]), {}, "t2")  # c moved down two
    assert [(c.url, c.reason) for c in change.closings] == [("c", "moved")]
    assert [o.url for o in change.openings] == ["c"]
    after = rows_after(rows, change, 100)
    assert [r.url for r in after] == list("abdecf")


def test_a_rewritten_teaser_keeps_the_place_and_raises_a_teaser_alert_for_a_stored_article():
    rows = opened(compare([], reading(("list", "a", "A"), ("list", "b", "B")), LIVE, "t1"))
    change = compare(rows, reading(("list", "a", "A"), ("list", "b", "B, rewritten")), LIVE, "t2")
    assert [(c.url, c.reason) for c in change.closings] == [("b", "teaser")]
    assert change.openings[0].rank == rows[1].rank and change.openings[0].appeared_at == "t1"
    assert [(a.kind, a.url, a.diff) for a in change.alerts] == [("teaser", "b", "list: «B» → «B, rewritten»")]
    unstored = compare(rows, reading(("list", "a", "A"), ("list", "b", "B2")), {}, "t2")
    assert not unstored.alerts  # an alert is about a stored article


def test_pulled_is_taken_out_while_live_with_stories_below_it_staying():
    rows = opened(compare([], reading(*[("list", u, u) for u in "abcd"], ("ranking", "e", "e"), ("ranking", "f", "f")),
                          LIVE, "t1"))
    # c taken out from the middle (d stays below it), the live article: pulled
    change = compare(rows, reading(*[("list", u, u) for u in "abd"], ("ranking", "f", "f")), LIVE, "t2")
    reasons = {c.url: c.reason for c in change.closings}
    assert reasons == {"c": "pulled", "e": "left"}  # a "most read" box is the readers' order: never pulled
    assert [(a.kind, a.url) for a in change.alerts] == [("pulled", "c")]
    assert "list #3 of 4" in change.alerts[0].diff
    # fallen off the end of its block: pushed off, not pulled
    tail = compare(rows, reading(*[("list", u, u) for u in "xabc"], ("ranking", "e", "e"), ("ranking", "f", "f")),
                   LIVE, "t2")
    assert {c.url: c.reason for c in tail.closings} == {"d": "left"} and not tail.alerts
    # an article the store has removed (or does not hold) is not pulled
    gone = compare(rows, reading(*[("list", u, u) for u in "abd"], ("ranking", "e", "e"), ("ranking", "f", "f")),
                   {**LIVE, "c": {"status": "removed", "id": 2}}, "t2")
    assert {c.url: c.reason for c in gone.closings} == {"c": "left"} and not gone.alerts


def test_a_story_moving_to_another_block_is_a_move_and_keeps_its_stay():
    rows = opened(compare([], reading(("lead", "a", "A"), ("list", "b", "B")), LIVE, "t1"))
    change = compare(rows, reading(("lead", "x", "X"), ("list", "a", "A"), ("list", "b", "B")), LIVE, "t2")
    assert {c.url: c.reason for c in change.closings} == {"a": "moved"}
    moved = next(o for o in change.openings if o.url == "a")
    assert moved.block == "list" and moved.appeared_at == "t1" and not change.alerts
    assert change.counts() == {"appeared": 1, "moved": 1, "teaser": 0, "left": 0, "pulled": 0}


def test_a_page_that_is_not_the_front_page_is_not_taken_for_it():
    rows = opened(compare([], reading(*[("list", f"u{n}", f"T{n}") for n in range(20)]), LIVE, "t1"))
    assert compare(rows, (), LIVE, "t2").unreadable  # a consent wall, an error page answered 200
    wall = compare(rows, reading(("list", "x", "X"), ("list", "y", "Y")), LIVE, "t2")
    assert wall.unreadable and not wall.closings and not wall.openings
    redesign = compare(rows, reading(*[("new block", f"u{n}", f"T{n}") for n in range(20)]), LIVE, "t2")
    assert not redesign.unreadable and redesign.counts()["moved"] == 20 and not redesign.alerts


def test_positions_at_any_moment_follow_from_the_ranks_open_then():
    t = [f"2026-01-01T10:0{n}:00.000+00:00" for n in range(4)]
    rows = [{"rank": "a1", "block": "L", "opened_at": t[0], "closed_at": None},
            {"rank": "a0", "block": "L", "opened_at": t[0], "closed_at": t[2]},  # above it until t2
            {"rank": "Zz", "block": "T", "opened_at": t[1], "closed_at": None}]  # another block, above, from t1
    assert best_positions(rows[0], rows) == (2, 1)  # first in its block once a0 left; Zz stayed above it
    rows[2]["closed_at"] = t[3]
    assert best_positions(rows[0], rows) == (1, 1)  # and the top of the page once Zz left too
    rows[1]["closed_at"] = None  # a0 never leaves: always one above in its block
    assert best_positions(rows[0], rows) == (2, 2)
    lead = [{"rank": "a0", "opened_at": t[0], "closed_at": t[2], "id": 1},
            {"rank": "Zz", "opened_at": t[2], "closed_at": None, "id": 2}]
    spans = leaders(lead, t[0], t[3])
    assert [(s["row"]["id"], round((s["to"] - s["from"]).total_seconds())) for s in spans] == [(1, 120), (2, 60)]


def test_differences_say_what_a_reader_sees_changed():
    before = numbered([{"id": 1, "url": "a", "block": "lead", "teaser": "A", "closed_as": "moved"},
                       {"id": 2, "url": "b", "block": "list", "teaser": "B", "closed_as": "teaser"},
                       {"id": 3, "url": "c", "block": "list", "teaser": "C", "closed_as": "pulled"}])
    after = numbered([{"id": 4, "url": "x", "block": "lead", "teaser": "X"},
                      {"id": 5, "url": "a", "block": "list", "teaser": "A"},
                      {"id": 6, "url": "b", "block": "list", "teaser": "B2"}])
    assert [(d["what"], (d["after"] or d["before"])["url"]) for d in differences(before, after)] == [
        ("appeared", "x"), ("moved", "a"), ("teaser", "b"), ("pulled", "c")]


# --- the store ------------------------------------------------------------------------------------


def listing_page(when: datetime, placements, body: str = "x", status: int = 200) -> ListingPage:
    return ListingPage("ina", "/", "https://www.ina.iq/", status, when.isoformat(timespec="milliseconds"),
                       body_hash=body, placements=placements)


def test_the_store_keeps_changes_only_and_gives_the_page_back_at_any_moment(tmp_path):
    store = Store(tmp_path / "front.db")
    store.ensure_site("ina", "INA", "https://www.ina.iq", "Asia/Baghdad")
    recorder = Recorder(store)
    t0 = datetime(2026, 1, 1, 10, tzinfo=UTC)
    first = reading(("lead", "a", "A"), ("list", "b", "B"), ("list", "c", "C"))
    second = reading(("lead", "x", "X"), ("list", "a", "A"), ("list", "b", "B"), ("list", "c", "C2"))
    recorder.record_listing(listing_page(t0, first, "1"))
    for n in range(1, 4):  # the same page read again: no row
        assert recorder.record_listing(listing_page(t0 + timedelta(minutes=5 * n), first, str(n + 1))).changed is False
    assert recorder.record_listing(listing_page(t0 + timedelta(minutes=20), None, status=304)) is None
    recorder.record_listing(listing_page(t0 + timedelta(minutes=25), second, "9"))
    assert store.db["placements"].count == 3 + 3  # x opened, a moved (closed and opened), c2 rewritten (the same)
    listing, page = front_page_at(store, "ina", "/", t0 + timedelta(minutes=1))
    assert [(r["position"], r["block"], r["block_position"], r["teaser"]) for r in page] == [
        (1, "lead", 1, "A"), (2, "list", 1, "B"), (3, "list", 2, "C")]
    assert listing["reads"] == 6
    _, later = front_page_at(store, "ina", "/", t0 + timedelta(minutes=25))  # the reading's own moment
    assert [(r["block"], r["teaser"]) for r in later] == [("lead", "X"), ("list", "A"), ("list", "B"), ("list", "C2")]
    with pytest.raises(ValueError, match="first read it at"):
        front_page_at(store, "ina", "/", t0 - timedelta(minutes=1))
    with pytest.raises(ValueError, match="never read"):
        front_page_at(store, "ina", "/news", t0)
    store.close()
