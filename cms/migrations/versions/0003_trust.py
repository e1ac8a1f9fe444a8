"""Trust: logins for people, held and quarantined revisions, the central audit log.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03

- ``people.login`` names the PostgreSQL login a person acts as on a secured
  central store (``newsroom central init URL --secure``); on such a desk the
  person acting is the login, never a name a client claims.
- ``revision_holds`` marks local revisions the central store refused for lack of
  rights: they stay in the store (nothing is lost) but are no longer heads, are
  never sent again, and settle once someone with the role makes the move.
- ``quarantined_revisions`` keeps revisions that arrived by sync with values a
  local save would refuse (a slug leaving the site, a ``javascript:`` link…):
  kept with the reason, never part of the revision graph or of ``stories``.
- ``central_audit`` is the append-only record a secured central keeps of every
  accepted revision, move, setting and people change, with the database login.

On a secured central store the policies (grants, row-level security, triggers)
are installed again by every upgrade: see :mod:`cms.sync.security`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cms.timeutil import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("login", sa.String(63), nullable=True))
        batch.create_unique_constraint("uq_people_login", ["login"])
    op.create_table(
        "revision_holds",
        sa.Column("revision_id", sa.String(64), primary_key=True),
        sa.Column("story_id", sa.String(36), nullable=False, index=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("need_role", sa.String(32), nullable=True),
        sa.Column("wanted", sa.Text(), nullable=False),
        sa.Column("held_at", UTCDateTime(), nullable=False),
        sa.Column("settled_at", UTCDateTime(), nullable=True),
    )
    op.create_table(
        "quarantined_revisions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("story_id", sa.String(36), nullable=False, index=True),
        sa.Column("parents", sa.Text(), nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("replica_id", sa.String(36), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("hlc", sa.String(40), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("arrived_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "central_audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("login", sa.String(63), nullable=False),
        sa.Column("person", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("story_id", sa.String(36), nullable=True, index=True),
        sa.Column("revision_id", sa.String(64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
    )
    op.create_index("ix_central_audit_at", "central_audit", ["at"])
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from cms.sync.security import reinstall_if_secured

        reinstall_if_secured(bind)


def downgrade() -> None:
    op.drop_index("ix_central_audit_at", "central_audit")
    for table in ("central_audit", "quarantined_revisions", "revision_holds"):
        op.drop_table(table)
    with op.batch_alter_table("people") as batch:
        batch.drop_constraint("uq_people_login", type_="unique")
        batch.drop_column("login")
