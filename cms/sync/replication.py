"""One sync run between a local store and a central store.

Order of work, each step idempotent so that a crash or a dropped connection at
any point only repeats work:

1. Connect and check: schema version (refused with a clear message; unsent work
   stays queued), epoch (a restored central store is refilled), this replica's
   push cursor against its own log's hash chain (a copied store takes a new
   incarnation and sends everything again, so nothing of either copy is lost).
2. Pull: the central log after the local checkpoint, one batch per local
   transaction, the checkpoint moving in the same transaction as the data.
3. Settle: stories that received revisions are projected, merged, or marked in
   conflict (their ids wait in ``sync_dirty`` until done, so a crash here too
   only repeats work).
4. Push: the local log after the central's cursor for this incarnation, blobs
   first, in one central transaction per batch, the cursor moving with it.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session

from cms import clock
from cms.config import get_setting, require_owner
from cms.errors import NewsroomError, SyncError, WriteRefused
from cms.models import (
    Blob,
    DeskEvent,
    Person,
    Revision,
    RevisionHold,
    Role,
    Section,
    Setting,
    Status,
    StoreMeta,
    SyncState,
    WorkflowTransition,
    table_of,
)
from cms.people import DESK_CENTRAL, DESK_LOGIN, DESK_PERSON, Actor
from cms.policy import refusal
from cms.revlog import chain_at, last_seq, log_after
from cms.rules import role_label
from cms.sqlutil import chunks, insert_ignore
from cms.store import Store, db_error_message, describe
from cms.sync.central import Central, CentralInfo, Desk, Window
from cms.sync.faults import fault_point
from cms.sync.fetch import fetch_histories, settle_dirty, store_batch
from cms.sync.holding import (
    DEFAULT_WINDOW_DAYS,
    Holding,
    choose_holding,
    desk_window,
    held_stories,
    is_new_copy,
    missing_link_targets,
    read_holding,
)
from cms.sync.holds import hold, settle_holds
from cms.sync.settings import correct_future_stamps, newer, read_settings, write_settings
from cms.sync.transfer import (
    Arrived,
    PullBatch,
    PushBatch,
    blob_sizes,
    fetch_blobs,
    fetch_events,
    fetch_revisions,
    fetch_transitions,
    photo_budget_cut,
    photo_digests,
)
from cms.timeutil import utcnow

BATCH = 500
KNOWN_STRETCH = 5_000  # log entries a push may pass over at once when the central has them
Progress = Callable[[str, int, int], None]


class CancelFlag(Protocol):
    """Anything with ``is_set()`` (a ``threading.Event`` will do)."""

    def is_set(self) -> bool: ...


class SyncCancelled(SyncError):
    """The user stopped the sync; what was committed so far is kept."""


@dataclass
class SyncReport:
    """What one sync moved, merged and found."""

    central: str
    pushed_revisions: int = 0
    pushed_blobs: int = 0
    pulled_revisions: int = 0
    pulled_blobs: int = 0
    pushed_events: int = 0  # notes, assignments, updates (cms.desk)
    pulled_events: int = 0
    projected: int = 0
    merged: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    relabelled: int = 0
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    # A secured central: who this copy acts as, changes it refused (held here), holds
    # that settled because someone with the role made the move, settings it kept.
    acting_as: str = ""
    held: list[dict[str, Any]] = field(default_factory=list)
    settled: list[str] = field(default_factory=list)
    settings_refused: list[str] = field(default_factory=list)
    # Revisions a local save would refuse (a hostile or broken copy sent them): kept apart.
    quarantined: list[str] = field(default_factory=list)
    quarantined_on_central: int = 0
    settings_rejected: list[str] = field(default_factory=list)
    # What this copy holds (every story, or a window), and whole stories it fetched.
    holding: str = ""
    fetched_stories: int = 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


class LocalHave:
    """What the local store holds, asked by the central side while building a pull batch."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def revisions(self, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` (revisions or desk events) are here.

        A revision held here does not count: the central store numbering it means
        it accepted it after all, and its copy (and author) is the one to keep.
        """
        have = set(self.session.scalars(sa.select(Revision.id).where(
            Revision.id.in_(list(ids)), Revision.id.not_in(sa.select(RevisionHold.revision_id)))))
        have.update(self.session.scalars(
            sa.select(DeskEvent.id).where(DeskEvent.id.in_(list(set(ids) - have)))))
        return have

    def stories(self, story_ids: Sequence[str]) -> set[str]:
        """Which stories are here (a partial copy holds a story whole or not at all)."""
        return held_stories(self.session, story_ids)

    def blobs(self, digests: Sequence[str]) -> set[str]:
        """Which blobs are here."""
        if not digests:
            return set()
        return set(self.session.scalars(
            sa.select(Blob.sha256).where(Blob.sha256.in_(list(digests)))))


def incarnation(session: Session) -> str:
    """This store's incarnation id (a copy of the file gets a new one when detected)."""
    return str(session.scalar(sa.select(StoreMeta.value).where(StoreMeta.key == "incarnation")))


