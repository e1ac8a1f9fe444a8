"""What a copy of the desk holds: every story (a full copy) or a window of the archive.

A **partial copy** holds the stories its person needs: those whose publication
time falls in the last N days or ahead, those not yet public that changed in the
last N days, those assigned to the person or that the person touched (wrote a
revision of), and the stories those link to; plus every story fetched on demand
(kept from then on) and every story written here. Each story it holds, it holds
whole — every revision and desk event — so it merges and conflicts exactly as a
full copy does. Nothing a copy holds is ever dropped: narrowing the window
changes what arrives, not what is kept.

The choice is this store's own (``store_meta``); N defaults to the desk setting
``sync_window_days``. A store that never chose is a full copy, unless it is new
(it never synced and holds no story) and its desk set ``sync_window_days``: then
its first sync takes that window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms.config import window_days
from cms.errors import UsageError
from cms.models import (
    Assignment,
    RelatedLink,
    Revision,
    RevisionSeq,
    Setting,
    Status,
    StoreMeta,
    Story,
    SyncState,
    table_of,
)
from cms.sqlutil import chunks, insert_ignore

HOLDING_KEY = "holding"  # store_meta: "full" or "window"
WINDOW_KEY = "holding_window_days"
WINDOW_SETTING = "sync_window_days"
DEFAULT_WINDOW_DAYS = 30


@dataclass(frozen=True)
class Holding:
    """A copy's choice: every story, or a window of ``days`` days."""

    full: bool
    days: int = DEFAULT_WINDOW_DAYS

    def since(self, now: datetime) -> datetime:
        """The start of the window at ``now``."""
        return now - timedelta(days=self.days)

    def describe(self) -> str:
        """One phrase for messages: what this copy holds."""
        return "every story (a full copy)" if self.full else \
            f"a {self.days}-day window of the archive (a partial copy)"


def read_holding(session: Session) -> Holding | None:
    """This store's choice, or None when it never chose."""
    meta = dict(session.execute(sa.select(StoreMeta.key, StoreMeta.value).where(
        StoreMeta.key.in_([HOLDING_KEY, WINDOW_KEY]))).all())
    if HOLDING_KEY not in meta:
        return None
    if meta[HOLDING_KEY] == "full":
        return Holding(full=True)
    return Holding(full=False, days=int(meta.get(WINDOW_KEY, DEFAULT_WINDOW_DAYS)))


def current_holding(session: Session) -> Holding:
    """What this store holds now (a store that never chose is a full copy)."""
    return read_holding(session) or Holding(full=True)


def desk_window(session: Session) -> int | None:
    """The desk's window for new copies (``sync_window_days``), or None when it set none."""
    value = session.scalar(sa.select(Setting.value).where(Setting.key == WINDOW_SETTING))
    return int(window_days(value)) if value else None


def choose_holding(session: Session, holding: Holding) -> None:
    """Make this store a full copy or a partial one with ``holding.days``."""
    values = {HOLDING_KEY: "full" if holding.full else "window",
              WINDOW_KEY: str(holding.days)}
    insert_ignore(session, table_of(StoreMeta),
                  [{"key": key, "value": value} for key, value in values.items()])
    for key, value in values.items():
        session.execute(sa.update(StoreMeta).where(StoreMeta.key == key).values(value=value))


def is_new_copy(session: Session) -> bool:
    """True for a store that never synced and holds no story (a new laptop)."""
    synced = sa.select(SyncState.central_id).where(SyncState.last_success_at.is_not(None))
    return (session.scalar(synced.limit(1)) is None
            and session.scalar(sa.select(Revision.id).limit(1)) is None)


def held_stories(session: Session, story_ids: Sequence[str]) -> set[str]:
    """Which of ``story_ids`` this store holds (has any revision of)."""
    held: set[str] = set()
    for part in chunks(sorted(set(story_ids))):
        held.update(session.scalars(sa.select(Revision.story_id).distinct().where(
            Revision.story_id.in_(list(part)))))
    return held


