"""Full-text search on both backends: ranking, snippets, operators, kept current."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

import pytest
import sqlalchemy as sa

from cms import search as search_module
from cms import stories
from cms.errors import UsageError
from cms.people import Actor
from cms.search import MARK_END, MARK_START, parse_query, search
from cms.store import Store


@pytest.fixture
def newsroom(store: Store, actor: Actor) -> Store:
    with store.session() as session:
        stories.create(session, actor, headline="Goat tests electrified fence",
                       body="Soldiers walked a goat to the wire.")
        stories.create(session, actor, headline="Border barriers grow",
                       standfirst="Troops lay barbed wire",
                       body="An electrified fence now runs along the border, officials said.")
        stories.create(session, actor, headline="Markets calm after impeachment",
                       body="The acting president spoke to investors about the economy.")
    return store


def test_headline_matches_rank_above_body_matches(newsroom: Store) -> None:
    with newsroom.reading() as session:
        hits = search(session, "electrified fence")
    assert [h.headline for h in hits] == ["Goat tests electrified fence", "Border barriers grow"]


def test_snippets_mark_the_matched_words(newsroom: Store) -> None:
    with newsroom.reading() as session:
        (hit,) = search(session, "investors")
    assert f"{MARK_START}investors{MARK_END}" in hit.snippet
    assert "<mark>investors</mark>" in hit.snippet_html()
    assert "[investors]" in hit.snippet_text()


def test_phrases_exclusions_and_prefixes(newsroom: Store) -> None:
    with newsroom.reading() as session:
        assert [h.headline for h in search(session, '"barbed wire"')] == ["Border barriers grow"]
        assert [h.headline for h in search(session, "fence -goat")] == ["Border barriers grow"]
        assert [h.headline for h in search(session, "impeach", prefix=True)] == [
            "Markets calm after impeachment"
        ]
        assert search(session, "") == []


def test_stemming_finds_word_forms(newsroom: Store) -> None:
    with newsroom.reading() as session:
        assert [h.headline for h in search(session, "walking")] == [
            "Goat tests electrified fence"
        ]


def test_the_index_follows_every_save(newsroom: Store, actor: Actor) -> None:
    with newsroom.session() as session:
        stories.edit(session, actor, "markets-calm-after-impeachment",
                     body="Nothing about money now; a hypersonic missile test instead.")
    with newsroom.reading() as session:
        assert search(session, "investors") == []
        assert [h.headline for h in search(session, "hypersonic")] == [
            "Markets calm after impeachment"
        ]


@pytest.mark.parametrize("hostile", ['"', "AND OR NOT", "col:umn", "a*", "')--", "NEAR(a b)"])
def test_operator_characters_are_plain_text(newsroom: Store, hostile: str) -> None:
    """The engine's own syntax never reaches it: a query finds what its words alone find
    (and raises no syntax error from the engine)."""
    words = re.sub(r"[^\w\s]", " ", hostile)
    with newsroom.reading() as session:
        assert search(session, f"{hostile} fence") == search(session, f"{words} fence")


def test_a_query_of_only_exclusions_is_refused() -> None:
    with pytest.raises(UsageError):
        parse_query("-goat")


@pytest.mark.parametrize(("query", "headline"), [
    ("Seoul", "Séoul vote count"), ("seoul", "Séoul vote count"), ("SÉOUL", "Séoul vote count"),
    ("unicode", "Ünïcödé test"), ("ÜNÏCÖDÉ", "Ünïcödé test"), ("Unicod", "Ünïcödé test"),
    ("São Paulo", "Sao Paulo floods"), ('"sao paulo"', "Sao Paulo floods"),
])
def test_search_ignores_accents_and_case_on_every_backend(
    store: Store, actor: Actor, query: str, headline: str
) -> None:
    with store.session() as session:
        stories.create(session, actor, headline="Séoul vote count", body="Café owners said.")
        stories.create(session, actor, headline="Ünïcödé test", body="Plain text.")
        stories.create(session, actor, headline="Sao Paulo floods", body="Rain.")
    with store.reading() as session:
        hits = search(session, query, prefix=query == "Unicod")
    assert [hit.headline for hit in hits] == [headline]


def test_snippets_mark_words_matched_without_their_accents(store: Store, actor: Actor) -> None:
    with store.session() as session:
        stories.create(session, actor, headline="Markets", body="The café in Séoul reopened.")
    with store.reading() as session:
        (hit,) = search(session, "cafe")
    assert f"{MARK_START}café{MARK_END}" in hit.snippet


def _filler(words: int) -> str:
    return " ".join(f"filler{n % 97}" for n in range(words))


def test_a_common_word_ranks_the_best_of_its_newest_matches(
    store: Store, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_module, "RANK_WINDOW", 5)
    monkeypatch.setattr(search_module, "FIRST_SPAN", 2)  # PostgreSQL walks back in spans
    with store.session() as session:
        stories.create(session, actor, headline="Harbour reopens", body="The harbour is open.")
        for n in range(10):
            headline = "Harbour strike ends" if n == 7 else f"Quayside report {n}"
            stories.create(session, actor, headline=headline,
                           body=f"Boats left the harbour at dawn, day {n}.")
    with store.reading() as session:
        hits = search(session, "harbour")
    # Ranked among the five newest matches: the headline match among them comes first,
    # the older one (a headline match too) is beyond the window, with the older matches
    # that follow it newest first.
    assert hits[0].headline == "Harbour strike ends"
    assert sorted(h.headline for h in hits[1:5]) == [
        "Quayside report 5", "Quayside report 6", "Quayside report 8", "Quayside report 9"
    ]
    assert [h.headline for h in hits[5:]] == [
        *(f"Quayside report {n}" for n in range(4, -1, -1)), "Harbour reopens"
    ]


def test_a_rare_word_in_the_oldest_story_is_found(
    store: Store, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_module, "FIRST_SPAN", 2)
    with store.session() as session:
        stories.create(session, actor, headline="Zeppelin sighted", body="Over the bay.")
        for n in range(12):
            stories.create(session, actor, headline=f"Weather {n}", body="Rain again.")
    with store.reading() as session:
        assert [h.headline for h in search(session, "zeppelin")] == ["Zeppelin sighted"]
        assert [h.headline for h in search(session, "zeppelin", status="draft")] == [
            "Zeppelin sighted"
        ]
        assert search(session, "zeppelin", status="published") == []


def test_phrase_words_must_stand_together(store: Store, actor: Actor) -> None:
    with store.session() as session:
        stories.create(session, actor, headline="The President of America spoke", body="Yes.")
        stories.create(session, actor, headline="America elects a president", body="Vote.")
        stories.create(session, actor, headline="President Lee says America waits", body="No.")
        stories.create(session, actor, headline="Barbed wire", body="Wire.")
    with store.reading() as session:
        assert [h.headline for h in search(session, '"president of america"')] == [
            "The President of America spoke"
        ]
        assert search(session, '"president america"') == []
        assert [h.headline for h in search(session, '"barbed wi"', prefix=True)] == [
            "Barbed wire"
        ]


def test_snippets_find_a_match_deep_in_a_long_body(store: Store, actor: Actor) -> None:
    with store.session() as session:
        stories.create(session, actor, headline="Airships",
                       body=f"{_filler(1500)} At last the zeppelin landed. {_filler(50)}")
        # "micro" looks like the stem of "mice" at first sight; the snippet still finds mice.
        stories.create(session, actor, headline="Lab",
                       body=f"A micro scale. {_filler(400)} Then the mice escaped. {_filler(50)}")
    with store.reading() as session:
        (airship,) = search(session, "zeppelin")
        (lab,) = search(session, "mice")
    assert f"{MARK_START}zeppelin{MARK_END}" in airship.snippet
    assert f"{MARK_START}mice{MARK_END}" in lab.snippet


def test_a_search_leaves_the_session_as_it_found_it(newsroom: Store) -> None:
    with newsroom.reading() as session:
        pg = session.get_bind().dialect.name == "postgresql"
        setting = ("SELECT current_setting('enable_indexscan') || current_setting('enable_seqscan')"
                   " || current_setting('work_mem')")
        before = session.execute(sa.text(setting)).scalar() if pg else None
        for query in ("fence", '"barbed wire"', "nothingmatches", "the"):
            search(session, query)
            if pg:  # the planner settings a search changes are put back, hits or none
                assert session.execute(sa.text(setting)).scalar() == before
        assert before is None or before.startswith("onon")
        assert [h.headline for h in search(session, "fence", offset=5)] == []


@pytest.mark.parametrize(("query", "word"), [
    ("대통령", "대통령"), ("Straße", "Straße"), ("Łódź", "Łódź"), ("skies", "skies"),
    ("dying", "dying"), ('"clear skies"', "skies"),
])
def test_snippets_mark_words_that_fold_otherwise_deep_in_a_long_body(
    store: Store, actor: Actor, query: str, word: str
) -> None:
    """Past the excerpt's reach, words PostgreSQL folds or stems otherwise than the guess
    (Hangul, ß, ł, stems that are no prefix) are still marked: the whole text is read."""
    with store.session() as session:
        stories.create(session, actor, headline="Dispatch",
                       body=f"{_filler(400)} Under clear skies the 대통령 left Łódź for the "
                            f"Straße, dying to speak. {_filler(50)}")
    with store.reading() as session:
        (hit,) = search(session, query)
    marked = re.findall(f"{MARK_START}([^{MARK_END}]*){MARK_END}", hit.snippet)
    assert any(word in span.split() for span in marked)  # a phrase may be marked whole


def _lines_run(function: Callable[[], object]) -> int:
    """How many Python lines ``function`` runs (regular expressions would run hidden in C,
    so the phrase guess is kept to plain Python steps, counted here)."""
    count = 0

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
        return tracer

    sys.settrace(tracer)
    try:
        function()
    finally:
        sys.settrace(None)
    return count


def test_the_snippet_guess_for_a_long_phrase_grows_linearly() -> None:
    """A phrase of repeated words against a body of the same word is the worst case for a
    guess that tries every way of skipping stop words (3**k); here it grows with the
    phrase's length times the body's, and a 30-word phrase finishes at all."""
    body = "cat " * 200 + "dog"

    def steps(cats: int) -> int:
        sequences = [["cat"] * cats + ["dog"]]
        return _lines_run(lambda: search_module._excerpt(body, sequences))

    assert search_module._excerpt(body, [["cat"] * 30 + ["dog"]])[1]
    assert not search_module._excerpt(body, [["cat"] * 30 + ["bird"]])[1]
    short, long = steps(10), steps(30)
    assert long < 4 * short  # linear in the phrase (3x the words), not exponential
    assert long < 30 * 210 * 20  # a few steps per word pair, never 3**30


def test_a_long_phrase_of_repeated_words_is_found(store: Store, actor: Actor) -> None:
    with store.session() as session:
        stories.create(session, actor, headline="Cats", body="cat " * 200 + "dog")
    with store.reading() as session:
        (hit,) = search(session, '"' + "cat " * 12 + 'dog"')
        assert search(session, '"' + "cat " * 12 + 'bird"') == []
    assert hit.headline == "Cats"
    assert MARK_START in hit.snippet


def _narrow_window(monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    """A ranked window of ``size`` stories, walked back in spans of two on PostgreSQL."""
    monkeypatch.setattr(search_module, "RANK_WINDOW", size)
    monkeypatch.setattr(search_module, "FIRST_SPAN", 2)


def _reports(store: Store, actor: Actor, stories_made: list[tuple[str, str]]) -> None:
    """Stories "Report 0", "Report 1"… oldest first, each with its (status, body)."""
    with store.session() as session:
        for n, (status, body) in enumerate(stories_made):
            stories.create(session, actor, headline=f"Report {n}", body=body, status=status)


def test_pages_past_the_ranked_window_go_on_newest_first(
    store: Store, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    _narrow_window(monkeypatch, 5)
    _reports(store, actor, [("draft", "The harbour at dawn." if n % 4 else "Rain again.")
                            for n in range(13)])
    matches = [f"Report {n}" for n in range(12, -1, -1) if n % 4]  # newest first
    with store.reading() as session:
        everything = [h.headline for h in search(session, "harbour", limit=50)]
        pages = [[h.headline for h in search(session, "harbour", limit=3, offset=offset)]
                 for offset in range(0, 12, 3)]
        assert search(session, "harbour", offset=len(matches)) == []
    assert sorted(everything[:5]) == sorted(matches[:5])  # the window, ranked
    assert everything[5:] == matches[5:]  # then the older matches, newest first
    assert [headline for page in pages for headline in page] == everything


def test_the_status_filter_applies_before_the_window_on_every_backend(
    store: Store, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    _narrow_window(monkeypatch, 3)
    _reports(store, actor, [("published" if n % 2 else "draft", "The harbour.")
                            for n in range(8)])
    with store.reading() as session:
        published = [h.headline for h in search(session, "harbour", status="published")]
        last = [h.headline for h in search(session, "harbour", status="published", offset=3)]
    # The window is the three newest *published* matches, whatever drafts are newer.
    assert sorted(published[:3]) == ["Report 3", "Report 5", "Report 7"]
    assert published[3:] == last == ["Report 1"]
