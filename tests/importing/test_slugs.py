"""Slugs and names in every script: transliterated, readable, never shared by two names."""

from __future__ import annotations

import pytest

from cms import stories
from cms.errors import UsageError
from cms.export.paths import tag_slugs
from cms.people import Actor
from cms.slugs import slugify, validate_slug
from cms.store import Store


@pytest.mark.parametrize(("headline", "slug"), [
    ("서울 시장 선거 결과", "seoul-sijang-seongeo-gyeolgwa"),
    ("東京の選挙", "dong-jing-no-xuan-ju"),
    ("北京新闻", "bei-jing-xin-wen"),
    ("Москва выбирает мэра", "moskva-vybiraet-mera"),
    ("Αθήνα: εκλογές", "athina-ekloges"),
    ("North Korea's fence: a test", "north-koreas-fence-a-test"),
    ("Séoul ünïcödé", "seoul-unicode"),
])
def test_headlines_in_every_script_get_readable_slugs(headline: str, slug: str) -> None:
    assert slugify(headline) == slug


def test_arabic_and_symbols_get_distinct_slugs() -> None:
    assert slugify("القاهرة") not in ("", "story")
    assert slugify("!!!") == "story"
    assert slugify("!!!", fallback="section") == "section"


def test_typed_slugs_may_keep_dots_and_underscores() -> None:
    assert validate_slug("jekyll-sass-converter-3.0-released") == (
        "jekyll-sass-converter-3.0-released")
    assert validate_slug("snake_case") == "snake_case"
    for bad in ("../etc", "a..b", ".hidden", "trailing-", "Upper", "with space", "x/y", "é"):
        with pytest.raises(UsageError):
            validate_slug(bad)


def test_korean_headlines_do_not_collide(store: Store, actor: Actor) -> None:
    with store.session() as session:
        first = stories.create(session, actor, headline="서울 시장 선거")
        second = stories.create(session, actor, headline="부산 시장 선거")
    assert first.document.slug == "seoul-sijang-seongeo"
    assert second.document.slug == "busan-sijang-seongeo"


def test_two_section_names_never_share_a_slug(store: Store, actor: Actor) -> None:
    with store.session() as session:
        japanese = stories.ensure_section(session, "指導書")
        bang = stories.ensure_section(session, "!!!")
        other_bang = stories.ensure_section(session, "???")
        same = stories.ensure_section(session, "指導書")
        typed = stories.ensure_section(session, "zhi-dao-shu")
        shown = {section.slug: section.name for section in stories.sections(session)}
    assert japanese == same == typed == "zhi-dao-shu"
    assert bang == "section" and other_bang == "section-2"
    assert shown["zhi-dao-shu"] == "指導書" and shown["section"] == "!!!"


def test_sections_are_found_by_name_in_any_case(store: Store, actor: Actor) -> None:
    with store.session() as session:
        politics = stories.ensure_section(session, "Politics")
        stories.create(session, actor, headline="Vote", section="POLITICS")
        assert stories.ensure_section(session, "politics") == politics
        assert [s.headline for s in stories.list_stories(session, section="Politics")] == ["Vote"]


def test_tags_in_any_script_get_their_own_page() -> None:
    slugs = tag_slugs(["マック", "tag-91e288e7", "c++", "c", "!!!", "???"])
    assert len(set(slugs.values())) == 6
    assert slugs["マック"] == "matku"
    assert slugs["tag-91e288e7"] == "tag-91e288e7" and slugs["c"] == "c"
    assert slugs["c++"].startswith("c-")
    assert tag_slugs(["c++", "x"])["c++"] == "c"  # alone, it keeps the plain slug
    fewer = tag_slugs(["!!!", "???"])
    more = tag_slugs(["!!!", "???", "news", "ニュース"])
    assert {tag: more[tag] for tag in fewer} == fewer  # other tags do not move a page
