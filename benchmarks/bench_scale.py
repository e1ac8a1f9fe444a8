"""Scale figures: a PostgreSQL central of 10,000, 100,000 and 1,000,000 stories.

For each size (:mod:`benchmarks.scale_central` builds or reuses the central):
a new laptop's first sync with a 30-day window (about 10,000 stories, plus the
stories they link to) until it is ready to write, a sync with nothing to do,
search p50/p95 on the central and on the laptop, story list pages at the top and
deep down, and ``publish --due`` with 1,000 stories due on the central.

Sizes: 10,000 with ``--quick``; 10,000 and 100,000 otherwise; 1,000,000 too when
``NEWSROOM_BENCH_MILLION=1`` (its first build takes long on two cores and needs
about 15 GB; later runs reuse it). Needs ``NEWSROOM_BENCH_PG`` or
``NEWSROOM_TEST_PG``; without one the area reports that it was skipped.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from benchmarks.corpus import Corpus
from benchmarks.scale_central import AUTHOR, build_central
from benchmarks.timing import median, ms, percentile, timed
from cms.bulk import create_many
from cms.document import StoryDocument
from cms.models import Revision
from cms.people import actor_for
from cms.publish import publish_due_stories
from cms.search import search
from cms.store import Store
from cms.stories import list_stories
from cms.sync.holding import Holding, switch_holding
from cms.sync.replication import sync
from cms.timeutil import utcnow

TARGETS = {"ready": "< 30 s", "noop": "< 100 ms", "central_p50": "< 50 ms",
           "central_p95": "< 200 ms"}
QUERIES = 40
SEARCH_ROUNDS = 3  # the query set is run this many times; the median round is reported


def _sizes(quick: bool) -> list[int]:
    if quick:
        return [10_000]
    sizes = [10_000, 100_000]
    if os.environ.get("NEWSROOM_BENCH_MILLION") == "1":
        sizes.append(1_000_000)
    return sizes


def _searches(session_of: object, queries: list[str]) -> tuple[float, float]:
    """Search p50 and p95 over the query set (frequent and rare words, pairs, phrases):
    the median of :data:`SEARCH_ROUNDS` rounds, each a session per query."""
    rounds: list[tuple[float, float]] = []
    for _ in range(SEARCH_ROUNDS):
        times: list[float] = []
        for query in queries:
            with session_of() as session:  # type: ignore[operator]
                times.append(timed(lambda session=session, q=query: search(session, q,
                                                                         limit=20)))
        rounds.append((percentile(times, 0.5), percentile(times, 0.95)))
    return median([p50 for p50, _ in rounds]), median([p95 for _, p95 in rounds])


def _due_thousand(central: str) -> tuple[float, int]:
    """1,000 scheduled stories due a minute ago, then ``publish --due`` on the central:
    its seconds and how many it published."""
    with Store.open(central) as store:
        publish_due_stories(store, username=AUTHOR)  # what an earlier run left due
        now = utcnow()
        with store.session() as session:
            chief = actor_for(session, AUTHOR, store.replica_id)
            create_many(session, chief, [StoryDocument(
                story_id=str(uuid.uuid4()), slug=f"due-{uuid.uuid4().hex[:12]}",
                headline=f"Due story {n}", body="Due.\n", status="scheduled",
                publish_at=now - timedelta(minutes=1)) for n in range(1_000)])
        started = time.perf_counter()
        report = publish_due_stories(store, username=AUTHOR)
        return time.perf_counter() - started, len(report.published)


def _measure(base: str, count: int, folder: Path) -> list[tuple[str, str, str]]:
    label = f"{count:,}"
    url, built = build_central(base, count, progress=lambda done, total: print(
        f"\r  loading {done:,}/{total:,}", end="", file=sys.stderr, flush=True))
    rows: list[tuple[str, str, str]] = []
    if built:
        rows.append((f"{label}: bulk load of the central", f"{built:.0f} s "
                     f"({count / built:,.0f} stories/s)", ""))
    laptop = Store.open(str(folder / f"laptop-{count}.db"), create=True)
    try:
        with laptop.session() as session:
            actor_for(session, "kim", laptop.replica_id)
            switch_holding(session, Holding(full=False, days=30))
        started = time.perf_counter()
        report = sync(laptop, url, author="kim")
        ready = time.perf_counter() - started
        with laptop.reading() as session:
            held = int(session.scalar(sa.select(sa.func.count(sa.distinct(Revision.story_id))))
                       or 0)
        rows.append((f"{label}: new laptop, 30-day window: ready to write",
                     f"{ready:.1f} s ({held:,} stories, {report.fetched_stories:,} fetched "
                     "whole)", TARGETS["ready"]))
        noop = median([timed(lambda: sync(laptop, url, author="kim")) for _ in range(5)])
        rows.append((f"{label}: no-op sync", ms(noop), TARGETS["noop"]))
        queries = Corpus(2024).queries(QUERIES)
        with Store.open(url) as central:
            p50, p95 = _searches(central.reading, queries)
        rows.append((f"{label}: central search p50 / p95", f"{ms(p50)} / {ms(p95)}",
                     f"{TARGETS['central_p50']} / {TARGETS['central_p95']}"))
        p50, p95 = _searches(laptop.reading, queries)
        rows.append((f"{label}: laptop (partial) search p50 / p95",
                     f"{ms(p50)} / {ms(p95)}", ""))
        with laptop.reading() as session:
            top = timed(lambda: list_stories(session, limit=100))
            deep = timed(lambda: list_stories(session, limit=100, offset=max(0, held - 100)))
        rows.append((f"{label}: laptop story list page, top / last", f"{ms(top)} / {ms(deep)}",
                     ""))
        with Store.open(url) as central, central.reading() as session:
            deep = timed(lambda: list_stories(session, limit=100, offset=count - 100))
        rows.append((f"{label}: central story list, last page", ms(deep), ""))
    finally:
        laptop.close()
    seconds, published = _due_thousand(url)
    rows.append((f"{label}: publish --due, 1,000 due (central)",
                 f"{seconds:.1f} s ({published:,} published)", ""))
    return rows


def run(quick: bool) -> list[tuple[str, str, str]]:
    """The scale rows for each size."""
    base = os.environ.get("NEWSROOM_BENCH_PG") or os.environ.get("NEWSROOM_TEST_PG")
    if not base:
        return [("scale: skipped", "set NEWSROOM_BENCH_PG to a PostgreSQL server", "")]
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="newsroom-scale-") as folder:
        for count in _sizes(quick):
            rows.extend(_measure(base, count, Path(folder)))
    return rows
