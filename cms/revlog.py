"""The store's log: every revision and desk event that reached it, numbered, with a hash chain.

Every item that reaches a store (saved here, pulled, or pushed into a central
store) gets the next number from the ``sync_counters`` row. The counter is
updated inside the same transaction that writes the items, so on PostgreSQL the
row lock makes transactions commit in number order: a reader that has seen
number N has seen every number below it. Each row also extends a hash chain over
the log, so two stores can tell in one comparison whether they share a history.
A sync pushes a replica's log and pulls a central store's (:mod:`cms.sync`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms.models import RevisionSeq, SyncCounter, table_of
from cms.sqlutil import chunks, insert_rows
from cms.store import store_derives

COUNTER = "revisions"


def record_arrivals_function(qualifiers: str) -> str:
    """The PostgreSQL function that numbers arrivals in one statement (SQL text).

    ``qualifiers`` follow ``LANGUAGE plpgsql``: empty on an ordinary store, the
    ``SECURITY DEFINER`` clause on a secured central (:mod:`cms.sync.security`).
    The counter row is locked first, so the ids found still unnumbered cannot be
    numbered by another transaction meanwhile; everything after runs on the
    server, and the caller commits right after: the lock never waits on a client.
    """
    return f"""
CREATE OR REPLACE FUNCTION newsroom_record_arrivals(ids text[]) RETURNS int[]
LANGUAGE plpgsql {qualifiers} AS $$
DECLARE
  fresh text[];
  top int;
  link text;
  numbers int[] := '{{}}';
  rid text;
BEGIN
  PERFORM 1 FROM sync_counters WHERE name = '{COUNTER}' FOR UPDATE;
  SELECT array_agg(x.id ORDER BY x.n) INTO fresh
    FROM (SELECT DISTINCT ON (u.id) u.id, u.n
            FROM unnest(ids) WITH ORDINALITY AS u(id, n)
           WHERE (EXISTS (SELECT 1 FROM revisions r WHERE r.id = u.id)
                  OR EXISTS (SELECT 1 FROM desk_events e WHERE e.id = u.id))
             AND NOT EXISTS (SELECT 1 FROM revision_seq s WHERE s.revision_id = u.id)
           ORDER BY u.id, u.n) AS x;
  IF fresh IS NULL THEN
    RETURN numbers;
  END IF;
  UPDATE sync_counters SET value = value + cardinality(fresh) WHERE name = '{COUNTER}'
  RETURNING value, chain INTO top, link;
  top := top - cardinality(fresh);
  FOREACH rid IN ARRAY fresh LOOP
    top := top + 1;
    link := encode(sha256(convert_to(link || ':' || rid, 'UTF8')), 'hex');
    INSERT INTO revision_seq (seq, revision_id, story_id, chain)
      SELECT top, rid, coalesce((SELECT r.story_id FROM revisions r WHERE r.id = rid),
                                (SELECT e.story_id FROM desk_events e WHERE e.id = rid)), link;
    numbers := numbers || top;
  END LOOP;
  UPDATE sync_counters SET chain = link WHERE name = '{COUNTER}';
  RETURN numbers;
END $$"""


def chain_step(previous: str, revision_id: str) -> str:
    """The chain value after appending ``revision_id`` to a log whose chain was ``previous``."""
    return hashlib.sha256(f"{previous}:{revision_id}".encode()).hexdigest()


def record_arrivals(session: Session, revisions: Sequence[tuple[str, str]]) -> list[int]:
    """Give the ``(revision_id, story_id)`` pairs that have no number yet the next numbers.

    Returns the numbers allocated (empty when all were known). Takes the counter
    row's lock until the transaction ends; call it last in a writing transaction.
    On PostgreSQL this is one statement (:func:`record_arrivals_function`), so
    the lock is held for it and the COMMIT only.
    """
    if not revisions:
        return []
    ids = [rev_id for rev_id, _ in revisions]
    if store_derives(session) or session.get_bind().dialect.name == "postgresql":
        # One server-side statement; on a secured central clients may not write the log.
        numbers = session.scalar(sa.select(sa.func.newsroom_record_arrivals(
            sa.cast(ids, sa.ARRAY(sa.Text)))))
        return [int(n) for n in numbers or ()]
    known: set[str] = set()
    for chunk in chunks(ids):
        known.update(
            session.scalars(sa.select(RevisionSeq.revision_id).where(
                RevisionSeq.revision_id.in_(chunk)))
        )
    fresh: list[tuple[str, str]] = []
    seen: set[str] = set()
    for rev_id, story_id in revisions:
        if rev_id not in known and rev_id not in seen:
            seen.add(rev_id)
            fresh.append((rev_id, story_id))
    if not fresh:
        return []
    counters = table_of(SyncCounter)
    # UPDATE first: on PostgreSQL this takes the row lock before we read the value.
    session.execute(
        sa.update(counters).where(counters.c.name == COUNTER)
        .values(value=counters.c.value + len(fresh))
    )
    top, chain = session.execute(
        sa.select(counters.c.value, counters.c.chain).where(counters.c.name == COUNTER)
    ).one()
    first = top - len(fresh) + 1
    rows = []
    for offset, (rev_id, story_id) in enumerate(fresh):
        chain = chain_step(chain, rev_id)
        rows.append({"seq": first + offset, "revision_id": rev_id, "story_id": story_id,
                     "chain": chain})
    insert_rows(session, table_of(RevisionSeq), rows)
    session.execute(
        sa.update(counters).where(counters.c.name == COUNTER).values(chain=chain)
    )
    return [row["seq"] for row in rows]


def last_seq(session: Session) -> tuple[int, str]:
    """The newest number in this store's log and the chain up to it."""
    row = session.execute(
        sa.select(SyncCounter.value, SyncCounter.chain).where(SyncCounter.name == COUNTER)
    ).first()
    return (int(row[0]), str(row[1])) if row else (0, "")


def chain_at(session: Session, seq: int) -> str | None:
    """The chain value at number ``seq`` (``""`` for 0), or None when the log is shorter."""
    if seq == 0:
        return ""
    return session.scalar(sa.select(RevisionSeq.chain).where(RevisionSeq.seq == seq))


def revision_at(session: Session, seq: int) -> str | None:
    """The revision numbered ``seq`` in this store's log."""
    return session.scalar(sa.select(RevisionSeq.revision_id).where(RevisionSeq.seq == seq))


def log_after(session: Session, seq: int, limit: int) -> list[tuple[int, str, str]]:
    """Up to ``limit`` log entries ``(seq, revision_id, chain)`` after ``seq``, in order."""
    rows = session.execute(
        sa.select(RevisionSeq.seq, RevisionSeq.revision_id, RevisionSeq.chain)
        .where(RevisionSeq.seq > seq).order_by(RevisionSeq.seq).limit(limit)
    )
    return [(int(s), str(r), str(c)) for s, r, c in rows]


def log_entries_after(session: Session, seq: int, limit: int) -> list[tuple[int, str, str, str]]:
    """Like :func:`log_after`, with each entry's story: ``(seq, item_id, chain, story_id)``."""
    rows = session.execute(
        sa.select(RevisionSeq.seq, RevisionSeq.revision_id, RevisionSeq.chain,
                  RevisionSeq.story_id)
        .where(RevisionSeq.seq > seq).order_by(RevisionSeq.seq).limit(limit)
    )
    return [(int(s), str(r), str(c), str(t)) for s, r, c, t in rows]
