"""What travels in a sync: batches, and the checks every arriving row passes.

Both directions use these: a push stores a batch in the central store, a pull
stores one in the local store. Photos are checked against their SHA-256 and
revisions against their content address before anything is written, and a
far-future clock reading is replaced by the receiver's (see
:mod:`cms.clock`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from cms import clock
from cms.document import canonical_json, document_from_json
from cms.errors import SyncError
from cms.models import (
    Blob,
    DeskEvent,
    QuarantinedRevision,
    Revision,
    RevisionParent,
    StoryTransition,
    table_of,
)
from cms.policy import REFUSED as _REFUSED
from cms.policy import refusal as _refusal
from cms.revlog import record_arrivals
from cms.rules import load_rules
from cms.sqlutil import chunks, insert_ignore, insert_rows
from cms.store import store_derives
from cms.validate import document_problems

REVISION_COLUMNS = ("id", "story_id", "parents", "author", "replica_id", "created_at", "hlc",
                    "message", "content")
MAX_BATCH_BYTES = 64 * 1024 * 1024  # photo bytes one batch may carry


@dataclass
class PushBatch:
    """Revisions (and the photo blobs they need) from one stretch of a replica's log."""

    incarnation: str
    replica_id: str
    epoch: str
    from_seq: int
    from_chain: str
    to_seq: int
    to_chain: str
    revisions: list[dict[str, Any]] = field(default_factory=list)
    blobs: list[dict[str, Any]] = field(default_factory=list)
    transitions: list[dict[str, Any]] = field(default_factory=list)  # workflow moves
    events: list[dict[str, Any]] = field(default_factory=list)  # desk events


@dataclass
class PullBatch:
    """Central revisions numbered ``from_seq < seq <= to_seq`` that the replica lacked."""

    from_seq: int
    to_seq: int
    to_revision: str | None
    revisions: list[dict[str, Any]] = field(default_factory=list)
    blobs: list[dict[str, Any]] = field(default_factory=list)
    transitions: list[dict[str, Any]] = field(default_factory=list)  # workflow moves
    events: list[dict[str, Any]] = field(default_factory=list)  # desk events


def _content_address(content: str, parents: Sequence[str]) -> str:
    """The id a revision with this stored (canonical JSON) content and parents must have.

    Same bytes as :func:`cms.document.revision_id` hashes, built without parsing
    the document again: stored content is already canonical JSON.
    """
    payload = f'{{"document":{content},"parents":{canonical_json(sorted(parents))}}}'
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def photo_digests(rows: Sequence[dict[str, Any]]) -> set[str]:
    """Every photo hash the revisions' documents place."""
    found: set[str] = set()
    for row in rows:
        if '"photos":[]' in row["content"]:
            continue  # canonical JSON: no photos, no need to parse
        for photo in json.loads(row["content"]).get("photos", ()):
            found.add(photo["sha256"])
    return found


def needed_missing(session: Session, digests: Sequence[str]) -> set[str]:
    """Which of ``digests`` this store lacks."""
    have = set(session.scalars(sa.select(Blob.sha256).where(Blob.sha256.in_(list(digests)))))
    return set(digests) - have


def blob_sizes(session: Session, digests: Sequence[str]) -> dict[str, int]:
    """Sizes of the blobs held among ``digests`` (without reading their bytes)."""
    sizes: dict[str, int] = {}
    for part in chunks(digests):
        sizes.update((str(d), int(n)) for d, n in session.execute(
            sa.select(Blob.sha256, Blob.size).where(
                Blob.sha256.in_(list(part)))))
    return sizes


def photo_budget_cut(ids: Sequence[str], rows: Sequence[dict[str, Any]], needed: set[str],
                     sizes: dict[str, int], budget: int | None = None) -> int:
    """How many leading log entries fit the batch's photo byte budget (at least one).

    A batch carries the photos its revisions need; a desk of large photos would
    otherwise hold hundreds of megabytes in memory and in one transaction.
    """
    budget = MAX_BATCH_BYTES if budget is None else budget
    by_id = {row["id"]: row for row in rows}
    total, counted = 0, set[str]()
    for number, rev in enumerate(ids):
        row = by_id.get(rev)
        fresh = (photo_digests([row]) & needed) - counted if row is not None else set()
        total += sum(sizes.get(digest, 0) for digest in fresh)
        counted |= fresh
        if total > budget and number > 0:
            return number
    return len(ids)


