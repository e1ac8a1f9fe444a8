"""The desk: editorial notes, assignments and updates to live stories, and who is editing.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03

- ``desk_events`` holds immutable, content-addressed events about a story — a
  note or a reply, resolving or reopening it, an assignment, a proposed update to
  a live story and what became of it. They replicate like revisions, in the same
  log: ``revision_seq`` now numbers revisions *and* desk events (its foreign key
  to ``revisions`` goes), so one cursor and one hash chain cover both.
- ``notes``, ``assignments`` and ``story_updates`` are projections of those
  events (rebuilt from them at any time), for listing and for ``newsroom desk``.
- ``presence`` says who has a story open for editing now; it lives on a central
  store, with a short lease, and is never replicated.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cms.timeutil import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _log_without_foreign_key() -> sa.Table:
    return sa.Table(
        "revision_seq", sa.MetaData(),
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("revision_id", sa.String(64), nullable=False, unique=True),
        sa.Column("story_id", sa.String(36), nullable=False),
        sa.Column("chain", sa.String(64), nullable=False),
    )


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        names = [fk["name"] for fk in sa.inspect(bind).get_foreign_keys("revision_seq")]
        for name in names:
            if name:
                op.drop_constraint(name, "revision_seq", type_="foreignkey")
    else:
        with op.batch_alter_table("revision_seq", recreate="always",
                                  copy_from=_log_without_foreign_key()) as batch:
            batch.create_index("ix_revision_seq_story_id", ["story_id"])
    op.create_table(
        "desk_events",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("story_id", sa.String(36), nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False, index=True),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("replica_id", sa.String(36), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("hlc", sa.String(40), nullable=False, index=True),
        sa.Column("body", sa.Text(), nullable=False),
    )
    op.create_index("ix_stories_created_by", "stories", ["created_by"])
    op.create_table(
        "notes",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("story_id", sa.String(36), nullable=False, index=True),
        sa.Column("reply_to", sa.String(64), nullable=True, index=True),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.Column("paragraph", sa.Integer(), nullable=True),
        sa.Column("addressed", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("hlc", sa.String(40), nullable=False),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.Column("resolved_by", sa.String(64), nullable=True),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("state_hlc", sa.String(40), nullable=False),
    )
    op.create_table(
        "note_recipients",
        sa.Column("note_id", sa.String(64), primary_key=True),
        sa.Column("person", sa.String(64), primary_key=True, index=True),
    )
    op.create_table(
        "assignments",
        sa.Column("story_id", sa.String(36), primary_key=True),
        sa.Column("person", sa.String(64), primary_key=True, index=True),
        sa.Column("due", UTCDateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("assigned_by", sa.String(64), nullable=False),
        sa.Column("assigned_at", UTCDateTime(), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("hlc", sa.String(40), nullable=False),
    )
    op.create_table(
        "story_updates",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("story_id", sa.String(36), nullable=False, index=True),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("hlc", sa.String(40), nullable=False),
        sa.Column("base_revision", sa.String(64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("go_live_at", UTCDateTime(), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("applied_revision", sa.String(64), nullable=True),
    )
    op.create_index("ix_story_updates_state_go_live_at", "story_updates", ["state", "go_live_at"])
    op.create_table(
        "presence",
        sa.Column("story_id", sa.String(36), primary_key=True),
        sa.Column("replica_id", sa.String(36), primary_key=True),
        sa.Column("person", sa.String(64), nullable=False),
        sa.Column("since", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False, index=True),
    )
    if bind.dialect.name == "postgresql":
        from cms.sync.security import reinstall_if_secured

        reinstall_if_secured(bind)


def downgrade() -> None:
    op.drop_index("ix_stories_created_by", "stories")
    op.drop_index("ix_story_updates_state_go_live_at", "story_updates")
    for table in ("presence", "story_updates", "assignments", "note_recipients", "notes",
                  "desk_events"):
        op.drop_table(table)
