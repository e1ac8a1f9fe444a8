"""Replication: the revision sequence, checkpoints, central push cursors and conflicts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

``revision_seq`` numbers every revision in the order it reached this store; the
number is allocated from a counter row inside the writing transaction, so on
PostgreSQL a transaction holding a lower number can never commit after one
holding a higher number (a pull by ``seq > cursor`` cannot skip a late commit).
Each row also carries a hash chain over the whole log up to it, which lets a
central store recognise two replicas that share one history (a copied file).
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

from cms.timeutil import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_counters",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("chain", sa.String(64), nullable=False),
    )
    seq = op.create_table(
        "revision_seq",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column(
            "revision_id",
            sa.String(64),
            sa.ForeignKey("revisions.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("story_id", sa.String(36), nullable=False, index=True),
        sa.Column("chain", sa.String(64), nullable=False),
    )
    op.create_table(
        "sync_state",
        sa.Column("central_id", sa.String(36), primary_key=True),
        sa.Column("central_url", sa.Text(), nullable=False),
        sa.Column("epoch", sa.String(36), nullable=False),
        sa.Column("pull_seq", sa.Integer(), nullable=False),
        sa.Column("pull_revision", sa.String(64), nullable=True),
        sa.Column("pushed_seq", sa.Integer(), nullable=False),
        sa.Column("refill", sa.Boolean(), nullable=False),
        sa.Column("last_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("last_success_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("last_report", sa.Text(), nullable=False),
    )
    op.create_table(
        "sync_replicas",
        sa.Column("incarnation", sa.String(36), primary_key=True),
        sa.Column("epoch", sa.String(36), primary_key=True),
        sa.Column("replica_id", sa.String(36), nullable=False),
        sa.Column("pushed_seq", sa.Integer(), nullable=False),
        sa.Column("pushed_chain", sa.String(64), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "sync_dirty",
        sa.Column("story_id", sa.String(36), primary_key=True),
    )
    op.create_table(
        "conflicts",
        sa.Column("story_id", sa.String(36), primary_key=True),
        sa.Column("local_revision", sa.String(64), nullable=False),
        sa.Column("other_revision", sa.String(64), nullable=False),
        sa.Column("base_revision", sa.String(64), nullable=True),
        sa.Column("heads", sa.Text(), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("proposal", sa.Text(), nullable=False),
        sa.Column("detected_at", UTCDateTime(), nullable=False),
    )

    # Number the revisions an older store already holds, oldest first.
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT id, story_id FROM revisions ORDER BY hlc, id")
    ).all()
    chain = ""
    numbered = []
    for number, (rev_id, story_id) in enumerate(rows, start=1):
        chain = hashlib.sha256(f"{chain}:{rev_id}".encode()).hexdigest()
        numbered.append(
            {"seq": number, "revision_id": rev_id, "story_id": story_id, "chain": chain}
        )
    if numbered:
        op.bulk_insert(seq, numbered)
    bind.execute(
        sa.text("INSERT INTO sync_counters (name, value, chain) VALUES ('revisions', :v, :c)"),
        {"v": len(numbered), "c": chain},
    )


def downgrade() -> None:
    for table in (
        "conflicts", "sync_dirty", "sync_replicas", "sync_state", "revision_seq", "sync_counters"
    ):
        op.drop_table(table)
