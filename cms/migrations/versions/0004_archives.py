"""Archives: story aliases, where imported stories came from, accent-blind search everywhere.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05

- ``stories.aliases`` projects the old URLs a story document keeps (JSON list),
  so that the export can write their redirect pages without reading revisions.
- ``import_sources`` remembers each imported story's source site, file, slug and
  language: re-imports match on it, never on a slug alone.
- PostgreSQL search becomes accent-insensitive as SQLite's FTS5 already is
  (``remove_diacritics 2``): a text search configuration ``newsroom_search``
  (English stemming after ``unaccent``) makes the search vector, the queries
  and the snippets alike. ``unaccent`` is a trusted extension (PostgreSQL 13+):
  the database owner may create it. A server without it keeps English search
  without accent folding rather than refusing to upgrade.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cms.timeutil import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SEARCH_CONFIG = "newsroom_search"
_VECTOR = (
    "ALTER TABLE stories ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('{config}'::regconfig, coalesce(headline, '')), 'A') || "
    "setweight(to_tsvector('{config}'::regconfig, coalesce(standfirst, '')), 'B') || "
    "setweight(to_tsvector('{config}'::regconfig, left(coalesce(body, ''), 200000)), 'C')"
    ") STORED"
)


def _postgres_search(config: str) -> None:
    op.execute("DROP INDEX IF EXISTS ix_stories_search_vector")
    op.execute("ALTER TABLE stories DROP COLUMN IF EXISTS search_vector")
    op.execute(_VECTOR.format(config=config))
    op.execute("CREATE INDEX ix_stories_search_vector ON stories USING gin (search_vector)")


def upgrade() -> None:
    op.add_column("stories", sa.Column("aliases", sa.Text(), nullable=False, server_default="[]"))
    op.create_table(
        "import_sources",
        sa.Column("story_id", sa.String(36), primary_key=True),
        sa.Column("site", sa.String(500), nullable=False),
        sa.Column("path", sa.String(1000), nullable=False),
        sa.Column("generator", sa.String(16), nullable=False),
        sa.Column("source_slug", sa.String(200), nullable=False),
        sa.Column("language", sa.String(35), nullable=False),
        sa.Column("translation_key", sa.String(500), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("revision_id", sa.String(64), nullable=False),
        sa.Column("imported_at", UTCDateTime(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.UniqueConstraint("site", "path", name="uq_import_sources_site_path"),
    )
    op.create_index("ix_import_sources_translation", "import_sources",
                    ["site", "translation_key"])
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    with bind.begin_nested() as savepoint:
        try:
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS unaccent"))
            unaccent = True
        except sa.exc.DBAPIError:  # not installed on the server, or not allowed
            savepoint.rollback()
            unaccent = False
    op.execute(f"CREATE TEXT SEARCH CONFIGURATION {SEARCH_CONFIG} (COPY = english)")
    if unaccent:
        op.execute(f"ALTER TEXT SEARCH CONFIGURATION {SEARCH_CONFIG} "
                   "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem")
    _postgres_search(SEARCH_CONFIG)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _postgres_search("english")
        op.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {SEARCH_CONFIG}")
    op.drop_index("ix_import_sources_translation", "import_sources")
    op.drop_table("import_sources")
    with op.batch_alter_table("stories") as batch:
        batch.drop_column("aliases")
