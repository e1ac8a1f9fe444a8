"""The editorial workflow: who may move a story between statuses, and the record of each move.

The rules live in the ``workflow_transitions``, ``roles`` and ``statuses``
tables (seeded by migration 0001), never in code: a move is allowed when the
table has an edge ``from → to`` whose ``min_role`` ranks at or below the
actor's role. A move with no direct edge is allowed when the actor may walk a
path of edges to it (a desk chief importing a published story moves it from
draft to published in one step); it is recorded as one move.

:func:`cms.stories.save` calls :func:`check_save` for every save that changes
the status, the publication time or the embargo, so no caller — the CLI, the
window, the importer, a restore — can change a status without these rules, and
:func:`record` writes the move into ``story_transitions`` with the revision it
produced. :func:`transition` is the front door for a deliberate move: it adds
what each target status needs (a publication time, a correction note, …).
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms.document import StoryDocument, normalise_text
from cms.errors import PermissionDenied, UsageError
from cms.models import Person, Revision, Role, Status, StoryTransition, WorkflowTransition
from cms.people import Actor, ensure_person, set_role, validate_username
from cms.timeutil import format_local, utcnow

NOTE_REQUIRED = frozenset({"killed", "corrected"})
# Statuses whose entry needs every photo captioned with alt text and credit.
PHOTO_CHECKED = frozenset({"ready", "published"})
PUBLIC = frozenset({"published", "corrected"})
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
class TransitionResult:
    """What :func:`transition` did."""

    story_id: str
    from_status: str
    to_status: str
    revision_id: str
    changed: bool


def role_ranks(session: Session) -> dict[str, int]:
    """Every role's rank (higher may do more), read once per unit of work."""
    cache = session.info.setdefault("newsroom_workflow", {})
    if "ranks" not in cache:
        cache["ranks"] = dict(session.execute(sa.select(Role.name, Role.rank)).all())
    ranks: dict[str, int] = cache["ranks"]
    return ranks


def rank_of(session: Session, role: str) -> int:
    """The rank of ``role``; an unknown role ranks below everyone."""
    return role_ranks(session).get(role, -1)


def _edges(session: Session) -> list[tuple[str, str, str]]:
    # The table only changes through migrations, so one read per unit of work is enough.
    cache = session.info.setdefault("newsroom_workflow", {})
    if "edges" not in cache:
        cache["edges"] = list(
            session.execute(
                sa.select(
                    WorkflowTransition.from_status,
                    WorkflowTransition.to_status,
                    WorkflowTransition.min_role,
                )
            )
        )
    edges: list[tuple[str, str, str]] = cache["edges"]
    return edges


def allowed_targets(session: Session, actor: Actor, from_status: str) -> list[str]:
    """The statuses ``actor`` may move a story in ``from_status`` to directly, in status order."""
    ranks = role_ranks(session)
    mine = ranks.get(actor.role, -1)
    targets = {
        to for frm, to, min_role in _edges(session)
        if frm == from_status and ranks.get(min_role, 10**6) <= mine
    }
    order = {name: pos for name, pos in session.execute(sa.select(Status.name, Status.position))}
    return sorted(targets, key=lambda name: order.get(name, 99))


def _path(session: Session, actor: Actor, start: str, goal: str) -> list[str] | None:
    """The shortest walk of permitted edges from ``start`` to ``goal`` (None if there is none).

    A move to the same status (a second correction) needs a permitted self-edge.
    """
    ranks = role_ranks(session)
    mine = ranks.get(actor.role, -1)
    graph: dict[str, list[str]] = {}
    for frm, to, min_role in _edges(session):
        if ranks.get(min_role, 10**6) <= mine:
            graph.setdefault(frm, []).append(to)
    if start == goal:
        return [goal] if goal in graph.get(start, ()) else None
    came_from: dict[str, str] = {}
    queue = deque([start])
    seen = {start}
    while queue and goal not in came_from:
        here = queue.popleft()
        for nxt in sorted(graph.get(here, ())):
            if nxt not in seen:
                seen.add(nxt)
                came_from[nxt] = here
                queue.append(nxt)
    if goal not in came_from:
        return None
    walk = [goal]
    while walk[-1] != start and came_from[walk[-1]] != start:
        walk.append(came_from[walk[-1]])
    return list(reversed(walk))


