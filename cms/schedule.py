"""Publication times and embargoes: stored in UTC, entered and shown in the desk time zone.

Times typed by people go through :func:`parse_desk_time`, which reads ISO 8601
with an offset as given and anything else as wall-clock time in the desk zone
(:func:`cms.timeutil.parse_time`): a local time the clocks skip is refused, and
one that happens twice must be disambiguated with an offset (or ``fold``).

Scheduling is a desk chief's job. Setting a time on a ready story moves it to
``scheduled`` (a recorded workflow move); the publishing job
(:mod:`cms.publish`) then publishes it when the time comes. An embargo is not
advisory: :mod:`cms.workflow` refuses any move to a public status while one is
running, whoever asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms import stories, workflow
from cms.config import desk_zone
from cms.errors import UsageError
from cms.models import Story
from cms.people import Actor
from cms.timeutil import format_local, parse_time, utcnow

MAX_AHEAD = timedelta(days=3660)


@dataclass(frozen=True)
class ScheduleResult:
    """What a scheduling command changed."""

    story_id: str
    status: str
    publish_at: datetime | None
    embargo_until: datetime | None
    revision_id: str
    changed: bool
    warning: str = ""


@dataclass(frozen=True)
class PlannedStory:
    """One story on the plan: scheduled, published or still being worked on."""

    id: str
    slug: str
    headline: str
    section: str | None
    status: str
    publish_at: datetime
    embargo_until: datetime | None
    late: bool


def parse_desk_time(session: Session, text: str, *, fold: int | None = None) -> datetime:
    """A time typed by a person: ISO 8601 with offset, or wall-clock time in the desk zone."""
    return parse_time(text, desk_zone(session), fold=fold)


def future_time(value: datetime, now: datetime, what: str, tz: ZoneInfo) -> datetime:
    """A time a person enters for a publication or an embargo: after now, within ten years."""
    if value <= now:
        raise UsageError(
            f"the {what} {format_local(value, tz)} ({tz.key}) is in the past; "
            "give a time after now"
        )
    if value - now > MAX_AHEAD:
        raise UsageError(f"the {what} is more than ten years ahead; check the year")
    return value


def schedule(
    session: Session, actor: Actor, ref: str, at: datetime, *, now: datetime | None = None
) -> ScheduleResult:
    """Set a story's publication time (must be in the future).

    A ready story becomes scheduled; a scheduled one is rescheduled; a story
    still in draft or edit gets a planned time and stays where it is.
    """
    when = now or utcnow()
    tz = desk_zone(session)
    workflow.require_scheduler(session, actor, "schedule stories")
    story_id = stories.resolve(session, ref)
    document, head = stories.get(session, story_id)
    if document.status in workflow.public_statuses(session):
        raise UsageError(
            f"the story is already {document.status}; unpublish it first to give it a new time"
        )
    if document.status == "killed":
        raise UsageError("the story was killed; move it back to draft before scheduling it")
    future_time(at, when, "publication time", tz)
    if document.embargo_until is not None and at < document.embargo_until:
        raise UsageError(
            f"the publication time {format_local(at, tz)} is before the embargo ends "
            f"({format_local(document.embargo_until, tz)} {tz.key}); choose a later time or "
            "change the embargo"
        )
    after = document.evolve(publish_at=at)
    if document.status == "ready":
        saved = stories.save(
            session, actor, after.evolve(status="scheduled"), base_revision=head, now=when,
            status_change=workflow.StatusChange(note=f"for {format_local(at, tz)} {tz.key}"),
        )
    else:
        verb = "rescheduled" if document.status == "scheduled" else "planned"
        saved = stories.save(
            session, actor, after, base_revision=head, now=when,
            message=f"{verb} for {format_local(at, tz)} {tz.key}",
        )
    warning = "" if document.status in ("ready", "scheduled") else (
        f"the story is still in {document.status}; it will be published only once it is "
        "ready and scheduled"
    )
    return ScheduleResult(story_id, saved.document.status, at, document.embargo_until,
                          saved.revision_id, saved.created, warning)


def clear_schedule(
    session: Session, actor: Actor, ref: str, *, now: datetime | None = None
) -> ScheduleResult:
    """Remove a story's publication time; a scheduled story goes back to ready."""
    when = now or utcnow()
    workflow.require_scheduler(session, actor, "change the schedule")
    story_id = stories.resolve(session, ref)
    document, head = stories.get(session, story_id)
    if document.status in workflow.public_statuses(session):
        raise UsageError(f"the story is already {document.status}; unpublish it instead")
    if document.publish_at is None and document.status != "scheduled":
        raise UsageError("the story has no publication time to clear")
    after = document.evolve(publish_at=None)
    if document.status == "scheduled":
        saved = stories.save(
            session, actor, after.evolve(status="ready"), base_revision=head, now=when,
            status_change=workflow.StatusChange(note="schedule cleared"),
        )
    else:
        saved = stories.save(session, actor, after, base_revision=head, now=when,
                             message="publication time cleared")
    return ScheduleResult(story_id, saved.document.status, None, document.embargo_until,
                          saved.revision_id, saved.created)


