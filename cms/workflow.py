"""The workflow on every save: what the acting person may change, and the record of each move.

What a role may do is decided in one place, :mod:`cms.rules`, from the
``roles``, ``statuses`` and ``workflow_transitions`` tables. This module applies
those rules to saves: :func:`cms.stories.save` calls :func:`check_save` for
every change, so no caller — the CLI, the window, the importer, a restore, a
conflict resolution — can change a story beyond the actor's role, and
:func:`record` writes a status move into ``story_transitions`` with the
revision it produced. Besides the role, a move has conditions of its own: a
note to kill, to correct or to bring back a killed story, photos with alt text
and credits to become ready or published, no running embargo to go public.

Deliberate moves (``newsroom story transition``, the window's buttons, the
publishing job) go through :mod:`cms.transitions`, which builds on this module.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms.config import desk_zone
from cms.document import StoryDocument, normalise_text
from cms.errors import PermissionDenied, UsageError
from cms.models import Revision, StoryTransition, table_of
from cms.people import Actor
from cms.placements import photo_problems
from cms.rules import CORRECTED, KILLED, Rules, judge, load_rules, with_article
from cms.timeutil import format_local

# Moves that need a note saying why: into killed or corrected, and out of killed.
NOTE_REQUIRED = frozenset({KILLED, CORRECTED})
# Statuses whose entry needs every photo captioned with alt text and credit.
PHOTO_CHECKED = frozenset({"ready", "published"})
MAX_NOTE = 2000


@dataclass(frozen=True)
class StatusChange:
    """What the person moving a story says about the move.

    ``override`` is a desk chief's explicit decision to let a story with photo
    problems (missing alt text or credit) move on anyway.
    """

    note: str = ""
    override: bool = False


@dataclass(frozen=True)
class PendingTransition:
    """A checked move, waiting for the revision id that makes it real."""

    story_id: str
    from_status: str
    to_status: str
    username: str
    at: datetime
    note: str

    def message(self) -> str:
        """The line the revision history shows for this move."""
        text = f"status {self.from_status} → {self.to_status}"
        return f"{text}: {self.note}" if self.note else text


@dataclass(frozen=True)
class TransitionRecord:
    """One recorded move of one story."""

    id: str
    story_id: str
    from_status: str
    to_status: str
    username: str
    at: datetime
    note: str
    revision_id: str


@dataclass(frozen=True)
class Permissions:
    """What the acting person may change on a story in one status (for the window)."""

    content: bool  # text, headline, slug, photos, links, tags, section
    content_role: str  # the least role that may change them in this status
    publish_at: bool
    embargo: bool
    targets: tuple[str, ...]  # statuses they may move it to directly


def permissions(session: Session, actor: Actor, status: str) -> Permissions:
    """What ``actor`` may change on a story in ``status`` (the window asks, never decides)."""
    rules = load_rules(session)
    writing = rules.role_at(rules.entry_rank(status))
    return Permissions(
        content=rules.may(actor.role, writing),
        content_role=writing,
        publish_at=rules.may(actor.role, writing),
        embargo=rules.may(actor.role, rules.schedule_role),
        targets=tuple(rules.targets(actor.role, status)),
    )


def require_role(session: Session, actor: Actor, least: str, doing: str) -> None:
    """Refuse unless ``actor`` ranks at least ``least``."""
    if not load_rules(session).may(actor.role, least):
        raise PermissionDenied(
            f"{actor.username} is {with_article(actor.role)}; only {with_article(least)} "
            f"or above may {doing}"
        )


def require_scheduler(session: Session, actor: Actor, doing: str) -> None:
    """Refuse unless ``actor`` may schedule (desk chiefs and above, from the tables)."""
    require_role(session, actor, load_rules(session).schedule_role, doing)


def can_schedule(session: Session, actor: Actor) -> bool:
    """True when ``actor`` may change embargoes and fixed publication times (desk chief up)."""
    rules = load_rules(session)
    return rules.may(actor.role, rules.schedule_role)


def allowed_targets(session: Session, actor: Actor, from_status: str) -> list[str]:
    """The statuses ``actor`` may move a story in ``from_status`` to directly, in status order."""
    return load_rules(session).targets(actor.role, from_status)


def public_statuses(session: Session) -> frozenset[str]:
    """The statuses in which a story is out (``statuses.public``)."""
    return load_rules(session).public


def check_move(session: Session, actor: Actor, from_status: str, to_status: str) -> list[str]:
    """Refuse a status move the actor's role does not allow (or the table does not know).

    Returns the statuses the move passes through, ending with ``to_status``.
    """
    rules = load_rules(session)
    if to_status not in rules.statuses:
        raise UsageError(f"unknown status {to_status!r}: use one of {', '.join(rules.statuses)}")
    if from_status == to_status and rules.direct_role(from_status, to_status) is None:
        raise UsageError(f"the story is already {to_status}")
    walk = rules.path(actor.role, from_status, to_status)
    if walk is not None:
        return walk
    need = rules.move_role(from_status, to_status)
    if need is not None:
        raise PermissionDenied(
            f"{actor.username} is {with_article(actor.role)}; moving a story from {from_status} "
            f"to {to_status} needs {with_article(need)} or above"
        )
    reachable = rules.targets(actor.role, from_status)
    hint = f"from {from_status} you may move it to {', '.join(reachable)}" if reachable else (
        f"{with_article(actor.role)} cannot move a story out of {from_status}")
    raise PermissionDenied(
        f"{actor.username} may not move a story from {from_status} to {to_status}: {hint}"
    )


def _refuse_embargo(session: Session, after: StoryDocument) -> None:
    assert after.embargo_until is not None
    tz = desk_zone(session)
    raise PermissionDenied(
        f"the story is under embargo until {format_local(after.embargo_until, tz)} "
        f"({tz.key}); it cannot be published before then"
    )


def gate_problems(
    session: Session, after: StoryDocument, now: datetime, *, override: bool = False,
    actor: Actor | None = None, through: list[str] | None = None,
) -> None:
    """Refuse a move into a status whose conditions the document does not meet.

    ``through`` lists the statuses a multi-step move passes; the photo check
    applies if any of them needs it (a jump from draft to published passes ready).
    """
    rules = load_rules(session)
    target = after.status
    passed = set(through or ()) | {target}
    if target in rules.public and after.embargo_until is not None and after.embargo_until > now:
        _refuse_embargo(session, after)
    if target == "scheduled":
        if after.publish_at is None:
            raise UsageError("a scheduled story needs a publication time: use `newsroom schedule "
                             "ID --at TIME`")
        if after.embargo_until is not None and after.publish_at < after.embargo_until:
            raise UsageError("the publication time is before the embargo ends")
    if passed & PHOTO_CHECKED:
        problems = photo_problems(after)
        if problems:
            if override and actor is not None:
                require_role(session, actor, rules.publish_role,
                             "override missing photo alt text or credit")
                return
            raise UsageError(
                "photo problems block this move: " + "; ".join(problems)
                + f" ({with_article(rules.publish_role)} may override)"
            )


def refuse_beyond_role(rules: Rules, actor: Actor, before: StoryDocument | None,
                       after: StoryDocument) -> None:
    """Raise :class:`PermissionDenied` for the first thing ``actor``'s role may not change."""
    refusals = judge(rules, actor.role, before.canonical() if before is not None else None,
                     after.canonical())
    if refusals:
        raise PermissionDenied(
            f"{actor.username} is {with_article(actor.role)}; {refusals[0].message}")


