"""Bringing whole stories into a copy: a partial copy's first sync, the stories its
stories link to, and a story fetched on demand (``newsroom story fetch``, or a
story opened that the copy does not hold).

A fetched story arrives whole — every revision, workflow move and desk event —
and is checked on arrival like any pull (:mod:`cms.sync.transfer`); the photos
its head places follow. From then on the copy holds it, and every later sync
brings its changes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session

from cms.config import get_setting
from cms.errors import NotFound, SyncError
from cms.models import Blob, SyncState
from cms.sqlutil import chunks
from cms.store import Store, db_error_message, describe
from cms.stories import resolve as resolve_story
from cms.sync.central import Central
from cms.sync.faults import fault_point
from cms.sync.holding import current_holding
from cms.sync.holds import release_accepted
from cms.sync.settle import Settled, dirty_stories, heads_of, mark_dirty, settle
from cms.sync.transfer import (
    Arrived,
    PullBatch,
    accept_blobs,
    accept_events,
    accept_revisions,
    accept_transitions,
    fetch_revisions,
    photo_digests,
)
from cms.timeutil import utcnow

STORIES_PER_BATCH = 200
Progress = Callable[[str, int, int], None]


def store_batch(session: Session, batch: PullBatch, *, now: datetime) -> Arrived:
    """Store what a pulled or fetched batch carries; its stories wait in ``sync_dirty``."""
    accept_blobs(session, batch.blobs)
    arrived = accept_revisions(session, batch.revisions, reference=now)
    arrived.released = release_accepted(session, batch.revisions)
    accept_transitions(session, batch.transitions)
    told = accept_events(session, batch.events, reference=now)
    arrived.quarantined.extend(told.quarantined)
    arrived.relabelled += told.relabelled
    mark_dirty(session, [row["story_id"] for row in batch.revisions])
    return arrived


def fetch_head_photos(session: Session, central: Central, story_ids: list[str]) -> int:
    """Photos the heads of these stories place that this store lacks; returns how many came."""
    head_ids = [rev for ids in heads_of(session, story_ids).values() for rev in ids]
    rows = fetch_revisions(session, head_ids)
    wanted = sorted(photo_digests(rows))  # reads only the heads that place photos
    if not wanted:
        return 0
    have = set(session.scalars(sa.select(Blob.sha256).where(Blob.sha256.in_(wanted))))
    absent = [digest for digest in wanted if digest not in have]
    return accept_blobs(session, central.fetch_blobs(absent)) if absent else 0


def settle_dirty(store: Store, central: Central, *, author: str, now: Callable[[], datetime],
                 progress: Progress | None = None) -> tuple[Settled, int]:
    """Settle every story waiting in ``sync_dirty``; returns the result and photos fetched."""
    after = ""
    done = photos = 0
    result = Settled()
    while True:
        with store.session() as session:
            chunk = dirty_stories(session, after, 500)
            if not chunk:
                break
            photos += fetch_head_photos(session, central, chunk)
            result.add(settle(session, chunk, merge=True, author=author,
                              replica_id=store.replica_id, now=now()))
        fault_point("settle:committed")
        after = chunk[-1]
        done += len(chunk)
        if progress:
            progress("merge", done, done)
    return result, photos


def fetch_histories(store: Store, central: Central, story_ids: Sequence[str], *,
                    now: Callable[[], datetime], at_least: int,
                    progress: Progress | None = None,
                    stop: Callable[[], None] | None = None) -> tuple[int, Arrived]:
    """Store whole stories from the central, a few hundred per local transaction.

    ``at_least`` is how far this copy has seen the central's log: the stories are
    read from a store that has seen as much (a lagging read replica is not used).
    Returns how many revisions and desk events arrived, and what was relabelled or
    quarantined. ``stop`` is called between batches (it raises to cancel).
    """
    total = Arrived()
    count = 0
    wanted = list(story_ids)
    for done, part in enumerate(chunks(wanted, STORIES_PER_BATCH)):
        if stop is not None:
            stop()
        batch = central.histories(list(part), at_least=at_least)
        with store.session() as session:
            arrived = store_batch(session, batch, now=now())
        count += len(batch.revisions) + len(batch.events)
        total.stored += arrived.stored
        total.relabelled += arrived.relabelled
        total.quarantined += arrived.quarantined
        if progress:
            progress("fetch", min((done + 1) * STORIES_PER_BATCH, len(wanted)), len(wanted))
    return count, total


def fetch_story(store: Store, central: Central, ref: str, *, author: str,
                now: Callable[[], datetime] = utcnow) -> str:
    """Bring the story ``ref`` names on the desk into this copy (kept); returns its id.

    Raises :class:`NotFound` when the desk has no such story.
    """
    story_id = central.find_story(ref)
    with store.reading() as session:
        state = session.get(SyncState, central.central_id)
        seen = state.pull_seq if state is not None else 0
    fetch_histories(store, central, [story_id], now=now, at_least=seen)
    settle_dirty(store, central, author=author, now=now)
    return story_id


def open_story(store: Store, ref: str, *, author: str,
               now: Callable[[], datetime] = utcnow) -> str:
    """The id of the story ``ref`` names, fetching it from the desk when a partial copy
    lacks it and the central store answers.

    Offline (or with no central store set), a story this partial copy does not
    hold gives one clear line: it is not on this laptop, connect to fetch it. A
    full copy never fetches: what it lacks, the desk lacks too (after a sync).
    """
    with store.reading() as session:
        try:
            return resolve_story(session, ref)
        except NotFound:
            if current_holding(session).full:
                raise
        location = get_setting(session, "central_url")
        read_location = get_setting(session, "central_read_url")
        synced = session.scalar(sa.select(SyncState.central_id).limit(1)) is not None
    offline = NotFound(f"story {ref!r} is not on this laptop — connect to fetch it "
                       f"(`newsroom story fetch {ref}` once online)")
    if not location or not synced:
        raise offline
    try:
        central = Central.open(location, read_location=read_location or None)
    except SyncError:
        raise offline from None
    try:
        return fetch_story(store, central, ref, author=author, now=now)
    except (DBAPIError, SQLAlchemyError) as exc:
        raise SyncError(f"could not fetch {ref!r} from {describe(central.url)}: "
                        f"{db_error_message(exc, central.url)}") from exc
    finally:
        central.close()