def lowest_role_for(session: Session, from_status: str, to_status: str) -> str | None:
    """The least role that may make a direct move (None if the table has no such edge)."""
    for frm, to, min_role in _edges(session):
        if (frm, to) == (from_status, to_status):
            return min_role
    return None


def require_role(session: Session, actor: Actor, min_role: str, doing: str) -> None:
    """Refuse unless ``actor`` ranks at least ``min_role``."""
    ranks = role_ranks(session)
    if ranks.get(actor.role, -1) < ranks.get(min_role, 10**6):
        raise PermissionDenied(
            f"{actor.username} is a {role_label(actor.role)}; only a {role_label(min_role)} "
            f"or above may {doing}"
        )


SCHEDULE_ROLE = "desk_chief"  # the least role that may set an embargo or move a fixed time


def can_schedule(session: Session, actor: Actor) -> bool:
    """True when ``actor`` may change embargoes and fixed publication times (desk chief up)."""
    return role_ranks(session).get(actor.role, -1) >= role_ranks(session).get(
        SCHEDULE_ROLE, 10**6)


def schedule_editable(may_schedule: bool, status: str) -> tuple[bool, bool]:
    """(publication time, embargo): which the user may edit on a story in ``status``.

    The same rule :func:`check_save` enforces: an embargo always needs a desk
    chief; a publication time only once the story is scheduled or out.
    """
    return may_schedule or (status not in ("scheduled", *PUBLIC)), may_schedule


def role_label(role: str) -> str:
    """A role as people write it (``desk_chief`` → ``desk chief``)."""
    return role.replace("_", " ")


def check_move(session: Session, actor: Actor, from_status: str, to_status: str) -> list[str]:
    """Refuse a status move the actor's role does not allow (or the table does not know).

    Returns the statuses the move passes through, ending with ``to_status``.
    """
    if session.get(Status, to_status) is None:
        names = session.scalars(sa.select(Status.name).order_by(Status.position))
        raise UsageError(f"unknown status {to_status!r}: use one of {', '.join(names)}")
    if from_status == to_status and lowest_role_for(session, from_status, to_status) is None:
        raise UsageError(f"the story is already {to_status}")
    walk = _path(session, actor, from_status, to_status)
    if walk is not None:
        return walk
    direct = lowest_role_for(session, from_status, to_status)
    if direct is not None:
        raise PermissionDenied(
            f"{actor.username} is a {role_label(actor.role)}; moving a story from {from_status} "
            f"to {to_status} needs a {role_label(direct)} or above"
        )
    reachable = allowed_targets(session, actor, from_status)
    hint = f"from {from_status} you may move it to {', '.join(reachable)}" if reachable else (
        f"a {role_label(actor.role)} cannot move a story out of {from_status}")
    raise PermissionDenied(
        f"{actor.username} may not move a story from {from_status} to {to_status}: {hint}"
    )


PhotoCheck = Callable[[StoryDocument], list[str]]


def photo_problems(document: StoryDocument) -> list[str]:
    """What the photo desk says is missing (alt text, credit) on the story's photos."""
    from cms.photos import photo_problems  # the photos slice owns what counts as a problem

    return [str(problem) for problem in photo_problems(document)]


