"""Migration 0002 on a store that already holds revisions: they are numbered and sync."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from cms.document import StoryDocument, canonical_json, revision_id
from cms.models import RevisionSeq, SyncCounter
from cms.revlog import chain_step
from cms.store import Store, _alembic_config, parse_store_url
from tests.sync.helpers import Replica


def _store_at_0001_with_revisions(location: str) -> list[str]:
    url = parse_store_url(location)
    engine = sa.create_engine(url)
    ids = []
    with engine.begin() as connection:
        config = _alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        for n in range(3):
            doc = StoryDocument(story_id=f"00000000-0000-4000-8000-00000000000{n}",
                                slug=f"old-{n}", headline=f"Old story {n}", body="Text.")
            rev = revision_id(doc, [])
            ids.append(rev)
            connection.execute(sa.text(
                "INSERT INTO revisions (id, story_id, parents, author, replica_id, created_at, "
                "hlc, message, content) VALUES (:id, :sid, '[]', 'old', 'r', :at, :hlc, '', :c)"),
                {"id": rev, "sid": doc.story_id, "at": "2024-12-23 06:20:00",
                 "hlc": f"{1734934800000 + n:013d}.00000",
                 "c": canonical_json(doc.canonical())})
    engine.dispose()
    return ids


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def test_upgrade_numbers_existing_revisions(backend: str, tmp_path: Path,
                                            request: pytest.FixtureRequest) -> None:
    location = (str(tmp_path / "old.db") if backend == "sqlite"
                else request.getfixturevalue("pg_url"))
    ids = _store_at_0001_with_revisions(location)
    with Store.open(location) as store, store.reading() as session:
        rows = session.execute(sa.select(RevisionSeq.seq, RevisionSeq.revision_id,
                                         RevisionSeq.chain).order_by(RevisionSeq.seq)).all()
        counter = session.get(SyncCounter, "revisions")
    assert [r.revision_id for r in rows] == ids  # oldest first, by clock
    chain = ""
    for row in rows:
        chain = chain_step(chain, row.revision_id)
        assert row.chain == chain
    assert counter is not None and (counter.value, counter.chain) == (3, chain)


def test_upgraded_store_syncs_its_old_revisions(tmp_path: Path) -> None:
    from tests.sync.helpers import make_central

    location = str(tmp_path / "old.db")
    ids = _store_at_0001_with_revisions(location)
    central = make_central(str(tmp_path / "central.db"))
    old = Replica(Path(location), central, name="old")
    fresh = Replica(tmp_path / "fresh.db", central, name="new")
    try:
        assert old.sync().pushed_revisions == 3
        fresh.sync()
        assert set(ids) <= fresh.revision_ids()
    finally:
        old.close()
        fresh.close()
