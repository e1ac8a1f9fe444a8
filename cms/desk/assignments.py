"""Assignments: who is on a story, by when, and why.

An assignment is a desk event (:mod:`cms.desk.events`): editors and above assign
people (:mod:`cms.desk.rights`); anyone may take themselves off a story. A
disabled person cannot be assigned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms import stories
from cms.desk import rights
from cms.desk.events import new_event, write_events
from cms.document import normalise_text
from cms.errors import NotFound, PermissionDenied, UsageError
from cms.models import Assignment, Person, Story
from cms.people import Actor
from cms.rules import load_rules
from cms.timeutil import isoformat, utcnow

MAX_NOTE = 2000


@dataclass(frozen=True)
class AssignmentView:
    """One person on one story."""

    story_id: str
    slug: str
    headline: str
    status: str
    person: str
    due: datetime | None
    note: str
    assigned_by: str
    assigned_at: datetime

    def late(self, now: datetime) -> bool:
        """True when its due time has passed."""
        return self.due is not None and self.due <= now

    def as_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"story_id": self.story_id, "slug": self.slug, "headline": self.headline,
                "status": self.status, "person": self.person,
                "due": self.due.isoformat() if self.due else None, "note": self.note,
                "assigned_by": self.assigned_by, "assigned_at": self.assigned_at.isoformat()}


def _person(session: Session, name: str) -> Person:
    person = session.scalar(sa.select(Person).where(Person.username == name.strip()))
    if person is None:
        raise NotFound(f"nobody called {name.strip()!r} works on this desk")
    return person


def _write(session: Session, actor: Actor, story_id: str, kind: str, person: str,
           body: dict[str, Any], now: datetime | None) -> None:
    event = new_event(session, story_id=story_id, kind=kind, subject=person,
                      author=actor.username, replica_id=actor.replica_id,
                      now=now or utcnow(), body=body)
    said = rights.refusal(load_rules(session), actor.role, actor.username, event, None)
    if said is not None:
        raise PermissionDenied(f"{actor.username}: {said[0]}")
    write_events(session, [event])


def assign(session: Session, actor: Actor, story_ref: str, name: str, *,
           due: datetime | None = None, note: str = "", now: datetime | None = None) -> None:
    """Put ``name`` on a story (again: with the new due time and note)."""
    story_id = stories.resolve(session, story_ref)
    person = _person(session, name)
    if not person.active:
        raise UsageError(f"{person.username} is disabled on this desk and cannot be assigned")
    clean = normalise_text(note).strip()
    if len(clean) > MAX_NOTE:
        raise UsageError(f"the note is longer than {MAX_NOTE} characters")
    _write(session, actor, story_id, "assign", person.username,
           {"due": isoformat(due), "note": clean}, now)


def unassign(session: Session, actor: Actor, story_ref: str, name: str, *,
             now: datetime | None = None) -> None:
    """Take ``name`` off a story."""
    story_id = stories.resolve(session, story_ref)
    person = _person(session, name)
    if session.get(Assignment, (story_id, person.username)) is None:
        raise UsageError(f"{person.username} is not assigned to this story")
    _write(session, actor, story_id, "unassign", person.username, {}, now)


def assigned(session: Session, *, person: str | None = None,
             story_id: str | None = None) -> list[AssignmentView]:
    """Assignments (of one person, or on one story), earliest due first, no due time last."""
    query = (sa.select(Assignment, Story.slug, Story.headline, Story.status)
             .join(Story, Story.id == Assignment.story_id)
             .order_by(Assignment.due.is_(None), Assignment.due, Assignment.assigned_at))
    if person is not None:
        query = query.where(Assignment.person == person)
    if story_id is not None:
        query = query.where(Assignment.story_id == story_id)
    return [AssignmentView(row.story_id, slug, headline, status, row.person, row.due, row.note,
                           row.assigned_by, row.assigned_at)
            for row, slug, headline, status in session.execute(query)]