def _renew_incarnation(store: Store) -> str:
    fresh = str(uuid.uuid4())
    with store.session() as session:
        session.execute(sa.update(StoreMeta).where(StoreMeta.key == "incarnation")
                        .values(value=fresh))
    store.meta["incarnation"] = fresh
    return fresh


def load_state(session: Session, central_id: str) -> SyncState | None:
    """This replica's checkpoint with the central store ``central_id``."""
    return session.get(SyncState, central_id)


def apply_pull(store: Store, central_id: str, batch: PullBatch, *, now: datetime) -> Arrived:
    """Store one pulled batch and move the pull checkpoint in the same transaction.

    The checkpoint only moves when the batch continues from it, so a batch
    delivered out of order is stored but fetched again later; one delivered
    twice changes nothing the second time. Returns what was stored, relabelled and
    quarantined.
    """
    with store.session() as session:
        arrived = store_batch(session, batch, now=now)
        state = session.get(SyncState, central_id)
        if state is None:
            raise SyncError("no checkpoint for this central store; start a sync first")
        if batch.from_seq <= state.pull_seq < batch.to_seq:
            state.pull_seq, state.pull_revision = batch.to_seq, batch.to_revision
        fault_point("pull:before-commit", session=session)
    return arrived


def build_push(
    store: Store, central: Central, after: tuple[int, str], *,
    incarnation_id: str, epoch: str, limit: int = BATCH,
) -> PushBatch | None:
    """The next stretch of the local log after ``after`` with what the central lacks."""
    with store.reading() as session:
        entries = log_after(session, after[0], limit)
        if not entries:
            return None
        ids = [rev for _, rev, _ in entries]
        lacking = central.missing_revisions(ids)
        everything = fetch_revisions(session, ids)
        # Photos of every revision in the stretch, not only the ones the central lacks:
        # a revision that reached it before its photo gets the photo now.
        needed = central.missing_blobs(sorted(photo_digests(everything)))
        cut = photo_budget_cut(ids, everything, needed, blob_sizes(session, sorted(needed)))
        entries = entries[:cut]
        kept = set(ids[:cut])  # the log holds desk events too: cut by id, not by position
        everything = [row for row in everything if row["id"] in kept]
        held: set[str] = set()  # revisions and desk events held here: never sent again
        for part in chunks(ids[:cut]):
            held.update(session.scalars(sa.select(RevisionHold.revision_id).where(
                RevisionHold.revision_id.in_(list(part)))))
        rows = [row for row in everything if row["id"] in lacking and row["id"] not in held]
        _refuse_orphans(session, rows)
        blobs = fetch_blobs(session, sorted(photo_digests(everything) & needed))
        moves = fetch_transitions(session, [row["id"] for row in everything
                                            if row["id"] not in held])
        revision_ids = {row["id"] for row in everything}
        events = [row for row in fetch_events(
            session, [item for item in ids[:len(entries)] if item not in revision_ids])
            if row["id"] in lacking and row["id"] not in held]
    return PushBatch(incarnation_id, store.replica_id, epoch, after[0], after[1],
                     entries[-1][0], entries[-1][2], rows, blobs, moves, events)


