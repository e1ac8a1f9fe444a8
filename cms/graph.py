"""A story's revision graph: heads, ancestry and the best common ancestor of two heads.

Revisions name their parents; a head is a revision no other names. Revisions held
on this store (:mod:`cms.sync.holds`) take no part: they are kept, not current.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms.models import Conflict, Revision, RevisionHold, RevisionParent


def not_held() -> sa.ColumnElement[bool]:
    """Revisions that take part in the graph: every one but those held here (cms.sync.holds)."""
    return Revision.id.not_in(sa.select(RevisionHold.revision_id))


def has_child() -> sa.Exists:
    """A revision that another (not held) revision names as a parent."""
    return sa.select(RevisionParent.revision_id).where(
        RevisionParent.parent_id == Revision.id,
        RevisionParent.revision_id.not_in(sa.select(RevisionHold.revision_id)),
    ).exists()


def heads(session: Session, story_id: str) -> list[str]:
    """The head revisions of a story: those no other revision names as a parent, by id."""
    return sorted(
        session.scalars(
            sa.select(Revision.id).where(Revision.story_id == story_id, ~has_child(),
                                         not_held())
        )
    )


def has_multiple_heads(session: Session, story_id: str) -> bool:
    """True when the story's history has diverged and is not merged yet."""
    return len(heads(session, story_id)) > 1


def story_graph(session: Session, story_id: str, *,
                include_held: bool = False) -> dict[str, tuple[str, ...]]:
    """Every revision of a story mapped to its parents (for ancestry walks).

    Held revisions (:mod:`cms.sync.holds`) are left out unless ``include_held``.
    """
    query = sa.select(Revision.id).where(Revision.story_id == story_id)
    if not include_held:
        query = query.where(not_held())
    graph: dict[str, list[str]] = {rev_id: [] for rev_id in session.scalars(query)}
    rows = session.execute(
        sa.select(RevisionParent.revision_id, RevisionParent.parent_id)
        .join(Revision, Revision.id == RevisionParent.revision_id)
        .where(Revision.story_id == story_id)
    )
    for rev_id, parent in rows:
        if rev_id in graph:
            graph[rev_id].append(parent)
    return {rev_id: tuple(sorted(parents)) for rev_id, parents in graph.items()}


def ancestors(graph: dict[str, tuple[str, ...]], start: str) -> set[str]:
    """``start`` and every revision it descends from (missing parents are skipped)."""
    seen: set[str] = set()
    stack = [start]
    while stack:
        rev_id = stack.pop()
        if rev_id in seen:
            continue
        seen.add(rev_id)
        stack.extend(graph.get(rev_id, ()))
    return seen


def missing_parents(graph: dict[str, tuple[str, ...]]) -> set[str]:
    """Parents named in the graph that this store does not hold yet."""
    return {p for parents in graph.values() for p in parents if p not in graph}


def lowest_common_ancestor(
    graph: dict[str, tuple[str, ...]], a: str, b: str, order: dict[str, str]
) -> str | None:
    """The best common ancestor of ``a`` and ``b`` (None when they share no history).

    Among common ancestors that are not ancestors of another common ancestor,
    the one latest by ``order`` (hybrid clock, then id) wins, so every replica
    picks the same one in a criss-cross history.
    """
    common = ancestors(graph, a) & ancestors(graph, b)
    if not common:
        return None
    lowest = set(common)
    for rev_id in common:
        for parent in graph.get(rev_id, ()):
            lowest.difference_update(ancestors(graph, parent) & common)
    return max(lowest, key=lambda r: (order.get(r, ""), r))


def has_open_conflict(session: Session, story_id: str) -> bool:
    """True when the story has heads that are not merged (the publisher must refuse it).

    Works on any store: on a replica a conflict record exists; on a central
    store (which never merges) the story simply has more than one head.
    """
    if session.get(Conflict, story_id) is not None:
        return True
    return len(heads(session, story_id)) > 1


def preferred_head(session: Session, head_ids: Sequence[str]) -> str:
    """The head a story shows while it has several, and the parent a merge is judged from.

    Not a deletion; then the version whose status needs the highest role to enter
    (a stale draft never hides a published or killed version); then the latest
    clock; then the id. A secured central store's own SQL makes exactly this
    choice (``newsroom_preferred_head`` in :mod:`cms.sync.security`).
    """
    from cms.rules import load_rules

    rules = load_rules(session)
    ranked: list[tuple[bool, int, str, str]] = []
    for rev_id, hlc, content in session.execute(
            sa.select(Revision.id, Revision.hlc, Revision.content).where(
                Revision.id.in_(list(head_ids)))):
        document = json.loads(content)
        ranked.append((document.get("deleted") is not True,
                       rules.entry_rank(str(document.get("status"))), str(hlc), str(rev_id)))
    return max(ranked)[3]