def missing_note(from_status: str, to_status: str, note: str) -> str | None:
    """Why this move cannot be made without a note (None: it can, or it has one)."""
    if note.strip():
        return None
    if to_status in NOTE_REQUIRED:
        return f"moving a story to {to_status} needs a note saying why"
    if from_status == KILLED:
        return "bringing back a killed story needs a note saying why"
    return None


def check_save(
    session: Session,
    actor: Actor,
    before: StoryDocument | None,
    after: StoryDocument,
    *,
    change: StatusChange | None,
    message: str,
    now: datetime,
) -> PendingTransition | None:
    """Every save's workflow check (called by :func:`cms.stories.save`).

    Refuses whatever the actor's role may not change (:func:`cms.rules.judge`)
    and a move whose conditions are not met; returns the move to record, or None.
    """
    rules = load_rules(session)
    refuse_beyond_role(rules, actor, before, after)
    old_status = before.status if before is not None else "draft"
    corrected_again = (change is not None and after.status == CORRECTED and before is not None
                       and before.correction != after.correction)
    if after.status == old_status and not corrected_again:
        return None
    walk = check_move(session, actor, old_status, after.status)
    note = normalise_text(change.note if change is not None else message).strip()
    if len(note) > MAX_NOTE:
        raise UsageError(f"the note is longer than {MAX_NOTE} characters")
    missing = missing_note(old_status, after.status, note)
    if missing is not None:
        raise UsageError(missing + " (--note)")
    gate_problems(session, after, now, override=bool(change and change.override), actor=actor,
                  through=walk)
    return PendingTransition(
        story_id=after.story_id, from_status=old_status, to_status=after.status,
        username=actor.username, at=now, note=note,
    )


def record(session: Session, pending: PendingTransition, revision_id: str) -> None:
    """Write a checked move into ``story_transitions`` with the revision it made."""
    record_many(session, [(pending, revision_id)])


def history(session: Session, story_id: str) -> list[TransitionRecord]:
    """Every recorded move of a story, oldest first."""
    # Moves made within the same instant are ordered by their revisions' logical clock.
    rows = session.scalars(
        sa.select(StoryTransition)
        .outerjoin(Revision, Revision.id == StoryTransition.revision_id)
        .where(StoryTransition.story_id == story_id)
        .order_by(StoryTransition.at, Revision.hlc, StoryTransition.id)
    )
    return [
        TransitionRecord(
            id=row.id, story_id=row.story_id, from_status=row.from_status,
            to_status=row.to_status, username=row.username, at=row.at, note=row.note,
            revision_id=row.revision_id,
        )
        for row in rows
    ]


def check_new_many(
    session: Session, actor: Actor, documents: list[StoryDocument], *, message: str,
    now: datetime,
) -> list[PendingTransition | None]:
    """:func:`check_save` for a batch of new stories (the bulk importer's path)."""
    return [
        check_save(session, actor, None, document, change=None, message=message, now=now)
        for document in documents
    ]


def record_many(session: Session, moves: list[tuple[PendingTransition, str]]) -> None:
    """Write many checked moves at once, each with the revision it made."""
    if not moves:
        return
    session.execute(
        sa.insert(table_of(StoryTransition)),
        [
            {"id": str(uuid.uuid4()), "story_id": p.story_id, "from_status": p.from_status,
             "to_status": p.to_status, "username": p.username, "at": p.at, "note": p.note,
             "revision_id": revision}
            for p, revision in moves
        ],
    )