def _scope_selects(session: Session, person: str, since: datetime) -> list[sa.Select[Any]]:
    """One query per reason a story is in a person's window (see the module's docstring)."""
    private = sa.select(Status.name).where(Status.public.is_(False))
    return [
        sa.select(Story.id).where(Story.publish_at >= since),
        sa.select(Story.id).where(Story.updated_at >= since, Story.status.in_(private)),
        sa.select(Assignment.story_id).where(Assignment.person == person),
        sa.select(Revision.story_id).where(Revision.author == person),
    ]


def stories_in_window(session: Session, person: str, since: datetime,
                      candidates: Sequence[str] | None = None) -> set[str]:
    """Stories in ``person``'s window from ``since`` (among ``candidates`` when given).

    Run on the central store to choose what a partial copy receives, and on the
    copy itself to find the stories whose links it follows. Each reason is one
    indexed query (``stories.publish_at``, ``stories.updated_at``,
    ``assignments.person``, ``revisions (author, story_id)``).
    """
    found: set[str] = set()
    parts: list[Sequence[str] | None] = (
        [None] if candidates is None else list(chunks(sorted(set(candidates)))))
    for part in parts:
        for query in _scope_selects(session, person, since):
            column = query.selected_columns[0]
            if part is not None:
                query = query.where(column.in_(list(part)))
            found.update(session.scalars(query.distinct()))
    return found


def missing_link_targets(session: Session, person: str, since: datetime, *,
                         changed_after: int = 0) -> set[str]:
    """Stories that stories in the window here link to, and that this copy lacks.

    One statement: links whose source is in the window by any reason of
    :func:`stories_in_window` and has an entry in this store's log after
    ``changed_after``, and whose target has no revision here.
    """
    private = sa.select(Status.name).where(Status.public.is_(False))
    in_window = sa.or_(
        Story.publish_at >= since,
        sa.and_(Story.updated_at >= since, Story.status.in_(private)),
        Story.id.in_(sa.select(Assignment.story_id).where(Assignment.person == person)),
        Story.id.in_(sa.select(Revision.story_id).where(Revision.author == person)),
    )
    here = sa.select(Revision.id).where(Revision.story_id == RelatedLink.target_story_id)
    query = (sa.select(RelatedLink.target_story_id).distinct()
             .join(Story, Story.id == RelatedLink.story_id)
             .where(RelatedLink.target_story_id.is_not(None), in_window, ~here.exists()))
    if changed_after:
        query = query.where(RelatedLink.story_id.in_(
            sa.select(RevisionSeq.story_id).where(RevisionSeq.seq > changed_after)))
    return {str(target) for target in session.scalars(query)}


def switch_holding(session: Session, holding: Holding) -> bool:
    """Make this copy hold ``holding`` from its next sync on; True when that changed it.

    Becoming full again walks the central's whole log for what the copy lacks, and
    a wider window fetches the stories it adds (what is held is never sent again).
    """
    before = current_holding(session)
    choose_holding(session, holding)
    # A full copy walks the log again; a wider window seeds the stories it adds. A copy
    # becoming partial, or a narrower window, holds what it needs already.
    if (holding.full and not before.full) or (
            not holding.full and not before.full and holding.days > before.days):
        session.execute(sa.update(SyncState).values(pull_seq=0, pull_revision=None))
    return before != holding


def require_whole_archive(session: Session, what: str) -> None:
    """Refuse ``what`` (work that reads every story) on a partial copy, saying where it
    can be done: against the central store, or after ``newsroom sync --full``."""
    holding = current_holding(session)
    if not holding.full:
        raise UsageError(f"this copy holds {holding.describe()}: {what} needs every story; "
                         "run it against the desk's central store (newsroom --store "
                         "CENTRAL_URL …) or make this a full copy (newsroom sync --full)")
