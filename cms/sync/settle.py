"""Settling stories after revisions arrive: project a single head, merge several, or
record a conflict.

A replica merges diverged heads (the merge revision has both heads as parents
and is deterministic, so two replicas merging the same heads write the same
revision). A central store never merges: it shows the latest head and leaves
the story in conflict (more than one head) until a replica pushes the merge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms.document import StoryDocument, canonical_json
from cms.graph import (
    ancestors,
    has_child,
    lowest_common_ancestor,
    not_held,
    preferred_head,
    story_graph,
)
from cms.models import (
    Conflict,
    Person,
    Revision,
    RevisionParent,
    StoreMeta,
    Story,
    SyncDirty,
    table_of,
)
from cms.people import DESK_PERSON
from cms.revisions import load_document, write_revision
from cms.rules import STATE_FIELDS, judge, load_rules
from cms.sqlutil import chunks, insert_ignore
from cms.sync.merge import merge_documents
from cms.sync.project import Head, load_heads, project

MERGE_MESSAGE = "merged concurrent edits"


@dataclass
class Settled:
    """What settling a set of stories did."""

    projected: int = 0
    merged: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)

    def add(self, other: Settled) -> None:
        """Fold another result into this one."""
        self.projected += other.projected
        self.merged += other.merged
        self.conflicts += other.conflicts
        self.waiting += other.waiting


def heads_of(session: Session, story_ids: Sequence[str]) -> dict[str, list[str]]:
    """Head revisions of many stories at once (story id -> sorted head ids)."""
    out: dict[str, list[str]] = {sid: [] for sid in story_ids}
    for part in chunks(story_ids):
        chunk = list(part)
        for story_id, rev_id in session.execute(
            sa.select(Revision.story_id, Revision.id)
            .where(Revision.story_id.in_(chunk), ~has_child(), not_held())
        ):
            out[story_id].append(rev_id)
    return {sid: sorted(ids) for sid, ids in out.items()}


def incomplete(session: Session, story_ids: Sequence[str]) -> set[str]:
    """Stories some of whose revisions name a parent this store does not hold yet."""
    parent = sa.orm.aliased(Revision)
    found: set[str] = set()
    for part in chunks(story_ids):
        chunk = list(part)
        found.update(session.scalars(
            sa.select(Revision.story_id)
            .join(RevisionParent, RevisionParent.revision_id == Revision.id)
            .outerjoin(parent, parent.id == RevisionParent.parent_id)
            .where(Revision.story_id.in_(chunk), parent.id.is_(None))
        ))
    return found


def _shown(session: Session, story_ids: Sequence[str]) -> dict[str, str]:
    shown: dict[str, str] = {}
    for part in chunks(story_ids):
        chunk = list(part)
        shown.update(session.execute(
            sa.select(Story.id, Story.revision_id).where(Story.id.in_(chunk))).all())
    return shown


def settle(
    session: Session,
    story_ids: Sequence[str],
    *,
    merge: bool,
    author: str,
    replica_id: str,
    now: datetime,
) -> Settled:
    """Bring ``stories`` (and conflict records) in line with the revision graph."""
    result = Settled()
    ids = sorted(set(story_ids))
    if not ids:
        return result
    all_heads = heads_of(session, ids)
    gaps = incomplete(session, ids)
    shown = _shown(session, ids)
    single: list[str] = []
    settled_single: list[str] = []
    for story_id in ids:
        hs = all_heads[story_id]
        if story_id in gaps or not hs:
            result.waiting.append(story_id)
            continue
        if len(hs) == 1:
            settled_single.append(story_id)
            if shown.get(story_id) != hs[0]:
                single.append(hs[0])
            continue
        if merge:
            outcome = _merge_story(session, story_id, hs, shown.get(story_id),
                                   author=author, replica_id=replica_id, now=now)
            getattr(result, outcome).append(story_id)
        else:
            winner = preferred_head(session, hs)
            if shown.get(story_id) != winner:
                single.append(winner)
    if merge and settled_single:  # only replicas keep conflict records
        for part in chunks(settled_single):
            session.execute(sa.delete(table_of(Conflict)).where(
                Conflict.story_id.in_(list(part))))
    loaded = load_heads(session, single)
    waiting = project(session, [loaded[r] for r in single])
    result.projected += len(single) - len(waiting)
    result.waiting += sorted(waiting)
    still = set(result.waiting)
    done = [sid for sid in ids if sid not in still]
    if done and merge:  # only replicas keep a list of stories to settle
        for part in chunks(done):
            session.execute(sa.delete(table_of(SyncDirty)).where(
                SyncDirty.story_id.in_(list(part))))
    return result


def _order(session: Session, story_id: str) -> dict[str, str]:
    return dict(session.execute(
        sa.select(Revision.id, Revision.hlc).where(Revision.story_id == story_id)).all())


def _merge_story(
    session: Session, story_id: str, head_ids: list[str], shown: str | None, *,
    author: str, replica_id: str, now: datetime,
) -> str:
    graph = story_graph(session, story_id)
    order = _order(session, story_id)
    acc = head_ids[0]
    for other in head_ids[1:]:
        base = lowest_common_ancestor(graph, acc, other, order)
        base_doc = load_document(session, base) if base else None
        merged = merge_documents(base_doc, load_document(session, acc),
                                 load_document(session, other))
        approval = _needs_approval(session, graph, base, acc, other, merged.document) \
            if merged.clean else ()
        if not merged.clean or approval:
            _record_conflict(session, story_id, acc, other, base, shown, graph, now,
                             replica_id=replica_id, fields=approval or None)
            return "conflicts"
        rev_id = write_revision(session, merged.document, sorted([acc, other]), author=author,
                                replica_id=replica_id, now=now, message=MERGE_MESSAGE)
        graph[rev_id] = tuple(sorted([acc, other]))
        order[rev_id] = session.scalar(sa.select(Revision.hlc).where(Revision.id == rev_id)) or ""
        acc = rev_id
    _clear_conflict(session, story_id)
    head = load_heads(session, [acc])[acc]
    waiting = project(session, [head])
    return "waiting" if waiting else "merged"


_WHAT_FIELDS = {"status": ("status",), "time": ("publish_at",), "embargo": ("embargo_until",),
                "correction": ("correction",)}


def _needs_approval(session: Session, graph: dict[str, tuple[str, ...]], base: str | None,
                    a: str, b: str, merged: StoryDocument) -> tuple[str, ...]:
    """Fields a clean merge would carry onto a version whose status their authors may not change.

    On a desk with a secured central store, a reporter's offline edit of a draft
    that was published meanwhile must not reach the published story by way of
    an automatic merge on someone else's laptop: each side's changes are judged
    as if the least-ranked author of that side had made them on the other side.
    What fails becomes a conflict for a person with the role to decide.
    """
    if session.scalar(sa.select(StoreMeta.value).where(StoreMeta.key == DESK_PERSON)) is None:
        return ()
    rules = load_rules(session)
    roles = dict(session.execute(sa.select(Person.username, Person.role)).all())
    shared = ancestors(graph, base) if base else set()
    merged_json = merged.canonical()
    fields: set[str] = set()
    for onto, side in ((a, b), (b, a)):
        branch = sorted(ancestors(graph, side) - shared)
        authors = set(session.scalars(sa.select(Revision.author).where(Revision.id.in_(branch))))
        least = min((roles.get(name, rules.roles[0]) for name in authors), key=rules.rank,
                    default=rules.top_role)
        before = load_document(session, onto).canonical()
        for refusal in judge(rules, least, before, merged_json):
            names = _WHAT_FIELDS.get(refusal.what) or tuple(
                key for key in merged_json if key not in STATE_FIELDS)
            fields.update(key for key in names if before.get(key) != merged_json.get(key))
    return tuple(sorted(fields))


def _record_conflict(
    session: Session, story_id: str, x: str, y: str, base: str | None, shown: str | None,
    graph: dict[str, tuple[str, ...]], now: datetime, *, replica_id: str,
    fields: Sequence[str] | None = None,
) -> None:
    """Store (or refresh) the conflict record and show the local side meanwhile.

    ``fields`` names what needs a decision when the merge itself was clean
    (:func:`_needs_approval`); otherwise the fields that clash.
    """
    local, other = x, y
    if shown is not None:
        if shown in ancestors(graph, y) and shown not in ancestors(graph, x):
            local, other = y, x
    else:
        # Nothing shown: this replica deleted the story (its side is the head it wrote),
        # or it never showed it (a new copy): then the head a central would show.
        mine = set(session.scalars(sa.select(Revision.id).where(
            Revision.id.in_([x, y]), Revision.replica_id == replica_id)))
        if mine == {y} or (not mine and preferred_head(session, [x, y]) == y):
            local, other = y, x
    base_doc = load_document(session, base) if base else None
    local_doc, other_doc = load_document(session, local), load_document(session, other)
    proposal = merge_documents(base_doc, local_doc, other_doc)
    heads = sorted(rev for rev in graph if not any(rev in ps for ps in graph.values()))
    values = {
        "local_revision": local, "other_revision": other, "base_revision": base,
        "heads": heads,
        "fields": list(fields if fields is not None else proposal.conflicts),
        "proposal": canonical_json(proposal.document.canonical()),
    }
    row = session.get(Conflict, story_id)
    if row is None:
        session.add(Conflict(story_id=story_id, detected_at=now, **values))
    else:
        for key, value in values.items():
            setattr(row, key, value)
    session.flush()
    show = local if not local_doc.deleted else other
    if shown != show:
        project(session, [load_heads(session, [show])[show]])


def _clear_conflict(session: Session, story_id: str) -> None:
    session.execute(sa.delete(table_of(Conflict)).where(Conflict.story_id == story_id))


def mark_dirty(session: Session, story_ids: Sequence[str]) -> None:
    """Remember stories to settle (survives a crash between pulling and settling)."""
    insert_ignore(session, table_of(SyncDirty),
                  [{"story_id": sid} for sid in sorted(set(story_ids))])


def dirty_stories(session: Session, after: str = "", limit: int = 500) -> list[str]:
    """Stories waiting to be settled, in id order after ``after``."""
    return list(session.scalars(
        sa.select(SyncDirty.story_id).where(SyncDirty.story_id > after)
        .order_by(SyncDirty.story_id).limit(limit)))


__all__ = ["Head", "Settled", "dirty_stories", "heads_of", "mark_dirty", "settle"]