def _refuse_orphans(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Never send a revision whose parents this copy lacks (a partial copy holds stories
    whole, so this only happens to a store pieced together by hand): the central would
    hold a history it cannot merge. Nothing is sent; fetching the story mends it."""
    sending = {row["id"] for row in rows}
    parents = {parent for row in rows for parent in json.loads(row["parents"])} - sending
    if not parents:
        return
    have = set(session.scalars(sa.select(Revision.id).where(Revision.id.in_(sorted(parents)))))
    for row in rows:
        absent = [p for p in json.loads(row["parents"]) if p not in have and p not in sending]
        if absent:
            raise SyncError(
                f"revision {row['id'][:12]} of story {row['story_id']} follows "
                f"{absent[0][:12]}, which this copy lacks: nothing was sent; run `newsroom "
                f"story fetch {row['story_id']}` and sync again")


def _greet(store: Store, central: Central, now: Callable[[], datetime],
           report: SyncReport) -> tuple[CentralInfo, Actor | None]:
    """Say hello to the central: its facts, and on a secured desk who this copy acts as.

    Also relabels revisions this copy stamped in the central's future (a fast clock).
    """
    with store.reading() as session:
        state = load_state(session, central.central_id)
        pull_seq = state.pull_seq if state is not None else 0
        inc = incarnation(session)
    info = central.hello(inc, pull_seq)
    report.warnings.extend(info.warnings)
    actor: Actor | None = None
    if info.desk is not None:
        actor = _adopt_desk(store, central, info.desk)
        report.acting_as = (f"{actor.username} ({role_label(actor.role)}, login "
                            f"{info.desk.login})")
    if info.server_now is not None:
        skew = clock.describe_skew(now(), info.server_now)
        if skew:
            report.warnings.append(skew)
        with store.session() as session:
            report.relabelled += clock.shift_future_labels(
                session, info.server_now, now() - info.server_now)
    return info, actor


def sync(
    store: Store,
    central_location: str | Central,
    *,
    author: str,
    now: Callable[[], datetime] = utcnow,
    progress: Progress | None = None,
    cancel: CancelFlag | None = None,
    batch_size: int = BATCH,
) -> SyncReport:
    """Sync ``store`` with the central store at ``central_location``; returns the report.

    ``central_location`` may be an open :class:`Central` (kept open afterwards),
    which saves reconnecting on every automatic sync.

    Raises :class:`SyncError` (with what to do) when the sync cannot finish;
    everything committed until then is kept and the rest is retried next time.
    """
    started = time.monotonic()
    owned = not isinstance(central_location, Central)
    if isinstance(central_location, Central):
        central = central_location
    else:
        with store.reading() as session:
            read_location = get_setting(session, "central_read_url")
        central = Central.open(central_location, read_location=read_location or None)
    report = SyncReport(central=describe(central.url))
    central_id = ""
    try:
        if central.central_id == store.replica_id:
            raise SyncError(f"{describe(central.url)} is this store itself: sync with the "
                            "desk's central store, not with your own")
        info, actor = _greet(store, central, now, report)
        central_id = info.central_id
        central.reads.check()
        if actor is not None:
            author = actor.username
        epoch = _check_epoch(store, central, info, report)
        cursor = _check_cursor(store, central, epoch, info, report)
        _exchange_sections(store, central, info)
        _exchange_settings(store, central, info, now(), actor, report)
        window = _window(store, author, now(), report)
        if window is not None:
            _seed(store, central, info, window, now=now, report=report, progress=progress,
                  cancel=cancel)
        _pull(store, central, info, now=now, report=report, progress=progress,
              cancel=cancel, batch_size=batch_size, window=window)
        _settle_all(store, central, author=author, now=now, report=report, progress=progress)
        if window is not None and _follow_links(store, central, window, now=now,
                                                report=report, cancel=cancel):
            _settle_all(store, central, author=author, now=now, report=report,
                        progress=progress)
        _push(store, central, info.central_id, epoch, cursor, now=now, report=report,
              progress=progress, cancel=cancel, batch_size=batch_size, actor=actor)
        if actor is not None:
            with store.session() as session:
                report.settled = sorted({*report.settled, *settle_holds(session, now=now())})
        report.warnings.extend(note for note in central.reads.notes
                               if note not in report.warnings)
        report.settled = sorted(set(report.settled))
        report.seconds = round(time.monotonic() - started, 3)
        _record(store, info.central_id, describe(central.url), now(), report, error="")
        return report
    except SyncError as exc:
        _record_failure(store, central_id, describe(central.url), now(), str(exc))
        raise
    except WriteRefused as exc:  # a full disk, local or central: that batch was rolled back
        message = (f"{exc.problem}: the sync stopped, nothing half-written (what it synced "
                   "before is kept): sync again once there is room")
        _record_failure(store, central_id, describe(central.url), now(), message)
        raise SyncError(message) from exc
    except (DBAPIError, SQLAlchemyError) as exc:
        said = refusal(exc)
        message = (f"the central store refused this sync: {said.message}; your work stays "
                   "here" if said is not None else
                   "the sync stopped on a database error (a dropped connection, or another "
                   "sync writing the same thing at that moment); everything done so far is "
                   "kept, sync again: " + db_error_message(exc, central.url))
        _record_failure(store, central_id, describe(central.url), now(), message)
        raise SyncError(message) from exc
    finally:
        if owned:
            central.close()


def _window(store: Store, person: str, when: datetime, report: SyncReport) -> Window | None:
    """The window this copy holds (None: a full copy).

    A new copy (never synced, no story) whose desk set ``sync_window_days``
    takes that window on its first sync; any other copy keeps its choice, and
    one that never chose is a full copy.
    """
    with store.session() as session:
        holding = read_holding(session)
        if holding is None:
            days = desk_window(session) if is_new_copy(session) else None
            holding = Holding(full=days is None, days=days or DEFAULT_WINDOW_DAYS)
            choose_holding(session, holding)
    report.holding = holding.describe()
    return None if holding.full else Window(person, holding.since(when))


def _seed(store: Store, central: Central, info: CentralInfo, window: Window, *,
          now: Callable[[], datetime], report: SyncReport, progress: Progress | None,
          cancel: CancelFlag | None) -> None:
    """A partial copy's first sync (or first after a new window): whole stories, not the log.

    Every story in the window that this copy lacks arrives whole, then the pull
    checkpoint moves to the central's newest number as read in hello: whatever
    is numbered after it arrives by the log as usual, so nothing is skipped.
    """
    with store.reading() as session:
        state = load_state(session, info.central_id)
        if state is None or state.pull_seq != 0:
            return
    # Read where the whole log up to hello's number is seen, or the checkpoint would lie.
    wanted = central.in_window(window, at_least=info.top)
    with store.reading() as session:
        held = set(session.scalars(sa.select(Revision.story_id).distinct()))
    # Stories held already must lack nothing the checkpoint will pass (after a restored
    # central's refill, say): those whose history here is short of the central's come too.
    here = _items_here(store, held) if held else set()
    stale = {story for story, item in central.history_ids(sorted(held), at_least=info.top)
             if item not in here} if held else set()
    lacking = sorted((set(wanted) - held) | stale)
    pulled, arrived = fetch_histories(store, central, lacking, now=now, at_least=info.top,
                                      progress=progress, stop=lambda: _check_cancel(cancel))
    report.fetched_stories += len(lacking)
    report.pulled_revisions += pulled
    report.relabelled += arrived.relabelled
    report.quarantined.extend(arrived.quarantined)
    at_top = central.revision_at(info.top) if info.top else None
    with store.session() as session:
        state = load_state(session, info.central_id)
        if state is not None and state.pull_seq == 0:
            state.pull_seq, state.pull_revision = info.top, at_top


def _items_here(store: Store, story_ids: set[str]) -> set[str]:
    """Every revision and desk event this copy holds of these stories."""
    found: set[str] = set()
    with store.reading() as session:
        for part in chunks(sorted(story_ids)):
            for model in (Revision, DeskEvent):
                found.update(session.scalars(sa.select(model.id).where(
                    model.story_id.in_(list(part)))))
    return found


def _follow_links(store: Store, central: Central, window: Window, *,
                  now: Callable[[], datetime], report: SyncReport,
                  cancel: CancelFlag | None) -> bool:
    """Fetch the stories that stories in the window link to; True when any arrived.

    Only stories whose log moved since the last sync (saved here, pulled, fetched)
    can link anywhere new, so only they are looked at: a sync that brought nothing
    looks at nothing.
    """
    with store.reading() as session:
        state = load_state(session, central.central_id)
        seen = state.pull_seq if state is not None else 0
        after = state.pushed_seq if state is not None else 0  # the log's top at the last sync
        targets = sorted(missing_link_targets(session, window.person, window.since,
                                              changed_after=after))
    if not targets:
        return False
    pulled, arrived = fetch_histories(store, central, targets, now=now, at_least=seen,
                                      stop=lambda: _check_cancel(cancel))
    report.fetched_stories += len(targets)
    report.pulled_revisions += pulled
    report.quarantined.extend(arrived.quarantined)
    return pulled > 0


def _check_epoch(store: Store, central: Central, info: CentralInfo,
                 report: SyncReport) -> str:
    """The epoch to sync in; refills when the central was replaced or restored."""
    central_id, epoch = info.central_id, info.epoch
    with store.session() as session:
        state = load_state(session, central_id)
        if state is None:
            session.add(SyncState(central_id=central_id, central_url=describe(central.url),
                                  epoch=epoch, pull_seq=0, pull_revision=None, pushed_seq=0,
                                  refill=False, last_error="", last_report={}))
            return epoch
        restored = False
        if state.epoch != epoch:
            restored = True
        elif state.pull_seq and info.revision_at_pull != state.pull_revision:
            # A backup was restored without a new epoch: start one, so every replica refills.
            epoch = central.rotate_epoch(epoch)
            restored = True
        if restored:
            report.warnings.append(
                "the central store was restored from a backup or replaced: sending it "
                "everything this copy holds and pulling its history again")
            state.epoch, state.pull_seq, state.pull_revision = epoch, 0, None
            state.refill = True
        return epoch


def _check_cursor(store: Store, central: Central, epoch: str, info: CentralInfo,
                  report: SyncReport) -> tuple[int, str]:
    """The central's push cursor for this incarnation, if it matches this store's log."""
    with store.reading() as session:
        inc = incarnation(session)
    seq, chain = (info.cursors.get(epoch, (0, "")) if epoch == info.epoch
                  else central.cursor(inc, epoch))
    with store.reading() as session:
        ours = chain_at(session, seq)
    if ours == chain:
        return seq, chain
    _renew_incarnation(store)
    report.warnings.append(
        "this store is a copy of another Newsroom store, or an older backup of this one "
        "(the central store has seen a different history from it): it now has its own "
        "incarnation id and sends everything the central store lacks")
    return 0, ""


def _exchange_sections(store: Store, central: Central, info: CentralInfo) -> None:
    theirs = {row["slug"]: row for row in info.sections}
    with store.session() as session:
        ours = {s.slug: {"slug": s.slug, "name": s.name, "position": s.position}
                for s in session.scalars(sa.select(Section))}
        insert_ignore(session, table_of(Section),
                      [row for slug, row in theirs.items() if slug not in ours])
    central.put_sections([row for slug, row in ours.items() if slug not in theirs])


def _exchange_settings(store: Store, central: Central, info: CentralInfo,
                       when: datetime, actor: Actor | None, report: SyncReport) -> None:
    """Desk settings: each key's most recent change wins, on both sides.

    When the central store has a clock (PostgreSQL) and ours is far ahead of it,
    our far-future stamps are first moved back by the difference, so changes
    made under the wrong clock are placed when they really happened. With a
    secured central, a change this copy's person may not make is not sent: the
    desk's value comes back instead, and the report says so.
    """
    with store.session() as session:
        if info.server_now is not None and when - info.server_now > clock.MAX_FUTURE:
            correct_future_stamps(session, skew=when - info.server_now,
                                  reference=info.server_now)
        ours = read_settings(session)
        outgoing = newer(ours, info.settings)
        if actor is not None:
            mine = [row for row in outgoing if _may_set(session, actor, row.key)]
            refused = [row for row in outgoing if row not in mine]
            outgoing = mine
            for row in refused:
                report.settings_refused.append(row.key)
                theirs = info.settings.get(row.key)
                if theirs is None:
                    session.execute(sa.delete(Setting).where(Setting.key == row.key))
                else:
                    write_settings(session, [theirs], reference=when)
        write_settings(session, newer(info.settings, ours), reference=when,
                       rejected=report.settings_rejected)
    central.put_settings(outgoing, local_now=when)


def _may_set(session: Session, actor: Actor, key: str) -> bool:
    try:
        require_owner(session, actor, key)
    except NewsroomError:
        return False
    return True


def _adopt_desk(store: Store, central: Central, desk: Desk) -> Actor:
    """Take people and the workflow tables from a secured central; remember who acts here.

    Local people (a fresh laptop's "first person is admin", names typed with
    ``--user``) give way to the central store's: on this desk the person acting
    is the login of the central URL.
    """
    with store.session() as session:
        insert_ignore(session, table_of(Role), [dict(row) for row in desk.roles])
        for row in desk.roles:
            session.execute(sa.update(Role).where(Role.name == row["name"]).values(
                rank=row["rank"], description=row["description"]))
        insert_ignore(session, table_of(Status), [dict(row) for row in desk.statuses])
        for row in desk.statuses:
            session.execute(sa.update(Status).where(Status.name == row["name"]).values(
                position=row["position"], public=row["public"]))
        session.execute(sa.delete(WorkflowTransition))
        insert_ignore(session, table_of(WorkflowTransition),
                      [dict(row) for row in desk.transitions])
        session.execute(sa.delete(Person))
        people = [dict(row) for row in desk.people]
        if desk.person not in {row["username"] for row in people}:
            # The database's owner administers without being one of the desk's people.
            people.append({"id": str(uuid.uuid4()), "username": desk.person,
                           "display_name": desk.person, "role": desk.role, "active": True,
                           "created_at": utcnow(), "login": desk.login})
        insert_ignore(session, table_of(Person), people)
        for key, value in ((DESK_CENTRAL, describe(central.url)), (DESK_LOGIN, desk.login),
                           (DESK_PERSON, desk.person)):
            insert_ignore(session, table_of(StoreMeta), [{"key": key, "value": value}])
            session.execute(sa.update(StoreMeta).where(StoreMeta.key == key)
                            .values(value=value))
        session.info.pop("newsroom_rules", None)
    return Actor(username=desk.person, role=desk.role, replica_id=store.replica_id)


def _check_cancel(cancel: CancelFlag | None) -> None:
    if cancel is not None and cancel.is_set():
        raise SyncCancelled("sync stopped; what was already sent or received is kept")


def _pull(store: Store, central: Central, info: CentralInfo, *,
          now: Callable[[], datetime], report: SyncReport, progress: Progress | None,
          cancel: CancelFlag | None, batch_size: int, window: Window | None) -> None:
    central_id, top = info.central_id, info.top
    with store.reading() as session:
        state = load_state(session, central_id)
        assert state is not None
        cursor = state.pull_seq
    if cursor >= top:
        return  # nothing new on the central (its numbers only grow within an epoch)
    start = cursor
    while True:
        _check_cancel(cancel)
        with store.reading() as session:
            batch = central.pull(cursor, LocalHave(session), limit=batch_size, window=window,
                                 at_least=top)
        if batch is None:
            break
        fault_point("pull:fetched")
        arrived = apply_pull(store, central_id, batch, now=now())
        report.relabelled += arrived.relabelled
        report.quarantined.extend(arrived.quarantined)
        report.settled.extend(arrived.released)
        fault_point("pull:committed")
        report.pulled_revisions += len(batch.revisions)
        report.pulled_events += len(batch.events)
        report.pulled_blobs += len(batch.blobs)
        cursor = batch.to_seq
        if progress:
            progress("pull", cursor - start, max(top - start, cursor - start))


def _settle_all(store: Store, central: Central, *, author: str, now: Callable[[], datetime],
                report: SyncReport, progress: Progress | None) -> None:
    result, photos = settle_dirty(store, central, author=author, now=now, progress=progress)
    report.pulled_blobs += photos
    report.projected += result.projected
    report.merged += result.merged
    report.conflicts += result.conflicts
    report.waiting += result.waiting


def _push(store: Store, central: Central, central_id: str, epoch: str,
          cursor: tuple[int, str], *,
          now: Callable[[], datetime], report: SyncReport, progress: Progress | None,
          cancel: CancelFlag | None, batch_size: int, actor: Actor | None) -> None:
    with store.reading() as session:
        inc = incarnation(session)
        top, _ = last_seq(session)
    start = cursor[0]
    while True:
        _check_cancel(cancel)
        known = _known_stretch(store, central, cursor)
        if known is not None:  # the central holds all of it: only the cursor moves
            result = central.push(PushBatch(inc, store.replica_id, epoch, cursor[0], cursor[1],
                                            known[0], known[1]), local_now=now())
            if not result.advanced:
                raise SyncError("another sync of this store (or of a copy of it) sent work "
                                "at the same moment; nothing was lost, sync again")
            cursor = known
            continue
        batch = build_push(store, central, cursor, incarnation_id=inc, epoch=epoch,
                           limit=batch_size)
        if batch is None:
            break
        result = central.push(batch, local_now=now())
        if result.numbered is not None:
            _skip_own(store, central_id, *result.numbered)
        if result.refused and actor is not None:
            with store.session() as session:
                hold(session, actor, result.refused, now=now())
            report.held.extend(
                {"story_id": item.story_id, "revision": item.revision_id,
                 "reason": item.message, "need_role": item.need_role or None}
                for item in result.refused)
        report.pushed_revisions += result.revisions
        report.pushed_events += result.events
        report.pushed_blobs += result.blobs
        report.relabelled += result.relabelled
        report.quarantined_on_central += result.quarantined
        if result.blobs_missing:
            report.warnings.append(
                f"{result.blobs_missing} photos placed by revisions here are in neither this "
                "store nor the central one; those revisions wait until the photos arrive")
            return
        if not result.advanced:
            raise SyncError("another sync of this store (or of a copy of it) sent work at "
                            "the same moment; nothing was lost, sync again")
        cursor = (batch.to_seq, batch.to_chain)
        if progress:
            progress("push", cursor[0] - start, max(top - start, cursor[0] - start))


def _known_stretch(store: Store, central: Central, after: tuple[int, str],
                   limit: int = KNOWN_STRETCH) -> tuple[int, str] | None:
    """The end ``(seq, chain)`` of the longest stretch of the local log after ``after``
    that the central holds already and that places no photo, or None when it is empty.

    What this copy pulled or fetched comes back in its own log; a first sync of a
    partial copy numbers thousands of such items. Their ids are enough to know the
    central has them: their content is neither read nor sent, and the central's
    cursor for this copy moves past them in one step. A revision with photos goes
    the usual way, so a photo the central lacks still reaches it.
    """
    with store.reading() as session:
        entries = log_after(session, after[0], limit)
        if not entries:
            return None
        ids = [item for _, item, _ in entries]
        with_photos: set[str] = set()
        for part in chunks(ids):
            with_photos.update(session.scalars(sa.select(Revision.id).where(
                Revision.id.in_(list(part)), Revision.content.not_like('%"photos":[]%'))))
    lacking = central.missing_revisions(ids)
    end = next((n for n, item in enumerate(ids) if item in lacking or item in with_photos),
               len(ids))
    if end < 2:  # one entry is no faster this way
        return None
    return entries[end - 1][0], entries[end - 1][2]


def _skip_own(store: Store, central_id: str, before: int, last: int,
              revision: str | None) -> None:
    """Move the pull checkpoint past numbers the central just gave our own revisions.

    Only when nothing else was numbered in between (the checkpoint sits right
    before them), so pulling never skips anyone else's work; it saves fetching
    back what we sent.
    """
    with store.session() as session:
        state = load_state(session, central_id)
        if state is not None and state.pull_seq == before:
            state.pull_seq, state.pull_revision = last, revision


def _record(store: Store, central_id: str, url: str, when: datetime, report: SyncReport,
            *, error: str) -> None:
    with store.session() as session:
        state = load_state(session, central_id)
        if state is None:
            return
        state.central_url = url
        state.last_attempt_at = when
        state.last_success_at = when
        state.last_error = error
        state.refill = False
        state.pushed_seq = last_seq(session)[0]
        state.last_report = report.as_dict()


def _record_failure(store: Store, central_id: str, url: str, when: datetime, message: str) -> None:
    if not central_id:
        return
    try:
        with store.session() as session:
            state = load_state(session, central_id)
            if state is not None:
                state.last_attempt_at, state.last_error = when, message
    except (NewsroomError, DBAPIError, SQLAlchemyError):
        pass  # the original error matters more than the bookkeeping


def central_description(location: str) -> str:
    """The central store's location fit for messages."""
    from cms.store import parse_store_url

    return describe(parse_store_url(location))
