"""The first Newsroom schema: people and roles, workflow, stories, revisions, photos, links.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cms.timeutil import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ROLES = [
    ("reporter", 10, "Writes stories and submits them for editing."),
    ("editor", 20, "Edits stories and marks them ready."),
    ("desk_chief", 30, "Schedules, publishes, unpublishes, kills and corrects stories."),
    ("admin", 40, "Manages people and desk settings; can do everything."),
]
STATUSES = [
    ("draft", 0, False),
    ("edit", 1, False),
    ("ready", 2, False),
    ("scheduled", 3, False),
    ("published", 4, True),
    ("corrected", 5, True),
    ("killed", 6, False),
]
TRANSITIONS = [
    ("draft", "edit", "reporter"),
    ("edit", "draft", "reporter"),
    ("edit", "ready", "editor"),
    ("ready", "edit", "editor"),
    ("ready", "scheduled", "desk_chief"),
    ("scheduled", "ready", "desk_chief"),
    ("ready", "published", "desk_chief"),
    ("scheduled", "published", "desk_chief"),
    ("published", "edit", "desk_chief"),
    ("published", "corrected", "desk_chief"),
    ("corrected", "corrected", "desk_chief"),
    ("corrected", "edit", "desk_chief"),
    ("draft", "killed", "desk_chief"),
    ("edit", "killed", "desk_chief"),
    ("ready", "killed", "desk_chief"),
    ("scheduled", "killed", "desk_chief"),
    ("published", "killed", "desk_chief"),
    ("corrected", "killed", "desk_chief"),
    ("killed", "draft", "desk_chief"),
]

SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE story_search USING fts5(headline, standfirst, body, "
    "content='stories', content_rowid='pk', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER stories_search_insert AFTER INSERT ON stories BEGIN "
    "INSERT INTO story_search(rowid, headline, standfirst, body) "
    "VALUES (new.pk, new.headline, new.standfirst, new.body); END",
    "CREATE TRIGGER stories_search_delete AFTER DELETE ON stories BEGIN "
    "INSERT INTO story_search(story_search, rowid, headline, standfirst, body) "
    "VALUES ('delete', old.pk, old.headline, old.standfirst, old.body); END",
    "CREATE TRIGGER stories_search_update AFTER UPDATE OF headline, standfirst, body ON stories "
    "BEGIN "
    "INSERT INTO story_search(story_search, rowid, headline, standfirst, body) "
    "VALUES ('delete', old.pk, old.headline, old.standfirst, old.body); "
    "INSERT INTO story_search(rowid, headline, standfirst, body) "
    "VALUES (new.pk, new.headline, new.standfirst, new.body); END",
]
# The body is capped before indexing: a tsvector cannot exceed 1 MB, and a huge
# pasted body must not make the save fail.
POSTGRES_SEARCH = [
    "ALTER TABLE stories ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english'::regconfig, coalesce(headline, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(standfirst, '')), 'B') || "
    "setweight(to_tsvector('english'::regconfig, left(coalesce(body, ''), 200000)), 'C')"
    ") STORED",
    "CREATE INDEX ix_stories_search_vector ON stories USING gin (search_vector)",
]


def upgrade() -> None:
    op.create_table(
        "store_meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    op.create_table(
        "settings",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
    )
    roles = op.create_table(
        "roles",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
    )
    op.create_table(
        "people",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(32), sa.ForeignKey("roles.name"), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    statuses = op.create_table(
        "statuses",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
    )
    transitions = op.create_table(
        "workflow_transitions",
        sa.Column("from_status", sa.String(32), sa.ForeignKey("statuses.name"), primary_key=True),
        sa.Column("to_status", sa.String(32), sa.ForeignKey("statuses.name"), primary_key=True),
        sa.Column("min_role", sa.String(32), sa.ForeignKey("roles.name"), nullable=False),
    )
    op.create_table(
        "sections",
        sa.Column("slug", sa.String(100), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
    )
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("meta", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "revisions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("story_id", sa.String(36), nullable=False, index=True),
        sa.Column("parents", sa.Text(), nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("replica_id", sa.String(36), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("hlc", sa.String(40), nullable=False, index=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
    )
    op.create_table(
        "revision_parents",
        sa.Column(
            "revision_id",
            sa.String(64),
            sa.ForeignKey("revisions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("parent_id", sa.String(64), primary_key=True, index=True),
    )
    op.create_table(
        "story_transitions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("story_id", sa.String(36), nullable=False, index=True),
        sa.Column("from_status", sa.String(32), sa.ForeignKey("statuses.name"), nullable=False),
        sa.Column("to_status", sa.String(32), sa.ForeignKey("statuses.name"), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("revision_id", sa.String(64), nullable=False),
    )
    op.create_table(
        "stories",
        sa.Column("pk", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(36), nullable=False, unique=True),
        sa.Column("slug", sa.String(200), nullable=False, unique=True),
        sa.Column("headline", sa.Text(), nullable=False),
        sa.Column("standfirst", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("byline", sa.String(300), nullable=False),
        sa.Column("dateline", sa.String(200), nullable=False),
        sa.Column("section", sa.String(100), sa.ForeignKey("sections.slug"), nullable=True),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("status", sa.String(32), sa.ForeignKey("statuses.name"), nullable=False),
        sa.Column("publish_at", UTCDateTime(), nullable=True),
        sa.Column("embargo_until", UTCDateTime(), nullable=True),
        sa.Column("correction", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("revision_id", sa.String(64), sa.ForeignKey("revisions.id"), nullable=False),
        sa.Column("word_count", sa.Integer(), nullable=False),
    )
    op.create_index("ix_stories_status_publish_at", "stories", ["status", "publish_at"])
    op.create_index("ix_stories_updated_at", "stories", ["updated_at"])
    op.create_index("ix_stories_section", "stories", ["section"])
    op.create_table(
        "story_tags",
        sa.Column(
            "story_id",
            sa.String(36),
            sa.ForeignKey("stories.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("tag", sa.String(100), primary_key=True, index=True),
    )
    op.create_table(
        "photo_placements",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "story_id",
            sa.String(36),
            sa.ForeignKey("stories.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column(
            "sha256", sa.String(64), sa.ForeignKey("blobs.sha256"), nullable=False, index=True
        ),
        sa.Column("caption", sa.Text(), nullable=False),
        sa.Column("credit", sa.String(300), nullable=False),
        sa.Column("alt", sa.Text(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
    )
    op.create_table(
        "related_links",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "story_id",
            sa.String(36),
            sa.ForeignKey("stories.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("target_story_id", sa.String(36), nullable=True, index=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("visible_from", UTCDateTime(), nullable=True),
        sa.Column("visible_until", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("story_id", "position"),
    )

    op.bulk_insert(roles, [{"name": n, "rank": r, "description": d} for n, r, d in ROLES])
    op.bulk_insert(
        statuses, [{"name": n, "position": p, "public": pub} for n, p, pub in STATUSES]
    )
    op.bulk_insert(
        transitions,
        [{"from_status": f, "to_status": t, "min_role": r} for f, t, r in TRANSITIONS],
    )

    dialect = op.get_bind().dialect.name
    for statement in SQLITE_SEARCH if dialect == "sqlite" else POSTGRES_SEARCH:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("stories_search_insert", "stories_search_delete", "stories_search_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS story_search")
    for table in (
        "related_links",
        "photo_placements",
        "story_tags",
        "stories",
        "story_transitions",
        "revision_parents",
        "revisions",
        "blobs",
        "sections",
        "workflow_transitions",
        "statuses",
        "people",
        "roles",
        "settings",
        "store_meta",
    ):
        op.drop_table(table)
