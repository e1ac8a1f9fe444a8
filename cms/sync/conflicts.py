"""Open conflicts: finding them, showing both versions, and resolving them.

A conflict is a story with more than one head that could not be merged
automatically. Both versions stay whole in their revisions (no conflict markers
anywhere); the ``conflicts`` row names them, their common ancestor, the fields
that clash, and a proposal (everything that merged cleanly, with the local
values where they clash). Resolving writes a merge revision whose parents are
every head, so the conflict is closed by history itself on every replica.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms.document import StoryDocument, document_from_canonical, document_from_json
from cms.errors import NotFound, UsageError
from cms.graph import heads, lowest_common_ancestor, preferred_head, story_graph
from cms.models import Conflict, Revision, Status, Story, table_of
from cms.people import Actor
from cms.revisions import load_document, write_revision
from cms.rules import load_rules
from cms.sync.merge import merge_documents
from cms.sync.project import load_heads, project
from cms.timeutil import utcnow
from cms.validate import check_body, check_headline
from cms.workflow import refuse_beyond_role

RESOLVE_MESSAGE = "resolved conflict"


@dataclass(frozen=True)
class ConflictView:
    """One open conflict with every version in full."""

    story_id: str
    slug: str
    headline: str
    fields: tuple[str, ...]
    local_revision: str
    other_revision: str
    base_revision: str | None
    heads: tuple[str, ...]
    local: StoryDocument
    other: StoryDocument
    base: StoryDocument | None
    proposal: StoryDocument
    detected_at: datetime

    def as_json(self) -> dict[str, Any]:
        """JSON-ready form: fields and the local, central and ancestor versions in full."""
        return {
            "story": self.story_id, "slug": self.slug, "headline": self.headline,
            "fields": list(self.fields), "detected_at": self.detected_at.isoformat(),
            "local": {"revision": self.local_revision, **self.local.canonical()},
            "central": {"revision": self.other_revision, **self.other.canonical()},
            "base": ({"revision": self.base_revision, **self.base.canonical()}
                     if self.base is not None and self.base_revision else None),
            "proposal": self.proposal.canonical(),
        }


def clashing_paragraphs(view: ConflictView) -> list[tuple[str, str, str]]:
    """The body paragraphs both sides changed differently: ``(ancestor, local, central)``."""
    from cms.sync.diff3 import merge_groups

    base = (view.base.body if view.base else "").split("\n\n")
    local, other = view.local.body.split("\n\n"), view.other.body.split("\n\n")
    out = []
    for group in merge_groups(base, local, other):
        if len(group) == 4:  # only ("conflict", base, local, central) has four parts
            _, b, a, o = group
            out.append(("\n\n".join(b), "\n\n".join(a), "\n\n".join(o)))
    return out


def conflicted_story_ids(session: Session) -> set[str]:
    """Every story with an open conflict on this replica (for badges in lists)."""
    return set(session.scalars(sa.select(Conflict.story_id)))


def _view(session: Session, row: Conflict) -> ConflictView:
    story = session.execute(
        sa.select(Story.slug, Story.headline, Story.revision_id)
        .where(Story.id == row.story_id)).first()
    local_rev, other_rev = row.local_revision, row.other_revision
    base_rev, fields, proposal = row.base_revision, tuple(row.fields), None
    current = heads(session, row.story_id)
    if (story is not None and story.revision_id in current
            and story.revision_id not in (local_rev, other_rev)):
        # The editor kept working on their side after the conflict was found: show
        # (and resolve with) that newer text, never the stale one.
        local_rev = story.revision_id
        if other_rev not in current or other_rev == local_rev:
            other_rev = next(h for h in current if h != local_rev)
        graph = story_graph(session, row.story_id)
        order = dict(session.execute(sa.select(Revision.id, Revision.hlc).where(
            Revision.story_id == row.story_id)).all())
        base_rev = lowest_common_ancestor(graph, local_rev, other_rev, order)
    local = load_document(session, local_rev)
    other = load_document(session, other_rev)
    base = load_document(session, base_rev) if base_rev else None
    if (local_rev, other_rev) != (row.local_revision, row.other_revision):
        merged = merge_documents(base, local, other)
        fields, proposal = merged.conflicts or fields, merged.document
    return ConflictView(
        story_id=row.story_id,
        slug=story.slug if story else local.slug,
        headline=story.headline if story else local.headline,
        fields=fields,
        local_revision=local_rev,
        other_revision=other_rev,
        base_revision=base_rev,
        heads=tuple(current),
        local=local, other=other, base=base,
        proposal=proposal or document_from_json(row.proposal),
        detected_at=row.detected_at,
    )


def list_conflicts(session: Session) -> list[ConflictView]:
    """Every open conflict, oldest first."""
    rows = session.scalars(sa.select(Conflict).order_by(Conflict.detected_at, Conflict.story_id))
    return [_view(session, row) for row in rows]


def find_conflict(session: Session, ref: str) -> ConflictView:
    """The open conflict of the story named by id, slug or unique prefix of either."""
    text = ref.strip()
    if not text:
        raise UsageError("empty story reference")
    rows = list(session.scalars(sa.select(Conflict)))
    slugs = dict(session.execute(
        sa.select(Story.id, Story.slug).where(Story.id.in_([r.story_id for r in rows]))).all())
    exact = [r for r in rows if text in (r.story_id, slugs.get(r.story_id))]
    matches = exact or [r for r in rows if len(text) >= 4 and (
        r.story_id.startswith(text) or slugs.get(r.story_id, "").startswith(text))]
    if not matches:
        raise NotFound(f"no open conflict on {ref!r} (see `newsroom conflicts`)")
    if len(matches) > 1:
        shown = ", ".join(slugs.get(r.story_id, r.story_id) for r in matches[:5])
        raise UsageError(f"{ref!r} matches several conflicts ({shown}); be more specific")
    return _view(session, matches[0])


Take = Literal["local", "central"] | StoryDocument


def document_from_file(text: str, proposal: StoryDocument) -> StoryDocument:
    """The version an editor wrote in a file: JSON (fields of a version) or a plain body.

    JSON may hold any document fields (as ``newsroom conflicts --json`` prints a
    version); missing ones come from the proposal. Any other text is the body,
    with the other fields from the proposal.
    """
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UsageError(f"the file is not valid JSON (line {exc.lineno}): {exc.msg}") \
                from None
        if not isinstance(data, dict):
            raise UsageError("the JSON file must hold one object with the story's fields")
        merged = {**proposal.canonical(), **{k: v for k, v in data.items() if k != "revision"}}
        merged["story_id"] = proposal.story_id
        try:
            return document_from_canonical(merged)
        except (KeyError, TypeError, ValueError) as exc:
            raise UsageError(f"the JSON file has a bad field: {exc}") from None
    return proposal.evolve(body=text)


def resolve(
    session: Session, actor: Actor, ref: str, take: Take, *, now: datetime | None = None
) -> str:
    """Close a story's conflict with the chosen version; returns the merge revision id.

    ``take`` is ``"local"``, ``"central"`` or a document (an edited combination).
    The revision's parents are every current head of the story.
    """
    view = find_conflict(session, ref)
    if take == "local":
        chosen = view.local
    elif take == "central":
        chosen = view.other
    elif isinstance(take, StoryDocument):
        chosen = take.evolve(story_id=view.story_id)
    else:
        raise UsageError("choose --take local, central or a file with the version to keep")
    chosen = chosen.normalised()
    if not chosen.deleted:
        check_headline(chosen.headline)
        check_body(chosen.body)
        if session.get(Status, chosen.status) is None:
            raise UsageError(f"unknown status {chosen.status!r} in the chosen version")
    current = heads(session, view.story_id)
    if len(current) < 2:
        session.execute(sa.delete(table_of(Conflict)).where(
            Conflict.story_id == view.story_id))
        raise UsageError("the conflict was already resolved elsewhere; sync to see the result")
    # The choice is a change of the version the story shows: the same role rules as a save.
    refuse_beyond_role(load_rules(session), actor,
                       load_document(session, preferred_head(session, current)), chosen)
    when = now or utcnow()
    rev_id = write_revision(session, chosen, current, author=actor.username,
                            replica_id=actor.replica_id, now=when, message=RESOLVE_MESSAGE)
    waiting = project(session, [load_heads(session, [rev_id])[rev_id]])
    if waiting:
        raise UsageError("the chosen version places a photo this store does not hold yet; "
                         "sync first")
    session.execute(sa.delete(table_of(Conflict)).where(Conflict.story_id == view.story_id))
    return rev_id


def revision_author(session: Session, rev_id: str) -> str:
    """Who wrote a revision (for showing the two sides)."""
    return session.scalar(sa.select(Revision.author).where(Revision.id == rev_id)) or ""
