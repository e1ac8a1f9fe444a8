"""Plain JSON columns become SQLAlchemy ``JSON``: the code stops dumping and loading by hand.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

The columns here hold JSON that is never hashed, never compared as text and
never copied as text to another store: ``sync_state.last_report``,
``conflicts.heads`` and ``conflicts.fields``, ``revision_holds.wanted``,
``import_sources.notes`` and ``notes.addressed`` (a projection of the desk
events, whose bodies stay canonical text). Canonical text (revisions, desk event
bodies, proposals, imported documents) and what the central store's triggers
write or read as text (``stories.tags``, ``stories.aliases``, ``blobs.meta``)
stay ``TEXT``.

On SQLite nothing changes: ``JSON`` is stored as ``TEXT`` there, and what the
earlier code wrote (``json.dumps`` text) is what the type reads. On PostgreSQL
the columns become ``json`` (each value kept as written, so the downgrade gives
back the same text). No trigger or policy reads them, so a secured central's
policies stay as they are.
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# (table, column) of every column this migration turns to ``json`` on PostgreSQL.
JSON_COLUMNS = (
    ("sync_state", "last_report"),
    ("conflicts", "heads"),
    ("conflicts", "fields"),
    ("revision_holds", "wanted"),
    ("import_sources", "notes"),
    ("notes", "addressed"),
)


def _retype(target: str) -> None:
    """Change every column of :data:`JSON_COLUMNS` to ``target``, converting each value."""
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite: JSON is TEXT, the stored text reads as it is
    for table, column in JSON_COLUMNS:
        op.execute(f'ALTER TABLE {table} ALTER COLUMN "{column}" TYPE {target} '
                   f'USING "{column}"::{target}')


def upgrade() -> None:
    _retype("json")


def downgrade() -> None:
    _retype("text")
