"""A story's own language: ``stories.language`` projects the document's ``language``.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

A story document may name its language (a BCP 47 tag such as ``en-GB`` or
``ko``); empty means the desk's (``settings.language``). The export, the feeds
and the spellchecker read it from ``stories`` without opening revisions. Every
earlier document has no language (the key is absent from its canonical form,
so its revision id is unchanged): the column starts empty everywhere.

On a secured central store the projection trigger copies the new column from
the revision like every other field, so the policies are installed again.

The downgrade drops the column in place. On SQLite that is the native ``DROP
COLUMN`` (SQLite 3.35 or later): a batch rebuild of ``stories`` would drop the
full-text search triggers of 0001, and stories saved afterwards would never be
found. On a secured PostgreSQL central the projection trigger installed by this
Newsroom writes ``language``: after a downgrade, the older Newsroom's ``central
init`` (run by the owner) installs its own policies again, as their version
differs (:data:`cms.policy.POLICY_VERSION`).
"""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column("stories", sa.Column("language", sa.String(35), nullable=False,
                                       server_default=""))
    if bind.dialect.name == "postgresql":
        from cms.sync.security import reinstall_if_secured

        reinstall_if_secured(bind)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite" and sqlite3.sqlite_version_info < (3, 35):
        raise RuntimeError(
            f"downgrading below 0008 needs SQLite 3.35 or later (this is "
            f"{sqlite3.sqlite_version}): an older one would rebuild the stories table "
            "and lose its search triggers")
    op.drop_column("stories", "language")
