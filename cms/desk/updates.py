"""Updates to live stories: prepared beside the live version, put live once, when approved.

An editor (or a reporter: their edits to a story that is out are updates, since
they may not change it directly) prepares changes to a published story — text,
headline, photos, links, a correction note — as a **pending update**, a desk
event holding the proposed story and the revision it started from. Until it
goes live the site and ``story show`` show the live version.

A desk chief **approves** it: it goes live at once, or at the time the update
or the approval names, by the publishing job (``publish --due``), exactly once.
Going live is a three-way merge of the live story and the update against the
revision the update started from, saved by whoever puts it live (so every rule
of a save applies), then an ``apply`` event records the revision it became. A
second pending update that changes the same paragraph or field as the first is
refused until the first is applied or discarded: two live edits never race.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms import stories, workflow
from cms.config import desk_zone
from cms.desk import rights
from cms.desk.events import Event, events_of, new_event, update_states, write_events
from cms.desk.notes import paragraphs
from cms.document import StoryDocument, document_from_canonical, normalise_text
from cms.errors import NotFound, PermissionDenied, UsageError
from cms.models import DeskEvent, StoryUpdate
from cms.people import Actor
from cms.revisions import load_document
from cms.rules import CORRECTED, load_rules, with_article
from cms.schedule import future_time
from cms.sqlutil import chunks
from cms.sync.merge import merge_documents
from cms.timeutil import from_iso, isoformat, utcnow
from cms.validate import check_document

_STATE = ("status", "publish_at", "embargo_until", "format", "story_id")


@dataclass(frozen=True)
class UpdateView:
    """A prepared update and what became of it."""

    id: str
    story_id: str
    author: str
    created_at: datetime
    message: str
    state: str  # pending | approved | applied | discarded
    go_live_at: datetime | None
    decided_by: str | None
    applied_revision: str | None
    fields: tuple[str, ...]  # what it changes
    document: StoryDocument
    base: StoryDocument

    def as_json(self) -> dict[str, Any]:
        """JSON-ready form (the proposed text in full)."""
        return {"id": self.id, "story_id": self.story_id, "author": self.author,
                "created_at": self.created_at.isoformat(), "message": self.message,
                "state": self.state,
                "go_live_at": self.go_live_at.isoformat() if self.go_live_at else None,
                "decided_by": self.decided_by, "applied_revision": self.applied_revision,
                "fields": list(self.fields), "headline": self.document.headline,
                "body": self.document.body, "correction": self.document.correction}


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> tuple[str, ...]:
    """The fields an update changes (``correction`` included, workflow state excluded).

    Either side's keys count: ``language`` and ``aliases`` are absent from a
    canonical document when empty, so clearing one removes its key.
    """
    return tuple(sorted(key for key in set(before) | set(after) if key not in _STATE
                        and before.get(key) != after.get(key)))


def _touched_paragraphs(base: str, body: str) -> set[tuple[int, int]]:
    """Base-paragraph ranges an edit replaces, deletes or inserts at."""
    matcher = difflib.SequenceMatcher(a=paragraphs(base), b=paragraphs(body), autojunk=False)
    return {(i1, i2) for op, i1, i2, _, _ in matcher.get_opcodes() if op != "equal"}


def _overlap(a: set[tuple[int, int]], b: set[tuple[int, int]]) -> bool:
    return any((x1 < y2 and y1 < x2) or x1 == y1 for x1, x2 in a for y1, y2 in b)


def _clashes(base: StoryDocument, mine: StoryDocument, other: UpdateView) -> list[str]:
    """What an update to ``base`` shares with ``other`` (a pending update of the story)."""
    mine_fields = set(changed_fields(base.canonical(), mine.canonical()))
    theirs = set(other.fields)
    shared = sorted((mine_fields & theirs) - {"body"})
    if "body" in mine_fields & theirs and _overlap(
            _touched_paragraphs(other.base.body, other.document.body),
            _touched_paragraphs(base.body, mine.body)):
        shared.append("the same paragraph")
    return shared


def _view(event: Event, state: str, decided: Event | None, session: Session) -> UpdateView:
    document = document_from_canonical(event.body["document"])
    base = load_document(session, event.body["base"])
    at = from_iso(event.body.get("at"))
    if decided is not None and decided.kind == "approve" and decided.body.get("at"):
        at = from_iso(decided.body["at"])
    return UpdateView(
        event.id, event.story_id, event.author, event.created_at, event.body.get("message", ""),
        state, at, decided.author if decided else None,
        decided.body.get("revision") if decided is not None and decided.kind == "apply"
        else None, changed_fields(base.canonical(), event.body["document"]), document, base)


def updates_of(session: Session, story_ref: str) -> list[UpdateView]:
    """Every update of a story, oldest first (folded from its events, not a cache)."""
    return _views(session, [stories.resolve(session, story_ref)])


def _find(session: Session, story_id: str, ref: str | None, *,
          states: tuple[str, ...]) -> UpdateView:
    candidates = [view for view in updates_of(session, story_id) if view.state in states]
    if ref is not None:
        text = ref.strip().lower()
        candidates = [view for view in candidates if view.id.startswith(text)]
        if not text or len(text) < 4:
            raise UsageError("give at least 4 characters of the update's id")
    if not candidates:
        raise NotFound("no such " + " or ".join(states) + " update on this story")
    if len(candidates) > 1:
        raise UsageError("the story has several " + " or ".join(states) + " updates: name one "
                         "(`newsroom story updates ID`)")
    return candidates[0]


def _base_of(session: Session, story_id: str, base: str | None, live: StoryDocument,
             head: str) -> tuple[StoryDocument, str]:
    """The document and revision an update is made on: ``base``, or the live head."""
    if base is None or base == head:
        return live, head
    document = load_document(session, base)
    if document.story_id != story_id:
        raise UsageError(f"revision {base[:12]} is not a revision of this story")
    return document, base


def propose(session: Session, actor: Actor, story_ref: str, changes: dict[str, Any], *,
            base: str | None = None, message: str = "", at: datetime | None = None,
            correction: str = "", now: datetime | None = None) -> str:
    """Prepare an update to a live story; returns its id. ``changes`` as for ``stories.edit``.

    ``base`` is the revision the change was made on (default: the live head). The
    update is recorded on it, so only the fields in ``changes`` count as changed
    and, when it goes live, it merges paragraph by paragraph with whatever changed
    on the live story since; a change that clashes with one made live meanwhile is
    refused now, its text kept by the caller.
    """
    when = now or utcnow()
    story_id = stories.resolve(session, story_ref)
    live, head = stories.get(session, story_id)
    rules = load_rules(session)
    if live.status not in rules.public:
        raise UsageError(f"the story is {live.status}, not out: edit it directly; updates are "
                         "for stories readers can see")
    if at is not None:
        future_time(at, when, "time the update goes live", desk_zone(session))
    start, base_id = _base_of(session, story_id, base, live, head)
    proposed = stories.apply_changes(session, start, changes)
    note = normalise_text(correction).strip()
    if note:
        previous = proposed.correction.strip()
        proposed = proposed.evolve(status=CORRECTED,
                                   correction=f"{previous}\n\n{note}" if previous else note)
    check_document(proposed, rules.statuses)
    if proposed.normalised() == start.normalised():
        raise UsageError("the update changes nothing")
    if base_id != head:
        merged = merge_documents(start, live, proposed)
        if not merged.clean:
            raise UsageError(
                f"the live story changed {', '.join(merged.conflicts)} since you opened it, "
                "where this update changes it too: open the live version and make the "
                "change there")
        if merged.document.normalised() == live.normalised():
            raise UsageError("the live story already has these changes: the update "
                             "changes nothing")
    for other in updates_of(session, story_id):
        if other.state in ("pending", "approved"):
            shared = _clashes(start, proposed, other)
            if shared:
                raise UsageError(
                    f"update {other.id[:8]} by {other.author} is still pending and changes "
                    f"{', '.join(shared)} too: it must go live or be discarded first")
    event = new_event(session, story_id=story_id, kind="update", subject="",
                      author=actor.username, replica_id=actor.replica_id, now=when,
                      body={"base": base_id, "document": proposed.canonical(),
                            "message": normalise_text(message).strip(), "at": isoformat(at)})
    write_events(session, [event])
    if at is not None and rules.may(actor.role, rules.publish_role):
        # A desk chief's own update with a time needs nobody else's approval.
        _decide(session, actor, _find(session, story_id, event.id, states=("pending",)),
                "approve", {"at": None}, when)
    return event.id


def _decide(session: Session, actor: Actor, update: UpdateView, kind: str,
            body: dict[str, Any], now: datetime) -> Event:
    event = new_event(session, story_id=update.story_id, kind=kind, subject=update.id,
                      author=actor.username, replica_id=actor.replica_id, now=now, body=body)
    subject = Event(update.id, update.story_id, "update", "", update.author, "",
                    update.created_at, "", {})
    said = rights.refusal(load_rules(session), actor.role, actor.username, event, subject)
    if said is not None:
        raise PermissionDenied(f"{actor.username} is {with_article(actor.role)}; {said[0]}")
    write_events(session, [event])
    return event


def approve(session: Session, actor: Actor, story_ref: str, update_ref: str | None = None, *,
            at: datetime | None = None, now: datetime | None = None) -> UpdateView:
    """Approve a pending update: it goes live now, or at its time (the job puts it live)."""
    when = now or utcnow()
    story_id = stories.resolve(session, story_ref)
    update = _find(session, story_id, update_ref, states=("pending",))
    if at is not None:
        future_time(at, when, "time the update goes live", desk_zone(session))
    _decide(session, actor, update, "approve", {"at": isoformat(at)}, when)
    live_at = at or update.go_live_at
    if live_at is None or live_at <= when:
        apply(session, actor, story_id, update.id, now=when)
    return _find(session, story_id, update.id, states=("approved", "applied"))


def discard(session: Session, actor: Actor, story_ref: str, update_ref: str, *,
            now: datetime | None = None) -> None:
    """Drop a pending (or approved, not yet live) update."""
    story_id = stories.resolve(session, story_ref)
    update = _find(session, story_id, update_ref, states=("pending", "approved"))
    _decide(session, actor, update, "discard", {}, now or utcnow())


def apply(session: Session, actor: Actor, story_id: str, update_id: str, *,
          now: datetime | None = None) -> str:
    """Put an approved update live (once); returns the revision it became."""
    when = now or utcnow()
    update = _find(session, story_id, update_id, states=("approved",))
    live, head = stories.get(session, story_id)
    merged = merge_documents(update.base, live, update.document)
    if not merged.clean:
        raise UsageError(
            f"the live story changed {', '.join(merged.conflicts)} since update {update.id[:8]} "
            "was prepared: discard it and prepare it again on the live version")
    change = None
    if merged.document.status != live.status:
        change = workflow.StatusChange(note=update.document.correction.split("\n\n")[-1])
    saved = stories.save(session, actor, merged.document, base_revision=head, now=when,
                         message=f"update {update.id[:8]} by {update.author} went live"
                         + (f": {update.message}" if update.message else ""),
                         status_change=change)
    _decide(session, actor, update, "apply", {"revision": saved.revision_id}, when)
    return saved.revision_id


def due(session: Session, now: datetime) -> list[tuple[str, str]]:
    """``(story id, update id)`` of approved updates whose time has come, earliest first.

    Folded from the events themselves, never from the ``story_updates`` cache:
    what goes live is decided by what was approved.
    """
    decided = sa.select(DeskEvent.subject).where(DeskEvent.kind.in_(("apply", "discard")))
    stories_waiting = sorted(set(session.scalars(
        sa.select(DeskEvent.story_id).where(DeskEvent.kind == "approve",
                                            DeskEvent.subject.not_in(decided)))))
    found: list[tuple[datetime, str, str]] = []
    for part in chunks(stories_waiting):
        for view in _views(session, list(part)):
            if view.state == "approved" and (view.go_live_at is None or view.go_live_at <= now):
                found.append((view.go_live_at or view.created_at, view.story_id, view.id))
    return [(story_id, update_id) for _, story_id, update_id in sorted(found)]


def _views(session: Session, story_ids: list[str]) -> list[UpdateView]:
    events = events_of(session, story_ids)
    by_story: dict[str, list[Event]] = {}
    for event in events:
        by_story.setdefault(event.story_id, []).append(event)
    views: list[UpdateView] = []
    for story_events in by_story.values():
        states = update_states(story_events)
        views.extend(_view(event, *states[event.id], session) for event in story_events
                     if event.kind == "update")
    return views


def pending_count(session: Session, story_id: str) -> int:
    """How many updates of a story wait (for the window's badge)."""
    return int(session.scalar(sa.select(sa.func.count()).select_from(StoryUpdate).where(
        StoryUpdate.story_id == story_id, StoryUpdate.state.in_(("pending", "approved")))) or 0)

