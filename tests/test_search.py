"""Search: the folded FTS5 index follows every insert, edit and re-extraction; `rasid search`."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from crawler.cli import main
from db.store import Store
from extract.arabic import fold, search_query, search_text, search_word
from extract.model import FetchedPage
from tests.factories import fetched, record


def page(url: str, text: str, title: str = "عنوان", when: str = "2026-11-20T10:00:00+00:00",
         published: str = "2026-11-20T12:00:00+03:00") -> FetchedPage:
    return fetched(url, text, title, at=when, published=published)


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "rasid.db")
    store.ensure_site("ina", "INA", "https://www.ina.iq", "Asia/Baghdad")
    yield store
    store.close()


def urls(store: Store, query: str, **kw) -> list[str]:
    return [r["url"] for r in store.search(query, **kw)]


def test_index_follows_inserts_and_edits(store):
    record(store, page("https://www.ina.iq/1", "زار الكاظمي البصرة اليوم."))
    record(store, page("https://www.ina.iq/2", "اجتماع مجلس الأمن الوطني.", published="2026-11-21T09:00:00+03:00"))
    assert urls(store, "الكاظمى") == ["https://www.ina.iq/1"]
    assert urls(store, "البصره") == urls(store, "بالبصرة") == ["https://www.ina.iq/1"]
    assert urls(store, "امن") == ["https://www.ina.iq/2"]
    # an edit replaces the indexed words at once: the old word is gone, the new one found
    record(store, page("https://www.ina.iq/1", "زار الكاظمي الموصل اليوم.", when="2026-11-21T10:00:00+00:00"))
    assert urls(store, "البصرة") == []
    assert urls(store, "الموصل") == ["https://www.ina.iq/1"]
    assert store.db.execute("SELECT count(*) FROM articles_search_fts").fetchone()[0] == 2


def test_quoted_phrases_or_site_and_since(store):
    record(store, page("https://www.ina.iq/1", "قال رئيس الوزراء إن الوضع مستقر.", published="2026-01-01T10:00:00+03:00"))
    record(store, page("https://www.ina.iq/2", "قال الوزراء إن رئيس البرلمان غائب.", published="2026-06-01T10:00:00+03:00"))
    assert urls(store, '"رئيس الوزراء"') == ["https://www.ina.iq/1"]
    assert urls(store, "رئيس الوزراء") == ["https://www.ina.iq/2", "https://www.ina.iq/1"]  # newest first
    assert urls(store, "مستقر OR غائب") == ["https://www.ina.iq/2", "https://www.ina.iq/1"]
    assert urls(store, "رئيس", since="2026-03-01") == ["https://www.ina.iq/2"]
    assert urls(store, "رئيس", site="alaraby") == []


def test_queries_never_reach_fts_syntax():
    assert search_query('AND NOT * ( " :') == ""  # operators with nothing to join, and punctuation
    assert search_query('( ) : ^ NEAR الكاظمي {x}') == '"near" "كاظمي" "x"'
    assert search_query("") == "" and search_query("OR OR") == ""
    assert search_text("المسؤوليّة، والأمـــن!") == "مسءوليه امن"


def test_rasid_search_command(tmp_path, store):
    record(store, page("https://www.ina.iq/%D8%AE%D8%A8%D8%B1", "فقرة أولى.\n\nوقال الكاظمي إن الأمن مستتب."))
    db = str(store.path)
    result = CliRunner().invoke(main, ["search", "الكاظمى", "--db", db])
    assert result.exit_code == 0
    assert "https://www.ina.iq/خبر" in result.output and "وقال الكاظمي إن الأمن مستتب." in result.output
    data = [json.loads(line) for line in CliRunner().invoke(main, ["search", "امن", "--db", db, "--json"]).output
            .splitlines()]
    assert data[0]["excerpt"] == "وقال الكاظمي إن الأمن مستتب." and data[0]["site"] == "ina"
    result = CliRunner().invoke(main, ["search", "الكاظمي", "--db", db, "--since", "1 كانون الأول 2026"])
    assert result.exit_code == 0 and "0 results" in result.output


@pytest.mark.parametrize("args, message", [
    (["search", "***", "--db", "{db}"], "has no words"),
    (["search", "x", "--db", "{db}", "--since", "أمس البارحة"], "--since"),
    (["search", "x", "--db", "{missing}"], "no such store"),
])
def test_rasid_search_bad_input(tmp_path, store, args, message):
    args = [a.format(db=store.path, missing=tmp_path / "none.db") for a in args]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and message in result.output


def test_exclusion_and_and_prefix_work_on_folded_text(store):
    record(store, page("https://www.ina.iq/1", "زار الكاظمي البصرة اليوم."))
    record(store, page("https://www.ina.iq/2", "استقبل الكاظمي وفدا في بغداد.", published="2026-11-21T09:00:00+03:00"))
    record(store, page("https://www.ina.iq/3", "أمطار في البصرة.", published="2026-11-19T09:00:00+03:00"))
    assert urls(store, "الكاظمي -البصرة") == urls(store, "الكاظمي NOT البصره") == ["https://www.ina.iq/2"]
    assert urls(store, "الكاظمي AND البصرة") == ["https://www.ina.iq/1"]
    assert urls(store, "الكاظ*") == ["https://www.ina.iq/2", "https://www.ina.iq/1"]
    assert urls(store, "بغد* OR امطار") == ["https://www.ina.iq/2", "https://www.ina.iq/3"]
    assert urls(store, 'بصرة -"الكاظمي"') == ["https://www.ina.iq/3"]
    with pytest.raises(ValueError, match="only excludes"):
        store.search("-البصرة")


def test_search_of_an_unknown_site_names_the_known_ones(store):
    result = CliRunner().invoke(main, ["search", "x", "--db", str(store.path), "--site", "nosuch"])
    assert result.exit_code == 2 and "unknown site 'nosuch'" in result.output and "ina" in result.output


@given(st.text(alphabet="والبلكفتـأإةى٣ _x-3\n", max_size=60))
def test_the_index_cuts_the_article_of_every_word_and_only_at_its_start(text):
    # the whole text in one pass (search_text) cuts what the word rule cuts from each word alone
    assert search_text(text) == " ".join(search_word(w) for w in re.findall(r"\w+", fold(text)))
