"""Who is editing a story now: a short lease on the central store, renewed while open.

Opening a story for editing on a copy that is online announces it (a row in the
central store's ``presence`` table whose lease runs out after :data:`LEASE`
unless renewed); others see "Kim is editing (since 10:02)". It is not a lock:
edits still merge paragraph by paragraph. Offline, nothing is announced and
nothing blocks. A copy that dies simply stops renewing, and its row expires.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from cms.models import Presence, table_of
from cms.sqlutil import chunks, insert_ignore
from cms.store import Store
from cms.timeutil import utcnow

LEASE = timedelta(seconds=45)
RENEW_EVERY = timedelta(seconds=15)


@dataclass(frozen=True)
class Editing:
    """Someone with a story open for editing."""

    person: str
    since: datetime
    replica_id: str


def announce(central: Store, story_id: str, person: str, replica_id: str, *,
             now: datetime | None = None, lease: timedelta = LEASE) -> None:
    """Say (again) that ``person`` on ``replica_id`` has ``story_id`` open for editing.

    The row lasts ``lease`` unless announced again; a copy that goes away stops renewing.
    """
    when = now or utcnow()
    with central.session() as session:
        session.execute(sa.delete(Presence).where(Presence.expires_at < when))
        row = session.get(Presence, (story_id, replica_id))
        if row is not None and row.person == person:
            row.expires_at = when + lease
            return
        if row is not None:
            session.delete(row)
            session.flush()
        insert_ignore(session, table_of(Presence),
                      [{"story_id": story_id, "replica_id": replica_id, "person": person,
                        "since": when, "expires_at": when + lease}])


def release(central: Store, story_id: str, replica_id: str) -> None:
    """This copy closed the story: the others stop seeing it as being edited."""
    with central.session() as session:
        session.execute(sa.delete(Presence).where(Presence.story_id == story_id,
                                                  Presence.replica_id == replica_id))


def editing(central: Store, story_ids: Sequence[str], *, now: datetime | None = None,
            other_than: str | None = None) -> dict[str, list[Editing]]:
    """Who has each story open now (leases not run out), earliest first."""
    found: dict[str, list[Editing]] = {}
    with central.reading() as session:
        for chunk in chunks(sorted(set(story_ids))):
            query = _live(now, other_than).where(Presence.story_id.in_(list(chunk)))
            for row in session.scalars(query):
                found.setdefault(row.story_id, []).append(
                    Editing(row.person, row.since, row.replica_id))
    return found


def editing_anywhere(central: Store, *, now: datetime | None = None,
                     other_than: str | None = None) -> dict[str, list[Editing]]:
    """Who has any story open now (the story list's marks), in one query.

    The table holds only live leases (a few rows per person online), so it is read whole.
    """
    found: dict[str, list[Editing]] = {}
    with central.reading() as session:
        for row in session.scalars(_live(now, other_than)):
            found.setdefault(row.story_id, []).append(
                Editing(row.person, row.since, row.replica_id))
    return found


def _live(now: datetime | None, other_than: str | None) -> sa.Select[Presence]:
    query = (sa.select(Presence).where(Presence.expires_at >= (now or utcnow()))
             .order_by(Presence.since, Presence.person))
    if other_than is not None:
        query = query.where(Presence.replica_id != other_than)
    return query


def open_central(store: Store, *, timeout_s: int = 2) -> Store | None:
    """The desk's central store when it answers within ``timeout_s``, else None (offline).

    ``store`` itself when it is the central one; otherwise a new :class:`Store` the
    caller closes. Offline (no central configured, or none answering) there is none.
    """
    from cms.config import get_setting
    from cms.errors import NewsroomError

    if store.meta.get("central_epoch"):  # this store is the central one
        return store
    with store.reading() as session:
        location = get_setting(session, "central_url")
    if not location:
        return None
    try:
        return Store.open(location, connect_timeout=timeout_s)
    except (NewsroomError, OSError, sa.exc.SQLAlchemyError):
        return None


def editing_now(store: Store, story_id: str, *, timeout_s: int = 2) -> list[Editing]:
    """Who has the story open, asked of the desk's central store when it answers quickly.

    Offline (no central store configured, or none answering within ``timeout_s``)
    the answer is empty: nothing is announced and nothing blocks.
    """
    from cms.errors import NewsroomError

    central = open_central(store, timeout_s=timeout_s)
    if central is None:
        return []
    try:
        return editing(central, [story_id]).get(story_id, [])
    except (NewsroomError, sa.exc.SQLAlchemyError):
        return []
    finally:
        if central is not store:
            central.close()
