"""Assignments: who is on a story, by when, and why.

An assignment is a desk event (:mod:`cms.desk.events`): editors and above assign
people (:mod:`cms.desk.rights`); anyone may take themselves off a story. A
disabled person cannot be assigned. Reading them is :mod:`cms.desk.assigned`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms import stories
from cms.desk import rights
from cms.desk.assigned import AssignmentView as AssignmentView  # re-exported: the read side
from cms.desk.assigned import assigned as assigned
from cms.desk.events import new_event, write_events
from cms.document import normalise_text
from cms.errors import NotFound, PermissionDenied, UsageError
from cms.models import Assignment, Person
from cms.people import Actor
from cms.rules import load_rules
from cms.timeutil import isoformat, utcnow

MAX_NOTE = 2000


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