def fetch_revisions(session: Session, ids: Sequence[str]) -> list[dict[str, Any]]:
    """Revision rows by id, in the order given."""
    table = table_of(Revision)
    found: dict[str, dict[str, Any]] = {}
    for part in chunks(ids):
        for row in session.execute(sa.select(table).where(
                table.c.id.in_(list(part)))):
            found[row.id] = dict(row._mapping)
    return [found[i] for i in ids if i in found]


def fetch_blobs(session: Session, digests: Sequence[str]) -> list[dict[str, Any]]:
    """Blob rows by hash (those present)."""
    table = table_of(Blob)
    rows: list[dict[str, Any]] = []
    for part in chunks(digests, 100):
        rows.extend(dict(r._mapping) for r in session.execute(
            sa.select(table).where(table.c.sha256.in_(list(part)))))
    return rows


def accept_blobs(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Store arriving blobs after checking each one's bytes against its hash."""
    for row in rows:
        data = bytes(row["data"])
        if hashlib.sha256(data).hexdigest() != row["sha256"] or len(data) != row["size"]:
            raise SyncError(f"photo {row['sha256'][:12]} arrived damaged (its bytes do not "
                            "match its hash); nothing from this batch was stored")
    insert_ignore(session, table_of(Blob),
                  sorted(({**row, "data": bytes(row["data"])} for row in rows),
                         key=lambda row: str(row["sha256"])))
    return len(rows)


@dataclass(frozen=True)
class Refusal:
    """A revision a secured central store refused, with its words and the role it needs."""

    revision_id: str
    story_id: str
    message: str
    need_role: str


def parents_first(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` with every revision after its parents in the batch, ties by id.

    One order for every writer: two pushes carrying the same revisions take
    their row locks in the same order on PostgreSQL, so they wait for each
    other, never deadlock; and a secured central judges a revision against its
    parents, which must therefore be stored first.
    """
    by_id = {row["id"]: row for row in rows}
    depth: dict[str, int] = {}

    def generation(rev: str) -> int:
        stack = [rev]
        while stack:
            top = stack[-1]
            pending = [p for p in json.loads(by_id[top]["parents"])
                       if p in by_id and p not in depth]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            depth[top] = 1 + max((depth[p] for p in json.loads(by_id[top]["parents"])
                                  if p in by_id), default=-1)
        return depth[rev]

    return sorted(rows, key=lambda row: (generation(row["id"]), row["id"]))


def _edges(rows: Sequence[dict[str, Any]]) -> list[dict[str, object]]:
    return sorted(({"revision_id": row["id"], "parent_id": parent}
                   for row in rows for parent in json.loads(row["parents"])),
                  key=lambda edge: (str(edge["revision_id"]), str(edge["parent_id"])))


@dataclass
class Arrived:
    """What storing a batch of arriving revisions did."""

    stored: int = 0
    relabelled: int = 0
    quarantined: list[str] = field(default_factory=list)  # revision ids kept apart
    released: list[str] = field(default_factory=list)  # stories whose held change arrived


def accept_revisions(
    session: Session, rows: Sequence[dict[str, Any]], *, reference: datetime,
    number: bool = True, refused: list[Refusal] | None = None,
) -> Arrived:
    """Store arriving revisions, each checked against its id and as a local save would be.

    A revision whose clock reading is far in the future is kept with the
    receiver's reading instead (see :mod:`cms.clock`). One whose document
    a local save would refuse (:func:`cms.validate.document_problems`) is
    quarantined: kept with the reason, outside the revision graph. With
    ``refused`` (a push to a secured central that refused the batch), each
    revision is stored on its own and the ones the store refuses — and those
    that follow them — are listed there instead of failing the batch.
    """
    clean: list[dict[str, Any]] = []
    arrived = Arrived()
    statuses = load_rules(session).statuses
    apart: list[dict[str, Any]] = []
    for row in rows:
        parents = json.loads(row["parents"])
        if _content_address(row["content"], parents) != row["id"]:
            raise SyncError(f"revision {row['id'][:12]} arrived damaged (its content does not "
                            "match its id); nothing from this batch was stored")
        hlc, created, late = clock.relabel(row["hlc"], reference, row["created_at"])
        arrived.relabelled += late
        problems = _problems(row["content"], statuses)
        if problems:
            arrived.quarantined.append(row["id"])
            apart.append({**{k: row[k] for k in REVISION_COLUMNS}, "hlc": hlc,
                          "created_at": created, "reason": "; ".join(problems)[:2000],
                          "arrived_at": reference})
            continue
        clean.append({**{k: row[k] for k in REVISION_COLUMNS}, "hlc": hlc, "created_at": created})
    insert_rows(session, table_of(QuarantinedRevision), apart, ignore=True)
    ordered = parents_first(clean)
    if refused is None:
        insert_rows(session, table_of(Revision), ordered, ignore=True)
        insert_rows(session, table_of(RevisionParent), _edges(ordered), ignore=True)
        accepted = clean
    else:
        accepted = _one_by_one(session, ordered, refused)
    # Numbered in the order they were sent (the sender's log order: parents first).
    kept = {row["id"] for row in accepted}
    arrivals = [(row["id"], row["story_id"]) for row in clean if row["id"] in kept]
    if number:
        record_arrivals(session, arrivals)
    else:
        session.info["newsroom_arrivals"] = arrivals
    arrived.stored = len(accepted)
    return arrived


def _problems(content: str, statuses: Sequence[str]) -> list[str]:
    """Why a local save would refuse this revision's document (empty: it would take it)."""
    try:
        document = document_from_json(content)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return [f"not a story document ({type(exc).__name__})"]
    return document_problems(document, statuses)


def _one_by_one(session: Session, rows: Sequence[dict[str, Any]],
                refused: list[Refusal]) -> list[dict[str, Any]]:
    """Store each revision in a savepoint of its own; list what the store refuses."""
    out: set[str] = set()
    accepted: list[dict[str, Any]] = []
    for row in rows:
        parents = json.loads(row["parents"])
        held_parent = next((p for p in parents if p in out), None)
        if held_parent is not None:
            out.add(row["id"])
            refused.append(Refusal(row["id"], row["story_id"],
                                   f"it follows a change that is held ({held_parent[:12]})", ""))
            continue
        try:
            with session.begin_nested():
                insert_rows(session, table_of(Revision), [row], ignore=True)
                insert_rows(session, table_of(RevisionParent), _edges([row]), ignore=True)
        except DBAPIError as exc:
            said = _refusal(exc)
            if said is None or said.code != _REFUSED:
                raise
            out.add(row["id"])
            refused.append(Refusal(row["id"], row["story_id"], said.message, said.need_role))
            continue
        accepted.append(row)
    return accepted


def fetch_transitions(session: Session, revision_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The workflow moves (who moved a story where, when, why) that made these revisions.

    A move is written in the same save as the revision it made, so it travels
    with that revision: no sequence of its own is needed.
    """
    table = table_of(StoryTransition)
    rows: list[dict[str, Any]] = []
    for part in chunks(revision_ids):
        rows.extend(dict(r._mapping) for r in session.execute(
            sa.select(table).where(
                table.c.revision_id.in_(list(part)))))
    return rows


def accept_transitions(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Store arriving workflow moves (each once, by id) of revisions this store holds."""
    ids = sorted({str(row["revision_id"]) for row in rows})
    held: set[str] = set()
    for part in chunks(ids):
        held.update(session.scalars(sa.select(Revision.id).where(
            Revision.id.in_(list(part)))))
    kept = [row for row in rows if row["revision_id"] in held]
    insert_ignore(session, table_of(StoryTransition), sorted(kept, key=lambda row: str(row["id"])))
    return len(kept)


@dataclass(frozen=True)
class Quarantined:
    """A revision kept apart on arrival, and why."""

    revision_id: str
    story_id: str
    author: str
    reason: str
    arrived_at: datetime

    def as_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"revision": self.revision_id, "story_id": self.story_id, "author": self.author,
                "reason": self.reason, "arrived_at": self.arrived_at.isoformat()}


def quarantined(session: Session, limit: int = 200) -> list[Quarantined]:
    """The latest revisions kept apart on arrival."""
    rows = session.execute(
        sa.select(QuarantinedRevision.id, QuarantinedRevision.story_id,
                  QuarantinedRevision.author, QuarantinedRevision.reason,
                  QuarantinedRevision.arrived_at)
        .order_by(QuarantinedRevision.arrived_at.desc(), QuarantinedRevision.id).limit(limit))
    return [Quarantined(*row) for row in rows]


def fetch_events(session: Session, ids: Sequence[str]) -> list[dict[str, Any]]:
    """Desk event rows by id, in the order given (ids that are not events are skipped)."""
    table = table_of(DeskEvent)
    found: dict[str, dict[str, Any]] = {}
    for part in chunks(ids):
        for row in session.execute(sa.select(table).where(table.c.id.in_(list(part)))):
            found[row.id] = dict(row._mapping)
    return [found[i] for i in ids if i in found]


def subjects_first(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Desk events in an order where each comes after the event it is about (a discard
    after the update it discards, a reply after its note), and otherwise by id.

    A secured central store judges an event by the one it is about (whose update is
    being discarded), so that one must be there first. Sorted by how many events of
    the batch lie on the way to it, then by id: one order for a batch, in O(n log n).
    """
    by_id = {row["id"]: row for row in rows}
    depth: dict[str, int] = {}
    for row in rows:
        chain: list[str] = []
        at = row["id"]
        while at not in depth and at in by_id and at not in chain:
            chain.append(at)
            at = by_id[at].get("subject") or ""
        known = depth.get(at, -1)
        for item in reversed(chain):
            known += 1
            depth[item] = known
    return sorted(rows, key=lambda row: (depth[row["id"]], row["id"]))


def accept_events(session: Session, rows: Sequence[dict[str, Any]], *, reference: datetime,
                  number: bool = True, refused: list[Refusal] | None = None) -> Arrived:
    """Store arriving desk events: checked against their ids and as a local write would be.

    Like :func:`accept_revisions`: an event a local write would never make is
    quarantined; with ``refused`` (a secured central refused the batch) each is
    stored on its own and the refused ones are listed.
    """
    from cms.desk.events import EVENT_COLUMNS, address_of, event_problems, project

    arrived = Arrived()
    statuses = load_rules(session).statuses
    clean: list[dict[str, Any]] = []
    apart: list[dict[str, Any]] = []
    for row in rows:
        if address_of(row) != row["id"]:
            raise SyncError(f"desk event {row['id'][:12]} arrived damaged (it does not match "
                            "its id); nothing from this batch was stored")
        hlc, _, late = clock.relabel(row["hlc"], reference, row["created_at"])
        arrived.relabelled += late
        problems = event_problems(row, statuses)
        if problems:
            arrived.quarantined.append(row["id"])
            apart.append({"id": row["id"], "story_id": row["story_id"], "parents": "[]",
                          "author": row["author"], "replica_id": row["replica_id"],
                          "created_at": row["created_at"], "hlc": hlc,
                          "message": f"desk event: {row['kind']}", "content": row["body"],
                          "reason": "; ".join(problems)[:2000], "arrived_at": reference})
            continue
        clean.append({**{k: row[k] for k in EVENT_COLUMNS}, "hlc": hlc})
    insert_rows(session, table_of(QuarantinedRevision), apart, ignore=True)
    ordered = subjects_first(clean)
    if refused is None:
        insert_rows(session, table_of(DeskEvent), ordered, ignore=True)
        accepted = ordered
    else:
        accepted = []
        for row in ordered:
            try:
                with session.begin_nested():
                    insert_rows(session, table_of(DeskEvent), [row], ignore=True)
            except DBAPIError as exc:
                said = _refusal(exc)
                if said is None or said.code != _REFUSED:
                    raise
                refused.append(Refusal(row["id"], row["story_id"], said.message,
                                       said.need_role))
                continue
            accepted.append(row)
    arrivals = [(row["id"], row["story_id"]) for row in accepted]
    if number:
        record_arrivals(session, arrivals)
    else:
        session.info.setdefault("newsroom_arrivals", []).extend(arrivals)
    if not store_derives(session):
        project(session, sorted({row["story_id"] for row in accepted}))
    arrived.stored = len(accepted)
    return arrived
