"""Who is on which story, as read: the assignments' projection, for My desk and the panes.

Kept apart from :mod:`cms.desk.assignments` (which writes them, through the story
rules) so that reading a desk loads no more than the tables it reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms.models import Assignment, Story


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
