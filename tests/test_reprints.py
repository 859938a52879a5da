"""Reprints: the rules alone (monitor.reprints) and stories kept in the store (monitor.stories):
one source per story whatever order the copies arrive in, signatures kept, the `reprint` alert off
unless a watch rule asks for it. (Precision and recall on real pages: test_reprint_pairs.py.)"""

from __future__ import annotations

import pytest

from crawler.alerts import deliver_pending, wanted
from crawler.processes import alive
from db.store import Store
from monitor import reprints, stories
from monitor.config import AlertSettings, WatchRule
from monitor.reprints import Member, compare, shingles, story_source
from tests.factories import fetched, record

WIRE = [
    "بغداد – واع",
    "أعلنت وزارة الكهرباء، اليوم الأحد، إضافة 500 ميغاواط إلى المنظومة الوطنية بعد إكمال أعمال الصيانة في "
    "محطة الخيرات الغازية جنوبي كربلاء.",
    "وقال المتحدث باسم الوزارة في تصريح لوكالة الأنباء العراقية إن الملاكات الفنية عملت على مدار الساعة لإعادة "
    "الوحدات التوليدية إلى العمل قبل ذروة الأحمال الصيفية.",
    "وأضاف أن الوزارة تتابع مع الجانب الإيراني ملف تجهيز الغاز لضمان استقرار التجهيز في المحافظات الجنوبية "
    "خلال الأسابيع المقبلة.",
]
# the same event, the same names, written by another newsroom
INDEPENDENT = [
    "في خطوة تنتظرها المحافظات الجنوبية مع اشتداد الحر، قالت وزارة الكهرباء إن محطة الخيرات في كربلاء عادت "
    "إلى الخدمة وإن 500 ميغاواط دخلت الشبكة.",
    "ويشكو سكان البصرة والناصرية من انقطاع التيار لساعات طويلة، فيما يربط مختصون الأزمة بتأخر وصول الغاز "
    "الإيراني وبتقادم شبكات النقل.",
    "ويرى خبراء في قطاع الطاقة أن الحلول المؤقتة لا تكفي، وأن العراق يحتاج إلى استثمارات كبيرة في الطاقة "
    "الشمسية وفي خطوط النقل بين المحافظات.",
]


def copy_of(paragraphs: list[str]) -> str:
    """How a copier takes it: spelled its own way (hamza dropped, final taa as haa, Arabic-Indic
    digits), its own promo line at the end."""
    text = "\n\n".join(paragraphs).replace("أ", "ا").replace("إ", "ا").replace("ة ", "ه ").replace("500", "٥٠٠")
    return text + "\n\nتابعونا على قناتنا في تلغرام"


def test_spelling_variants_are_the_same_shingles():
    assert shingles("أعلنت وزارة الكهرباء إضافة 500 ميغاواط") == shingles("اعلنت وزاره الكهرباء اضافه ٥٠٠ ميغاواط")


def test_a_copy_matches_and_an_independent_report_of_the_same_event_does_not():
    wire = shingles("\n\n".join(WIRE))
    match = compare(wire, shingles(copy_of(WIRE)))
    assert match is not None and match.kind == "copy" and match.containment >= 0.95
    trimmed = compare(wire, shingles("\n\n".join(WIRE[:3])))  # the last paragraph dropped
    assert trimmed is not None and trimmed.containment == 1.0 and trimmed.kind == "rewrite"
    assert compare(wire, shingles("\n\n".join(INDEPENDENT))) is None


def test_a_shared_formulaic_opening_is_not_a_reprint():
    opening = "بغداد – واع – أعلنت وزارة الداخلية، اليوم الأحد، أن "
    one = opening + "قواتها ألقت القبض على عصابة لسرقة السيارات في منطقة الشعب شرقي العاصمة بعد متابعة استخبارية."
    two = opening + "مفارز المرور ستباشر حملة لتنظيم السير في شوارع الكرادة والجادرية خلال الأسبوع الحالي."
    assert compare(shingles(one), shingles(two)) is None


def test_a_text_too_short_gets_no_signature():
    assert reprints.signature(shingles("خبر عاجل من بغداد")) is None
    sig = reprints.signature(shingles("\n\n".join(WIRE)))
    assert sig is not None and len(sig.band_keys) == reprints.BANDS and len(sig.minhash) == 4 * reprints.NUM_PERM


def test_the_source_is_the_first_published_across_zones_then_the_first_seen():
    baghdad = Member(1, "2021-01-22T14:05:00+03:00", "2026-01-02T00:00:00+00:00")
    london = Member(2, "2021-01-22T11:30:00+00:00", "2026-01-01T00:00:00+00:00")  # 14:30 in Baghdad: later
    undated = Member(3, None, "2021-01-22T10:00:00+00:00")  # first seen before either was published
    assert story_source([london, baghdad]) == baghdad
    assert story_source([london, baghdad, undated]) == undated
    assert reprints.delay_seconds(baghdad, london) == 25 * 60


