"""The front page through real crawls of the snapshots: INA's home page in its three states
(seeds/snapshots, seeds/demo-update, seeds/demo-third), each read back exactly by
`rasid frontpage ina --at`, the changes the demo's second crawl brings (a story added at the top,
the lead moved down, a teaser rewritten, one pulled while its article stays online), their alerts,
and a listing that answers 304 changing nothing."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from crawler.demo.demo import apply_demo_update
from monitor.config import DEMO_THIRD
from tests.conftest import base_url_args, rows, run_rasid

pytestmark = pytest.mark.slow  # crawls of the replay server

INA = "https://www.ina.iq"
ARTICLES = {  # corpus.toml's [[other.ina]] by index, and the seed (linked by its old address)
    0: ("/111570--.html", "وزارة الكهرباء تعلن إضافة 500 ميغاواط إلى المنظومة الوطنية"),
    1: ("/111577--.html", "الصحة: تسجيل انخفاض في الإصابات بفيروس كورونا في بغداد"),
    2: ("/111584--.html", "النقل تعلن استئناف الرحلات الجوية بين بغداد والبصرة"),
    3: ("/111591--.html", "التربية تحدد موعد امتحانات الدور الثاني للمرحلة الإعدادية"),
    4: ("/111598--.html", "الزراعة تمنع استيراد الطماطم لحماية المنتج المحلي"),
    5: ("/111605--.html", "الداخلية: ضبط شبكة لتهريب الآثار في ذي قار وإحباط بيع 40 قطعة أثرية"),
    "seed": ("/news/111563", "الكاظمي: جماعات خارجة عن القانون تحاول منذ فترة ترهيب أهل البصرة"),
}
REWRITTEN = "التربية: امتحانات الدور الثاني للإعدادية تبدأ منتصف الشهر"


def state(ticker, lead, latest, most_read) -> list[tuple]:
    """The page as (block, place in it, teaser, url), in page order."""
    out = []
    for block, items in (("ticker", ticker), ("lead", lead), ("آخر الأخبار", latest), ("الأكثر قراءة", most_read)):
        for n, item in enumerate(items, 1):
            key, teaser = item if isinstance(item, tuple) else (item, None)
            path, title = ARTICLES[key]
            out.append((block, n, teaser or title, INA + path))
    return out


STATES = [
    state([5, 4, 3], [5], [4, 3, 2, 1, "seed"], [1, 4]),
    state([5, 4, 3], [0], [5, 4, (3, REWRITTEN), 1, "seed"], [1, 4]),
    state([0, 5, 4], [0], [4, 5, (3, REWRITTEN), 1], [1, 4]),
]


def frontpage(db, at: datetime) -> list[tuple]:
    answer = json.loads(run_rasid("frontpage", "ina", "--db", str(db), "--at", at.isoformat(), "--json").stdout)
    assert [p["position"] for p in answer["placements"]] == list(range(1, len(answer["placements"]) + 1))
    return [(p["block"], p["block_position"], p["teaser"], p["url"]) for p in answer["placements"]]


def test_the_three_states_of_a_front_page_read_back_exactly(tmp_path, replay, snapshot_root):
    db = tmp_path / "rasid.db"
    moments = []
    for update in (None, "demo-update", DEMO_THIRD):
        if update == "demo-update":
            apply_demo_update(snapshot_root)
        elif update is not None:
            apply_demo_update(snapshot_root, update)
        replay.reload()
        run_rasid("crawl", "--db", str(db), *base_url_args(replay))
        # a moment after this crawl's reading and before the next one's, to the second (as --at reads it)
        moments.append(datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1))
        while datetime.now(UTC) <= moments[-1]:
            time.sleep(0.05)
        if update is None:  # the same page again: answered 304, nothing moved, nothing left
            before = rows(db, "SELECT count(*) AS n FROM placements")[0]["n"]
            run_rasid("crawl", "ina", "--db", str(db), *base_url_args(replay))
            assert rows(db, "SELECT count(*) AS n FROM placements")[0]["n"] == before
            assert rows(db, "SELECT reads FROM listings WHERE site = 'ina'") == [{"reads": 2}]
    for n, moment in enumerate(moments):
        assert frontpage(db, moment) == STATES[n], f"state {n + 1}"
    # the second crawl's changes, as the store keeps them, and their alerts
    closed = rows(db, "SELECT f.url, p.block, p.closed_as FROM placements p JOIN front_links f ON f.id = p.link_id "
                      "JOIN listings l ON l.id = p.listing_id WHERE l.site = 'ina' AND p.closed_at <= ? "
                      "ORDER BY p.closed_at, p.id", [moments[1].isoformat()])
    assert sorted((r["url"].removeprefix(INA), r["block"], r["closed_as"]) for r in closed) == [
        ("/111584--.html", "آخر الأخبار", "pulled"), ("/111591--.html", "آخر الأخبار", "teaser"),
        ("/111605--.html", "lead", "moved")]
    alerts = rows(db, "SELECT kind, site, url, diff FROM alerts WHERE kind IN ('pulled', 'teaser') ORDER BY kind")
    assert [(a["kind"], a["url"].removeprefix(INA)) for a in alerts] == [("pulled", "/111584--.html"),
                                                                        ("teaser", "/111591--.html")]
    assert REWRITTEN in alerts[1]["diff"]
    # Souk Okaz's article withdrawn in the second crawl left its front page gone, not pulled
    okaz = rows(db, "SELECT p.closed_as FROM placements p JOIN listings l ON l.id = p.listing_id "
                    "WHERE l.site = 'okaz' AND p.closed_as IS NOT NULL")
    assert okaz and {r["closed_as"] for r in okaz} <= {"left", "moved"}
    # the third state: the seed fell off the end of the list (pushed, not pulled)
    seed = rows(db, "SELECT p.closed_as FROM placements p JOIN front_links f ON f.id = p.link_id "
                    "WHERE f.url = ? AND p.block = 'آخر الأخبار'", [INA + "/news/111563"])
    assert [r["closed_as"] for r in seed] == ["left"]
    wrong = run_rasid("frontpage", "ina", "--db", str(db), "--at", "not a date", check=False)
    assert wrong.returncode == 2 and "--at 'not a date': not a time; give a duration" in wrong.stderr
