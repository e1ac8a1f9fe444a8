"""Full-text search on both backends: ranking, snippets, operators, kept current."""

from __future__ import annotations

import re

import pytest

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
