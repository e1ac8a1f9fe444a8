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
"""

from __future__ import annotations

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
    with op.batch_alter_table("stories") as batch:
        batch.drop_column("language")
