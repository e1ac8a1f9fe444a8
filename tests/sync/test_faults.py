"""Faults a sync must survive: kills, duplicated and reordered batches, dropped connections,
concurrent syncs, bad clocks, late photos, schema mismatches, copied stores, restored centrals."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from cms import clock
from cms.models import Revision, RevisionSeq, StoreMeta
from cms.store import Store
from cms.sync.central import Central
from cms.sync.conflicts import list_conflicts
from cms.sync.faults import set_hook
from cms.sync.replication import apply_pull, build_push, incarnation, load_state, sync
from cms.timeutil import utcnow
from tests.sync.helpers import Replica, attach_photo, central_bodies, make_central

BODY = "One.\n\nTwo.\n\nThree."


def _cli_sync(replica: Replica, fault: str | None,
              batch: int = 3) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEWSROOM_USER": replica.name}
    env.pop("NEWSROOM_SYNC_FAULT", None)
    if fault:
        env["NEWSROOM_SYNC_FAULT"] = fault
    replica.store.close()  # the child process owns the file meanwhile
    try:
        return subprocess.run(
            [sys.executable, "-m", "cms.cli", "--store", str(replica.path), "sync",
             "--central", replica.central, "--batch-size", str(batch)],
            env=env, capture_output=True, text=True, timeout=120, check=False)
    finally:
        replica.store = Store.open(str(replica.path))


def _central_counts(location: str) -> tuple[int, int]:
    with Store.open(location) as store, store.reading() as session:
        revisions = session.scalar(sa.select(sa.func.count()).select_from(Revision))
        numbered = session.scalar(sa.select(sa.func.count()).select_from(RevisionSeq))
    return int(revisions or 0), int(numbered or 0)


def _converged(*reps: Replica) -> None:
    for _ in range(2):
        for replica in reps:
            replica.sync()
    first = reps[0]
    for other in reps[1:]:
        assert other.revision_ids() == first.revision_ids()
        assert other.snapshot() == first.snapshot()
    revisions, numbered = _central_counts(first.central)
    assert revisions == numbered == len(first.revision_ids())


@pytest.mark.parametrize("point", ["push:before-commit", "push:committed"])
def test_kill_9_mid_push(replicas: Callable[..., Replica], point: str) -> None:
    a, b = replicas("ana"), replicas("bo")
    ids = [a.create(f"Story {n}", BODY) for n in range(8)]
    done = _cli_sync(a, point)
    assert done.returncode == -9, done.stderr
    if point == "push:committed":
        assert _central_counts(a.central)[0] == 3  # the first batch is in, the rest is not
    report = a.sync()
    assert report.pushed_revisions == (5 if point == "push:committed" else 8)
    b.sync()
    assert set(b.snapshot()) == set(ids)
    _converged(a, b)


@pytest.mark.parametrize("point", ["pull:fetched", "pull:committed"])
def test_kill_9_mid_pull(replicas: Callable[..., Replica], point: str) -> None:
    a, b = replicas("ana"), replicas("bo")
    ids = [a.create(f"Story {n}", BODY) for n in range(8)]
    mine = b.create("Bo's story", BODY)
    a.sync()
    done = _cli_sync(b, point)
    assert done.returncode == -9, done.stderr
    expected_seen = 3 if point == "pull:committed" else 0
    assert len(set(ids) & set(b.snapshot())) <= expected_seen
    b.sync()
    a.sync()
    assert set(a.snapshot()) == {*ids, mine} == set(b.snapshot())
    _converged(a, b)


def test_batches_delivered_twice_and_out_of_order(replicas: Callable[..., Replica]) -> None:
    a, b = replicas("ana"), replicas("bo")
    for n in range(9):
        a.create(f"Story {n}", BODY)
    a.sync()  # sets up the checkpoint rows; now make more work to deliver by hand
    more = [a.create(f"More {n}", BODY) for n in range(9)]
    central = Central.open(a.central)
    try:
        info = central.hello()
        with a.store.reading() as session:
            inc = incarnation(session)
        cursor = central.cursor(inc, info.epoch)
        batches = []
        while (batch := build_push(a.store, central, cursor, incarnation_id=inc,
                                   epoch=info.epoch, limit=3)) is not None:
            batches.append(batch)
            cursor = (batch.to_seq, batch.to_chain)
        assert len(batches) == 3
        order = [*reversed(batches), batches[1], *batches]
        for batch in order:
            central.push(batch, local_now=utcnow())
        assert central.cursor(inc, info.epoch)[0] == batches[-1].to_seq
        # Pull side: a fresh replica receives the central log in shuffled, doubled batches.
        b.sync()
        fresh = Replica(b.path.with_name("fresh.db"), b.central, name="cy")
        try:
            fresh.sync()  # creates the checkpoint row
            with fresh.store.session() as session:
                state = load_state(session, info.central_id)
                assert state is not None
                state.pull_seq, state.pull_revision = 0, None
            pulled = []
            after = 0
            while (pb := central.pull(after, _Nothing(), limit=4)) is not None:
                pulled.append(pb)
                after = pb.to_seq
            shuffled = pulled + pulled
            random.Random(5).shuffle(shuffled)
            for pb in shuffled:
                apply_pull(fresh.store, info.central_id, pb, now=utcnow())
            with fresh.store.reading() as session:
                state = load_state(session, info.central_id)
                assert state is not None
                # The checkpoint only ever sits on a batch boundary reached contiguously.
                assert state.pull_seq in {0, *(pb.to_seq for pb in pulled)}
            assert fresh.revision_ids() == a.revision_ids()
            fresh.sync()
            assert set(more) <= set(fresh.snapshot())
            assert fresh.snapshot() == b.snapshot()
        finally:
            fresh.close()
    finally:
        central.close()
    _converged(a, b)


class _Nothing:
    """A replica that claims to hold nothing (so every batch carries every revision)."""

    def revisions(self, ids: object) -> set[str]:
        return set()

    def blobs(self, digests: object) -> set[str]:
        return set()


@pytest.mark.pg
def test_connection_terminated_during_commit(pg_url: str, tmp_path: Path) -> None:
    central = make_central(pg_url)
    a = Replica(tmp_path / "a.db", central, name="ana")
    b = Replica(tmp_path / "b.db", central, name="bo")
    ids = [a.create(f"Story {n}", BODY) for n in range(5)]
    admin = sa.create_engine(central, isolation_level="AUTOCOMMIT")

    def kill_backend(session: sa.orm.Session) -> None:
        pid = session.scalar(sa.select(sa.func.pg_backend_pid()))
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid})

    set_hook("push:before-commit", kill_backend)
    try:
        from cms.errors import SyncError

        with pytest.raises(SyncError, match="connection"):
            a.sync(batch_size=2)
    finally:
        set_hook("push:before-commit", None)
    assert _central_counts(central)[0] == 0  # the interrupted transaction left nothing

    # A "server restart": every connection to the central dropped between pull and push.
    def drop_all(**_: object) -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"))

    set_hook("settle:committed", drop_all)
    a.create("Another", BODY)
    try:
        report = a.sync()
    except Exception as exc:  # a dropped pooled connection may surface as a sync error
        from cms.errors import SyncError

        assert isinstance(exc, SyncError)
        report = None
    finally:
        set_hook("settle:committed", None)
    admin.dispose()
    a.sync()
    b.sync()
    assert set(ids) <= set(b.snapshot())
    assert report is None or report.pushed_revisions == 6
    _converged(a, b)
    a.close()
    b.close()


def test_two_replicas_sync_at_the_same_moment(replicas: Callable[..., Replica]) -> None:
    a, b = replicas("ana"), replicas("bo")
    for n in range(40):
        a.create(f"Ana {n}", BODY)
        b.create(f"Bo {n}", BODY)
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run(replica: Replica) -> None:
        try:
            start.wait()
            replica.sync(batch_size=5)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(r,)) for r in (a, b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    _converged(a, b)
    assert len(a.snapshot()) == 80


def test_clock_a_year_ahead_and_a_day_behind(replicas: Callable[..., Replica]) -> None:
    ahead = replicas("ahead", offset=timedelta(days=365))
    behind = replicas("behind", offset=timedelta(days=-1))
    sid = behind.create("Clock story", BODY)
    behind.sync()
    ahead.sync()
    ahead.edit(sid, body=BODY.replace("One.", "One, from the fast clock."))
    behind.edit(sid, body=BODY.replace("Three.", "Three, from the slow clock."))
    ahead.sync()
    behind.sync()
    ahead.sync()
    merged = "One, from the fast clock.\n\nTwo.\n\nThree, from the slow clock."
    assert ahead.doc(sid).body == merged == behind.doc(sid).body
    # Both edit the same paragraph: a conflict, never "newest clock wins".
    ahead.edit(sid, body=merged.replace("Two.", "Two (fast)."))
    behind.edit(sid, body=merged.replace("Two.", "Two (slow)."))
    ahead.sync()
    behind.sync()
    with behind.store.reading() as session:
        [conflict] = list_conflicts(session)
        latest = session.scalar(sa.select(sa.func.max(Revision.hlc)))
    assert {conflict.local.body, conflict.other.body} == {
        merged.replace("Two.", "Two (fast)."), merged.replace("Two.", "Two (slow).")}
    # The fast clock did not drag the slow replica's clock a year ahead.
    assert latest is not None and not clock.too_far_ahead(latest, utcnow())
    if behind.central.startswith("postgresql"):
        with Store.open(behind.central) as store, store.reading() as session:
            central_latest = session.scalar(sa.select(sa.func.max(Revision.hlc)))
        assert central_latest is not None
        assert not clock.too_far_ahead(central_latest, utcnow())
        # With a server clock to compare, the fast laptop's own labels are moved back too.
        with ahead.store.reading() as session:
            own_latest = session.scalar(sa.select(sa.func.max(Revision.hlc)))
        assert own_latest is not None and not clock.too_far_ahead(own_latest, utcnow())


def test_revision_arriving_before_its_photo(replicas: Callable[..., Replica]) -> None:
    a, b = replicas("ana"), replicas("bo")
    sid = a.create("Photo story", BODY)
    a.sync()
    b.sync()
    digest = attach_photo(a, sid, b"goat-photo-bytes", caption="The goat")
    central = Central.open(a.central)
    try:
        info = central.hello()
        with a.store.reading() as session:
            inc = incarnation(session)
        batch = build_push(a.store, central, central.cursor(inc, info.epoch),
                           incarnation_id=inc, epoch=info.epoch)
        assert batch is not None and batch.blobs
        batch.blobs = []  # the revision travels, its photo does not (yet)
        result = central.push(batch, local_now=utcnow())
        assert result.blobs_missing == 1 and not result.advanced
    finally:
        central.close()
    report = b.sync()
    assert report.waiting == [sid]
    assert b.doc(sid).photos == ()  # still showing the previous head, nothing broken
    a.sync()  # sends the photo with the revision again
    b.sync()
    assert [p.sha256 for p in b.doc(sid).photos] == [digest]
    _converged(a, b)


def test_old_client_against_newer_central(replicas: Callable[..., Replica],
                                          central: str) -> None:
    from cms.errors import SyncError
    from cms.store import SCHEMA_HEAD

    a = replicas("ana")
    a.sync()
    sid = a.create("Unsent", BODY)
    engine = sa.create_engine(central if "://" in central else f"sqlite:///{central}")
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0099'"))
    with pytest.raises(SyncError, match=r"newer Newsroom.*unsent work stays queued"):
        a.sync()
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0001'"))
    with pytest.raises(SyncError, match="newsroom central init"):
        a.sync()
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = :head"),
                     {"head": SCHEMA_HEAD})
    engine.dispose()
    assert central_bodies(central, sid) == []
    assert a.sync().pushed_revisions == 1
    assert central_bodies(central, sid) == [BODY]


def test_copied_replica_is_detected(replicas: Callable[..., Replica], tmp_path: Path) -> None:
    a = replicas("ana")
    a.create("Before the copy", BODY)
    a.sync()
    a.store.close()
    copy_path = tmp_path / "copy.db"
    shutil.copy(a.path, copy_path)
    a.store = Store.open(str(a.path))
    twin = Replica(copy_path, a.central, name="ana")
    try:
        with twin.store.reading() as session:
            same = incarnation(session)
        mine = a.create("Ana's new story", BODY)
        theirs = twin.create("The copy's new story", BODY)
        a.sync()
        report = twin.sync()
        assert any("copy" in w for w in report.warnings)
        with twin.store.reading() as session:
            assert incarnation(session) != same
        a.sync()
        assert {mine, theirs} <= set(a.snapshot())
        _converged(a, twin)
    finally:
        twin.close()


def test_restored_central_is_refilled(replicas: Callable[..., Replica], central: str,
                                      tmp_path: Path) -> None:
    a, b = replicas("ana"), replicas("bo")
    first = a.create("Before the backup", BODY)
    a.sync()
    b.sync()
    backup = _backup(central, tmp_path)
    later = b.create("After the backup", BODY)
    b.sync()
    a.sync()
    b.close()  # Bo's laptop is gone for good; only Ana still has his story
    _restore(central, backup)
    report = a.sync()
    assert any("restored" in w for w in report.warnings)
    c = replicas("cy")
    c.sync()
    assert {first, later} <= set(c.snapshot())
    _converged(a, c)


def _backup(central: str, tmp_path: Path) -> str:
    if "://" not in central:
        target = tmp_path / "backup.db"
        shutil.copy(central, target)
        return str(target)
    engine = sa.create_engine(central.rsplit("/", 1)[0] + "/postgres",
                              isolation_level="AUTOCOMMIT")
    name = central.rsplit("/", 1)[1]
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             "WHERE datname = :d"), {"d": name})
        conn.execute(sa.text(f'CREATE DATABASE "{name}_bak" TEMPLATE "{name}"'))
    engine.dispose()
    return f"{name}_bak"


def _restore(central: str, backup: str) -> None:
    if "://" not in central:
        shutil.copy(backup, central)
        return
    engine = sa.create_engine(central.rsplit("/", 1)[0] + "/postgres",
                              isolation_level="AUTOCOMMIT")
    name = central.rsplit("/", 1)[1]
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{backup}"'))
        conn.execute(sa.text(f'DROP DATABASE "{backup}"'))
    engine.dispose()


def test_new_epoch_makes_replicas_send_again(replicas: Callable[..., Replica],
                                             central: str) -> None:
    from cms.sync.central import init_central

    a = replicas("ana")
    a.create("Story", BODY)
    a.sync()
    store, _, _ = init_central(central, new_epoch=True)
    with store.reading() as session:
        assert session.get(StoreMeta, "central_epoch") is not None
    store.close()
    report = a.sync()
    assert any("restored" in w for w in report.warnings)
    assert report.pushed_revisions == 0  # the central already held it: only ids travelled


def test_two_replicas_sending_the_same_revisions_at_once(
        replicas: Callable[..., Replica], central: str, tmp_path: Path) -> None:
    from tests.conftest import create_pg_database, drop_pg_database

    a, b = replicas("ana"), replicas("bo")
    for n in range(30):
        (a if n % 2 else b).create(f"Story {n}", BODY)
    a.sync()
    b.sync()
    a.sync()
    # A second, empty central store: both replicas now send the very same revisions,
    # in parallel (on PostgreSQL they must wait for each other, never deadlock).
    server = os.environ.get("NEWSROOM_TEST_PG", "")
    other = (create_pg_database(server) if "://" in central
             else str(tmp_path / "other-central.db"))
    try:
        make_central(other)
        errors: list[BaseException] = []
        start = threading.Barrier(2)

        def run(replica: Replica) -> None:
            try:
                start.wait()
                sync(replica.store, other, author=replica.name, batch_size=4)
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(r,)) for r in (a, b)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        revisions, numbered = _central_counts(other)
        assert revisions == numbered == len(a.revision_ids())
    finally:
        if "://" in other:
            drop_pg_database(server, other)