# --- stories in the store ------------------------------------------------------------------


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "s.db")
    for key in ("ina", "okaz", "kitabat", "elaph"):
        s.ensure_site(key, key, f"https://{key}.example", "Asia/Baghdad")
        s.finish_crawl(s.start_crawl(key, alive), {}, [], "ok")  # a baseline: alerts are on
    yield s
    s.close()


def article(site: str, n: int, text: str, published: str, at: str = "2026-01-01T10:00:00+00:00"):
    return fetched(f"https://{site}.example/{n}", text, f"عنوان {site} {n}", site=site, published=published, at=at)


def story_rows(store: Store) -> list[tuple[str, str, str]]:
    return [(r["source_url"], r["url"], r["kind"]) for r in store.reprint_list()]


def test_copies_arriving_before_their_source_still_point_at_it(store):
    # two copies stored first (their sites crawled first), the agency's original last
    record(store, article("okaz", 1, copy_of(WIRE), "2020-08-23T13:00:00+03:00"))
    record(store, article("elaph", 1, "\n\n".join(WIRE[:3]), "2020-08-23T12:10:00+03:00"))
    # until then the earlier of the two (the trimmed one, 12:10) is the source
    assert story_rows(store) == [("https://elaph.example/1", "https://okaz.example/1", "rewrite")]
    record(store, article("ina", 1, "\n\n".join(WIRE), "2020-08-23T11:05:00+03:00"))
    rows = store.reprint_list()
    assert {r["source_url"] for r in rows} == {"https://ina.example/1"}  # one source, not a chain
    assert {r["url"]: (r["kind"], r["delay_seconds"]) for r in rows} == {
        "https://elaph.example/1": ("rewrite", 65 * 60), "https://okaz.example/1": ("copy", 115 * 60)}
    # the independent report of the same event is in no story
    record(store, article("kitabat", 1, "\n\n".join(INDEPENDENT), "2020-08-23T12:00:00+03:00"))
    assert len(store.reprint_list()) == 2
    assert store.reprint_list(site="kitabat") == []
    assert [r["url"] for r in store.reprint_list(site="okaz")] == ["https://okaz.example/1"]
    assert store.reprint_list(since="2020-08-24") == []


def test_reprint_alerts_are_raised_for_news_and_delivered_only_when_a_rule_asks(store, tmp_path):
    record(store, article("ina", 1, "\n\n".join(WIRE), "2020-08-23T11:05:00+03:00"))
    record(store, article("okaz", 1, copy_of(WIRE), "2020-08-23T13:00:00+03:00"))
    alerts = [a for a in store.alerts() if a["kind"] == "reprint"]
    assert len(alerts) == 1 and alerts[0]["url"] == "https://okaz.example/1"
    assert "copy of ina" in alerts[0]["diff"] and "https://ina.example/1" in alerts[0]["diff"]
    assert "1h 55m later" in alerts[0]["diff"]
    undelivered = {a["kind"]: a for a in store.undelivered_alerts()}
    assert wanted((), undelivered["new"]) == ["*"] and wanted((), undelivered["reprint"]) == []
    assert wanted((WatchRule("كهرباء", any=("الكهرباء",)),), undelivered["reprint"]) == []  # default kinds
    rule = WatchRule("منقول", any=("الكهرباء",), kinds=("reprint",))
    assert wanted((rule,), undelivered["reprint"]) == ["منقول"]
    settings = AlertSettings(jsonl=tmp_path / "alerts.jsonl", console=False)
    deliver_pending(store, settings, (rule,))
    assert [line for line in (tmp_path / "alerts.jsonl").read_text(encoding="utf-8").splitlines()
            if '"reprint"' in line]


def test_a_sites_first_import_raises_no_reprint_alert(tmp_path):
    s = Store(tmp_path / "b.db")
    for key in ("ina", "okaz"):
        s.ensure_site(key, key, f"https://{key}.example", "Asia/Baghdad")
    record(s, article("ina", 1, "\n\n".join(WIRE), "2020-08-23T11:05:00+03:00"))
    record(s, article("okaz", 1, copy_of(WIRE), "2020-08-23T13:00:00+03:00"))
    assert len(s.reprint_list()) == 1 and s.alerts() == []


def test_an_edit_that_removes_the_copied_text_leaves_the_story(store):
    record(store, article("ina", 1, "\n\n".join(WIRE), "2020-08-23T11:05:00+03:00"))
    record(store, article("okaz", 1, copy_of(WIRE), "2020-08-23T13:00:00+03:00"))
    assert len(store.reprint_list()) == 1
    record(store, article("okaz", 1, "\n\n".join(INDEPENDENT), "2020-08-23T13:00:00+03:00",
                          at="2026-01-01T11:00:00+00:00"))
    assert store.reprint_list() == []
    record(store, article("okaz", 1, copy_of(WIRE), "2020-08-23T13:00:00+03:00", at="2026-01-01T12:00:00+00:00"))
    assert len(store.reprint_list()) == 1
    assert [a["kind"] for a in store.alerts()].count("reprint") == 2  # found, gone, found again


