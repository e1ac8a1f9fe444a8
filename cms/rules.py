"""What each role may do to a story: the one place that reads the workflow tables and judges.

The rules live in three tables seeded by migration 0001 — ``roles`` (ranked),
``statuses`` (with ``public``) and ``workflow_transitions`` (an edge ``from →
to`` and the least role that may take it) — and everything else is derived
from them, never written as a literal elsewhere:

- **A status move** is allowed when the actor may walk permitted edges from the
  old status to the new one (a desk chief importing a published story moves it
  from draft to published in one step).
- **Changing what a story says** (its text, headline, slug, photos, links,
  section, tags, its deletion, its planned time) in a status needs the least
  role that may move a story *into* that status: reporters write drafts,
  editors touch what is ready, desk chiefs what is scheduled, out or killed.
- **Embargoes** need the role that may schedule (the least role with an edge
  into ``scheduled``); **correction notes** the role that may correct.

:func:`judge` applies these to one change, on the canonical JSON form of the
documents (:meth:`cms.document.StoryDocument.canonical`), so that the central
PostgreSQL store can apply exactly the same rules to the same JSON in its
triggers (:mod:`cms.sync.security`). A revision with several parents (a merge)
is judged as a change of the parent the story would show
(:func:`cms.graph.preferred_head`): choosing which parent to start from cannot
launder a change the author may not make.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms.models import Role, Status, WorkflowTransition

DRAFT = "draft"
SCHEDULED = "scheduled"
CORRECTED = "corrected"
KILLED = "killed"
# Fields of the canonical document that are not "what the story says".
STATE_FIELDS = frozenset({"format", "story_id", "status", "publish_at", "embargo_until",
                          "correction"})
# What a story is before its first revision: the draft every story starts as.
EMPTY: Mapping[str, Any] = {"status": DRAFT, "publish_at": None, "embargo_until": None,
                            "correction": ""}
NOBODY = 10**6  # the rank of a move no role may make


@dataclass(frozen=True)
class Refusal:
    """Why a change is not allowed, and the least role that could make it."""

    what: str  # "status", "embargo", "time", "correction" or "content"
    message: str
    need_role: str


@dataclass(frozen=True)
class Rules:
    """The workflow tables of one store, read once per unit of work."""

    ranks: Mapping[str, int]
    edges: tuple[tuple[str, str, str], ...]
    statuses: tuple[str, ...]
    public: frozenset[str]

    def rank(self, role: str) -> int:
        """The rank of ``role``; an unknown role ranks below everyone."""
        return self.ranks.get(role, -1)

    def role_at(self, rank: int) -> str:
        """The least role ranking at least ``rank`` (the top role if none)."""
        fitting = [name for name, value in self.ranks.items() if value >= rank]
        return min(fitting, key=self.ranks.__getitem__) if fitting else self.top_role

    @property
    def top_role(self) -> str:
        """The role that may do everything (admin)."""
        return max(self.ranks, key=self.ranks.__getitem__)

    @property
    def roles(self) -> tuple[str, ...]:
        """Every role, lowest first."""
        return tuple(sorted(self.ranks, key=self.ranks.__getitem__))

    def entry_rank(self, status: str) -> int:
        """The least rank that may move a story into ``status`` (and so change it there)."""
        into = [self.rank(role) for _, to, role in self.edges if to == status]
        return min(into) if into else self.rank(self.top_role)

    @property
    def schedule_role(self) -> str:
        """The least role that may schedule stories, set embargoes and run the job."""
        return self.role_at(self.entry_rank(SCHEDULED))

    @property
    def publish_role(self) -> str:
        """The least role that may make a story public (and change a public one)."""
        return self.role_at(min(self.entry_rank(status) for status in self.public))

    def may(self, role: str, least: str) -> bool:
        """True when ``role`` ranks at least ``least``."""
        return self.rank(role) >= self.rank(least)

    def targets(self, role: str, start: str) -> list[str]:
        """The statuses ``role`` may move a story in ``start`` to directly, in status order."""
        mine = self.rank(role)
        found = {to for frm, to, least in self.edges
                 if frm == start and self.ranks.get(least, NOBODY) <= mine}
        return [name for name in self.statuses if name in found]

    def direct_role(self, start: str, goal: str) -> str | None:
        """The least role of the direct edge ``start → goal`` (None: the table has none)."""
        for frm, to, least in self.edges:
            if (frm, to) == (start, goal):
                return least
        return None

    def path(self, role: str, start: str, goal: str) -> list[str] | None:
        """The shortest walk of edges ``role`` may take from ``start`` to ``goal``.

        Returns the statuses passed, ending with ``goal`` (None: no walk). A
        move to the same status (a second correction) needs a permitted self-edge.
        """
        mine = self.rank(role)
        graph: dict[str, list[str]] = {}
        for frm, to, least in self.edges:
            if self.ranks.get(least, NOBODY) <= mine:
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

    def move_role(self, start: str, goal: str) -> str | None:
        """The least role that may walk from ``start`` to ``goal`` (None: nobody)."""
        for role in self.roles:
            if self.path(role, start, goal) is not None:
                return role
        return None


def load_rules(session: Session) -> Rules:
    """The rules of the store behind ``session`` (read once per unit of work)."""
    cache = session.info.setdefault("newsroom_rules", {})
    rules = cache.get("rules")
    if rules is None:
        ranks = dict(session.execute(sa.select(Role.name, Role.rank)).all())
        edges = tuple(session.execute(sa.select(
            WorkflowTransition.from_status, WorkflowTransition.to_status,
            WorkflowTransition.min_role).order_by(
            WorkflowTransition.from_status, WorkflowTransition.to_status)))
        statuses = session.execute(
            sa.select(Status.name, Status.public).order_by(Status.position)).all()
        rules = Rules(ranks=ranks, edges=edges, statuses=tuple(name for name, _ in statuses),
                      public=frozenset(name for name, public in statuses if public))
        cache["rules"] = rules
    assert isinstance(rules, Rules)
    return rules


def role_label(role: str) -> str:
    """A role as people write it (``desk_chief`` → ``desk chief``)."""
    return role.replace("_", " ")


def with_article(role: str) -> str:
    """``a reporter``, ``an editor``, ``an admin``, ``a desk chief``."""
    label = role_label(role)
    return f"{'an' if label[:1] in 'aeiou' else 'a'} {label}"


def _content(document: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key not in STATE_FIELDS}


def judge(rules: Rules, role: str, before: Mapping[str, Any] | None,
          after: Mapping[str, Any]) -> list[Refusal]:
    """Why ``role`` may not change canonical document ``before`` into ``after`` (empty: it may).

    ``before`` None is a new story (from the empty draft every story starts as).
    """
    old = EMPTY if before is None else before
    mine = rules.rank(role)
    start, goal = str(old.get("status", DRAFT)), str(after.get("status", DRAFT))
    refusals: list[Refusal] = []
    if goal not in rules.statuses:
        refusals.append(Refusal("status", f"{goal!r} is not a status of this desk",
                                rules.top_role))
        return refusals
    if start != goal and rules.path(role, start, goal) is None:
        need = rules.move_role(start, goal) or rules.top_role
        refusals.append(Refusal("status", f"moving a story from {start} to {goal} needs "
                                f"{with_article(need)}", need))
    writing = max(rules.entry_rank(start), rules.entry_rank(goal))
    if old.get("embargo_until") != after.get("embargo_until") and not rules.may(
            role, rules.schedule_role):
        refusals.append(Refusal("embargo", "setting or lifting an embargo needs "
                                f"{with_article(rules.schedule_role)}", rules.schedule_role))
    if old.get("publish_at") != after.get("publish_at") and mine < writing:
        need = rules.role_at(writing)
        refusals.append(Refusal("time", f"changing the publication time of a {goal} story "
                                f"needs {with_article(need)}", need))
    if (old.get("correction") or "") != (after.get("correction") or "") and mine < \
            rules.entry_rank(CORRECTED):
        need = rules.role_at(rules.entry_rank(CORRECTED))
        refusals.append(Refusal("correction", f"a correction note needs {with_article(need)}",
                                need))
    if (before is None or _content(before) != _content(after)) and mine < writing:
        need = rules.role_at(writing)
        where = start if rules.entry_rank(start) >= rules.entry_rank(goal) else goal
        refusals.append(Refusal("content", f"changing a {where} story needs "
                                f"{with_article(need)}", need))
    return refusals
