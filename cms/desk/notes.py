"""Editorial notes: what editors say about a story, never what readers see.

A note may quote a passage of the story: it is anchored by the quoted text and
the paragraph it was in, so it follows the passage when paragraphs move or
another edit merges in, and shows as *detached* when the passage is gone. A
note may be addressed to people (``--to NAME``), answered (a reply is a note
with ``reply_to``), resolved and reopened. Notes are desk events
(:mod:`cms.desk.events`): they sync without conflicts and never reach a page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms import stories
from cms.desk import rights
from cms.desk.events import Event, from_row, new_event, write_events
from cms.document import normalise_text
from cms.errors import Ambiguous, NotFound, PermissionDenied, UsageError
from cms.models import DeskEvent, Note, Person, Revision, table_of
from cms.people import Actor
from cms.rules import load_rules
from cms.timeutil import utcnow

MAX_NOTE = 10_000
MAX_QUOTE = 2_000
MAX_RECIPIENTS = 50


@dataclass(frozen=True)
class NoteView:
    """A note as a person reads it: where it sits in the story now, and its replies."""

    id: str
    story_id: str
    author: str
    text: str
    quote: str
    to: tuple[str, ...]
    created_at: datetime
    resolved: bool
    resolved_by: str | None
    paragraph: int | None  # where the quoted passage is now (None: no quote, or detached)
    detached: bool  # it quoted a passage the story no longer has
    replies: tuple[NoteView, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        """The JSON ``note list --json`` prints."""
        return {"id": self.id, "author": self.author, "text": self.text,
                "quote": self.quote or None, "to": list(self.to),
                "created_at": self.created_at.isoformat(), "resolved": self.resolved,
                "resolved_by": self.resolved_by, "paragraph": self.paragraph,
                "detached": self.detached,
                "replies": [reply.as_json() for reply in self.replies]}


def paragraphs(body: str) -> list[str]:
    """The body's paragraphs (blocks between blank lines), as notes count them."""
    blocks, current = [], []
    for line in normalise_text(body).split("\n"):
        if line.strip():
            current.append(line)
        elif current:
            blocks.append("\n".join(current))
            current = []
    if current:
        blocks.append("\n".join(current))
    return blocks


def _squash(text: str) -> str:
    return " ".join(normalise_text(text).split())


def anchor(body: str, quote: str, paragraph: int | None) -> int | None:
    """The paragraph that holds ``quote`` now: the one nearest where it was; None if gone."""
    return _anchor_in([_squash(text) for text in paragraphs(body)], quote, paragraph)


def _anchor_in(squashed: list[str], quote: str, paragraph: int | None) -> int | None:
    wanted = _squash(quote)
    if not wanted:
        return None
    found = [n for n, text in enumerate(squashed) if wanted in text]
    if not found:
        return None
    return min(found, key=lambda n: (abs(n - (paragraph or 0)), n))


def _recipients(session: Session, names: list[str]) -> list[str]:
    clean = list(dict.fromkeys(name.strip().lstrip("@") for name in names if name.strip()))
    if len(clean) > MAX_RECIPIENTS:
        raise UsageError(f"a note may be addressed to at most {MAX_RECIPIENTS} people")
    people = {p.username: p for p in session.scalars(
        sa.select(Person).where(Person.username.in_(clean)))} if clean else {}
    # On a desk without a secured central, each copy knows its own people: someone who
    # wrote a revision of any story is on the desk too.
    authors = set(session.scalars(sa.select(Revision.author).where(
        Revision.author.in_([name for name in clean if name not in people])).distinct())) \
        if clean else set()
    for name in clean:
        person = people.get(name)
        if person is None and name not in authors:
            raise NotFound(f"nobody called {name!r} works on this desk")
        if person is not None and not person.active:
            raise UsageError(f"{name} is disabled on this desk: the note would reach nobody")
    return sorted(clean)


