"""Desk events: what people say and decide about a story, outside its text.

A desk event is immutable and content-addressed like a revision — its id is
the SHA-256 of its canonical JSON — so writing one twice, on two stores or in
two syncs, is one row. Events replicate in the same log as revisions
(``revision_seq``); they never reach an export, a feed or ninjs, since the
export reads only stories.

Kinds (``subject`` is what the event is about):

=========  ==============================  =======================================
kind       subject                         body
=========  ==============================  =======================================
note       ``""`` (the note is the event)  text, quote, paragraph, to, reply_to
resolve    the note's id                   —
reopen     the note's id                   —
assign     the person's name               due, note
unassign   the person's name               —
update     ``""`` (the update is the event) base, document, message, at, correction
approve    the update's id                 at (when it goes live; none: now)
apply      the update's id                 revision (the one it became)
discard    the update's id                 —
=========  ==============================  =======================================

What a story's events mean is a *fold*: a note is resolved when its latest
resolve/reopen (by hybrid logical clock, then id) is a resolve; a person is
assigned when their latest assign/unassign is an assign; an update is applied
once any ``apply`` exists. Folds are deterministic, so every store that holds
the same events agrees, whatever order they arrived in: events merge without
conflicts. :func:`project` keeps the ``notes``, ``assignments`` and
``story_updates`` tables in line with the folds, for listing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms.clock import next_hlc
from cms.document import canonical_json
from cms.errors import UsageError
from cms.models import (
    Assignment,
    DeskEvent,
    Note,
    NoteRecipient,
    RevisionHold,
    StoryUpdate,
    table_of,
)
from cms.revlog import record_arrivals
from cms.sqlutil import chunks, insert_ignore
from cms.timeutil import from_iso, isoformat

KINDS = ("note", "resolve", "reopen", "assign", "unassign", "update", "approve", "apply",
         "discard")
EVENT_COLUMNS = ("id", "story_id", "kind", "subject", "author", "replica_id", "created_at",
                 "hlc", "body")
MAX_EVENT_BYTES = 21 * 1024 * 1024  # an update carries a whole story (bodies up to 20 MB)


@dataclass(frozen=True)
class Event:
    """One desk event, as stored."""

    id: str
    story_id: str
    kind: str
    subject: str
    author: str
    replica_id: str
    created_at: datetime
    hlc: str
    body: dict[str, Any] = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        """The ``desk_events`` row."""
        return {"id": self.id, "story_id": self.story_id, "kind": self.kind,
                "subject": self.subject, "author": self.author, "replica_id": self.replica_id,
                "created_at": self.created_at, "hlc": self.hlc,
                "body": canonical_json(self.body)}


def event_id(story_id: str, kind: str, subject: str, author: str, created_at: datetime,
             body: dict[str, Any]) -> str:
    """The content address of an event (what it says, who said it, when, about what)."""
    payload = canonical_json({"story_id": story_id, "kind": kind, "subject": subject,
                              "author": author, "at": isoformat(created_at), "body": body})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def address_of(row: dict[str, Any]) -> str:
    """The id an arriving ``desk_events`` row must have ("" when its body is not canonical)."""
    try:
        body = json.loads(row["body"])
    except (TypeError, ValueError):
        return ""
    if not isinstance(body, dict) or canonical_json(body) != row["body"]:
        return ""
    return event_id(row["story_id"], row["kind"], row["subject"], row["author"],
                    row["created_at"], body)


def new_event(session: Session, *, story_id: str, kind: str, subject: str, author: str,
              replica_id: str, now: datetime, body: dict[str, Any]) -> Event:
    """An event made here now (not stored yet)."""
    if kind not in KINDS:
        raise UsageError(f"unknown desk event {kind!r}")
    created = now.replace(microsecond=0)
    return Event(event_id(story_id, kind, subject, author, created, body), story_id, kind,
                 subject, author, replica_id, created, next_hlc(session, now), body)


def write_events(session: Session, events: Sequence[Event]) -> None:
    """Store events made here, number them in the log (so a sync sends them), project them."""
    if not events:
        return
    insert_ignore(session, table_of(DeskEvent), [event.row() for event in events])
    record_arrivals(session, [(event.id, event.story_id) for event in events])
    project(session, sorted({event.story_id for event in events}))


def from_row(row: Any) -> Event:
    """An :class:`Event` from a ``desk_events`` row (ORM object or mapping)."""
    values: dict[str, Any] = row if isinstance(row, dict) else {
        name: getattr(row, name) for name in EVENT_COLUMNS}
    return Event(values["id"], values["story_id"], values["kind"], values["subject"],
                 values["author"], values["replica_id"], values["created_at"], values["hlc"],
                 json.loads(values["body"]))


def events_of(session: Session, story_ids: Sequence[str]) -> list[Event]:
    """Every event of the stories, in clock order; events held on this copy (a secured
    central store refused them, :mod:`cms.sync.holds`) are not part of the desk."""
    found: list[Event] = []
    for chunk in chunks(sorted(set(story_ids))):
        found.extend(from_row(row) for row in session.scalars(
            sa.select(DeskEvent).where(DeskEvent.story_id.in_(list(chunk)),
                                       DeskEvent.id.not_in(sa.select(RevisionHold.revision_id)))))
    return sorted(found, key=lambda event: (event.hlc, event.id))


def latest(events: Iterable[Event], kinds: tuple[str, ...]) -> dict[str, Event]:
    """The latest event of ``kinds`` for each subject (by clock, then id)."""
    out: dict[str, Event] = {}
    for event in events:
        if event.kind in kinds:
            known = out.get(event.subject)
            if known is None or (event.hlc, event.id) > (known.hlc, known.id):
                out[event.subject] = event
    return out


def project(session: Session, story_ids: Sequence[str]) -> None:
    """Bring the notes, assignments and updates of these stories in line with their events."""
    if not story_ids:
        return
    events = events_of(session, story_ids)
    ids = sorted(set(story_ids))
    for chunk in chunks(ids):
        for model in (Note, Assignment, StoryUpdate):
            session.execute(sa.delete(table_of(model)).where(
                table_of(model).c.story_id.in_(list(chunk))))
    notes = [event for event in events if event.kind == "note"]
    if notes:
        session.execute(sa.delete(table_of(NoteRecipient)).where(
            NoteRecipient.note_id.in_([event.id for event in notes])))
    states = latest(events, ("resolve", "reopen"))
    note_rows: list[dict[str, object]] = []
    recipients: list[dict[str, object]] = []
    for note in notes:
        state = states.get(note.id)
        resolved = state is not None and state.kind == "resolve"
        note_rows.append({
            "id": note.id, "story_id": note.story_id, "reply_to": note.body.get("reply_to"),
            "author": note.author, "text": note.body.get("text", ""),
            "quote": note.body.get("quote", ""), "paragraph": note.body.get("paragraph"),
            "addressed": list(note.body.get("to", [])),
            "created_at": note.created_at, "hlc": note.hlc, "resolved": resolved,
            "resolved_by": state.author if state is not None and resolved else None,
            "resolved_at": state.created_at if state is not None and resolved else None,
            "state_hlc": state.hlc if state is not None else note.hlc,
        })
        recipients.extend({"note_id": note.id, "person": name}
                          for name in dict.fromkeys(note.body.get("to", [])))
    insert_ignore(session, table_of(Note), note_rows)
    insert_ignore(session, table_of(NoteRecipient), recipients)
    by_story: dict[str, list[Event]] = {}
    for event in events:
        by_story.setdefault(event.story_id, []).append(event)
    assignments: list[dict[str, object]] = []
    updates: list[dict[str, object]] = []
    for story_events in by_story.values():
        for person, event in sorted(latest(story_events, ("assign", "unassign")).items()):
            if event.kind == "assign":
                assignments.append({
                    "story_id": event.story_id, "person": person,
                    "due": from_iso(event.body.get("due")), "note": event.body.get("note", ""),
                    "assigned_by": event.author, "assigned_at": event.created_at,
                    "event_id": event.id, "hlc": event.hlc})
        updates.extend(_update_rows(story_events))
    insert_ignore(session, table_of(Assignment), assignments)
    insert_ignore(session, table_of(StoryUpdate), updates)


def update_states(events: Sequence[Event]) -> dict[str, tuple[str, Event | None]]:
    """What became of each proposed update: ``(state, deciding event)`` by update id.

    ``applied`` once any ``apply`` exists (it went live); else ``discarded`` once
    any ``discard`` exists; else ``approved`` or ``pending``.
    """
    states: dict[str, tuple[str, Event | None]] = {
        event.id: ("pending", None) for event in events if event.kind == "update"}
    for kind in ("approve", "discard", "apply"):
        for event in events:
            if event.kind == kind and event.subject in states:
                current, _ = states[event.subject]
                if current != "applied" and (kind != "approve" or current == "pending"):
                    states[event.subject] = (
                        {"approve": "approved", "discard": "discarded", "apply": "applied"}[kind],
                        event)
    return states


def _update_rows(events: Sequence[Event]) -> list[dict[str, object]]:
    states = update_states(events)
    rows: list[dict[str, object]] = []
    for event in events:
        if event.kind != "update":
            continue
        state, decided = states[event.id]
        at = from_iso(event.body.get("at"))
        if decided is not None and decided.kind == "approve" and decided.body.get("at"):
            at = from_iso(decided.body.get("at"))
        rows.append({
            "id": event.id, "story_id": event.story_id, "author": event.author,
            "created_at": event.created_at, "hlc": event.hlc,
            "base_revision": event.body.get("base", ""),
            "document": canonical_json(event.body.get("document", {})),
            "message": event.body.get("message", ""), "go_live_at": at, "state": state,
            "decided_by": decided.author if decided is not None else None,
            "decided_at": decided.created_at if decided is not None else None,
            "applied_revision": decided.body.get("revision")
            if decided is not None and decided.kind == "apply" else None,
        })
    return rows


def _note_problems(body: dict[str, Any], row: dict[str, Any],
                   statuses: Sequence[str]) -> list[str]:
    problems: list[str] = []
    text, quote, to = body.get("text"), body.get("quote", ""), body.get("to", [])
    if not isinstance(text, str) or not text.strip() or len(text) > 10_000:
        problems.append("a note needs text of at most 10,000 characters")
    if not isinstance(quote, str) or len(quote) > 2_000:
        problems.append("a note's quote must be text of at most 2,000 characters")
    if not isinstance(to, list) or len(to) > 50 or not all(
            isinstance(name, str) and 0 < len(name) <= 64 for name in to):
        problems.append("a note's recipients must be at most 50 names")
    return problems


def _assign_problems(body: dict[str, Any], row: dict[str, Any],
                     statuses: Sequence[str]) -> list[str]:
    if body.get("due") is not None and from_iso(body.get("due")) is None:
        return ["an assignment's due time is not a time"]
    return []


def _update_problems(body: dict[str, Any], row: dict[str, Any],
                     statuses: Sequence[str]) -> list[str]:
    from cms.document import document_from_canonical
    from cms.validate import document_problems

    try:
        document = document_from_canonical(body["document"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return ["an update holds no story document"]
    problems = [f"the update: {p}" for p in document_problems(document, statuses)]
    if document.story_id != row.get("story_id"):
        problems.append("the update is for another story")
    return problems


# The kinds whose body says more than its envelope; the others carry nothing to check.
_BODY_CHECKS: dict[str, Callable[[dict[str, Any], dict[str, Any], Sequence[str]], list[str]]] = {
    "note": _note_problems,
    "assign": _assign_problems,
    "update": _update_problems,
}


def event_problems(row: dict[str, Any], statuses: Sequence[str]) -> list[str]:
    """Why a local write would never make this ``desk_events`` row (empty: it might)."""
    if row.get("kind") not in KINDS:
        return [f"unknown desk event {str(row.get('kind'))[:20]!r}"]
    if len(str(row.get("body", ""))) > MAX_EVENT_BYTES or len(str(row.get("subject"))) > 64:
        return ["the event is larger than any Newsroom makes"]
    try:
        body = json.loads(row["body"])
    except (TypeError, ValueError):
        return ["the event's body is not JSON"]
    if not isinstance(body, dict):
        return ["the event's body is not an object"]
    check = _BODY_CHECKS.get(row["kind"])
    return check(body, row, statuses) if check is not None else []