def test_when_a_source_is_edited_its_copies_stay_one_story(store):
    record(store, article("ina", 1, "\n\n".join(WIRE), "2020-08-23T11:05:00+03:00"))
    record(store, article("okaz", 1, copy_of(WIRE), "2020-08-23T13:00:00+03:00"))
    record(store, article("elaph", 1, "\n\n".join(WIRE[:3]), "2020-08-23T14:00:00+03:00"))
    record(store, article("ina", 1, "\n\n".join(INDEPENDENT), "2020-08-23T11:05:00+03:00",
                          at="2026-01-01T11:00:00+00:00"))
    assert story_rows(store) == [("https://okaz.example/1", "https://elaph.example/1", "rewrite")]


def test_signatures_are_kept_and_not_computed_again(tmp_path, monkeypatch):
    path = tmp_path / "k.db"
    s = Store(path)
    s.ensure_site("ina", "ina", "https://ina.example", "Asia/Baghdad")
    record(s, article("ina", 1, "\n\n".join(WIRE), "2020-08-23T11:05:00+03:00"))
    s.close()
    s = Store(path)  # a restart
    assert s.db["signatures"].count == 1 and s.db["reprint_bands"].count == reprints.BANDS

    def fail(_):
        raise AssertionError("signature computed again for a text already indexed")

    monkeypatch.setattr(stories, "signature", fail)
    row = s.article("https://ina.example/1")
    with s.transaction():
        stories.Stories(s).track(row["id"], row["text"], row["content_hash"], "2026-01-02T00:00:00+00:00")
    s.close()


# --- rasid reprints ------------------------------------------------------------------------


def test_rasid_reprints_lists_each_story_once_with_its_copies(tmp_path):
    import json

    from click.testing import CliRunner

    from crawler.cli import main

    db = tmp_path / "r.db"
    s = Store(db)
    for key in ("ina", "okaz", "elaph", "kitabat"):  # seed sites: their keys are in the site list
        s.ensure_site(key, key, f"https://{key}.example", "Asia/Baghdad")
    record(s, article("okaz", 1, copy_of(WIRE), "2020-08-23T13:00:00+03:00"))
    record(s, article("ina", 1, "\n\n".join(WIRE), "2020-08-23T11:05:00+03:00"))
    record(s, article("elaph", 1, "\n\n".join(WIRE[:3]), "2020-08-23T14:00:00+03:00"))
    record(s, article("kitabat", 1, "\n\n".join(INDEPENDENT), "2020-08-23T12:00:00+03:00"))
    s.close()
    run = CliRunner().invoke
    text = run(main, ["reprints", "--db", str(db)])
    assert text.exit_code == 0, text.output
    lines = text.output.splitlines()
    assert lines[0].startswith("2020-08-23T11:05  ina") and "https://ina.example/1" in lines[1]
    assert "okaz" in lines[2] and "copy" in lines[2] and "+1h 55m" in lines[2]
    assert "elaph" in lines[4] and "rewrite" in lines[4] and "+2h 55m" in lines[4]
    assert lines[-1] == "1 story with reprints, 2 reprints" and "kitabat" not in text.output
    stories_json = [json.loads(line) for line in run(main, ["reprints", "--db", str(db), "--json"]).output.splitlines()]
    assert len(stories_json) == 1 and stories_json[0]["source"]["site"] == "ina"
    assert [(r["site"], r["kind"], r["delay_seconds"]) for r in stories_json[0]["reprints"]] == [
        ("okaz", "copy", 6900), ("elaph", "rewrite", 10500)]
    only = run(main, ["reprints", "--db", str(db), "--site", "elaph", "--json"]).output.splitlines()
    assert [r["site"] for r in json.loads(only[0])["reprints"]] == ["elaph"]
    assert run(main, ["reprints", "--db", str(db), "--since", "24 آب 2020"]).output.splitlines() == [
        "0 stories with reprints, 0 reprints"]
    bad = run(main, ["reprints", "--db", str(db), "--since", "soon"])
    assert bad.exit_code != 0 and "--since 'soon': not a date" in bad.output


def test_a_watch_rule_asks_for_reprints_by_kind_and_none_gets_them_by_default(tmp_path):
    from monitor.config import ConfigError, load_config

    config = tmp_path / "rasid.toml"
    config.write_text('[[watch]]\nname = "wire"\nany = ["واع"]\nkinds = ["reprint"]\n\n'
                      '[[watch]]\nname = "all"\nany = ["الكاظمي"]\n', encoding="utf-8")
    rules = {r.name: r for r in load_config(config).watch}
    assert rules["wire"].kinds == ("reprint",)
    assert "reprint" not in rules["all"].kinds and "new" in rules["all"].kinds
    config.write_text('[[watch]]\nname = "x"\nany = ["واع"]\nkinds = ["copied"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="'copied' is not one of new, changed, removed, restored, reprint"):
        load_config(config)
