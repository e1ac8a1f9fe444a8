"""Full-text search over headline, standfirst and body, ranked, with a snippet.

SQLite uses the FTS5 index ``story_search`` (kept current by triggers);
PostgreSQL uses the generated ``search_vector`` column with a GIN index. Both
ignore case and accents (FTS5's ``remove_diacritics``; on PostgreSQL the
``newsroom_search`` configuration, English stemming after ``unaccent``: see
migration 0004), so ``seoul`` finds "Séoul" on either. Both get the same small
query language: words (all must match), ``"exact phrases"``,
``-excluded`` words, and an optional prefix match on the last word for
search-as-you-type.

Ranking cost grows with the number of matches, so a word found in most of a
large archive ("said", "government") would make every search slow. Matches are
therefore ranked within the newest :data:`RANK_WINDOW` stories that contain
them: for a selective query that is every match; for a very common one, the
best of the most recent — what a desk searching its archive wants anyway.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms.errors import UsageError
from cms.timeutil import UTCDateTime

MARK_START = "\x02"
MARK_END = "\x03"
_TOKEN_RE = re.compile(r'(-?)"([^"]*)"|(-?)([^\s"]+)')
_WORD_RE = re.compile(r"\w+", re.UNICODE)
MAX_QUERY = 500
RANK_WINDOW = 10_000


@dataclass(frozen=True)
class SearchHit:
    """A story that matched, best first."""

    story_id: str
    slug: str
    headline: str
    status: str
    section: str | None
    updated_at: datetime
    rank: float
    snippet: str  # matched words between MARK_START and MARK_END

    def snippet_text(self, before: str = "[", after: str = "]") -> str:
        """The snippet with the match markers replaced (plain text for the CLI)."""
        return self.snippet.replace(MARK_START, before).replace(MARK_END, after)

    def snippet_html(self) -> str:
        """The snippet as HTML with ``<mark>`` around matches (escaped; safe to show)."""
        from html import escape

        return (
            escape(self.snippet)
            .replace(MARK_START, "<mark>")
            .replace(MARK_END, "</mark>")
        )


@dataclass(frozen=True)
class Term:
    """One parsed query element: a phrase of one or more words, maybe negated."""

    words: tuple[str, ...]
    negated: bool = False


def parse_query(query: str) -> list[Term]:
    """Split a user query into terms; punctuation and operators are treated as text."""
    if len(query) > MAX_QUERY:
        raise UsageError(f"the search is longer than {MAX_QUERY} characters")
    terms: list[Term] = []
    for match in _TOKEN_RE.finditer(query):
        negated = bool(match.group(1) or match.group(3))
        text = match.group(2) if match.group(2) is not None else match.group(4)
        words = tuple(w.lower() for w in _WORD_RE.findall(text or ""))
        if words:
            terms.append(Term(words, negated))
    if terms and all(t.negated for t in terms):
        raise UsageError("a search needs at least one word that is not excluded")
    return terms


def _fts5_expression(terms: list[Term], prefix: bool) -> str:
    positive = [t for t in terms if not t.negated]
    negative = [t for t in terms if t.negated]

    def phrase(term: Term, is_last: bool) -> str:
        quoted = '"' + " ".join(term.words) + '"'
        return quoted + ("*" if is_last and prefix and len(term.words) == 1 else "")

    parts = [phrase(t, i == len(positive) - 1) for i, t in enumerate(positive)]
    expression = " AND ".join(parts)
    for term in negative:
        expression = f"({expression}) NOT {phrase(term, False)}"
    return expression


def _tsquery_expression(terms: list[Term], prefix: bool) -> str:
    positive = [t for t in terms if not t.negated]

    def lexemes(term: Term, is_last: bool) -> str:
        # Words are \w+ only, so quoting them in a tsquery literal is safe.
        quoted = [f"'{w}'" for w in term.words]
        if is_last and prefix and not term.negated:
            quoted[-1] += ":*"
        joined = " <-> ".join(quoted)
        return f"!({joined})" if term.negated else f"({joined})"

    ordered = positive + [t for t in terms if t.negated]
    return " & ".join(
        lexemes(t, t is positive[-1] if positive else False) for t in ordered
    )


def search(
    session: Session,
    query: str,
    *,
    limit: int = 20,
    offset: int = 0,
    prefix: bool = False,
    status: str | None = None,
) -> list[SearchHit]:
    """Stories matching ``query``, best first, each with a highlighted snippet."""
    terms = parse_query(query)
    if not terms:
        return []
    if limit <= 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        return _search_postgres(session, terms, limit, offset, prefix, status)
    return _search_sqlite(session, terms, limit, offset, prefix, status)


def _search_sqlite(
    session: Session, terms: list[Term], limit: int, offset: int, prefix: bool,
    status: str | None,
) -> list[SearchHit]:
    # Rank and page first; snippets are made only for the rows on the page.
    expression = _fts5_expression(terms, prefix)
    floor = session.execute(
        sa.text(
            "SELECT rowid FROM story_search WHERE story_search MATCH :q "
            "ORDER BY rowid DESC LIMIT 1 OFFSET :window"
        ),
        {"q": expression, "window": RANK_WINDOW},
    ).scalar() or 0
    join_status = (
        "JOIN stories f ON f.pk = story_search.rowid AND f.status = :status" if status else ""
    )
    ranked = session.execute(
        sa.text(
            f"""
            SELECT story_search.rowid AS pk, bm25(story_search, 10.0, 4.0, 1.0) AS rank
            FROM story_search {join_status}
            WHERE story_search MATCH :q AND story_search.rowid > :floor
            ORDER BY rank LIMIT :limit OFFSET :offset
            """
        ),
        {"q": expression, "floor": floor, "limit": limit, "offset": offset, "status": status},
    ).all()
    if not ranked:
        return []
    # A second statement: joined to the ranking query, FTS5 would re-scan every match.
    details = session.execute(
        sa.text(
            """
            SELECT s.pk, s.id, s.slug, s.headline, s.status, s.section, s.updated_at,
                   snippet(story_search, -1, :ms, :me, '…', 16) AS snippet
            FROM story_search JOIN stories s ON s.pk = story_search.rowid
            WHERE story_search MATCH :q AND story_search.rowid IN :pks
            """
        )
        .bindparams(sa.bindparam("pks", expanding=True))
        .columns(updated_at=UTCDateTime()),
        {"q": expression, "pks": [row.pk for row in ranked], "ms": MARK_START, "me": MARK_END},
    ).all()
    by_pk = {row.pk: row for row in details}
    return [
        SearchHit(
            story_id=r.id, slug=r.slug, headline=r.headline, status=r.status,
            section=r.section, updated_at=r.updated_at, rank=-float(rank.rank),
            snippet=r.snippet or "",
        )
        for rank in ranked
        if (r := by_pk.get(rank.pk)) is not None
    ]


def _search_postgres(
    session: Session, terms: list[Term], limit: int, offset: int, prefix: bool,
    status: str | None,
) -> list[SearchHit]:
    where_status = "AND status = :status" if status else ""
    sql = sa.text(
        f"""
        WITH q AS (SELECT to_tsquery('newsroom_search', :q) AS query),
        window_floor AS (
            SELECT coalesce((
                SELECT s.pk FROM stories s, q WHERE s.search_vector @@ q.query
                ORDER BY s.pk DESC LIMIT 1 OFFSET :window), 0) AS pk
        ),
        ranked AS (
            SELECT s.pk, ts_rank_cd(s.search_vector, q.query, 32) AS rank
            FROM stories s, q, window_floor
            WHERE s.search_vector @@ q.query AND s.pk > window_floor.pk {where_status}
            ORDER BY rank DESC, s.pk DESC LIMIT :limit OFFSET :offset
        )
        SELECT s.id, s.slug, s.headline, s.status, s.section, s.updated_at, ranked.rank,
               ts_headline('newsroom_search',
                           coalesce(nullif(left(s.body, 20000), ''), s.standfirst, s.headline),
                           q.query,
                           'StartSel=' || :ms || ', StopSel=' || :me ||
                           ', MaxWords=24, MinWords=10, MaxFragments=1') AS snippet
        FROM ranked JOIN stories s ON s.pk = ranked.pk, q
        ORDER BY ranked.rank DESC, s.pk DESC
        """
    ).columns(updated_at=UTCDateTime())
    params = {
        "q": _tsquery_expression(terms, prefix), "limit": limit, "offset": offset,
        "ms": MARK_START, "me": MARK_END, "status": status, "window": RANK_WINDOW,
    }
    rows = session.execute(sql, params).all()
    return [
        SearchHit(
            story_id=r.id, slug=r.slug, headline=r.headline, status=r.status,
            section=r.section, updated_at=r.updated_at, rank=float(r.rank),
            snippet=r.snippet or "",
        )
        for r in rows
    ]
