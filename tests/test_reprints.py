"""Reprints: the rules alone (monitor.reprints) and stories kept in the store (monitor.stories):
one source per story whatever order the copies arrive in, signatures kept, the `reprint` alert off
unless a watch rule asks for it. (Precision and recall on real pages: test_reprint_pairs.py.)"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.crawl.processes import alive
from crawler.daemon.alerts import deliver_pending, wanted
from crawler.report import stories as story_list
from db.store import Store
from monitor import reprints, stories
from monitor.config import AlertSettings, WatchRule
from monitor.reprints import Member, compare, shingles, story_source
from tests.conftest import ROOT
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


@settings(max_examples=200, deadline=None)
@given(st.sets(st.text(min_size=1, max_size=40), max_size=300))
def test_rasids_minhash_is_datasketchs_bit_for_bit(items):
    # the signatures stored by earlier Rasids were datasketch's MinHash(num_perm=64): each value the same
    from datasketch import MinHash

    encoded = [item.encode("utf-8", "surrogatepass") for item in items]
    theirs = MinHash(num_perm=reprints.NUM_PERM)
    theirs.update_batch(encoded)
    assert theirs.hashvalues.astype("<u4").tobytes() == reprints.minhash(encoded).astype("<u4").tobytes()


def test_a_signature_is_the_one_datasketch_gave_and_needs_neither_datasketch_nor_scipy():
    from datasketch import MinHash

    text = copy_of(WIRE)
    theirs = MinHash(num_perm=reprints.NUM_PERM)
    theirs.update_batch([s.encode("utf-8") for s in shingles(text)])
    assert reprints.sign(text).minhash == theirs.hashvalues.astype("<u4").tobytes()
    code = ("import sys; from monitor import reprints; "
            f"assert reprints.sign({text!r}) is not None; "
            "print(sorted(m for m in ('datasketch', 'scipy') if m in sys.modules))")
    signed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert signed.returncode == 0, signed.stderr
    assert signed.stdout.strip() == "[]"


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
    # all three first seen in one crawl of 2026: the claims order them, and give the only delays
    # known, as claims (no delay is measured on evidence)
    (story,) = story_list(rows)
    assert {r["url"]: (r["kind"], r["delay_seconds"], r["claimed_delay_seconds"]) for r in story["reprints"]} == {
        "https://elaph.example/1": ("rewrite", None, 65 * 60), "https://okaz.example/1": ("copy", None, 115 * 60)}
    # the independent report of the same event is in no story
    record(store, article("kitabat", 1, "\n\n".join(INDEPENDENT), "2020-08-23T12:00:00+03:00"))
    assert len(store.reprint_list()) == 2
    assert store.reprint_list(site="kitabat") == []
    assert [r["url"] for r in store.reprint_list(site="okaz")] == ["https://okaz.example/1"]
    assert store.reprint_list(since="2020-08-24") == []


def test_reprint_alerts_are_raised_for_news_and_delivered_only_when_a_rule_asks(store, tmp_path):
    # both seen minutes after they were published (their claims verified)
    record(store, article("ina", 1, "\n\n".join(WIRE), "2020-08-23T11:05:00+03:00", at="2020-08-23T08:06:00+00:00"))
    record(store, article("okaz", 1, copy_of(WIRE), "2020-08-23T13:00:00+03:00", at="2020-08-23T10:01:00+00:00"))
    alerts = [a for a in store.alerts() if a["kind"] == "reprint"]
    assert len(alerts) == 1 and alerts[0]["url"] == "https://okaz.example/1"
    assert "copy of ina" in alerts[0]["diff"] and "https://ina.example/1" in alerts[0]["diff"]
    assert "1h 55m later (verified publication to verified publication)" in alerts[0]["diff"]
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


def band_rows(store: Store) -> int:
    return store.db["reprint_bands"].count + store.db["reprint_bands_recent"].count


def test_band_keys_merged_into_the_big_index_are_found_as_the_recent_ones_and_an_edit_leaves_neither(store,
                                                                                                      monkeypatch):
    import db.store

    monkeypatch.setattr(db.store, "RECENT_BANDS", reprints.BANDS + 1)  # the second signature merges both
    record(store, article("ina", 1, "\n\n".join(WIRE), "2020-08-23T11:05:00+03:00"))
    assert (store.db["reprint_bands"].count, store.db["reprint_bands_recent"].count) == (0, reprints.BANDS)
    record(store, article("ina", 2, "\n\n".join(INDEPENDENT), "2020-08-23T11:10:00+03:00"))
    assert (store.db["reprint_bands"].count, store.db["reprint_bands_recent"].count) == (2 * reprints.BANDS, 0)
    # a copy of the article whose keys were merged is found through the big index
    record(store, article("okaz", 1, copy_of(WIRE), "2020-08-23T13:00:00+03:00"))
    assert story_rows(store) == [("https://ina.example/1", "https://okaz.example/1", "copy")]
    # the copy's own keys are recent: a copy of it is found through them (and joins the story)
    record(store, article("elaph", 1, copy_of(WIRE), "2020-08-23T14:00:00+03:00"))
    assert [r[1] for r in story_rows(store)] == ["https://okaz.example/1", "https://elaph.example/1"]
    # an edit replaces its keys in whichever index holds them: none left of the old text
    before = band_rows(store)
    record(store, article("ina", 1, "\n\n".join(INDEPENDENT[:3]) + "\n\nفقرة جديدة تماما عن موضوع آخر",
                          "2020-08-23T11:05:00+03:00", at="2026-01-02T10:00:00+00:00"))
    assert band_rows(store) == before
    ina = store.article("https://ina.example/1")["id"]
    old = set(reprints.sign("\n\n".join(WIRE)).band_keys)
    assert not [k for k, a in store.db.execute("SELECT key, article_id FROM reprint_bands UNION ALL "
                                               "SELECT key, article_id FROM reprint_bands_recent") if a == ina and k in old]


def test_signatures_are_kept_and_not_computed_again(tmp_path, monkeypatch):
    path = tmp_path / "k.db"
    s = Store(path)
    s.ensure_site("ina", "ina", "https://ina.example", "Asia/Baghdad")
    record(s, article("ina", 1, "\n\n".join(WIRE), "2020-08-23T11:05:00+03:00"))
    s.close()
    s = Store(path)  # a restart
    assert s.db["signatures"].count == 1 and band_rows(s) == reprints.BANDS

    def fail(_):
        raise AssertionError("signature computed again for a text already indexed")

    monkeypatch.setattr(stories, "signature", fail)
    row = s.article("https://ina.example/1")
    with s.transaction():
        stories.Stories(s).track(row["id"], row["text"], row["content_hash"], "2026-01-02T00:00:00+00:00")
    s.close()


def stored_signature(store: Store, url: str) -> tuple:
    article_id = store.article(url)["id"]
    row = store.db.execute("SELECT shingles, minhash, content_hash FROM signatures WHERE article_id = ?",
                           [article_id]).fetchone()
    keys = sorted(k for k, a in store.db.execute("SELECT key, article_id FROM reprint_bands UNION ALL "
                                                 "SELECT key, article_id FROM reprint_bands_recent") if a == article_id)
    return tuple(row), keys


def test_the_signature_made_beside_extraction_is_the_one_the_writer_makes_and_finds_the_copy(store, tmp_path,
                                                                                            monkeypatch):
    # the extraction worker signs the text (monitor.stories.prepare); the writer only stores it
    original, copy = article("ina", 1, "\n\n".join(WIRE), "2020-08-23T11:05:00+03:00"), \
        article("okaz", 1, copy_of(WIRE), "2020-08-23T13:00:00+03:00")
    plain = Store(tmp_path / "plain.db")  # the same pages signed by the writer (no worker: the cluster's writer)
    for key in ("ina", "okaz"):
        plain.ensure_site(key, key, f"https://{key}.example", "Asia/Baghdad")
        plain.finish_crawl(plain.start_crawl(key, alive), {}, [], "ok")
    for page in (original, copy):
        record(plain, page)
        page.prepared = stories.prepare(page.html, page.article)
    assert copy.prepared.band_keys == reprints.sign(copy.article.text).band_keys
    assert copy.prepared.shingles == len(shingles(copy.article.text))

    def fail(_):
        raise AssertionError("the writer signed a text the worker had signed")

    monkeypatch.setattr(stories, "signature", fail)
    for page in (original, copy):
        record(store, page)
    for url in ("https://ina.example/1", "https://okaz.example/1"):
        assert stored_signature(store, url) == stored_signature(plain, url)
    assert story_rows(store) == story_rows(plain) == [("https://ina.example/1", "https://okaz.example/1", "copy")]
    plain.close()


def test_a_signature_prepared_for_another_text_is_not_stored(store):
    # a Prepared of another text than the page's (not what a worker hands over, but nothing checks
    # it but the content hash): the writer signs the text it stores
    other = article("ina", 2, "\n\n".join(INDEPENDENT), "2020-08-23T11:05:00+03:00").article
    page = article("ina", 1, "\n\n".join(WIRE), "2020-08-23T11:05:00+03:00")
    page.prepared = stories.prepare(page.html, other)
    record(store, page)
    sig = reprints.sign(page.article.text)
    (size, minhash, _), keys = stored_signature(store, "https://ina.example/1")
    assert (size, minhash, keys) == (sig.size, sig.minhash, sorted(sig.band_keys))
    with store.transaction():  # Stories itself, handed one, does not take it either
        row = store.article("https://ina.example/1")
        for table in ("signatures", "reprint_bands_recent"):
            store.db.execute(f"DELETE FROM {table}")
        stories.Stories(store).track(row["id"], row["text"], row["content_hash"], "2026-01-02T00:00:00+00:00",
                                     prepared=stories.prepare(None, other))
    assert stored_signature(store, "https://ina.example/1") == ((size, minhash, row["content_hash"]), keys)


# --- rasid reprints ------------------------------------------------------------------------


def test_rasid_reprints_lists_each_story_once_with_its_copies(tmp_path):

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
    # all first seen in one crawl (2026-01-01 10:00 UTC, 13:00 in Baghdad): the claims are shown
    # as claims, and the delays are the claims' (no delay measured on evidence: "?")
    assert lines[:3] == ["ina      عنوان ina 1",
                         "    claims 2020-08-23 11:05+03:00, first seen 2026-01-01 13:00+03:00 (not verified)",
                         "    https://ina.example/1"]
    words = lines[3].split()
    assert words[:6] == ["←", "okaz", "copy", "shared", "1.00", "jaccard"] and float(words[6]) >= 0.8
    assert words[7:] == ["?", "عنوان", "okaz", "1"]
    assert lines[4] == "      claims 2020-08-23 13:00+03:00 (+1h 55m), first seen 2026-01-01 13:00+03:00 (not verified)"
    assert "elaph" in lines[6] and "rewrite" in lines[6] and "(+2h 55m)" in lines[7]
    assert lines[-2] == "1 story with reprints, 2 reprints" and "kitabat" not in text.output
    stories_json = [json.loads(line) for line in run(main, ["reprints", "--db", str(db), "--json"]).output.splitlines()]
    assert len(stories_json) == 1 and stories_json[0]["source"]["site"] == "ina"
    assert [(r["site"], r["kind"], r["delay_seconds"], r["claimed_delay_seconds"])
            for r in stories_json[0]["reprints"]] == [("okaz", "copy", None, 6900), ("elaph", "rewrite", None, 10500)]
    only = run(main, ["reprints", "--db", str(db), "--site", "elaph", "--json"]).output.splitlines()
    assert [r["site"] for r in json.loads(only[0])["reprints"]] == ["elaph"]
    assert run(main, ["reprints", "--db", str(db), "--since", "24 آب 2020"]).output.splitlines() == [
        "0 stories with reprints, 0 reprints"]
    bad = run(main, ["reprints", "--db", str(db), "--since", "soon"])
    assert bad.exit_code == 2 and "--since 'soon': not a time; give a duration back from now" in bad.output


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


# --- who was first, on evidence (issue 26) ---------------------------------------------------

# INA publishes at 10:00 Baghdad time and Rasid, watching it, sees it four minutes later; a copier
# first seen 19 days after claims to have published a day before INA
SOURCE_CLAIM, SOURCE_SEEN = "2026-11-01T10:00:00+03:00", "2026-11-01T07:04:00+00:00"
BACKDATED_CLAIM, COPY_SEEN = "2026-10-31T10:00:00+03:00", "2026-11-20T07:00:00+00:00"


def test_a_claim_is_verified_only_when_rasid_first_saw_the_article_within_the_tolerance():
    within = reprints.VERIFY_WITHIN.total_seconds()
    assert reprints.evidence(Member(1, SOURCE_CLAIM, SOURCE_SEEN)).how == "verified"
    assert reprints.evidence(Member(1, "2026-11-01T09:00:00+03:00", "2026-11-01T07:00:00+00:00")).how == "verified"
    late = reprints.evidence(Member(1, "2026-11-01T08:59:00+03:00", "2026-11-01T07:00:00+00:00"))  # 61 min
    assert late.how == "claimed" and late.vouched.isoformat() == "2026-11-01T07:00:00+00:00" and within == 3600
    assert reprints.evidence(Member(1, BACKDATED_CLAIM, COPY_SEEN)).how == "claimed"
    assert reprints.evidence(Member(1, "2026-11-01", COPY_SEEN)).how == "seen"  # a day claims no instant
    assert reprints.evidence(Member(1, None, COPY_SEEN)).vouched.isoformat() == "2026-11-20T07:00:00+00:00"


def test_a_copier_that_backdates_is_not_the_source():
    source, copier = Member(1, SOURCE_CLAIM, SOURCE_SEEN), Member(2, BACKDATED_CLAIM, COPY_SEEN)
    assert story_source([copier, source]) == source
    # the delay compares the source's verified publication with the copy's first sight
    assert reprints.delay_seconds(source, copier) == 19 * 86400
    assert reprints.delay_basis(source, copier) == "verified publication to first sight"
    assert reprints.claimed_delay_seconds(source, copier) == -86400 and reprints.claims_earlier(source, copier)
    # backdating by less than the tolerance wins only for a copy seen within it of its claim:
    # one seen two hours after the source cannot claim its way before it
    quick = Member(3, "2026-11-01T09:30:00+03:00", "2026-11-01T09:00:00+00:00")
    assert story_source([quick, source]) == source and reprints.delay_seconds(source, quick) == 2 * 3600


def test_articles_first_seen_together_are_ordered_by_their_claims_and_given_no_delay():
    # one crawl of three sites, history of 2021: Rasid's sights cannot order them, their claims do
    baghdad = Member(1, "2021-01-22T14:05:00+03:00", "2026-01-01T00:00:30+00:00")
    london = Member(2, "2021-01-22T11:30:00+00:00", "2026-01-01T00:00:00+00:00")  # 14:30 in Baghdad: later
    assert story_source([london, baghdad]) == baghdad
    assert reprints.delay_seconds(baghdad, london) is None and reprints.claimed_delay_seconds(baghdad, london) == 1500
    # a site seen a day later is not "together": the one Rasid saw first is the source, whatever it claims
    day_late = Member(3, "2021-01-21T09:00:00+03:00", "2026-01-02T00:00:00+00:00")
    assert story_source([london, baghdad, day_late]) == baghdad
    # a first sight before any claimed publication is the earliest evidence of all
    undated = Member(4, None, "2021-01-22T10:00:00+00:00")
    assert story_source([london, baghdad, undated]) == undated
    # a verified publication, across zones, beats a later one
    verified_baghdad = Member(5, "2021-01-22T14:05:00+03:00", "2021-01-22T11:10:00+00:00")
    verified_london = Member(6, "2021-01-22T11:30:00+00:00", "2021-01-22T11:35:00+00:00")
    assert story_source([verified_london, verified_baghdad]) == verified_baghdad
    assert reprints.delay_seconds(verified_baghdad, verified_london) == 25 * 60


def test_stored_values_that_are_no_time_never_break_the_order():
    odd = [Member(1, "9999-12-31T23:59:00+00:00", "9999-12-31T23:59:59+00:00"),
           Member(2, "0001-01-01T00:00:00+00:00", "garbage"), Member(3, "", ""),
           Member(4, "2026-11-01T10:00:00", "2026-11-01T07:00:00+00:00")]  # no zone: claims nothing
    assert story_source(odd).id in {1, 2, 3, 4}
    for member in odd:
        assert reprints.times_text(member, "Asia/Baghdad", odd[0])
        assert reprints.delay_seconds(odd[0], member) is None or isinstance(reprints.delay_seconds(odd[0], member), int)


def seen(site: str, n: int, text: str, published: str, at: str, **fetch):
    return fetched(f"https://{site}.example/{n}", text, f"عنوان {site} {n}", site=site, published=published, at=at,
                   **fetch)


def test_the_backdated_copier_stays_the_copy_in_the_store_the_alert_and_rasid_reprints(tmp_path):

    from click.testing import CliRunner

    from crawler.cli import main

    db = tmp_path / "b.db"
    s = Store(db)
    for key in ("ina", "alaraby"):  # seed sites, watched from before: alerts are on
        s.ensure_site(key, key, f"https://{key}.example", "Asia/Baghdad")
        s.finish_crawl(s.start_crawl(key, alive), {}, [], "ok")
    record(s, seen("ina", 1, "\n\n".join(WIRE), SOURCE_CLAIM, SOURCE_SEEN))
    record(s, seen("alaraby", 1, copy_of(WIRE), BACKDATED_CLAIM, COPY_SEEN))
    assert story_rows(s) == [("https://ina.example/1", "https://alaraby.example/1", "copy")]
    assert s.reprint_list()[0]["delay_seconds"] == 19 * 86400
    (alert,) = [a for a in s.alerts() if a["kind"] == "reprint"]
    assert alert["url"] == "https://alaraby.example/1" and alert["diff"].startswith("copy of ina: ")
    assert "19d 0h later (verified publication to first sight)" in alert["diff"]
    assert "ina: published 2026-11-01 10:00+03:00, first seen 2026-11-01 10:04+03:00 (verified)" in alert["diff"]
    assert ("alaraby: claims 2026-10-31 10:00+03:00 (-1d 0h: earlier than its source), "
            "first seen 2026-11-20 10:00+03:00 (not verified)") in alert["diff"]
    s.close()

    lines = CliRunner().invoke(main, ["reprints", "--db", str(db)]).output.splitlines()
    assert lines[:3] == ["ina      عنوان ina 1",
                         "    published 2026-11-01 10:00+03:00, first seen 2026-11-01 10:04+03:00 (verified)",
                         "    https://ina.example/1"]
    assert lines[3].startswith("    ← alaraby  copy    ") and "+19d 0h" in lines[3]
    assert lines[4] == ("      claims 2026-10-31 10:00+03:00 (-1d 0h: earlier than its source), "
                        "first seen 2026-11-20 10:00+03:00 (not verified)")
    (story,) = [json.loads(line) for line in CliRunner().invoke(main, ["reprints", "--db", str(db), "--json"]).output
                .splitlines()]
    assert story["source"].items() >= {"site": "ina", "published_at": SOURCE_CLAIM, "evidence": "verified",
                                       "vouched_at": "2026-11-01T07:00:00+00:00"}.items()
    (copy,) = story["reprints"]
    assert {k: copy[k] for k in ("site", "published_at", "evidence", "delay_seconds", "claimed_delay_seconds",
                                 "claims_earlier", "delay_between")} == {
        "site": "alaraby", "published_at": BACKDATED_CLAIM, "evidence": "claimed", "delay_seconds": 19 * 86400,
        "claimed_delay_seconds": -86400, "claims_earlier": True, "delay_between": "verified publication to first sight"}
    assert copy["first_seen"].startswith("2026-11-20T07:00:00")


def test_a_site_added_later_is_a_claim_until_an_archive_capture_confirms_it(store):
    # okaz, watched live, publishes at 12:00 and is seen at once; kitabat, added to Rasid three
    # weeks later, has the same text claiming 10:00 that day: its first crawl is its baseline
    record(store, seen("okaz", 1, copy_of(WIRE), "2026-11-01T12:00:00+03:00", "2026-11-01T09:02:00+00:00"))
    store.ensure_site("later", "later", "https://later.example", "Asia/Baghdad")
    record(store, seen("later", 1, "\n\n".join(WIRE), "2026-11-01T10:00:00+03:00", "2026-11-22T08:00:00+00:00"))
    (row,) = store.reprint_list()
    assert (row["source_site"], row["site"]) == ("okaz", "later")  # the earlier claim is not taken...
    okaz, later = (Member(row["source_id"], row["source_published_at"], row["source_first_seen"]),
                   Member(row["article_id"], row["published_at"], row["first_seen"]))
    assert reprints.claims_earlier(okaz, later)  # ...it is shown beside, as a claim
    assert reprints.times_text(later, "Asia/Baghdad", okaz) == (
        "claims 2026-11-01 10:00+03:00 (-2h 00m: earlier than its source), first seen 2026-11-22 11:00+03:00 "
        "(not verified)")
    assert [a["kind"] for a in store.alerts()].count("reprint") == 0  # a site's first import is not news
    # an archive capture of the later site's article, WARC-Date twenty minutes after its claim,
    # imported after the crawl: a sight from before the first one, which confirms the claim
    from monitor.recorder import Recorder

    outcome = Recorder(store).record(seen("later", 1, "\n\n".join(WIRE), "2026-11-01T10:00:00+03:00",
                                          "2026-11-01T07:20:00+00:00"), newer_only=True)
    assert outcome == "known"
    assert store.article("https://later.example/1")["first_seen"] == "2026-11-01T07:20:00+00:00"
    (row,) = store.reprint_list()
    assert (row["source_site"], row["site"], row["kind"]) == ("later", "okaz", "copy")
    assert row["delay_seconds"] == 2 * 3600  # verified publication to verified publication
    assert [a["kind"] for a in store.alerts()].count("reprint") == 0  # history is not news


def test_editing_the_source_of_a_known_pair_raises_no_second_reprint_alert(store):
    record(store, seen("ina", 1, "\n\n".join(WIRE), SOURCE_CLAIM, SOURCE_SEEN))
    record(store, seen("okaz", 1, copy_of(WIRE), "2026-11-01T12:00:00+03:00", "2026-11-01T09:05:00+00:00"))
    assert [a["url"] for a in store.alerts() if a["kind"] == "reprint"] == ["https://okaz.example/1"]
    # INA edits its original twice (a paragraph added, then a word changed): the pair stands
    edited = "\n\n".join(WIRE) + "\n\nوأكدت الوزارة أن ساعات التجهيز ستزداد تدريجيا خلال الأيام المقبلة."
    record(store, seen("ina", 1, edited, SOURCE_CLAIM, "2026-11-01T10:00:00+00:00"))
    record(store, seen("ina", 1, edited.replace("تدريجيا", "بشكل تدريجي"), SOURCE_CLAIM, "2026-11-01T11:00:00+00:00"))
    assert [a["kind"] for a in store.alerts()].count("changed") == 2
    assert story_rows(store) == [("https://ina.example/1", "https://okaz.example/1", "copy")]
    assert [a["url"] for a in store.alerts() if a["kind"] == "reprint"] == ["https://okaz.example/1"]
    # a copy the store did not have is news
    record(store, seen("elaph", 1, "\n\n".join(WIRE[:3]), "2026-11-01T13:00:00+03:00", "2026-11-01T11:30:00+00:00"))
    assert [a["url"] for a in store.alerts() if a["kind"] == "reprint"] == [
        "https://okaz.example/1", "https://elaph.example/1"]
    # and the copy's own edit that keeps the text is not news either
    record(store, seen("okaz", 1, copy_of(WIRE) + " محدث", "2026-11-01T12:00:00+03:00", "2026-11-01T12:00:00+00:00"))
    assert len([a for a in store.alerts() if a["kind"] == "reprint"]) == 2


def test_a_publication_time_read_again_orders_the_story_again(store):
    # INA's 10:00 Baghdad time first read as 10:00 UTC (three hours late): a claim its first sight
    # (07:50 UTC) does not confirm; Souk Okaz's copy, published 07:20 UTC and seen at 07:25, is
    # verified, and so first on evidence
    record(store, seen("ina", 1, "\n\n".join(WIRE), "2026-11-01T10:00:00+00:00", "2026-11-01T07:50:00+00:00"))
    record(store, seen("okaz", 1, copy_of(WIRE), "2026-11-01T10:20:00+03:00", "2026-11-01T07:25:00+00:00"))
    assert story_rows(store) == [("https://okaz.example/1", "https://ina.example/1", "copy")]
    # its next fetch reads the time right (the text unchanged): the claim is confirmed, INA is first
    record(store, seen("ina", 1, "\n\n".join(WIRE), "2026-11-01T10:00:00+03:00", "2026-11-01T08:30:00+00:00"))
    assert story_rows(store) == [("https://ina.example/1", "https://okaz.example/1", "copy")]
    assert store.reprint_list()[0]["delay_seconds"] == 20 * 60
    assert [a["kind"] for a in store.alerts()].count("reprint") == 1  # the pair found once


def test_rasid_reextract_orders_a_store_of_claim_ordered_stories_on_evidence(store):
    from crawler.reextract import index_reprints

    record(store, seen("ina", 1, "\n\n".join(WIRE), SOURCE_CLAIM, SOURCE_SEEN))
    record(store, seen("okaz", 1, copy_of(WIRE), BACKDATED_CLAIM, COPY_SEEN))
    ina, okaz = (store.article(f"https://{k}.example/1")["id"] for k in ("ina", "okaz"))
    with store.transaction():  # as an earlier Rasid stored it: the backdated claim taken
        store.db.execute("UPDATE reprints SET article_id = ?, source_id = ?, delay_seconds = 86400", [ina, okaz])
    assert story_rows(store) == [("https://okaz.example/1", "https://ina.example/1", "copy")]
    index_reprints(store, "2026-12-01T00:00:00+00:00")
    assert story_rows(store) == [("https://ina.example/1", "https://okaz.example/1", "copy")]
    assert store.reprint_list()[0]["delay_seconds"] == 19 * 86400


def test_a_reprint_line_says_what_each_of_its_numbers_is(store):
    # a trimmed copy: all of it is in the wire (shared 1.00), yet a rewrite (its Jaccard is lower)
    from crawler.report import reprint_lines

    record(store, article("ina", 1, "\n\n".join(WIRE), "2020-08-23T11:05:00+03:00"))
    record(store, article("elaph", 1, "\n\n".join(WIRE[:3]), "2020-08-23T12:10:00+03:00"))
    (row,) = store.reprint_list()
    lines = list(reprint_lines([row], as_json=False))
    line = next(x for x in lines if x.lstrip().startswith("← elaph"))
    assert f"rewrite shared 1.00 jaccard {row['jaccard']:.2f}" in line and row["jaccard"] < reprints.COPY_JACCARD
    assert lines[-1].startswith("shared: the share of the shorter text found in the other; jaccard: ")
    assert "(a copy from 0.80, else a rewrite)" in lines[-1]
    (story,) = (json.loads(x) for x in reprint_lines([row], as_json=True))
    assert story["reprints"][0]["similarity"] == 1.0 and story["reprints"][0]["jaccard"] == row["jaccard"]