def set_embargo(
    session: Session,
    actor: Actor,
    ref: str,
    until: datetime | None,
    *,
    now: datetime | None = None,
) -> ScheduleResult:
    """Hold a story until ``until`` (in the future), or lift its embargo with ``None``.

    An embargo ending after the planned publication time is allowed — news
    agencies move embargoes — but the story then waits, and the late report and
    the returned warning say so.
    """
    when = now or utcnow()
    tz = desk_zone(session)
    workflow.require_scheduler(session, actor, "set embargoes")
    story_id = stories.resolve(session, ref)
    document, head = stories.get(session, story_id)
    if until is not None:
        if document.status in workflow.public_statuses(session):
            raise UsageError(
                f"the story is already {document.status}; an embargo can no longer hold it"
            )
        future_time(until, when, "embargo end", tz)
    elif document.embargo_until is None:
        raise UsageError("the story has no embargo to lift")
    saved = stories.save(
        session, actor, document.evolve(embargo_until=until), base_revision=head, now=when,
        message=(f"embargo until {format_local(until, tz)} {tz.key}" if until is not None
                 else "embargo lifted"),
    )
    warning = ""
    if until is not None and document.publish_at is not None and document.publish_at < until:
        warning = (
            f"the planned publication time {format_local(document.publish_at, tz)} is before "
            f"the embargo ends; the story waits until {format_local(until, tz)} {tz.key}"
        )
    return ScheduleResult(story_id, saved.document.status, document.publish_at, until,
                          saved.revision_id, saved.created, warning)


def planned(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    now: datetime | None = None,
    section: str | None = None,
    statuses: tuple[str, ...] | None = None,
) -> list[PlannedStory]:
    """Stories whose publication time falls in ``[start, end)``, earliest first.

    ``late`` marks a story whose time has passed while it is still waiting
    (ready or scheduled): the desk must see it, never miss it.
    """
    if end <= start:
        raise UsageError("the end of the period must be after its start")
    when = now or utcnow()
    query = (
        sa.select(Story.id, Story.slug, Story.headline, Story.section, Story.status,
                  Story.publish_at, Story.embargo_until)
        .where(Story.publish_at >= start, Story.publish_at < end)
        .order_by(Story.publish_at, Story.pk)
    )
    if section:
        query = query.where(Story.section == section)
    if statuses:
        query = query.where(Story.status.in_(statuses))
    return [
        PlannedStory(
            id=row.id, slug=row.slug, headline=row.headline, section=row.section,
            status=row.status, publish_at=row.publish_at, embargo_until=row.embargo_until,
            late=row.status in ("ready", "scheduled") and row.publish_at <= when,
        )
        for row in session.execute(query)
    ]

