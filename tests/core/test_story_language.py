"""A story's own language: the document field, its checks, merge, projection and schema."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from cms import stories
from cms.diff import diff_documents
from cms.document import StoryDocument, canonical_json, document_from_json, revision_id
from cms.errors import UsageError
from cms.models import Story
from cms.people import Actor
from cms.revisions import load_document
from cms.store import Store, _alembic_config, parse_store_url
from cms.sync.merge import merge_documents
from cms.validate import check_language

STORY_ID = "00000000-0000-4000-8000-000000000042"


def _doc(**changes: object) -> StoryDocument:
    return StoryDocument(story_id=STORY_ID, slug="seoul", headline="Seoul", body="Text.",
                         **changes)  # type: ignore[arg-type]


def test_an_empty_language_keeps_the_canonical_form_and_revision_id_of_old_documents() -> None:
    # The id an old revision of this document had (before stories had a language):
    # computed from the canonical form without a "language" key.
    old = _doc()
    assert "language" not in old.canonical()
    old_payload = ('{"document":{"body":"Text.","byline":"","correction":"","dateline":"",'
                   '"deleted":false,"embargo_until":null,"format":1,"headline":"Seoul",'
                   '"photos":[],"publish_at":null,"related":[],"section":null,"slug":"seoul",'
                   '"standfirst":"","status":"draft",'
                   f'"story_id":"{STORY_ID}","tags":[]}},"parents":[]}}')
    import hashlib

    assert revision_id(old, []) == hashlib.sha256(old_payload.encode()).hexdigest()
    # A stored old revision reads back with no language and the same id.
    stored = document_from_json(canonical_json(old.canonical()))
    assert stored.language == "" and revision_id(stored, []) == revision_id(old, [])


def test_a_language_is_part_of_the_document_normalised_and_round_trips() -> None:
    korean = _doc(language="KO_kr")
    assert korean.canonical()["language"] == "ko-KR"
    back = document_from_json(canonical_json(korean.canonical()))
    assert back.language == "ko-KR" and back == korean.normalised()
    assert revision_id(korean, []) != revision_id(_doc(), [])
    assert _doc(language="zh-hant-tw").normalised().language == "zh-Hant-TW"
    assert [c.name for c in diff_documents(_doc(), korean).fields] == ["language"]


@pytest.mark.parametrize("tag", ["en", "en-GB", "ko", "ko-KR", "es-419", "zh-Hant-TW",
                                 "de-CH-1996", "en-x-newsroom", ""])
def test_well_formed_language_tags_are_taken(tag: str) -> None:
    assert check_language(tag) == tag


@pytest.mark.parametrize("tag", ["english", "e", "en--GB", "en GB", "ko-", "123",
                                 "en-" + "x" * 40, "ko\x00"])
def test_malformed_language_tags_are_refused_clearly(tag: str) -> None:
    with pytest.raises(UsageError, match=r"invalid language .*such as en, en-GB or ko"):
        check_language(tag)


def test_language_merges_like_other_scalar_fields() -> None:
    base = _doc()
    one_side = merge_documents(base, base.evolve(language="ko"), base.evolve(body="More."))
    assert one_side.clean and one_side.document.language == "ko"
    assert one_side.document.body == "More."
    same = merge_documents(base, base.evolve(language="ko"), base.evolve(language="ko"))
    assert same.clean and same.document.language == "ko"
    clash = merge_documents(base, base.evolve(language="ko"), base.evolve(language="en-GB"))
    assert clash.conflicts == ("language",)


def test_a_story_saves_its_language_and_the_store_shows_it(store: Store, actor: Actor) -> None:
    with store.session() as session:
        saved = stories.create(session, actor, headline="서울 소식", language="ko")
        plain = stories.create(session, actor, headline="Plain")
    story_id = saved.document.story_id
    with store.reading() as session:
        assert load_document(session, saved.revision_id).language == "ko"
        assert session.scalar(sa.select(Story.language).where(Story.id == story_id)) == "ko"
        assert session.scalar(sa.select(Story.language).where(
            Story.id == plain.document.story_id)) == ""
    with store.session() as session:
        edited = stories.edit(session, actor, story_id, language="EN-gb")
        assert edited.document.language == "en-GB"
        with pytest.raises(UsageError, match="invalid language 'english'"):
            stories.edit(session, actor, story_id, language="english")
    with store.session() as session:
        cleared = stories.edit(session, actor, story_id, language="")
        assert "language" not in cleared.document.canonical()
    with store.reading() as session:
        assert session.scalar(sa.select(Story.language).where(Story.id == story_id)) == ""
        assert stories.get(session, story_id)[0].language == ""


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def test_migration_0008_adds_an_empty_language_and_keeps_old_revisions(
        backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    location = (str(tmp_path / "old.db") if backend == "sqlite"
                else request.getfixturevalue("pg_url"))
    engine = sa.create_engine(parse_store_url(location))
    with engine.begin() as connection:
        config = _alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "0007")
    engine.dispose()
    with Store.open(location) as store, store.session() as session:
        from cms.people import actor_for

        actor = actor_for(session, "tester", store.replica_id)
        old = stories.create(session, actor, headline="Before 0008", body="Text.")
    # Back to 0007 and up again: the column goes and comes back empty, the revision stays.
    engine = sa.create_engine(parse_store_url(location))
    with engine.begin() as connection:
        config = _alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0007")
        columns = {c["name"] for c in sa.inspect(connection).get_columns("stories")}
        assert "language" not in columns
        command.upgrade(config, "head")
    engine.dispose()
    with Store.open(location) as store, store.reading() as session:
        row = session.execute(sa.select(Story.language, Story.revision_id).where(
            Story.id == old.document.story_id)).one()
        assert row == ("", old.revision_id)
        document = load_document(session, old.revision_id)
        assert revision_id(document, []) == old.revision_id