def find_note(session: Session, ref: str, story_id: str | None = None) -> Event:
    """The note named by its id or a unique prefix (4+ characters)."""
    text = ref.strip().lower()
    if len(text) < 4:
        raise UsageError("give at least 4 characters of the note's id")
    query = sa.select(DeskEvent).where(DeskEvent.kind == "note",
                                       DeskEvent.id.startswith(text)).limit(3)
    if story_id is not None:
        query = query.where(DeskEvent.story_id == story_id)
    rows = list(session.scalars(query))
    if not rows:
        raise NotFound(f"no note {ref!r}" + (" on this story" if story_id else ""))
    if len(rows) > 1:
        raise Ambiguous(f"note {ref!r} is ambiguous: give more of its id")
    return from_row(rows[0])


def add_note(session: Session, actor: Actor, story_ref: str, text: str, *,
             quote: str | None = None, to: list[str] | None = None,
             reply_to: str | None = None, now: datetime | None = None) -> str:
    """Add a note (or a reply) to a story; returns the note's id."""
    story_id = stories.resolve(session, story_ref)
    document, _ = stories.get(session, story_id)
    clean = normalise_text(text).strip()
    if not clean:
        raise UsageError("the note is empty")
    if len(clean) > MAX_NOTE:
        raise UsageError(f"the note is longer than {MAX_NOTE} characters")
    parent = find_note(session, reply_to, story_id) if reply_to else None
    quoted = _squash(quote or "")
    place = None
    if quoted:
        if len(quoted) > MAX_QUOTE:
            raise UsageError(f"the quote is longer than {MAX_QUOTE} characters")
        place = anchor(document.body, quoted, 0)
        if place is None:
            raise UsageError("the story does not contain that passage: quote its words exactly")
    names = _recipients(session, to or [])
    body: dict[str, Any] = {"text": clean, "quote": quoted, "paragraph": place, "to": names,
                            "reply_to": parent.id if parent is not None else None}
    event = new_event(session, story_id=story_id, kind="note", subject="",
                      author=actor.username, replica_id=actor.replica_id,
                      now=now or utcnow(), body=body)
    write_events(session, [event])
    return event.id


def set_resolved(session: Session, actor: Actor, note_ref: str, resolved: bool, *,
                 now: datetime | None = None) -> str:
    """Resolve (or reopen) a note; returns its id."""
    note = find_note(session, note_ref)
    row = session.get(Note, note.id)
    if row is not None and row.resolved == resolved:
        raise UsageError(f"the note is already {'resolved' if resolved else 'open'}")
    event = new_event(session, story_id=note.story_id,
                      kind="resolve" if resolved else "reopen", subject=note.id,
                      author=actor.username, replica_id=actor.replica_id,
                      now=now or utcnow(), body={})
    said = rights.refusal(load_rules(session), actor.role, actor.username, event, note)
    if said is not None:
        raise PermissionDenied(f"{actor.username}: {said[0]}")
    write_events(session, [event])
    return note.id


def list_notes(session: Session, story_ref: str, *, include_resolved: bool = False
               ) -> list[NoteView]:
    """The story's notes (open ones unless ``include_resolved``), oldest first, with replies."""
    story_id = stories.resolve(session, story_ref)
    document, _ = stories.get(session, story_id)
    squashed = [_squash(text) for text in paragraphs(document.body)]
    table = table_of(Note)
    rows = list(session.execute(sa.select(table).where(table.c.story_id == story_id)
                                .order_by(table.c.hlc, table.c.id)).mappings())
    replies: dict[str, list[NoteView]] = {}
    for row in rows:
        if row["reply_to"]:
            replies.setdefault(row["reply_to"], []).append(_note_view(row, squashed, ()))
    out = [_note_view(row, squashed, tuple(replies.get(row["id"], ())))
           for row in rows if not row["reply_to"]]
    return out if include_resolved else [view for view in out if not view.resolved]


def _note_view(row: Any, squashed: list[str], replies: tuple[NoteView, ...]) -> NoteView:
    quote = row["quote"]
    place = _anchor_in(squashed, quote, row["paragraph"]) if quote else None
    return NoteView(row["id"], row["story_id"], row["author"], row["text"], quote,
                    tuple(row["addressed"]), row["created_at"], row["resolved"],
                    row["resolved_by"], place, bool(quote) and place is None, replies)
