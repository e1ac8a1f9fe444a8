"""Scale: indexes for every query a sync, a partial copy and central search make,
and the revision log numbered by one server-side statement on PostgreSQL.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03

- ``story_transitions.revision_id``: every pull and push fetches the workflow
  moves of the revisions it carries by this column.
- ``revisions (author, story_id)``: a partial copy holds the stories its person
  touched; on a central store of a million stories that is an index lookup.
- ``stories.publish_at``: a partial copy holds stories published in the last N
  days or ahead, whatever their status (the older index leads with the status).
- On PostgreSQL, ``newsroom_record_arrivals(ids)`` numbers arrivals in the log
  in one statement, so a push holds the counter row for that statement and its
  COMMIT only, never across the network round trips of a client loop. A secured
  central store replaces it with its own definer version
  (:mod:`cms.sync.security`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    op.create_index("ix_story_transitions_revision_id", "story_transitions", ["revision_id"])
    op.create_index("ix_revisions_author_story", "revisions", ["author", "story_id"])
    op.create_index("ix_stories_publish_at", "stories", ["publish_at"])
    if bind.dialect.name == "postgresql":
        from cms.revlog import record_arrivals_function
        from cms.sync.security import reinstall_if_secured

        bind.execute(sa.text(record_arrivals_function("")))
        reinstall_if_secured(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.execute(sa.text("DROP FUNCTION IF EXISTS newsroom_record_arrivals(text[])"))
    op.drop_index("ix_stories_publish_at", "stories")
    op.drop_index("ix_revisions_author_story", "revisions")
    op.drop_index("ix_story_transitions_revision_id", "story_transitions")