def gate_problems(
    session: Session, before: StoryDocument | None, after: StoryDocument, now: datetime,
    *, override: bool = False, actor: Actor | None = None, through: list[str] | None = None,
) -> None:
    """Refuse a move into a status whose conditions the document does not meet.

    ``through`` lists the statuses a multi-step move passes; the photo check
    applies if any of them needs it (a jump from draft to published passes ready).
    """
    target = after.status
    passed = set(through or ()) | {target}
    if target in PUBLIC and after.embargo_until is not None and after.embargo_until > now:
        from cms.config import desk_zone

        tz = desk_zone(session)
        raise PermissionDenied(
            f"the story is under embargo until {format_local(after.embargo_until, tz)} "
            f"({tz.key}); it cannot be published before then"
        )
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
                require_role(session, actor, "desk_chief", "override missing photo alt text or "
                             "credit")
                return
            raise UsageError(
                "photo problems block this move: " + "; ".join(problems)
                + " (a desk chief may override)"
            )


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

    Refuses a status change the role or the story's state does not allow, and a
    change of publication time or embargo by anyone below desk chief on a story
    that is scheduled or out. Returns the move to record, or None.
    """
    old_status = before.status if before is not None else "draft"
    schedule_changed = before is not None and (
        before.embargo_until != after.embargo_until
        or (before.publish_at != after.publish_at
            and (before.status in ("scheduled", *PUBLIC)))
    )
    if before is None and after.embargo_until is not None:
        schedule_changed = True
    if schedule_changed and after.status == old_status:
        require_role(session, actor, "desk_chief", "change a publication time or embargo")
    if after.status == old_status and not (change is not None and after.status == "corrected"
                                           and before is not None):
        return None
    walk = check_move(session, actor, old_status, after.status)
    note = normalise_text(change.note if change is not None else message).strip()
    if len(note) > MAX_NOTE:
        raise UsageError(f"the note is longer than {MAX_NOTE} characters")
    if after.status in NOTE_REQUIRED and not note:
        raise UsageError(
            f"moving a story to {after.status} needs a note saying why (--note)"
        )
    gate_problems(session, before, after, now,
                  override=bool(change and change.override), actor=actor, through=walk)
    return PendingTransition(
        story_id=after.story_id, from_status=old_status, to_status=after.status,
        username=actor.username, at=now, note=note,
    )


def record(session: Session, pending: PendingTransition, revision_id: str) -> None:
    """Write a checked move into ``story_transitions`` with the revision it made."""
    record_many(session, [(pending, revision_id)])


def prepare(before: StoryDocument, to_status: str, note: str, now: datetime) -> StoryDocument:
    """The document after a deliberate move: the fields each target status implies."""
    changes: dict[str, object] = {"status": to_status}
    if to_status in ("published",) and (before.publish_at is None or before.publish_at > now):
        changes["publish_at"] = now  # published by hand before (or without) its planned time
    if to_status == "corrected":
        previous = before.correction.strip()
        changes["correction"] = f"{previous}\n\n{note}" if previous else note
    if to_status in ("edit", "draft") and before.status in (*PUBLIC, "killed"):
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
    from cms import stories  # stories.save calls back into this module

    story_id = stories.resolve(session, ref)
    before, head = stories.get(session, story_id)
    if base_revision is not None and base_revision != head:
        from cms.errors import ConflictError

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
    from cms import stories

    when = now or utcnow()
    target = to_status.strip().lower().replace(" ", "_")
    if target == before.status and lowest_role_for(session, target, target) is None:
        raise UsageError(f"the story is already {target}")
    clean_note = normalise_text(note).strip()
    after = prepare(before, target, clean_note, when)
    saved = stories.save(
        session, actor, after, base_revision=head, now=when,
        status_change=StatusChange(note=clean_note, override=override),
    )
    return TransitionResult(before.story_id, before.status, target, saved.revision_id,
                            saved.created)


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


def assign_role(session: Session, actor: Actor, username: str, role: str) -> Person:
    """Give ``username`` a role (admins only); someone new is registered first.

    The last admin cannot step down, or nobody could manage people again.
    """
    require_role(session, actor, "admin", "manage people")
    name = validate_username(username)
    person = ensure_person(session, name)
    if person.role == "admin" and role != "admin":
        admins = session.scalar(
            sa.select(sa.func.count()).select_from(Person).where(
                Person.role == "admin", Person.active.is_(True))
        )
        if (admins or 0) <= 1:
            raise UsageError(f"{name} is the only admin; make someone else admin first")
    return set_role(session, name, role)


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
        sa.insert(StoryTransition.__table__),  # type: ignore[arg-type]
        [
            {"id": str(uuid.uuid4()), "story_id": p.story_id, "from_status": p.from_status,
             "to_status": p.to_status, "username": p.username, "at": p.at, "note": p.note,
             "revision_id": revision}
            for p, revision in moves
        ],
    )
