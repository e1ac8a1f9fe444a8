"""Small SQL helpers every store-writing module uses, on either dialect.

A leaf of the core (it imports only SQLAlchemy): the revision log, the
projection and sync all build on it without importing one another.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite

T = TypeVar("T")
CHUNK = 500  # ids in one IN (...) list: well under SQLite's and PostgreSQL's limits


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """``items`` in slices of at most ``size`` (for IN lists of bounded length)."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def dialect_insert(session: Session, table: sa.Table) -> postgresql.Insert | sqlite.Insert:
    """An ``INSERT`` for the session's dialect, which can take ``ON CONFLICT`` clauses."""
    # Imported per dialect: the PostgreSQL one (with its asyncpg driver) costs ~20 ms
    # to import, and a SQLite store never needs it.
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


def insert_ignore(session: Session, table: sa.Table, rows: Sequence[dict[str, object]]) -> None:
    """``INSERT … ON CONFLICT DO NOTHING`` on either dialect: replaying a write is harmless."""
    if not rows:
        return
    session.execute(dialect_insert(session, table).on_conflict_do_nothing(), list(rows))


def insert_rows(
    session: Session, table: sa.Table, rows: Sequence[dict[str, object]], *,
    ignore: bool = False,
) -> None:
    """Insert many rows with one prepared statement (``executemany``).

    psycopg 3 pipelines an executemany, so this is one round trip per batch on
    PostgreSQL. (Multi-row ``VALUES`` statements were measured slower: building
    and parsing the huge SQL text cost more than it saved.) ``ignore`` adds
    ``ON CONFLICT DO NOTHING`` so replaying a batch is harmless.
    """
    if not rows:
        return
    statement = dialect_insert(session, table)
    if ignore:
        statement = statement.on_conflict_do_nothing()
    session.execute(statement, list(rows))
