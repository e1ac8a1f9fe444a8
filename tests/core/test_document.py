"""The story document: normalisation and content-addressed revision ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from cms.document import (
    LinkRef,
    PhotoRef,
    StoryDocument,
    canonical_json,
    document_from_json,
    revision_id,
)

BASE = StoryDocument(story_id="0e6c3d5e-0000-4000-8000-000000000001", slug="a-story",
                     headline="A story", body="One.\n\nTwo.\n")


def test_crlf_and_lf_bodies_are_the_same_document() -> None:
    crlf = BASE.evolve(body="One.\r\n\r\nTwo.\r\n")
    assert revision_id(crlf, []) == revision_id(BASE, [])


def test_times_in_other_zones_and_microseconds_hash_the_same() -> None:
    utc = datetime(2024, 12, 23, 6, 20, tzinfo=UTC)
    seoul = utc.astimezone(timezone(timedelta(hours=9))) + timedelta(microseconds=123)
    assert revision_id(BASE.evolve(publish_at=utc), []) == revision_id(
        BASE.evolve(publish_at=seoul), []
    )


def test_parents_change_the_id_but_not_their_order() -> None:
    a, b = "a" * 64, "b" * 64
    assert revision_id(BASE, [a]) != revision_id(BASE, [])
    assert revision_id(BASE, [a, b]) == revision_id(BASE, [b, a])


def test_any_field_change_changes_the_id() -> None:
    ids = {
        revision_id(doc, [])
        for doc in (
            BASE,
            BASE.evolve(headline="Another"),
            BASE.evolve(tags=("x",)),
            BASE.evolve(photos=(PhotoRef(id="p1", sha256="f" * 64, caption="c"),)),
            BASE.evolve(related=(LinkRef(id="l1", url="https://example.org/"),)),
            BASE.evolve(status="edit"),
        )
    }
    assert len(ids) == 6


def test_tags_are_trimmed_lowercased_and_deduplicated() -> None:
    doc = BASE.evolve(tags=(" North Korea ", "north korea", "", "JCS"))
    assert doc.normalised().tags == ("north korea", "jcs")


def test_canonical_json_round_trips() -> None:
    doc = BASE.evolve(
        publish_at=datetime(2024, 12, 23, 6, 20, tzinfo=UTC),
        photos=(PhotoRef(id="p1", sha256="f" * 64, caption="Goat", credit="JCS", alt="A goat",
                         role="lead"),),
        related=(LinkRef(id="l1", target_story_id="x", label="Next",
                         visible_from=datetime(2024, 12, 1, tzinfo=UTC)),),
    )
    again = document_from_json(canonical_json(doc.canonical()))
    assert again == doc.normalised()
    assert revision_id(again, []) == revision_id(doc, [])
