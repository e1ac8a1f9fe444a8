"""Reads from a real PostgreSQL streaming replica (``central_read_url``) that never go
backwards: a lagging replica is waited for, then the primary answers."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from cms.config import set_setting
from cms.models import SyncCounter
from cms.store import Store
from cms.sync.central import Central
from cms.sync.holding import Holding, switch_holding
from cms.sync.replication import sync
from tests.pgserver import StreamingPair, streaming_pair
from tests.sync.helpers import Replica, make_central

pytestmark = pytest.mark.pg


@pytest.fixture(scope="module")
def pair() -> Iterator[StreamingPair]:
    """A primary with a hot standby, and a desk database on them."""
    with streaming_pair() as servers:
        with psycopg.connect(host="127.0.0.1", port=servers.primary, user="postgres",
                             dbname="postgres", autocommit=True) as conn:
            conn.execute('CREATE DATABASE "desk"')
        make_central(servers.url(servers.primary, "desk"))
        yield servers


def _top(url: str) -> int:
    with Store.open(url) as store, store.reading() as session:
        return int(session.scalar(sa.select(SyncCounter.value)) or 0)


def _caught_up(pair: StreamingPair) -> None:
    want = _top(pair.url(pair.primary, "desk"))
    for _ in range(200):
        if _top(pair.url(pair.standby, "desk")) >= want:
            return
        time.sleep(0.05)
    raise AssertionError("the standby did not catch up")


def _replay(pair: StreamingPair, *, paused: bool) -> None:
    with psycopg.connect(host="127.0.0.1", port=pair.standby, user="postgres",
                         dbname="desk", autocommit=True) as conn:
        conn.execute("SELECT pg_wal_replay_pause()" if paused else
                     "SELECT pg_wal_replay_resume()")


def test_reads_go_to_the_replica_and_never_backwards(pair: StreamingPair,
                                                     tmp_path: Path) -> None:
    primary, standby = pair.url(pair.primary, "desk"), pair.url(pair.standby, "desk")
    writer = Replica(tmp_path / "writer.db", primary, name="ed")
    reader = Replica(tmp_path / "reader.db", primary, name="kim")
    story = writer.create("Fence test", "one\n\ntwo")
    writer.sync()
    _caught_up(pair)

    central = Central.open(primary, read_location=standby)
    try:
        sync(reader.store, central, author="kim")
        assert reader.doc(story).headline == "Fence test"
        assert central.reads.from_replica > 0 and central.reads.from_primary == 0
    finally:
        central.close()

    _replay(pair, paused=True)  # the replica stops: it lags from now on
    try:
        writer.edit(story, headline="Fence test, updated")
        writer.sync()
        reader.edit(story, body="one\n\ntwo, from kim")
        central = Central.open(primary, read_location=standby)
        try:
            sync(reader.store, central, author="kim")  # pushes: its checkpoint passes the replica
            report = sync(reader.store, central, author="kim")
            assert central.reads.from_primary > 0
            assert any("lags" in warning for warning in report.warnings)
        finally:
            central.close()
        assert reader.doc(story).headline == "Fence test, updated"  # never older than seen

        laptop = Replica(tmp_path / "laptop.db", primary, name="lee")
        with laptop.store.session() as session:  # a new partial copy, reads set to the replica
            switch_holding(session, Holding(full=False, days=30))
            set_setting(session, "central_read_url", standby, username="lee")
        laptop.sync()
        assert laptop.doc(story).headline == "Fence test, updated"
        assert laptop.doc(story).body == "one\n\ntwo, from kim"
        laptop.close()
    finally:
        _replay(pair, paused=False)
        writer.close()
        reader.close()


def test_a_replica_of_another_desk_is_not_used(pair: StreamingPair, tmp_path: Path,
                                               pg_url: str) -> None:
    primary = pair.url(pair.primary, "desk")
    make_central(pg_url)  # another central store altogether
    reader = Replica(tmp_path / "reader.db", primary, name="kim")
    with reader.store.session() as session:
        set_setting(session, "central_read_url", pg_url, username="kim")
    report = reader.sync()
    assert any("is not a replica of this central store" in w for w in report.warnings)
    reader.close()
