"""My desk: what waits on me — stories assigned to me, notes addressed to me, my stories
waiting on someone else."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms.desk.assigned import AssignmentView, assigned
from cms.models import Note, NoteRecipient, Story, StoryUpdate
from cms.rules import load_rules

WAITING_ON_OTHERS = ("edit", "ready", "scheduled")


@dataclass(frozen=True)
class NoteForMe:
    """An open note addressed to me."""

    id: str
    story_id: str
    slug: str
    headline: str
    author: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class Waiting:
    """One of my stories (or updates) that waits on someone else."""

    story_id: str
    slug: str
    headline: str
    status: str
    on: str  # whose move it is, in words


@dataclass
class MyDesk:
    """Everything that waits on one person."""

    person: str
    now: datetime
    assigned: list[AssignmentView] = field(default_factory=list)
    notes: list[NoteForMe] = field(default_factory=list)
    waiting: list[Waiting] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "person": self.person,
            "assigned": [dict(item.as_json(), late=item.late(self.now)) for item in self.assigned],
            "notes": [{"id": n.id, "story_id": n.story_id, "slug": n.slug,
                       "headline": n.headline, "author": n.author, "text": n.text,
                       "created_at": n.created_at.isoformat()} for n in self.notes],
            "waiting": [{"story_id": w.story_id, "slug": w.slug, "headline": w.headline,
                         "status": w.status, "on": w.on} for w in self.waiting],
        }


def my_desk(session: Session, person: str, now: datetime, *, limit: int = 200) -> MyDesk:
    """What waits on ``person``: late assignments first, then by due time."""
    desk = MyDesk(person, now)
    mine = assigned(session, person=person)
    desk.assigned = sorted(mine, key=lambda a: (not a.late(now), a.due is None,
                                                a.due or now))[:limit]
    rows = session.execute(
        sa.select(Note.id, Note.story_id, Story.slug, Story.headline, Note.author, Note.text,
                  Note.created_at)
        .join(NoteRecipient, NoteRecipient.note_id == Note.id)
        .join(Story, Story.id == Note.story_id)
        .where(NoteRecipient.person == person, Note.resolved.is_(False))
        .order_by(Note.created_at.desc()).limit(limit))
    desk.notes = [NoteForMe(*row) for row in rows]
    rules = load_rules(session)
    for row in session.execute(
            sa.select(Story.id, Story.slug, Story.headline, Story.status)
            # Found through the status (few stories are in progress), never through the
            # author, who may have written most of the archive: ``|| ''`` keeps SQLite's
            # planner off the created_by index when it has no statistics.
            .where(Story.created_by.op("||")("") == person,
                   Story.status.in_(WAITING_ON_OTHERS))
            .order_by(Story.updated_at.desc()).limit(limit)):
        nxt = [to for to in rules.targets(rules.top_role, row.status)
               if to not in ("draft", "edit", "killed")]
        who = rules.role_at(min((rules.entry_rank(to) for to in nxt), default=0))
        desk.waiting.append(Waiting(row.id, row.slug, row.headline, row.status,
                                    f"waits on {who.replace('_', ' ')}s"))
    for row in session.execute(
            sa.select(StoryUpdate.story_id, Story.slug, Story.headline, StoryUpdate.state)
            .join(Story, Story.id == StoryUpdate.story_id)
            .where(StoryUpdate.author == person, StoryUpdate.state == "pending")
            .limit(limit)):
        desk.waiting.append(Waiting(row.story_id, row.slug, row.headline, "update pending",
                                    f"waits on {rules.publish_role.replace('_', ' ')}s"))
    return desk


def stories_with_notes_for(session: Session, person: str) -> set[str]:
    """The stories with an open note addressed to ``person`` (the story list's badge), in
    one query."""
    return set(session.scalars(
        sa.select(Note.story_id).distinct()
        .join(NoteRecipient, NoteRecipient.note_id == Note.id)
        .where(NoteRecipient.person == person, Note.resolved.is_(False))))
