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
them (and have the status asked for, if one is): for a selective query that is
every match; for a very common one, the best of the most recent — what a desk
searching its archive wants anyway. Pages past the window go on with the older
matches, newest first, on both backends.

On PostgreSQL every step is bounded, whatever the size of the archive: the
newest matches are found through the indexes in spans of story keys walking
back from the newest (a common word stops after the first span, a rare one
costs an index lookup per span), a phrase's candidates through the index of
adjacent word pairs (migration 0007) rather than by reading every story with
both words, and snippets come from a short excerpt around the first match
rather than from parsing the whole body. Words of a phrase must be neighbours
on both backends; on PostgreSQL stop words between them ("president *of*
america") may be any stop words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms.errors import UsageError
from cms.timeutil import UTCDateTime

MARK_START = "\x02"
MARK_END = "\x03"
_TOKEN_RE = re.compile(r'(-?)"([^"]*)"|(-?)([^\s"]+)')
_WORD_RE = re.compile(r"\w+", re.UNICODE)
MAX_QUERY = 500
RANK_WINDOW = 500
FIRST_SPAN = 5_000  # PostgreSQL: story keys searched first, walking back from the newest
WORK_MEM = "64MB"  # PostgreSQL: keeps a common word's bitmap exact on a large archive
SNIPPET_SOURCE = 20_000  # characters of a body a snippet may come from
EXCERPT_BEFORE, EXCERPT_AFTER = 200, 800  # characters around a match ts_headline reads


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
        return quoted + ("*" if is_last and prefix else "")

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
    join_status = (
        "JOIN stories f ON f.pk = story_search.rowid AND f.status = :status" if status else ""
    )
    matches = f"FROM story_search {join_status} WHERE story_search MATCH :q"
    params = {"q": expression, "status": status, "window": RANK_WINDOW}
    floor = session.execute(
        sa.text(f"SELECT story_search.rowid {matches} "
                "ORDER BY story_search.rowid DESC LIMIT 1 OFFSET :window"),
        params,
    ).scalar() or 0
    columns = "SELECT story_search.rowid AS pk, bm25(story_search, 10.0, 4.0, 1.0) AS rank"
    ranked = list(session.execute(
        sa.text(f"{columns} {matches} AND story_search.rowid > :floor "
                "ORDER BY rank LIMIT :limit OFFSET :offset"),
        {**params, "floor": floor, "limit": limit, "offset": offset},
    ).all())
    if floor and len(ranked) < limit:  # past the window: the older matches, newest first
        ranked += session.execute(
            sa.text(f"{columns} {matches} AND story_search.rowid <= :floor "
                    "ORDER BY story_search.rowid DESC LIMIT :limit OFFSET :offset"),
            {**params, "floor": floor, "limit": limit - len(ranked),
             "offset": max(0, offset - RANK_WINDOW)},
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
    # Three bounded steps, whatever the size of the archive: the newest
    # RANK_WINDOW matches (found through the indexes, never read whole), their
    # rank (one vector read each), and snippets for the page's rows only. Few
    # round trips: on a busy server each one waits its turn.
    positive = [t for t in terms if not t.negated]
    prepared = session.execute(
        sa.text(
            """
            WITH before AS MATERIALIZED (
                SELECT current_setting('enable_indexscan') AS indexscan,
                       current_setting('enable_seqscan') AS seqscan,
                       current_setting('work_mem') AS work_mem
            )
            SELECT before.indexscan, before.seqscan, before.work_mem,
                   set_config('work_mem', :mem, true) AS planner_work_mem,
                   set_config('enable_indexscan', 'off', true) AS planner_indexscan,
                   set_config('enable_seqscan', 'off', true) AS planner_seqscan,
                   CAST(to_tsquery('newsroom_search', :q) AS text) AS query,
                   CAST(to_tsquery('newsroom_search', :positive) AS text) AS positive,
                   (SELECT max(pk) FROM stories) AS newest,
                   (SELECT coalesce(string_agg(DISTINCT quote_literal(pair), ' & '), '')
                    FROM unnest(CAST(:phrases AS text[])) AS phrase,
                         unnest(tsvector_to_array(search_word_pairs(
                             to_tsvector('newsroom_search', phrase)))) AS pair) AS pairs
            FROM before
            """
        ),
        {"mem": WORK_MEM, "q": _tsquery_expression(terms, prefix),
         "positive": _tsquery_expression(positive, prefix),
         "phrases": _phrases(positive, prefix)},
    ).one()
    planner = {"indexscan": prepared.indexscan, "seqscan": prepared.seqscan,
               "work_mem": prepared.work_mem}
    pks = (_newest_matches(session, prepared.query, prepared.pairs, int(prepared.newest), status,
                           RANK_WINDOW)
           if prepared.query and prepared.newest is not None else [])  # else only stop words
    older: list[int] = []
    if len(pks) == RANK_WINDOW and offset + limit > RANK_WINDOW:
        # Past the ranked window, the page goes on with the older matches, newest first.
        skip = max(0, offset - RANK_WINDOW)
        need = skip + limit - max(0, min(limit, RANK_WINDOW - offset))
        older = _newest_matches(session, prepared.query, prepared.pairs, min(pks) - 1, status,
                                need)[skip:]
    rows = _ranked(session, (prepared.query, prepared.positive), (pks, older), limit, offset,
                   planner)
    snippets = _headlines(session, prepared.query, prepared.positive,
                          [(r.text or "", r.text_matches) for r in rows])
    return [
        SearchHit(
            story_id=r.id, slug=r.slug, headline=r.headline, status=r.status,
            section=r.section, updated_at=r.updated_at, rank=float(r.rank), snippet=snippet,
        )
        for r, snippet in zip(rows, snippets, strict=True)
    ]


def _ranked(session: Session, queries: tuple[str, str], pks: tuple[list[int], list[int]],
            limit: int, offset: int, planner: dict[str, str]) -> list[sa.Row[Any]]:
    """The page of the window's keys best ranked, then the older keys newest first, with
    the text their snippets come from and whether the query's positive part matches in
    it (from the indexed words of that field: a match only in the headline is not looked
    for in the body); the planner settings put back as they were (always: the settings
    row drives the join)."""
    rows = session.execute(
        sa.text(
            """
            WITH planner AS MATERIALIZED (
                SELECT set_config('enable_indexscan', :indexscan, true) AS indexscan,
                       set_config('enable_seqscan', :seqscan, true) AS seqscan,
                       set_config('work_mem', :work_mem, true) AS work_mem
            ),
            ranked AS (
                (SELECT pk, ts_rank_cd(search_vector, CAST(:q AS tsquery), 32) AS rank,
                        0 AS tier
                 FROM stories WHERE pk = ANY(:pks)
                 ORDER BY rank DESC, pk DESC LIMIT :limit OFFSET :offset)
                UNION ALL
                SELECT pk, ts_rank_cd(search_vector, CAST(:q AS tsquery), 32), 1
                FROM stories WHERE pk = ANY(:older)
            )
            SELECT s.id, s.slug, s.headline, s.status, s.section, s.updated_at, ranked.rank,
                   coalesce(nullif(left(s.body, :longest), ''), s.standfirst, s.headline)
                       AS text,
                   ts_filter(s.search_vector, CASE
                       WHEN nullif(s.body, '') IS NOT NULL THEN CAST('{c}' AS "char"[])
                       WHEN nullif(s.standfirst, '') IS NOT NULL THEN CAST('{b}' AS "char"[])
                       ELSE CAST('{a}' AS "char"[]) END) @@ CAST(:positive AS tsquery)
                       AS text_matches
            FROM planner LEFT JOIN (ranked JOIN stories s ON s.pk = ranked.pk) ON true
            ORDER BY ranked.tier, CASE WHEN ranked.tier = 0 THEN ranked.rank END DESC,
                     s.pk DESC
            """
        ).columns(updated_at=UTCDateTime()),
        {"q": queries[0] or "", "positive": queries[1] or "", "pks": pks[0], "older": pks[1],
         "limit": limit, "offset": offset, "longest": SNIPPET_SOURCE, **planner},
    ).all()
    return [row for row in rows if row.id is not None]


def _phrases(positive: list[Term], prefix: bool) -> list[str]:
    """The query's phrases, for the adjacent-pair index of migration 0007 (a phrase's
    last word typed as a prefix is left out: its lexeme is not known yet)."""
    phrases = [
        " ".join(t.words[:-1] if prefix and t is positive[-1] else t.words)
        for t in positive if len(t.words) > 1
    ]
    return [phrase for phrase in phrases if " " in phrase]


def _newest_matches(session: Session, query: str, pairs: str, newest: int,
                    status: str | None, wanted: int) -> list[int]:
    """The keys of the ``wanted`` newest matching stories up to key ``newest``, newest
    first (:data:`RANK_WINDOW` of them for the window ranked).

    Searched in spans of keys walking back from the newest story, each eight times the
    last: a common word fills the window from the first span, so only its newest
    matches are read; a rare one costs an index lookup per span. The query text is
    a materialized CTE so the planner cannot tell a common word from a rare one: the
    plan stays the same. Plain and sequential scans are switched off meanwhile (by the
    caller, for this transaction, put back by :func:`_ranked`): for a
    small span the planner would walk the key index and test each story's vector,
    reading every one whole (its cost model does not see that); bitmaps from the
    indexes read only the matches.
    """
    conditions = ["s.pk > :low", "s.pk <= :high", "s.search_vector @@ q.query"]
    if pairs:
        # The pair index finds the candidates; the phrase itself is then checked on
        # them alone, as a filter (the function form is not indexable): ANDed with the
        # word index, its recheck would recompute every candidate's pairs.
        conditions[2] = "ts_match_vq(s.search_vector, q.query)"
        conditions.append("search_word_pairs(s.search_vector) @@ q.pairs")
    if status:
        conditions.append("s.status = :status")
    pairs_column = ", CAST(:pairs AS tsquery) AS pairs" if pairs else ""
    statement = sa.text(
        f"WITH q AS MATERIALIZED (SELECT CAST(:q AS tsquery) AS query{pairs_column}) "
        f"SELECT s.pk FROM stories s, q WHERE {' AND '.join(conditions)} "
        "ORDER BY s.pk DESC LIMIT :need"
    )
    found: list[int] = []
    high, span = newest, FIRST_SPAN
    while high > 0 and len(found) < wanted:
        low = max(0, high - span)
        found.extend(session.execute(statement, {
            "q": query, "pairs": pairs, "status": status, "low": low, "high": high,
            "need": wanted - len(found),
        }).scalars())
        high, span = low, span * 8
    return found


def _sequences(positive: str) -> list[list[str]]:
    """The lexeme sequences of a positive tsquery's text (``'a' <-> 'b' & 'c'``)."""
    parts = [re.findall(r"'((?:[^']|'')*)'", part) for part in positive.split(" & ")]
    return [[lexeme.replace("''", "'") for lexeme in part] for part in parts if part]


def _folded(text: str) -> str:
    """``text`` lower-cased and without accents, each character kept in its place."""
    if text.isascii():
        return text.lower()
    return "".join(_fold_char(c) for c in text)


def _fold_char(char: str) -> str:
    base = unicodedata.normalize("NFKD", char)[0]
    lower = base.lower()
    return lower if len(lower) == 1 else base


def _stems(sequence: list[str]) -> list[str]:
    """The prefixes the sequence's words are looked for by: a stem is mostly a prefix of
    its words, but for a changed last letter ("happi")."""
    return [lexeme[:-1] if len(lexeme) > 3 else lexeme for lexeme in sequence]


def _first_match(folded: str, stems: list[str]) -> int | None:
    """Where in ``folded`` words starting with ``stems`` seem to follow each other in
    order, a stop word or two apart at most; ``None`` if nowhere.

    One pass over the words from the first stem's first place, never backtracking (a
    regular expression with a lazy gap tried every way to skip words, 3**k ways for a
    phrase of k words): for each stem, the latest word a chain reached it at, which
    serves every following word at least as well as an earlier one would."""
    places = [re.search(r"\b" + re.escape(stem), folded) for stem in stems]
    if not all(places) or places[0] is None:
        return None
    if len(stems) == 1:
        return places[0].start()
    ends, origins = [-4] * len(stems), [0] * len(stems)
    for j, match in enumerate(_WORD_RE.finditer(folded, places[0].start())):
        word = match.group()
        for stage in range(len(stems) - 1, 0, -1):  # latest stage first: one step a word
            if ends[stage - 1] >= j - 3 and word.startswith(stems[stage]):
                ends[stage], origins[stage] = j, origins[stage - 1]
        if word.startswith(stems[0]):
            ends[0], origins[0] = j, match.start()
        if ends[-1] == j:
            return origins[-1]
    return None


def _excerpt(text: str, sequences: list[list[str]]) -> tuple[str, bool]:
    """The part of ``text`` around the first place the query's words seem to match
    (folded, stem-prefix), and whether one was seen; the whole text otherwise.
    Parsing a whole long body for its snippet is what costs; this is a guess
    ``ts_headline`` then confirms."""
    folded = _folded(text)
    found = [place for sequence in sequences
             if sequence and (place := _first_match(folded, _stems(sequence))) is not None]
    if not found:
        return text, False
    start = text.rfind(" ", 0, max(0, min(found) - EXCERPT_BEFORE)) + 1
    return text[start:min(found) + EXCERPT_AFTER], True


def _headlines(session: Session, query: str, positive: str,
               texts: list[tuple[str, bool]]) -> list[str]:
    """Snippets for ``texts``: ``ts_headline`` over a short excerpt around the match,
    over the whole text when no match was seen in it (the words fold or stem otherwise
    in Python than in PostgreSQL: "대통령", "Straße", "skies") or the excerpt guessed
    wrong (nothing marked in it). A text the query does not match in (the match is in
    the headline) gives its start."""
    sequences = _sequences(positive)
    excerpts = [_excerpt(text, sequences) if matches else (text[:EXCERPT_AFTER], False)
                for text, matches in texts]
    snippets = _ts_headline(session, query, [excerpt for excerpt, _ in excerpts])
    retry = [i for i, (snippet, (_, guessed)) in enumerate(zip(snippets, excerpts, strict=True))
             if guessed and MARK_START not in snippet]
    if retry:
        for i, snippet in zip(retry, _ts_headline(session, query, [texts[i][0] for i in retry]),
                              strict=True):
            snippets[i] = snippet
    return snippets


def _ts_headline(session: Session, query: str, texts: list[str]) -> list[str]:
    if not texts:
        return []
    return [
        snippet or ""
        for snippet in session.execute(
            sa.text(
                "SELECT ts_headline('newsroom_search', t, CAST(:q AS tsquery), "
                "'StartSel=' || :ms || ', StopSel=' || :me || "
                "', MaxWords=24, MinWords=10, MaxFragments=1') "
                "FROM unnest(CAST(:texts AS text[])) WITH ORDINALITY AS x(t, n) ORDER BY n"
            ),
            {"q": query, "texts": texts, "ms": MARK_START, "me": MARK_END},
        ).scalars()
    ]
