"""The central store: opening it for sync, its epoch, and the push/pull transport.

A central store is an ordinary Newsroom store (a shared SQLite file or a
PostgreSQL database) created by ``newsroom central init``; replicas talk to it
with plain SQL through SQLAlchemy, the same code for both. Everything a replica
sends or fetches goes through :class:`Central`, one short transaction per batch.

The **epoch** (``store_meta.central_epoch``) names one continuous history of the
central store. A replica that finds a different epoch, or finds that the central
no longer holds what the replica's checkpoint says it held (a backup was
restored), sends everything it has again and pulls from the start.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session

from cms import __version__
from cms.errors import NotFound, SyncError, UsageError
from cms.fs import filesystem_type, is_network_filesystem
from cms.models import (
    Base,
    Blob,
    DeskEvent,
    Person,
    Revision,
    Role,
    Section,
    Status,
    StoreMeta,
    SyncCounter,
    SyncReplica,
    WorkflowTransition,
    table_of,
)
from cms.policy import POLICY_KEY, POLICY_VERSION, REFUSED, is_secured, refusal
from cms.revlog import COUNTER, log_entries_after, record_arrivals, revision_at
from cms.sqlutil import chunks, insert_ignore
from cms.store import SCHEMA_HEAD, Store, _make_engine, db_error_message, describe, parse_store_url
from cms.stories import resolve as resolve_story
from cms.sync.faults import fault_point
from cms.sync.holding import stories_in_window
from cms.sync.reads import ReadRoute
from cms.sync.security import install_policies
from cms.sync.settings import SettingRow, read_settings, write_settings
from cms.sync.settle import settle
from cms.sync.transfer import (
    PullBatch,
    PushBatch,
    Refusal,
    accept_blobs,
    accept_events,
    accept_revisions,
    accept_transitions,
    blob_sizes,
    fetch_blobs,
    fetch_events,
    fetch_revisions,
    fetch_transitions,
    needed_missing,
    parents_first,
    photo_budget_cut,
    photo_digests,
)

EPOCH_KEY = "central_epoch"


@dataclass
class CentralInfo:
    """What a replica learns when it connects."""

    central_id: str
    epoch: str
    server_now: datetime | None  # PostgreSQL's clock; None for a shared SQLite file
    warnings: tuple[str, ...] = ()
    revision_at_pull: str | None = None  # what the central numbers the replica's checkpoint
    cursors: dict[str, tuple[int, str]] = field(default_factory=dict)  # epoch -> push cursor
    sections: tuple[dict[str, Any], ...] = ()
    top: int = 0  # the central's newest number
    settings: dict[str, SettingRow] = field(default_factory=dict)
    desk: Desk | None = None  # a secured central: who the login is, its people and rules


@dataclass(frozen=True)
class Desk:
    """What a secured central store tells a copy: who acts, the people, the rules."""

    login: str
    person: str
    role: str
    people: tuple[dict[str, Any], ...]
    roles: tuple[dict[str, Any], ...]
    statuses: tuple[dict[str, Any], ...]
    transitions: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class PushResult:
    """What the central store accepted from one batch."""

    revisions: int
    blobs: int
    advanced: bool
    relabelled: int
    blobs_missing: int = 0
    # (seq before, last seq, revision at last seq) the central gave this batch; a
    # replica whose pull checkpoint was "seq before" may move it past its own work.
    numbered: tuple[int, int, str | None] | None = None
    refused: tuple[Refusal, ...] = ()  # revisions a secured central would not take
    quarantined: int = 0  # revisions the central kept apart: a local save would refuse them
    events: int = 0  # desk events stored


def network_warning(path: Path) -> str | None:
    """The warning for a central SQLite file on a network file system, else None."""
    if not is_network_filesystem(path):
        return None
    kind = filesystem_type(path) or "network"
    return (f"the central store {path} is on a {kind} file system: Newsroom uses SQLite's "
            "rollback journal there (never WAL) and waits for locks, but a network file "
            "system can still lose locks; PostgreSQL is the safer central store")


def init_central(location: str, *, new_epoch: bool = False,
                 secure: bool = False) -> tuple[Store, str, list[str]]:
    """Create or upgrade a central store; returns it, its epoch and any warnings.

    ``new_epoch`` starts a new epoch: do this after restoring the central store
    from a backup, so every replica sends what the backup lacks. ``secure``
    (PostgreSQL only, run by the database's owner) installs the policies that
    make the store itself enforce who may do what (:mod:`cms.sync.security`); a
    secured store's policies are brought up to date by every later ``init``.
    """
    url = parse_store_url(location)
    if secure and url.get_backend_name() != "postgresql":
        raise UsageError(
            "--secure needs a PostgreSQL central store: a shared SQLite file cannot enforce "
            "anything (whoever can write the file can do anything); keep it for a small "
            "desk whose people trust one another")
    store = Store.open(url, create=True)
    warnings: list[str] = []
    if url.get_backend_name() == "sqlite":
        note = network_warning(Path(str(url.database)))
        if note:
            warnings.append(note)
    stale = store.secured and store.meta.get(POLICY_KEY) != str(POLICY_VERSION)
    if secure or stale:
        try:
            _secure(store)
        except BaseException:
            store.close()
            raise
    with store.session() as session:
        row = session.get(StoreMeta, EPOCH_KEY)
        if row is None:
            session.add(StoreMeta(key=EPOCH_KEY, value=str(uuid.uuid4())))
        elif new_epoch:
            row.value = str(uuid.uuid4())
        session.flush()
        epoch = session.get(StoreMeta, EPOCH_KEY).value  # type: ignore[union-attr]
    return store, epoch, warnings


def _secure(store: Store) -> None:
    """Install (or bring up to date) the policies of a secured central store."""
    try:
        with store.engine.connect() as connection, connection.begin():
            # Two owners securing one store at once must not interleave their DDL.
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(74110002)"))
            install_policies(connection)
            store.meta.update({str(k): str(v) for k, v in connection.execute(
                sa.text("SELECT key, value FROM store_meta")).all()})
    except DBAPIError as exc:
        text = " ".join(str(getattr(exc, "orig", exc)).split())
        if "must be owner" in text or "permission denied" in text:
            raise SyncError(
                f"securing {describe(store.url)} needs the database owner's login, with the "
                "right to create roles (CREATEROLE) or a superuser: "
                f"{text[:160]}") from None
        raise


def _schema_and_meta(engine: sa.Engine) -> tuple[str | None, dict[str, str]]:
    """The schema version and ``store_meta`` of a database (None: not a Newsroom store)."""
    with engine.connect() as connection:
        try:
            with connection.begin():
                version = connection.execute(
                    sa.text("SELECT version_num FROM alembic_version")).scalar()
                meta: dict[str, str] = {
                    str(k): str(v) for k, v in connection.execute(
                        sa.text("SELECT key, value FROM store_meta")).all()}
        except (sa.exc.OperationalError, sa.exc.ProgrammingError) as exc:
            if "no such table" in str(exc) or "does not exist" in str(exc):
                return None, {}  # not a Newsroom store
            raise
        return version, meta


def _refuse_schema(version: str | None, where: str) -> None:
    """Raise the message for a central store of another schema version (or none)."""
    if version is None:
        raise SyncError(f"{where} is not a Newsroom central store: create it with "
                        f"`newsroom central init {where}`")
    from cms.store import _known_revisions

    if version in _known_revisions():
        raise SyncError(
            f"the central store {where} has schema {version}, this Newsroom needs "
            f"{SCHEMA_HEAD}: upgrade it with `newsroom central init {where}`; "
            "nothing was sent and your unsent work stays queued")
    raise SyncError(
        f"the central store {where} was upgraded by a newer Newsroom (schema "
        f"{version}); this is Newsroom {__version__} (schema {SCHEMA_HEAD}): update "
        "this app to sync; nothing was sent and your unsent work stays queued")


def _connect(location: str | URL) -> Store:
    """A central store (or its replica) opened for sync: our schema, a small pool."""
    url = location if isinstance(location, URL) else parse_store_url(location)
    where = describe(url)
    if url.get_backend_name() == "sqlite" and not Path(str(url.database)).exists():
        raise SyncError(f"no central store at {where}: create it with "
                        f"`newsroom central init {where}`")
    engine = _make_engine(url, central=True)
    try:
        version, meta = _schema_and_meta(engine)
    except (DBAPIError, SQLAlchemyError) as exc:
        engine.dispose()
        raise SyncError(db_error_message(exc, url)) from exc
    if version != SCHEMA_HEAD:
        engine.dispose()
        _refuse_schema(version, where)
    return Store(url, engine, meta)


class Central:
    """A connection to a central store for syncing (refuses a schema other than ours)."""

    def __init__(self, store: Store, notes: Sequence[str] = (),
                 replica: Store | None = None) -> None:
        self.store = store
        self.url = store.url
        self.notes = list(notes)
        self.reads = ReadRoute(store, replica)

    @classmethod
    def open(cls, location: str | URL, *, read_location: str | URL | None = None) -> Central:
        """Connect, checking that it is a central store of this app's schema version.

        ``read_location`` names a streaming replica of it for pulls, fetches and
        search (:mod:`cms.sync.reads`); pushes always go to ``location``.
        """
        store = _connect(location)
        notes: list[str] = []
        if store.dialect == "sqlite" and is_network_filesystem(Path(str(store.url.database))):
            note = _leave_wal(store)
            if note:
                notes.append(note)
        replica = None
        if read_location:
            try:
                replica = _connect(read_location)
            except SyncError as exc:
                notes.append(f"the read replica cannot be used ({exc}): reading from the "
                             "central store itself")
        return cls(store, notes, replica)

    def close(self) -> None:
        """Release the connections."""
        self.reads.close()
        self.store.close()

    @property
    def is_sqlite(self) -> bool:
        """True for a shared SQLite file."""
        return self.store.dialect == "sqlite"

    @property
    def central_id(self) -> str:
        """The central store's own id (read when connecting)."""
        return self.store.meta["replica_id"]

    def hello(self, incarnation: str = "", pull_seq: int = 0) -> CentralInfo:
        """Everything a sync needs to start, in one short read transaction.

        The central's id, epoch and clock, the revision it numbers ``pull_seq``
        (to notice a restored backup), this incarnation's push cursors, its
        sections and its newest number. Refuses a store never set up as central.
        """
        with self.store.reading() as session:
            meta = dict(session.execute(sa.select(StoreMeta.key, StoreMeta.value)).all())
            server_now = None if self.is_sqlite else session.scalar(sa.select(sa.func.now()))
            at_pull = revision_at(session, pull_seq) if pull_seq else None
            cursors = {
                str(epoch): (int(seq), str(chain)) for epoch, seq, chain in session.execute(
                    sa.select(SyncReplica.epoch, SyncReplica.pushed_seq,
                              SyncReplica.pushed_chain)
                    .where(SyncReplica.incarnation == incarnation))
            } if incarnation else {}
            sections = tuple(dict(r._mapping) for r in session.execute(
                sa.select(Section.slug, Section.name, Section.position)))
            top = int(session.scalar(sa.select(SyncCounter.value).where(
                SyncCounter.name == COUNTER)) or 0)
            settings = read_settings(session)
            desk = _desk(session) if is_secured(meta) else None
        if EPOCH_KEY not in meta:
            where = describe(self.url)
            raise SyncError(f"{where} is a Newsroom store but not a central one: set it up "
                            f"with `newsroom central init {where}`")
        warnings: list[str] = list(self.notes)
        if self.is_sqlite:
            note = network_warning(Path(str(self.url.database)))
            if note:
                warnings.append(note)
        return CentralInfo(meta["replica_id"], meta[EPOCH_KEY], server_now, tuple(warnings),
                           at_pull, cursors, sections, top, settings, desk)

    def rotate_epoch(self, seen: str) -> str:
        """Start a new epoch unless someone already replaced ``seen``; returns the current one."""
        with self.store.session() as session:
            if self.store.secured:  # only an admin starts a new epoch there
                try:
                    with session.begin_nested():
                        return str(session.scalar(
                            sa.select(sa.func.newsroom_rotate_epoch(seen))))
                except DBAPIError as exc:
                    if refusal(exc) is None:
                        raise
                raise SyncError(
                    "the central store no longer holds what this copy received from it (was "
                    "it restored from a backup?): an admin runs `newsroom central init URL "
                    "--new-epoch`; your work stays here")
            session.execute(
                sa.update(StoreMeta).where(StoreMeta.key == EPOCH_KEY, StoreMeta.value == seen)
                .values(value=str(uuid.uuid4())))
            return session.scalar(sa.select(StoreMeta.value).where(StoreMeta.key == EPOCH_KEY)) \
                or seen

    def cursor(self, incarnation: str, epoch: str) -> tuple[int, str]:
        """How far this replica incarnation has pushed in this epoch: ``(seq, chain)``."""
        with self.store.reading() as session:
            row = session.execute(
                sa.select(SyncReplica.pushed_seq, SyncReplica.pushed_chain).where(
                    SyncReplica.incarnation == incarnation, SyncReplica.epoch == epoch)
            ).first()
        return (int(row[0]), str(row[1])) if row else (0, "")

    def revision_at(self, seq: int) -> str | None:
        """The revision the central numbered ``seq``."""
        with self.store.reading() as session:
            return revision_at(session, seq)

    def missing_revisions(self, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` (revisions or desk events) the central does not hold."""
        with self.store.reading() as session:
            have = set(session.scalars(sa.select(Revision.id).where(Revision.id.in_(list(ids)))))
            have.update(session.scalars(
                sa.select(DeskEvent.id).where(DeskEvent.id.in_(list(set(ids) - have)))))
        return set(ids) - have

    def missing_blobs(self, digests: Sequence[str]) -> set[str]:
        """Which photo blobs the central does not hold."""
        if not digests:
            return set()
        with self.store.reading() as session:
            have = set(session.scalars(
                sa.select(Blob.sha256).where(Blob.sha256.in_(list(digests)))))
        return set(digests) - have

    def sections(self) -> list[dict[str, Any]]:
        """The central's sections."""
        with self.store.reading() as session:
            return [dict(r._mapping) for r in session.execute(
                sa.select(Section.slug, Section.name, Section.position))]

    def put_settings(self, rows: Sequence[SettingRow], *, local_now: datetime) -> int:
        """Store settings changed on a replica more recently than here."""
        if not rows:
            return 0
        with self.store.session() as session:
            server = None if self.is_sqlite else session.scalar(sa.select(sa.func.now()))
            return write_settings(session, rows, reference=server or local_now, rejected=[])

    def put_sections(self, rows: Sequence[dict[str, Any]]) -> None:
        """Add sections the central lacks (existing ones are left alone)."""
        if rows:
            with self.store.session() as session:
                insert_ignore(session, table_of(Section), list(rows))

    def pull(self, after: int, have: Any, *, limit: int, window: Window | None = None,
             at_least: int = 0) -> PullBatch | None:
        """The next stretch of the central log after ``after``, or None at the end.

        ``have.revisions(ids)``, ``have.blobs(digests)`` and ``have.stories(ids)``
        tell what the replica holds, so only what it lacks travels. With a
        ``window`` (a partial copy), entries of stories the copy does not hold are
        left out unless the story is now in the window: then its whole history
        comes along (the copy holds a story whole or not at all). It is read where
        the log is seen up to ``at_least`` (the number hello gave) and ``after``.
        """
        with self.reads.reading(max(after, at_least)) as session:
            entries = log_entries_after(session, after, limit)
            if not entries:
                return None
            history: list[dict[str, Any]] = []
            history_events: list[dict[str, Any]] = []
            if window is not None:
                stories = {story for _, _, _, story in entries}
                held = have.stories(sorted(stories))
                arriving = stories_in_window(session, window.person, window.since,
                                             sorted(stories - held))
                if arriving:
                    history, history_events = _histories(session, sorted(arriving))
                followed = held
            ids = [rev for _, rev, _, story in entries if window is None or story in followed]
            known = have.revisions(ids) if ids else set()
            rows = fetch_revisions(session, [rev for rev in ids if rev not in known])
            events = fetch_events(session, [item for item in ids if item not in known])
            needed = photo_digests(rows) - have.blobs(sorted(photo_digests(rows)))
            cut = photo_budget_cut(ids, rows, needed, blob_sizes(session, sorted(needed))) \
                if ids else 0
            kept = set(ids[:cut])
            if ids and cut < len(ids):  # the photo budget ends the batch before ids[cut]
                entries = [entry for entry in entries if entry[0] < _seq_of(entries, ids[cut])]
            rows = [row for row in rows if row["id"] in kept]
            events = [row for row in events if row["id"] in kept]
            blobs = fetch_blobs(session, sorted(photo_digests(rows) & needed))
            rows += history
            events += history_events
            moves = fetch_transitions(session, [row["id"] for row in rows])
        return PullBatch(after, entries[-1][0], entries[-1][1], rows, blobs, moves, events)

    def in_window(self, window: Window, *, at_least: int = 0) -> list[str]:
        """Every story in a partial copy's window, as the central store has them.

        ``at_least``: the log number the answer must include (reads never go back).
        """
        with self.reads.reading(at_least) as session:
            return sorted(stories_in_window(session, window.person, window.since))

    def histories(self, story_ids: Sequence[str], *, at_least: int = 0) -> PullBatch:
        """Whole stories: every revision, workflow move and desk event of each.

        Photos are not included: settling fetches the ones the stories' heads
        place. The batch covers no stretch of the log (``from_seq`` -1), so
        storing it never moves a pull checkpoint. ``at_least`` as for :meth:`in_window`.
        """
        with self.reads.reading(at_least) as session:
            rows, events = _histories(session, story_ids)
            moves = fetch_transitions(session, [row["id"] for row in rows])
        return PullBatch(-1, -1, None, rows, [], moves, events)

    def history_ids(self, story_ids: Sequence[str], *, at_least: int = 0
                    ) -> set[tuple[str, str]]:
        """``(story_id, item_id)`` of every revision and desk event of these stories."""
        found: set[tuple[str, str]] = set()
        with self.reads.reading(at_least) as session:
            for part in chunks(story_ids):
                for model in (Revision, DeskEvent):
                    found.update((str(story), str(item)) for story, item in session.execute(
                        sa.select(model.story_id, model.id).where(
                            model.story_id.in_(list(part)))))
        return found

    def find_story(self, ref: str) -> str:
        """The id of the story ``ref`` names on the desk (id, slug or a unique prefix)."""
        with self.reads.reading() as session:
            try:
                return resolve_story(session, ref)
            except NotFound:
                raise NotFound(f"no story {ref!r} on this laptop or on the desk") from None

    def fetch_blobs(self, digests: Sequence[str]) -> list[dict[str, Any]]:
        """Blobs the central holds among ``digests``."""
        with self.store.reading() as session:
            return fetch_blobs(session, digests)

    def push(self, batch: PushBatch, *, local_now: datetime) -> PushResult:
        """Store a batch in one central transaction and move the replica's cursor with it.

        A secured central that refuses a revision for lack of rights refuses the
        whole statement; the batch is then stored revision by revision, and the
        refused ones (with what follows them) come back in ``refused`` while the
        cursor moves past them: they are held by the replica, never sent again.
        """
        try:
            return self._push(batch, local_now=local_now, refused=None)
        except DBAPIError as exc:
            said = refusal(exc) if self.store.secured else None
            if said is None or said.code != REFUSED:
                raise
        refused: list[Refusal] = []
        return self._push(batch, local_now=local_now, refused=refused)

    def _push(self, batch: PushBatch, *, local_now: datetime,
              refused: list[Refusal] | None) -> PushResult:
        with self.store.session() as session:
            fault_point("push:begin", session=session)
            server = None if self.is_sqlite else session.scalar(sa.select(sa.func.now()))
            now: datetime = server or local_now
            blobs = accept_blobs(session, batch.blobs)
            arrived = accept_revisions(session, batch.revisions, reference=now, number=False,
                                       refused=refused)
            out = {item.revision_id for item in refused or ()}
            made = set(session.info.get("newsroom_arrivals", ())) if self.store.secured else None
            # A secured central records a move only with the revision its sender wrote.
            accept_transitions(session, [
                move for move in batch.transitions if move["revision_id"] not in out
                and (made is None or move["revision_id"] in {rev for rev, _ in made})])
            told = accept_events(session, batch.events, reference=now, number=False,
                                 refused=refused)
            stories = sorted({row["story_id"] for row in batch.revisions})
            # The batch's own stories, in this transaction: nothing is left half-done
            # for a later push to finish, so nobody's push waits on another's work.
            settle(session, sorted(set(stories) | {row["story_id"] for row in batch.events}),
                   merge=False, author="", replica_id="", now=now)
            # The cursor only moves past revisions whose photos are all here, so a
            # revision that arrived before its photo is sent again with it.
            needed = sorted(photo_digests(batch.revisions))
            absent = needed and needed_missing(session, needed)
            insert_ignore(session, table_of(SyncReplica), [{
                "incarnation": batch.incarnation, "epoch": batch.epoch,
                "replica_id": batch.replica_id, "pushed_seq": 0, "pushed_chain": "",
                "updated_at": now}])
            moved = 0 if absent else session.connection().execute(
                sa.update(SyncReplica).where(
                    SyncReplica.incarnation == batch.incarnation,
                    SyncReplica.epoch == batch.epoch,
                    SyncReplica.pushed_seq == batch.from_seq,
                    SyncReplica.pushed_chain == batch.from_chain,
                ).values(pushed_seq=batch.to_seq, pushed_chain=batch.to_chain, updated_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
            fault_point("push:before-commit", session=session)
            # Numbers last, then COMMIT: the counter row is the one lock every push
            # shares, held for this one statement on PostgreSQL and never across a
            # round trip of ours (see cms.revlog.record_arrivals).
            numbers = record_arrivals(session, session.info.pop("newsroom_arrivals", []))
        fault_point("push:committed")
        # What the last number names, read after the commit: the lock is gone by then.
        last = self.revision_at(max(numbers)) if numbers else None
        return PushResult(arrived.stored, blobs, bool(moved),
                          arrived.relabelled + told.relabelled, len(absent or ()),
                          (min(numbers) - 1, max(numbers), last) if numbers else None,
                          tuple(refused or ()), len(arrived.quarantined) + len(told.quarantined),
                          told.stored)


@dataclass(frozen=True)
class Window:
    """What a partial copy asks for: its person's stories from ``since`` on."""

    person: str
    since: datetime


def _seq_of(entries: Sequence[tuple[int, str, str, str]], item: str) -> int:
    return next(seq for seq, rev, _, _ in entries if rev == item)


def _histories(session: Session, story_ids: Sequence[str]
               ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every revision and desk event of these stories (revisions parents first)."""
    revisions, events = table_of(Revision), table_of(DeskEvent)
    rows: list[dict[str, Any]] = []
    told: list[dict[str, Any]] = []
    for part in chunks(story_ids):
        rows.extend(dict(r._mapping) for r in session.execute(
            sa.select(revisions).where(revisions.c.story_id.in_(list(part)))))
        told.extend(dict(r._mapping) for r in session.execute(
            sa.select(events).where(events.c.story_id.in_(list(part)))))
    return parents_first(rows), sorted(told, key=lambda row: str(row["id"]))


def _desk(session: Session) -> Desk:
    """Who the login is on a secured central, and the people and rules a copy takes."""
    try:
        person, role = session.execute(
            sa.text("SELECT username, role FROM newsroom_actor()")).one()
        login = str(session.scalar(sa.text("SELECT session_user")))
    except DBAPIError as exc:
        said = refusal(exc)
        if said is None:
            raise
        raise SyncError(said.message) from None

    def rows(model: type[Base]) -> tuple[dict[str, Any], ...]:
        table = table_of(model)
        return tuple(dict(r._mapping) for r in session.execute(sa.select(table)))

    return Desk(login, str(person), str(role), rows(Person), rows(Role), rows(Status),
                rows(WorkflowTransition))


def _leave_wal(store: Store) -> str | None:
    """A central file on a network file system must use the rollback journal.

    Leaving WAL needs the file to itself; when someone else has it open, the
    sync goes on and says so (the next sync tries again).
    """
    with store.engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        if str(raw.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
            return None
        try:
            raw.execute("PRAGMA journal_mode = DELETE")
        except sqlite3.OperationalError:
            return (f"the central store {describe(store.url)} is on a network file system but "
                    "uses WAL, and could not be switched while others have it open; close "
                    "other copies of Newsroom and sync again")
    return None
