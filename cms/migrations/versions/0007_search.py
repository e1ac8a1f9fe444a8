"""Search that scales: an index of adjacent word pairs for phrases (PostgreSQL).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

A phrase query (``"economy election"``) made of common words matched, through
the search vector's GIN index, every story holding both words anywhere; each was
then read back whole (its vector detoasted) to check that the words stand side
by side. On a large archive that is most of the stories: seconds per search.

``search_word_pairs(vector)`` turns a story's search vector into the set of
its adjacent lexeme pairs (``'presid america'`` for "President of America":
stop words have no position of their own, so they do not break a pair), and a
GIN index over that expression finds the stories where a phrase's words are
neighbours; only those are read back to check the exact positions. SQLite's
FTS5 needs nothing: its phrase queries already use positions in the index.

The function's name has no ``newsroom_`` prefix on purpose: a secured central
store revokes those from PUBLIC (:mod:`cms.sync.security`), and this one must
stay callable by every login: each save of a story evaluates it for the index,
each phrase search for its query. It reads no table.
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

PAIRS_FUNCTION = """
CREATE OR REPLACE FUNCTION search_word_pairs(vector tsvector) RETURNS tsvector
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    words text[];
    pairs text[] := '{}';
BEGIN
    SELECT array_agg(w.lexeme ORDER BY w.pos) INTO words
    FROM (SELECT u.lexeme, unnest(u.positions) AS pos FROM unnest(vector) AS u) AS w;
    IF words IS NULL THEN
        RETURN ''::tsvector;
    END IF;
    FOR i IN 1 .. array_length(words, 1) - 1 LOOP
        pairs := pairs || (words[i] || ' ' || words[i + 1]);
    END LOOP;
    RETURN array_to_tsvector(pairs);
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(PAIRS_FUNCTION)
    op.execute("CREATE INDEX ix_stories_search_pairs ON stories "
               "USING gin (search_word_pairs(search_vector))")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_stories_search_pairs")
    op.execute("DROP FUNCTION IF EXISTS search_word_pairs(tsvector)")
