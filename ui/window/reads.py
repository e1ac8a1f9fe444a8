"""What the main window reads from the store, as plain values (run on worker threads).

Each function takes a reading session and returns a frozen value the window
applies on the GUI thread (:class:`ui.ops.QueryOp`); none touches a widget.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from cms import stories, workflow
from cms.config import desk_zone, get_setting
from cms.errors import NewsroomError
from cms.people import Actor


@dataclass(frozen=True)
class Choices:
    """The desk's statuses and sections, and what the user may do in each status."""

    statuses: list[str]
    sections: list[tuple[str, str]]
    permissions: dict[str, workflow.Permissions]


@dataclass(frozen=True)
class DeskFacts:
    """What the window shows before any story: the desk's name and zone, the choices."""

    zone: ZoneInfo
    desk_name: str
    choices: Choices


def read_choices(session: Session, actor: Actor) -> Choices:
    """Statuses, sections and the user's permissions per status."""
    statuses = stories.statuses(session)
    return Choices(statuses, [(s.slug, s.name) for s in stories.sections(session)],
                   {status: workflow.permissions(session, actor, status)
                    for status in statuses})


def read_desk(session: Session, actor: Actor) -> DeskFacts:
    """The desk as the window starts with it."""
    return DeskFacts(desk_zone(session), get_setting(session, "desk_name"),
                     read_choices(session, actor))


def existing_story(session: Session, story_id: str) -> str | None:
    """``story_id`` if the story is still in the store (a deleted one is None)."""
    try:
        stories.resolve(session, story_id)
    except NewsroomError:
        return None  # deleted since, or another store
    return story_id
