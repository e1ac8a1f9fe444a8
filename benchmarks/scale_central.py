"""A PostgreSQL central store of N corpus stories, bulk-loaded, for the scale figures.

Stories come from :mod:`benchmarks.corpus` (the same seed, the same stories)
and go in through :func:`cms.bulk.create_many` (real first revisions, numbered
in the log, projected for lists and search), 5,000 per transaction. Their
publication times are spread at a national daily's pace — 10,000 stories per
30 days, the newest a minute ago — so a 30-day window holds about 10,000
stories whatever N is, and N only grows the archive behind it.

A built central is kept (database ``newsroom_bench_scale_N`` on the server) and
reused by later runs: a 1,000,000-story load takes long on two cores.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from benchmarks.corpus import Corpus
from cms.bulk import create_many
from cms.document import LinkRef, StoryDocument
from cms.models import StoreMeta
from cms.people import actor_for
from cms.store import Store
from cms.sync.central import init_central
from cms.timeutil import utcnow

CHUNK = 5_000
PACE = timedelta(days=30) / 10_000  # one story every 4 min 19 s
READY_KEY = "bench_scale_ready"
AUTHOR = "archive"


def central_url(base: str, count: int) -> str:
    """Where the N-story central lives on the server ``base`` names."""
    return make_url(base).set(drivername="postgresql+psycopg",
                              database=f"newsroom_bench_scale_{count}").render_as_string(
        hide_password=False)


def _exists(base: str, name: str) -> bool:
    admin = sa.create_engine(make_url(base).set(drivername="postgresql+psycopg",
                                                database="postgres"),
                             isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                            {"n": name}).first():
                return True
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            return False
    finally:
        admin.dispose()


def _ready(url: str) -> bool:
    with Store.open(url) as store, store.reading() as session:
        return session.get(StoreMeta, READY_KEY) is not None


def build_central(base: str, count: int, *,
                  progress: Callable[[int, int], None] | None = None) -> tuple[str, float]:
    """The N-story central (built unless a complete one is kept); returns its URL and the
    seconds the build took (0 when reused)."""
    url = central_url(base, count)
    name = str(make_url(url).database)
    if _exists(base, name) and _ready(url):
        return url, 0.0
    started = time.perf_counter()
    store, _, _ = init_central(url)
    try:
        with store.reading() as session:
            done = int(session.scalar(sa.text("SELECT count(*) FROM stories")) or 0)
        with store.session() as session:
            actor = actor_for(session, AUTHOR, store.replica_id)
        newest = utcnow() - timedelta(minutes=1)
        corpus = Corpus(2024)
        batch: list[StoryDocument] = []
        ids: list[str] = []
        for index, story in enumerate(corpus.stories(count)):
            ids.append(story.story_id)
            if index < done:
                continue  # a build stopped half-way goes on from its last transaction
            batch.append(StoryDocument(
                story_id=story.story_id, slug=story.slug, headline=story.headline,
                standfirst=story.standfirst, body=story.body, byline=story.byline,
                section=story.section, tags=story.tags, status="published",
                publish_at=newest - PACE * (count - 1 - index),
                related=tuple(LinkRef(id=f"{story.story_id[:24]}{n:012d}",
                                      target_story_id=ids[target])
                              for n, target in enumerate(story.related))))
            if len(batch) == CHUNK:
                _load(store, actor, batch)
                batch = []
                if progress:
                    progress(index + 1, count)
        if batch:
            _load(store, actor, batch)
        with store.session() as session:
            session.execute(sa.text("ANALYZE"))
        with store.session() as session:
            session.add(StoreMeta(key=READY_KEY, value=str(count)))
    finally:
        store.close()
    return url, time.perf_counter() - started


def _load(store: Store, actor: object, documents: list[StoryDocument]) -> None:
    with store.session() as session:
        create_many(session, actor, documents)  # type: ignore[arg-type]
