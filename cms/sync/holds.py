"""Held changes: what a secured central store refused for lack of rights, kept on this copy.

When the central store refuses a revision (a reporter's copy made before it
knew the desk's rules publishes a story, or a role changed while offline), the
replica

1. **holds** the refused revision and everything here built on it: they stay
   in the store (nothing is lost, history shows them) but are no longer heads
   and are never sent again — no error loop;
2. **sends the rest**: a new revision on top of what the central accepted
   carries every part of the held work the person may make (their text, say),
   without the part they may not (publishing it);
3. lists the hold (``sync``: "1 change held: needs a desk chief", ``sync
   status``, the window) until it **settles**: once the central store's version
   of the story carries what the held change wanted — someone with the role
   made the move — the hold is marked settled.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms.desk.events import project as project_events
from cms.document import StoryDocument
from cms.graph import lowest_common_ancestor, story_graph
from cms.models import (
    DeskEvent,
    Person,
    Revision,
    RevisionHold,
    RevisionParent,
    Story,
    StoryTransition,
    table_of,
)
from cms.people import Actor
from cms.revisions import load_document, project_head, write_revision
from cms.rules import Rules, judge, load_rules, role_label
from cms.sqlutil import chunks, insert_ignore
from cms.sync.merge import merge_documents
from cms.sync.transfer import Refusal

# Fields a refusal of each kind puts back to what the central store holds.
_STATE = {"status": ("status", "publish_at", "embargo_until", "correction"),
          "embargo": ("embargo_until",), "time": ("publish_at",),
          "correction": ("correction",)}


@dataclass(frozen=True)
class Hold:
    """One held change, as ``sync status`` and the window show it."""

    revision_id: str
    story_id: str
    slug: str
    headline: str
    reason: str
    need_role: str | None
    wanted: dict[str, Any]
    held_at: datetime
    settled_at: datetime | None

    def as_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"revision": self.revision_id, "story_id": self.story_id, "slug": self.slug,
                "headline": self.headline, "reason": self.reason, "need_role": self.need_role,
                "wanted": self.wanted, "held_at": self.held_at.isoformat(),
                "settled_at": self.settled_at.isoformat() if self.settled_at else None}


def held_ids(session: Session, story_ids: Sequence[str] | None = None) -> set[str]:
    """Revisions held on this store (of the given stories, or all)."""
    query = sa.select(RevisionHold.revision_id)
    if story_ids is not None:
        query = query.where(RevisionHold.story_id.in_(list(story_ids)))
    return set(session.scalars(query))


def _descendants(session: Session, story_id: str, roots: set[str]) -> set[str]:
    """``roots`` and every revision of the story built on one of them."""
    children: dict[str, list[str]] = {}
    for child, parent in session.execute(
            sa.select(RevisionParent.revision_id, RevisionParent.parent_id)
            .join(Revision, Revision.id == RevisionParent.revision_id)
            .where(Revision.story_id == story_id)):
        children.setdefault(parent, []).append(child)
    found, stack = set(), list(roots)
    while stack:
        rev = stack.pop()
        if rev not in found:
            found.add(rev)
            stack.extend(children.get(rev, ()))
    return found


def _wanted(rules: Rules, role: str, before: StoryDocument | None,
            after: StoryDocument) -> dict[str, Any]:
    """The refused values of a change, field by field (what the hold waits for)."""
    old = before.canonical() if before is not None else {}
    new = after.canonical()
    refusals = judge(rules, role, old or None, new)
    kinds = {refusal.what for refusal in refusals}
    fields: set[str] = set()
    for kind in kinds:
        fields.update(_STATE.get(kind, ()))
    if "content" in kinds:
        fields.update(key for key in new if key not in _STATE["status"]
                      and key not in ("format", "story_id") and old.get(key) != new.get(key))
    return {key: new.get(key) for key in sorted(fields) if old.get(key) != new.get(key)}


def permitted(rules: Rules, role: str, before: StoryDocument | None,
              after: StoryDocument) -> StoryDocument:
    """``after`` with every part ``role`` may not change from ``before`` put back."""
    base = before.canonical() if before is not None else {
        "status": "draft", "publish_at": None, "embargo_until": None, "correction": ""}
    current = after
    for _ in range(4):  # each pass removes one kind of refused change
        refusals = judge(rules, role, before.canonical() if before is not None else None,
                         current.canonical())
        if not refusals:
            return current
        changes: dict[str, Any] = {}
        for refusal in refusals:
            if refusal.what == "content" and before is not None:
                changes.update(
                    headline=before.headline, standfirst=before.standfirst, body=before.body,
                    byline=before.byline, dateline=before.dateline, section=before.section,
                    tags=before.tags, slug=before.slug, photos=before.photos,
                    related=before.related, deleted=before.deleted)
            for name in _STATE.get(refusal.what, ()):
                key = name
                value = base.get(key)
                if key in ("publish_at", "embargo_until"):
                    value = getattr(before, key) if before is not None else None
                changes[key] = value
        current = current.evolve(**changes)
    return current


def hold(session: Session, actor: Actor, refused: Iterable[Refusal], *,
         now: datetime) -> list[str]:
    """Hold refused revisions (and what follows them) and send the permitted rest.

    Returns the ids of the stories with new holds.
    """
    rules = load_rules(session)
    refused = list(refused)
    revisions: set[str] = set()
    for part in chunks([item.revision_id for item in refused]):
        revisions.update(session.scalars(sa.select(Revision.id).where(Revision.id.in_(part))))
    # A refused desk event (a note resolved, an update discarded without the role) is
    # held as it is: it leaves the desk's state here (as it is on the desk) and settles
    # once someone with the role makes the same move (see settle_holds).
    events = {row.id: row for row in session.scalars(sa.select(DeskEvent).where(
        DeskEvent.id.in_([item.revision_id for item in refused
                          if item.revision_id not in revisions])))}
    insert_ignore(session, table_of(RevisionHold), [
        {"revision_id": item.revision_id, "story_id": item.story_id, "reason": item.message,
         "need_role": item.need_role or None,
         "wanted": {"event": events[item.revision_id].kind,
                    "subject": events[item.revision_id].subject},
         "held_at": now, "settled_at": None}
        for item in refused if item.revision_id in events])
    project_events(session, sorted({events[rev].story_id for rev in events}))
    by_story: dict[str, list[Refusal]] = {}
    for item in refused:
        by_story.setdefault(item.story_id, []).append(item)
    for story_id, all_items in sorted(by_story.items()):
        items = [item for item in all_items if item.revision_id in revisions]
        if not items:
            continue
        first = {item.revision_id for item in items}
        held = _descendants(session, story_id, first)
        reasons = {item.revision_id: item for item in items}
        rows: list[dict[str, object]] = []
        for rev in sorted(held):
            said = reasons.get(rev)
            after = load_document(session, rev)
            parents = json.loads(session.scalar(
                sa.select(Revision.parents).where(Revision.id == rev)) or "[]")
            before = load_document(session, parents[0]) if parents else None
            rows.append({
                "revision_id": rev, "story_id": story_id,
                "reason": said.message if said is not None else "it follows a held change",
                "need_role": (said.need_role or None) if said is not None else None,
                "wanted": _wanted(rules, actor.role, before, after),
                "held_at": now, "settled_at": None,
            })
        insert_ignore(session, table_of(RevisionHold), rows)
        _rebase(session, rules, actor, story_id, now=now)
    return sorted(by_story)


def _rebase(session: Session, rules: Rules, actor: Actor, story_id: str, *,
            now: datetime) -> None:
    """Show the story as the central store accepted it, plus the permitted held work."""
    held = held_ids(session, [story_id])
    shown = session.scalar(sa.select(Story.revision_id).where(Story.id == story_id))
    if shown is None or shown not in held:
        return
    graph = story_graph(session, story_id)
    accepted = {rev: tuple(p for p in parents if p not in held)
                for rev, parents in graph.items() if rev not in held}
    heads = sorted(rev for rev in accepted
                   if not any(rev in parents for parents in accepted.values()))
    order = dict(session.execute(sa.select(Revision.id, Revision.hlc).where(
        Revision.story_id == story_id)).all())
    tip = load_document(session, shown)
    if heads:
        base_id = max(heads, key=lambda rev: (order.get(rev, ""), rev))
        base = load_document(session, base_id)
        common = lowest_common_ancestor(graph, shown, base_id, order)
        merged = merge_documents(load_document(session, common) if common else None, tip, base)
        if not merged.clean:
            # Both changed the same thing: show the accepted version; the held one keeps
            # the person's work in history and in the hold.
            project_head(session, base, base_id, author=actor.username, now=now)
            return
        candidate = permitted(rules, actor.role, base, merged.document)
        if candidate.normalised() == base.normalised():
            project_head(session, base, base_id, author=actor.username, now=now)
            return
        parents = [base_id]
    else:
        base, candidate, parents = None, permitted(rules, actor.role, None, tip), []
    need = sorted({row for row in session.scalars(sa.select(RevisionHold.need_role).where(
        RevisionHold.story_id == story_id, RevisionHold.settled_at.is_(None))) if row})
    note = f"needs {', '.join(role_label(role) for role in need)}" if need else "held"
    rev_id = write_revision(session, candidate, parents, author=actor.username,
                            replica_id=actor.replica_id, now=now,
                            message=f"sent without what the central store refused ({note})")
    project_head(session, candidate, rev_id, author=actor.username, now=now, previous=base)


def release_accepted(session: Session, rows: Sequence[dict[str, Any]]) -> list[str]:
    """Release the holds on revisions the central store sent; returns their stories.

    Revisions are content-addressed, so when someone with the role makes exactly
    the held change (the same move, in the same second, on the same parent) the
    central store numbers the very revision held here. It is held no longer: it
    takes the author the central store recorded and joins the story's graph.
    """
    sent = {str(row["id"]): row for row in rows}
    held: dict[str, str] = {}
    for part in chunks(sorted(sent)):
        held.update(session.execute(
            sa.select(RevisionHold.revision_id, RevisionHold.story_id)
            .where(RevisionHold.revision_id.in_(list(part)))).all())
    for rev in held:
        # The move is the central store's (its author's): it arrives with the batch.
        session.execute(sa.delete(StoryTransition).where(StoryTransition.revision_id == rev))
    released = [rev for rev in sorted(held)
                if _may_release(session, rev, held[rev], str(sent[rev]["author"]))]
    for rev in released:
        session.execute(sa.update(Revision).where(Revision.id == rev).values(
            author=sent[rev]["author"], replica_id=sent[rev]["replica_id"]))
        session.execute(sa.delete(RevisionHold).where(RevisionHold.revision_id == rev))
    return sorted({held[rev] for rev in released})


def _may_release(session: Session, rev: str, story_id: str, author: str) -> bool:
    """Whether the central store's copy of held revision ``rev`` may take its place here.

    Only a leaf of what is held (nothing held here is built on it), and only when the
    author the central store names may make that change by the desk's rules as this copy
    knows them: a central store that merely echoes a refused revision back under another
    name releases nothing.
    """
    if _descendants(session, story_id, {rev}) != {rev}:
        return False
    role = session.scalar(sa.select(Person.role).where(Person.username == author,
                                                       Person.active.is_(True)))
    if role is None:
        return False
    parents = json.loads(session.scalar(
        sa.select(Revision.parents).where(Revision.id == rev)) or "[]")
    before = load_document(session, parents[0]).canonical() if parents else None
    return not judge(load_rules(session), role, before, load_document(session, rev).canonical())


def settle_holds(session: Session, *, now: datetime) -> list[str]:
    """Mark holds settled whose story now carries what they wanted; returns their stories."""
    settled: list[str] = []
    open_holds = list(session.execute(
        sa.select(RevisionHold.revision_id, RevisionHold.story_id, RevisionHold.wanted)
        .where(RevisionHold.settled_at.is_(None))))
    shown = dict(session.execute(sa.select(Story.id, Story.revision_id).where(
        Story.id.in_(sorted({row.story_id for row in open_holds})))).all()) \
        if open_holds else {}
    for rev, story_id, wanted in open_holds:
        if "event" in wanted:  # a held desk event: settled once someone made the same move
            if session.scalar(sa.select(DeskEvent.id).where(
                    DeskEvent.kind == wanted["event"], DeskEvent.subject == wanted["subject"],
                    DeskEvent.id.not_in(sa.select(RevisionHold.revision_id))).limit(1)):
                session.execute(sa.update(RevisionHold).where(RevisionHold.revision_id == rev)
                                .values(settled_at=now))
                settled.append(story_id)
            continue
        head = shown.get(story_id)
        if head is None or head == rev:
            continue
        current = load_document(session, head).canonical()
        # A held move settles once the story made it (its time is whoever moved it's);
        # any other held change once the story carries every value it wanted.
        keys = ["status"] if "status" in wanted else list(wanted)
        if keys and all(current.get(key) == wanted[key] for key in keys):
            session.execute(sa.update(RevisionHold).where(RevisionHold.revision_id == rev)
                            .values(settled_at=now))
            settled.append(story_id)
    return sorted(set(settled))


def open_holds(session: Session, *, include_settled: bool = False,
               story_id: str | None = None) -> list[Hold]:
    """Held changes (of one story, or all), newest first, with the story they belong to."""
    query = (sa.select(RevisionHold, Story.slug, Story.headline)
             .outerjoin(Story, Story.id == RevisionHold.story_id)
             .order_by(RevisionHold.held_at.desc(), RevisionHold.revision_id))
    if story_id is not None:
        query = query.where(RevisionHold.story_id == story_id)
    if not include_settled:
        query = query.where(RevisionHold.settled_at.is_(None))
    return [Hold(row.revision_id, row.story_id, slug or "", headline or "", row.reason,
                 row.need_role, row.wanted, row.held_at, row.settled_at)
            for row, slug, headline in session.execute(query)]
