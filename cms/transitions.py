"""Deliberate workflow moves: ``newsroom story transition``, the window's buttons, the job.

:func:`transition` adds what each target status implies (a publication time for
a story published by hand, the correction note, no time for an unpublished
story) and saves through :func:`cms.stories.save`, whose workflow check
(:mod:`cms.workflow`) decides whether the actor may make the move.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from cms import stories
from cms.document import StoryDocument, normalise_text
from cms.errors import ConflictError, UsageError
from cms.people import Actor
from cms.rules import CORRECTED, DRAFT, KILLED, SCHEDULED, load_rules
from cms.timeutil import utcnow
from cms.workflow import StatusChange


@dataclass(frozen=True)
class TransitionResult:
    """What :func:`transition` did."""

    story_id: str
    from_status: str
    to_status: str
    revision_id: str
    changed: bool


def prepare(before: StoryDocument, to_status: str, note: str, now: datetime,
            public: frozenset[str]) -> StoryDocument:
    """The document after a deliberate move: the fields each target status implies."""
    changes: dict[str, object] = {"status": to_status}
    if to_status in public and to_status != CORRECTED and before.status not in public and (
            before.status != SCHEDULED or before.publish_at is None
            or before.publish_at > now):
        # Published by hand: now, whatever time was planned (a planned time a person
        # typed before it was scheduled is not a publication time, and never a past one).
        changes["publish_at"] = now
    if to_status == CORRECTED:
        previous = before.correction.strip()
        changes["correction"] = f"{previous}\n\n{note}" if previous else note
    if to_status in ("edit", DRAFT) and before.status in (*public, KILLED):
        changes["publish_at"] = None  # unpublished: the old time is in the history
    return before.evolve(**changes)


def transition(
    session: Session,
    actor: Actor,
    ref: str,
    to_status: str,
    *,
    note: str = "",
    override: bool = False,
    now: datetime | None = None,
    base_revision: str | None = None,
) -> TransitionResult:
    """Move a story to ``to_status`` as ``actor``, recorded with who, when and why."""
    story_id = stories.resolve(session, ref)
    before, head = stories.get(session, story_id)
    if base_revision is not None and base_revision != head:
        raise ConflictError("the story was changed elsewhere meanwhile; reload it and try again")
    return move(session, actor, before, head, to_status, note=note, override=override, now=now)


def move(
    session: Session,
    actor: Actor,
    before: StoryDocument,
    head: str,
    to_status: str,
    *,
    note: str = "",
    override: bool = False,
    now: datetime | None = None,
) -> TransitionResult:
    """:func:`transition` for a document already loaded at revision ``head``."""
    when = now or utcnow()
    rules = load_rules(session)
    target = to_status.strip().lower().replace(" ", "_")
    if target == before.status and rules.direct_role(target, target) is None:
        raise UsageError(f"the story is already {target}")
    clean_note = normalise_text(note).strip()
    after = prepare(before, target, clean_note, when, rules.public)
    saved = stories.save(
        session, actor, after, base_revision=head, now=when,
        status_change=StatusChange(note=clean_note, override=override),
    )
    return TransitionResult(before.story_id, before.status, target, saved.revision_id,
                            saved.created)
