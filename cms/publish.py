"""The publishing job: publish every story whose time has come, exactly once, and say so.

``newsroom publish --due`` runs :func:`publish_due_stories`, typically from
cron every minute, possibly on two machines against one PostgreSQL store. Each
due story is published in its own short transaction that first locks the
story's row (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's
``BEGIN IMMEDIATE`` serialises writers) and then re-checks, inside the lock,
that the story is still scheduled, still due and still at the head revision it
was seen with (compare-and-set). So a second runner either skips a story the
first one holds or finds it already published: every story is published once.

A story whose time has passed but that is not out is *late*, and is reported
with the reason — embargo, open sync conflict, photo problems, still only
ready, or the job simply not running — by :func:`late_stories`; never silent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms import transitions, workflow
from cms.config import desk_zone, get_setting
from cms.document import StoryDocument
from cms.errors import NewsroomError, NotFound, UsageError
from cms.graph import has_open_conflict
from cms.models import StoreMeta, Story, table_of
from cms.people import Actor, acting_actor
from cms.placements import photo_problems
from cms.revisions import load_document
from cms.sqlutil import chunks, insert_ignore
from cms.store import Store
from cms.timeutil import format_local, from_iso, isoformat, utcnow

LAST_RUN_KEY = "publish_job_last_run"
JOB_NOTE = "published by the publishing job"
WAITING = ("ready", "scheduled")
BATCH = 50


@dataclass(frozen=True)
class DueStory:
    """A story the job looked at."""

    id: str
    slug: str
    headline: str
    publish_at: datetime
    reasons: tuple[str, ...] = ()


@dataclass
class PublishReport:
    """What one run did: published (or, dry, would publish), held back, or left to another run."""

    now: datetime
    dry_run: bool
    published: list[DueStory] = field(default_factory=list)
    blocked: list[DueStory] = field(default_factory=list)
    taken_elsewhere: list[str] = field(default_factory=list)
    updates: list[tuple[str, str]] = field(default_factory=list)  # (story, update) put live
    updates_blocked: list[tuple[str, str, str]] = field(default_factory=list)  # … and why not
    exported: int = 0  # files the re-export wrote
    export_target: Path | None = None
    export_error: str = ""


@dataclass(frozen=True)
class LateStory:
    """A story whose publication time has passed without it going out, and why."""

    id: str
    slug: str
    headline: str
    status: str
    publish_at: datetime
    embargo_until: datetime | None
    reasons: tuple[str, ...]


def blockers(session: Session, document: StoryDocument, now: datetime) -> list[str]:
    """Why a story that is due cannot be published now (empty when it can)."""
    reasons: list[str] = []
    if document.embargo_until is not None and document.embargo_until > now:
        tz = desk_zone(session)
        reasons.append(
            f"embargo until {format_local(document.embargo_until, tz)} {tz.key}"
        )
    if has_open_conflict(session, document.story_id):
        reasons.append("open sync conflict: resolve it in the editor")
    problems = photo_problems(document)
    if problems:
        reasons.append("photo problems: " + "; ".join(problems))
    return reasons


def _due_ids(session: Session, now: datetime) -> list[tuple[str, str]]:
    # The (status, publish_at) index makes this cost grow with due stories only.
    return list(
        session.execute(
            sa.select(Story.id, Story.revision_id)
            .where(Story.status == "scheduled", Story.publish_at <= now)
            .order_by(Story.publish_at, Story.pk)
        ).all()
    )


def _lock_due(session: Session, story_ids: list[str], now: datetime) -> list[tuple[str, str]]:
    """Lock the stories of ``story_ids`` that are still scheduled and due; skip locked ones."""
    query = (
        sa.select(Story.id, Story.revision_id)
        .where(Story.id.in_(story_ids), Story.status == "scheduled", Story.publish_at <= now)
        .order_by(Story.publish_at, Story.pk)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=table_of(Story))
    return [(row.id, row.revision_id) for row in session.execute(query)]


def _job_actor(session: Session, username: str | None, replica_id: str, *,
               register: bool = True) -> Actor:
    actor = acting_actor(session, replica_id, username, register=register)
    workflow.require_scheduler(session, actor, "run the publishing job")
    return actor


def publish_due_stories(
    store: Store,
    now: datetime | None = None,
    dry_run: bool = False,
    *,
    username: str | None = None,
    after_publish: Callable[[list[str]], int] | None = None,
    clock: Callable[[], datetime] | None = None,
) -> PublishReport:
    """Publish every scheduled story whose time is at or before ``now``.

    Idempotent: a second run finds nothing left to do. ``dry_run`` only lists.
    The acting person (``username``, default the CLI's rule) must be a desk
    chief or above. After publishing, the site is re-exported into the
    desk's ``export_target`` folder when one is configured; ``after_publish``
    replaces that step (it receives the published ids, returns files written).
    ``now`` later than ``clock`` is refused unless ``dry_run``: the job replays a
    missed run, it never publishes ahead of time.
    """
    current = (clock or utcnow)()
    when = now or current
    if when > current and not dry_run:
        raise UsageError(
            "--now is later than the clock: `publish --due --now` replays a run that was "
            "missed; to see what a later run would publish, add --dry-run")
    report = PublishReport(now=when, dry_run=dry_run)
    with store.reading() as session:
        _job_actor(session, username, store.replica_id, register=False)
        due = _due_ids(session, when)
    if dry_run:
        with store.reading() as session:
            for _story_id, revision in due:
                document = load_document(session, revision)
                item = _item(document, blockers(session, document, when))
                (report.blocked if item.reasons else report.published).append(item)
        return report
    # A batch per transaction: few commits, and locks held only for one batch.
    for batch in chunks(due, BATCH):
        chunk = [story_id for story_id, _ in batch]
        with store.session() as session:
            actor = _job_actor(session, username, store.replica_id)
            locked = _lock_due(session, chunk, when)
            mine = {story_id for story_id, _ in locked}
            report.taken_elsewhere.extend(i for i in chunk if i not in mine)
            for _story_id, revision in locked:
                _publish_one(session, actor, revision, when, report)
    _apply_due_updates(store, username, when, report)
    _mark_run(store, when)
    if report.published or report.updates:
        if after_publish is not None:
            report.exported = after_publish([item.id for item in report.published]
                                            + [story for story, _ in report.updates])
        else:
            _reexport(store, when, report)
    return report


def _apply_due_updates(store: Store, username: str | None, when: datetime,
                       report: PublishReport) -> None:
    """Put approved updates whose time has come live, each exactly once.

    Each in its own transaction that first locks the story's row (on PostgreSQL
    a second job skips a story the first holds) and then folds the story's
    events again inside the lock: an update already applied is not applied twice.
    """
    from cms.desk import updates  # the desk's modules load only when the job needs them

    with store.reading() as session:
        due = updates.due(session, when)
    for story_id, update_id in due:
        with store.session() as session:
            actor = _job_actor(session, username, store.replica_id)
            query = sa.select(Story.id).where(Story.id == story_id)
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            if session.scalar(query) is None:
                report.taken_elsewhere.append(story_id)
                continue
            try:
                with session.begin_nested():
                    updates.apply(session, actor, story_id, update_id, now=when)
            except NotFound:
                continue  # another run put it live (or it was discarded) meanwhile
            except NewsroomError as exc:
                report.updates_blocked.append((story_id, update_id, str(exc)))
                continue
            report.updates.append((story_id, update_id))


def export_target(store: Store) -> Path | None:
    """The folder the desk re-exports into after publishing (``export_target``), if any."""
    with store.reading() as session:
        value = get_setting(session, "export_target").strip()
    return Path(value).expanduser() if value else None


def _reexport(store: Store, when: datetime, report: PublishReport) -> None:
    """Bring the configured export up to date; the export rewrites only what changed.

    A failed export never undoes the publication: it is reported, and the
    next run (or ``newsroom export``) tries again.
    """
    target = export_target(store)
    if target is None:
        return
    from cms.export import ExportOptions, export_site  # heavy (templates, images): on demand

    try:
        result = export_site(store, ExportOptions(out=target, as_of=when))
    except (NewsroomError, OSError) as exc:
        report.export_error = f"re-export to {target} failed: {exc}"
        return
    report.exported = result.written
    report.export_target = target


def _publish_one(
    session: Session, actor: Actor, revision: str, when: datetime, report: PublishReport
) -> None:
    document = load_document(session, revision)
    reasons = blockers(session, document, when)
    if reasons:
        report.blocked.append(_item(document, reasons))
        return
    try:
        # A savepoint per story: one story the rules refuse never holds back the others.
        with session.begin_nested():
            transitions.move(session, actor, document, revision, "published",
                          note=JOB_NOTE, now=when)
    except NewsroomError as exc:
        report.blocked.append(_item(document, [str(exc)]))
        return
    report.published.append(_item(document, ()))


def _item(document: StoryDocument, reasons: list[str] | tuple[str, ...]) -> DueStory:
    assert document.publish_at is not None
    return DueStory(document.story_id, document.slug, document.headline, document.publish_at,
                    tuple(reasons))


def _mark_run(store: Store, when: datetime) -> None:
    """Remember when the job last ran, so the late report can tell a stopped job."""
    with store.session() as session:
        insert_ignore(session, table_of(StoreMeta),
                      [{"key": LAST_RUN_KEY, "value": isoformat(when)}])
        session.execute(
            sa.update(StoreMeta).where(StoreMeta.key == LAST_RUN_KEY).values(value=isoformat(when))
        )


def last_run(session: Session) -> datetime | None:
    """When the publishing job last ran against this store (None if never)."""
    return from_iso(session.scalar(sa.select(StoreMeta.value).where(StoreMeta.key == LAST_RUN_KEY)))


def late_stories(session: Session, now: datetime | None = None) -> list[LateStory]:
    """Stories whose time has passed while they still wait (ready or scheduled), with reasons."""
    when = now or utcnow()
    tz = desk_zone(session)
    ran = last_run(session)
    rows = session.execute(
        sa.select(Story.id, Story.revision_id, Story.status)
        .where(Story.status.in_(WAITING), Story.publish_at <= when)
        .order_by(Story.publish_at, Story.pk)
    ).all()
    late: list[LateStory] = []
    for row in rows:
        document = load_document(session, row.revision_id)
        assert document.publish_at is not None
        reasons = blockers(session, document, when)
        if row.status == "ready":
            reasons.append("still only ready: nobody scheduled it")
        elif not reasons:
            if ran is None:
                reasons.append("the publishing job has never run on this store")
            elif ran < document.publish_at:
                reasons.append(
                    f"the publishing job has not run since {format_local(ran, tz)} {tz.key}"
                )
            else:
                reasons.append("not published by the last run (it failed or was stopped)")
        late.append(LateStory(
            id=document.story_id, slug=document.slug, headline=document.headline,
            status=row.status, publish_at=document.publish_at,
            embargo_until=document.embargo_until, reasons=tuple(reasons),
        ))
    return late
