"""Sync checks what arrives as a local save would: invalid revisions are quarantined.

A hostile copy of the app writes straight into its own store (no save checks)
and syncs; a hostile central store holds what no save would write. Whichever way
the revision travels, the receiving store keeps it apart with the reason, never
in the revision graph or the story list, and says so.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import replace

import pytest
import sqlalchemy as sa

from cms.document import LinkRef, PhotoRef, StoryDocument, canonical_json, revision_id
from cms.models import QuarantinedRevision, Revision, Setting, Story, table_of
from cms.revisions import revision_row, write_revision
from cms.revlog import record_arrivals
from cms.sqlutil import insert_ignore
from cms.store import Store
from cms.sync.settings import SettingRow, write_settings
from cms.sync.transfer import quarantined
from cms.timeutil import utcnow
from tests.sync.helpers import Replica

GOOD = StoryDocument(story_id="", slug="fine", headline="A fine story", body="Words.")
BAD: dict[str, Callable[[StoryDocument], StoryDocument]] = {
    "slug ../../../x": lambda d: replace(d, slug="../../../x"),
    "slug with markup": lambda d: replace(d, slug='x"><script>alert(1)</script>'),
    "javascript: link": lambda d: replace(d, related=(LinkRef(
        id=str(uuid.uuid4()), url="javascript:alert(1)", label="Read"),)),
    "data: link": lambda d: replace(d, related=(LinkRef(
        id=str(uuid.uuid4()), url="data:text/html,<script>x</script>", label="Read"),)),
    "spaced JaVaScript: link": lambda d: replace(d, related=(LinkRef(
        id=str(uuid.uuid4()), url=" JaVaScript:alert(1)", label="Read"),)),
    "photo that is not a hash": lambda d: replace(d, photos=(PhotoRef(
        id=str(uuid.uuid4()), sha256="../../etc/passwd"),)),
    "section leaving the site": lambda d: replace(d, section="../sections"),
    "byline longer than its column": lambda d: replace(d, byline="x" * 5000),
    "unknown status": lambda d: replace(d, status="archived"),
    "empty headline": lambda d: replace(d, headline=""),
}


def _forge(store: Store, document: StoryDocument, author: str) -> str:
    """Write a revision straight into ``store``, as a hostile client would (no checks)."""
    with store.session() as session:
        return write_revision(session, document, [], author=author,
                              replica_id=store.replica_id, now=utcnow(), message="forged")


def _documents() -> dict[str, StoryDocument]:
    return {name: make(replace(GOOD, story_id=str(uuid.uuid4()), slug=f"fine-{n}"))
            for n, (name, make) in enumerate(BAD.items())}


def test_a_forged_push_is_quarantined_by_the_central_store(
        replicas: Callable[..., Replica], central: str) -> None:
    hostile, honest = replicas("mallory"), replicas("ed")
    forged = {name: _forge(hostile.store, doc, "mallory") for name, doc in _documents().items()}
    good = hostile.create("An honest story", "Text.")
    report = hostile.sync()
    assert report.quarantined_on_central == len(BAD)
    with Store.open(central) as store, store.reading() as session:
        kept_apart = {row.id: row.reason for row in session.scalars(sa.select(QuarantinedRevision))}
        in_graph = set(session.scalars(sa.select(Revision.id)))
        shown = set(session.scalars(sa.select(Story.slug)))
    assert set(kept_apart) == set(forged.values())
    assert not in_graph & set(forged.values())
    assert shown == {"an-honest-story"}
    assert "invalid link" in kept_apart[forged["spaced JaVaScript: link"]]
    assert "invalid slug" in kept_apart[forged["slug ../../../x"]]
    honest.sync()
    assert set(honest.snapshot()) == {good}


def test_a_hostile_central_cannot_make_a_replica_store_invalid_data(
        replicas: Callable[..., Replica], central: str) -> None:
    ed = replicas("ed")
    ed.sync()
    with Store.open(central) as store:
        forged = {name: _forge(store, doc, "central") for name, doc in _documents().items()}
    report = ed.sync()
    assert sorted(report.quarantined) == sorted(forged.values())
    assert ed.snapshot() == {}
    with ed.store.reading() as session:
        apart = quarantined(session)
        in_graph = set(session.scalars(sa.select(Revision.id)))
    assert {entry.revision_id for entry in apart} == set(forged.values())
    assert not in_graph & set(forged.values())
    assert ed.sync().quarantined == []  # kept apart once, not again and again


@pytest.mark.parametrize(("key", "value"), [
    ("base_url", '"><script>alert(1)</script>'),
    ("base_url", "javascript:alert(1)"),
    ("language", '" onload="alert(1)'),
    ("timezone", "../../../etc/passwd"),
    ("desk_name", "x" * 5000),
    ("no_such_setting", "anything"),
])
def test_settings_that_arrive_are_checked_as_if_typed(
        replicas: Callable[..., Replica], central: str, key: str, value: str) -> None:
    ed = replicas("ed")
    with Store.open(central) as store, store.session() as session:
        rejected: list[str] = []
        write_settings(session, [SettingRow(key, value, utcnow(), "mallory")],
                       reference=utcnow(), rejected=rejected)
        assert rejected and rejected[0].startswith(key[:20])
        session.add(Setting(key=key, value=value, updated_at=utcnow(), updated_by="mallory"))
    report = ed.sync()
    assert report.settings_rejected and report.settings_rejected[0].startswith(key[:20])
    with ed.store.reading() as session:
        assert session.get(Setting, key) is None


@pytest.mark.parametrize("language", [" en   ", "en\n", "EN_gb", "en_GB", "\u017fv",
                                      "\u212a" + "o", 5, None, ["en"]])
def test_a_language_not_written_as_a_save_writes_it_is_quarantined(
        replicas: Callable[..., Replica], central: str, language: object) -> None:
    ed = replicas("ed")
    ed.sync()
    document = replace(GOOD, story_id=str(uuid.uuid4()), slug="lang")
    with Store.open(central) as store, store.session() as session:
        row = revision_row(session, document, [], author="central",
                           replica_id=store.replica_id, now=utcnow(), message="forged")
        content = {**json.loads(str(row["content"])), "language": language}
        forged = revision_id(content, [])
        row = {**row, "id": forged, "content": canonical_json(content)}
        insert_ignore(session, table_of(Revision), [row])
        record_arrivals(session, [(forged, document.story_id)])
    report = ed.sync()
    assert report.quarantined == [forged]
    assert ed.snapshot() == {}
    with ed.store.reading() as session:
        assert [entry.revision_id for entry in quarantined(session)] == [forged]
        assert "language" in quarantined(session)[0].reason
