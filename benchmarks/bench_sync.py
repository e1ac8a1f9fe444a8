"""Sync figures: initial sync, a sync with nothing to do, and a sync after one edit.

A replica holding N corpus stories syncs with an empty central store (a shared
SQLite file, and PostgreSQL when ``NEWSROOM_BENCH_PG`` or ``NEWSROOM_TEST_PG``
names a server), at N = 1,000 and 10,000, so that growth with the archive shows.
A second, empty replica then pulls everything (its initial sync).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from benchmarks.stores import corpus_store
from benchmarks.timing import median, ms, timed
from cms import stories
from cms.people import actor_for
from cms.store import Store
from cms.sync.central import init_central
from cms.sync.replication import sync

TARGETS = {"initial": "< 30 s", "noop": "< 100 ms", "edit": "< 200 ms", "pull": ""}


@contextmanager
def _pg_database(base: str) -> Iterator[str]:
    url = make_url(base).set(drivername="postgresql+psycopg")
    name = f"newsroom_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def _sqlite_file(folder: Path) -> Iterator[str]:
    yield str(folder / "central.db")


def _measure(count: int, central: str, folder: Path) -> dict[str, float]:
    replica_path = folder / f"replica-{count}.db"
    shutil.copy(corpus_store(count), replica_path)
    store_ = init_central(central)[0]
    store_.close()
    figures: dict[str, float] = {}
    with Store.open(str(replica_path)) as replica:
        def run() -> None:
            sync(replica, central, author="bench")

        figures["initial"] = timed(run)
        figures["noop"] = median([timed(run) for _ in range(5)])
        with replica.reading() as session:
            ids = list(session.scalars(sa.text("SELECT id FROM stories ORDER BY id LIMIT 5")))
        with replica.session() as session:
            actor = actor_for(session, "bench", replica.replica_id)
        edits: list[float] = []
        for n, story_id in enumerate(ids):
            with replica.session() as session:
                stories.edit(session, actor, story_id, headline=f"Edited headline {n}")
            edits.append(timed(run))
        figures["edit"] = median(edits)
    fresh_path = folder / f"fresh-{count}.db"
    with Store.open(str(fresh_path), create=True) as fresh:
        figures["pull"] = timed(lambda: sync(fresh, central, author="bench"))
    return figures


def run(quick: bool) -> list[tuple[str, str, str]]:
    """Rows (measure, value, target) for both central backends and both sizes."""
    sizes = (1_000,) if quick else (1_000, 10_000)
    backends: list[tuple[str, Callable[[Path], object]]] = [("SQLite file", _sqlite_file)]
    pg = os.environ.get("NEWSROOM_BENCH_PG") or os.environ.get("NEWSROOM_TEST_PG")
    if pg:
        backends.append(("PostgreSQL", lambda _folder: _pg_database(pg)))
    rows: list[tuple[str, str, str]] = []
    for label, make in backends:
        for count in sizes:
            with tempfile.TemporaryDirectory(prefix="newsroom-bench-sync-") as tmp:
                folder = Path(tmp)
                with make(folder) as central:  # type: ignore[attr-defined]
                    figures = _measure(count, central, folder)
            names = {"initial": "initial sync (push)", "noop": "sync, nothing to do",
                     "edit": "sync after editing one story",
                     "pull": "initial sync of an empty replica (pull)"}
            for key, name in names.items():
                value = f"{figures[key]:.1f} s" if figures[key] >= 1 else ms(figures[key])
                rows.append((f"{name}, {count:,} stories, {label} central", value,
                             TARGETS[key]))
    return rows
