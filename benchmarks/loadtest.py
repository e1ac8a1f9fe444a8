"""``make loadtest``: many laptops syncing with one PostgreSQL central store at once.

N worker processes each keep a laptop store (SQLite) and, for a fixed time, do
what a desk does — edit paragraphs, write new stories, add notes, attach
photos, publish — syncing every few seconds. Each saved revision and desk
event is written to the worker's journal. Afterwards every laptop syncs twice
more, and the run checks that every journalled edit is on the central store
and on every laptop, then prints throughput and sync latency percentiles.

Usage: ``python -m benchmarks.loadtest [--replicas 50] [--seconds 600]
[--interval 5] [--central URL]``. Without ``--central`` a fresh database is
made on the server ``NEWSROOM_BENCH_PG`` or ``NEWSROOM_TEST_PG`` names (and
dropped afterwards). Traffic goes to that server only.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from cms.people import Actor
    from cms.store import Store

SEED_STORIES = 40


@dataclass
class WorkerResult:
    """What one laptop did and how long its syncs took."""

    name: str
    saved: list[str] = field(default_factory=list)  # revision and desk event ids
    latencies: list[float] = field(default_factory=list)
    central_times: list[float] = field(default_factory=list)  # per sync: statements on it
    actions: dict[str, int] = field(default_factory=dict)
    sync_errors: list[str] = field(default_factory=list)


@dataclass
class LoadReport:
    """The whole run: throughput, latencies and what was lost."""

    replicas: int
    seconds: float
    saved: int
    actions: dict[str, int]
    syncs: int
    latencies: list[float]
    central_times: list[float]
    sync_errors: list[str]
    missing_on_central: int
    missing_on_replicas: int

    @property
    def lost(self) -> int:
        """Saved edits that are not everywhere after the final syncs."""
        return self.missing_on_central + self.missing_on_replicas

    def percentile(self, share: float, values: list[float] | None = None) -> float:
        """The sync latency (or ``values``) at ``share`` (0..1), in seconds."""
        ordered = sorted(self.latencies if values is None else values)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    def _line(self, values: list[float]) -> str:
        return ", ".join(f"p{round(share * 100)} {self.percentile(share, values) * 1000:.0f} ms"
                         for share in (0.5, 0.95, 0.99)) + \
            f", max {max(values, default=0) * 1000:.0f} ms"

    def lines(self) -> list[str]:
        """The report, as printed."""
        done = ", ".join(f"{count} {name}" for name, count in sorted(self.actions.items()))
        return [
            f"{self.replicas} laptops for {self.seconds:.0f} s: {done}",
            f"throughput: {self.saved / self.seconds:.1f} saved edits/s, "
            f"{self.syncs / self.seconds:.1f} syncs/s ({self.syncs} syncs)",
            f"sync latency: {self._line(self.latencies)}",
            f"  of which waiting on the central's statements: {self._line(self.central_times)}",
            f"sync errors (retried at the next sync): {len(self.sync_errors)}",
            f"lost edits: {self.lost} ({self.missing_on_central} missing on the central, "
            f"{self.missing_on_replicas} missing on laptops) of {self.saved} saved",
        ]


def _photo(rng: random.Random) -> bytes:
    from PIL import Image

    image = Image.new("RGB", (32, 24), tuple(rng.randrange(256) for _ in range(3)))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _act(store: Store, actor: Actor, rng: random.Random, name: str,
         result: WorkerResult) -> None:
    """One thing a desk does, chosen at random; journals what it saved."""
    from cms import stories
    from cms.blobs import put_blob
    from cms.desk.notes import add_note
    from cms.document import PhotoRef
    from cms.models import Story
    from cms.transitions import transition

    kind = rng.choices(["edit", "new", "note", "photo", "publish"], [60, 10, 15, 8, 7])[0]
    with store.session() as session:
        ids = list(session.scalars(sa.select(Story.id).where(Story.status != "published")))
        if kind == "new" or not ids:
            kind = "new"
            saved = stories.create(session, actor, headline=f"{name} story {uuid.uuid4().hex[:6]}",
                                   body="First.\n\nSecond.\n\nThird.")
            result.saved.append(saved.revision_id)
        else:
            story = rng.choice(ids)
            document, head = stories.get(session, story)
            if kind == "edit":
                paragraphs = document.body.split("\n\n")
                place = rng.randrange(len(paragraphs))
                paragraphs[place] = f"{name} wrote {uuid.uuid4().hex[:8]}."
                edited = stories.save(session, actor, document.evolve(
                    body="\n\n".join(paragraphs)), base_revision=head)
                result.saved.append(edited.revision_id)
            elif kind == "note":
                result.saved.append(add_note(session, actor, story,
                                             f"{name}: check the second paragraph"))
            elif kind == "photo":
                digest = put_blob(session, _photo(rng), media_type="image/png")
                photo = PhotoRef(id=str(uuid.uuid4()), sha256=digest, caption="The fence",
                                 credit="JCS", alt="A goat at the fence")
                placed = stories.save(session, actor, document.evolve(
                    photos=(*document.photos, photo)), base_revision=head)
                result.saved.append(placed.revision_id)
            else:
                moved = transition(session, actor, story, "published",
                                   override=True)
                result.saved.append(moved.revision_id)
    result.actions[kind] = result.actions.get(kind, 0) + 1


def _worker(central: str, folder: str, name: str, seconds: float, interval: float,
            pace: float, seed: int, queue: multiprocessing.Queue[WorkerResult]) -> None:
    """One laptop: a save every ``pace`` seconds or so, a sync every ``interval``
    seconds (both jittered), until time is up; the central stays open between syncs,
    as the window keeps it."""
    from sqlalchemy import event

    from cms.errors import SyncError
    from cms.people import actor_for
    from cms.store import Store
    from cms.sync.central import Central
    from cms.sync.replication import sync

    opened = Central.open(central)
    waited = [0.0]
    starts: list[float] = []

    @event.listens_for(opened.store.engine, "before_cursor_execute")
    def _before(*_: object) -> None:
        starts.append(time.perf_counter())

    @event.listens_for(opened.store.engine, "after_cursor_execute")
    def _after(*_: object) -> None:
        waited[0] += time.perf_counter() - starts.pop()

    rng = random.Random(seed)
    result = WorkerResult(name)
    store = Store.open(str(Path(folder) / f"{name}.db"), create=True)
    with store.session() as session:
        actor = actor_for(session, name, store.replica_id)
    deadline = time.monotonic() + seconds
    next_sync = time.monotonic() + rng.uniform(0, interval)
    try:
        while time.monotonic() < deadline:
            if time.monotonic() >= next_sync:
                started = time.perf_counter()
                waited[0] = 0.0
                try:
                    sync(store, opened, author=name)
                    result.latencies.append(time.perf_counter() - started)
                    result.central_times.append(waited[0])
                except SyncError as exc:
                    result.sync_errors.append(str(exc)[:200])
                next_sync = time.monotonic() + interval * rng.uniform(0.8, 1.2)
                continue
            _act(store, actor, rng, name, result)
            time.sleep(min(rng.uniform(0.5, 1.5) * pace,  # a person types between saves
                           max(0.0, next_sync - time.monotonic())))
    finally:
        opened.close()
        store.close()
        queue.put(result)


def _all_items(url: str) -> set[str]:
    from cms.models import DeskEvent, Revision
    from cms.store import Store

    with Store.open(url) as store, store.reading() as session:
        return set(session.scalars(sa.select(Revision.id))) | set(
            session.scalars(sa.select(DeskEvent.id)))


def run_load(central: str, folder: Path, *, replicas: int, seconds: float,
             interval: float, pace: float = 3.0) -> LoadReport:
    """Run the load test against an initialised ``central`` store; returns its report."""
    from cms import stories
    from cms.people import actor_for
    from cms.store import Store
    from cms.sync.central import init_central
    from cms.sync.replication import sync

    init_central(central)[0].close()
    with Store.open(str(folder / "seed.db"), create=True) as seed:
        with seed.session() as session:
            actor = actor_for(session, "seed", seed.replica_id)
            for number in range(SEED_STORIES):
                stories.create(session, actor, headline=f"Seed story {number}",
                               body="First.\n\nSecond.\n\nThird.")
        sync(seed, central, author="seed")
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[WorkerResult] = context.Queue()
    names = [f"laptop{n:03d}" for n in range(replicas)]
    processes = [context.Process(target=_worker, args=(central, str(folder), name, seconds,
                                                       interval, pace, n, queue))
                 for n, name in enumerate(names)]
    started = time.monotonic()
    for process in processes:
        process.start()
    results = [queue.get(timeout=seconds + 600) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    elapsed = time.monotonic() - started
    stores = [Store.open(str(folder / f"{name}.db")) for name in names]
    try:
        for _ in range(2):  # the first round sends everything, the second brings it all back
            for store, name in zip(stores, names, strict=True):
                sync(store, central, author=name)
    finally:
        for store in stores:
            store.close()
    saved = {item for result in results for item in result.saved}
    missing_on_replicas = sum(len(saved - _all_items(str(folder / f"{name}.db")))
                              for name in names)
    actions: dict[str, int] = {}
    for result in results:
        for kind, count in result.actions.items():
            actions[kind] = actions.get(kind, 0) + count
    return LoadReport(
        replicas=replicas, seconds=elapsed, saved=len(saved), actions=actions,
        syncs=sum(len(result.latencies) for result in results),
        latencies=[value for result in results for value in result.latencies],
        central_times=[value for result in results for value in result.central_times],
        sync_errors=[error for result in results for error in result.sync_errors],
        missing_on_central=len(saved - _all_items(central)),
        missing_on_replicas=missing_on_replicas)


@contextmanager
def scratch_database(base: str) -> Iterator[str]:
    """A fresh database on the server ``base`` names, dropped afterwards."""
    url = make_url(base).set(drivername="postgresql+psycopg")
    name = f"newsroom_load_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    """Run the load test and print its report; exit status 1 when an edit was lost."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.loadtest")
    parser.add_argument("--replicas", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--interval", type=float, default=5, help="seconds between syncs")
    parser.add_argument("--pace", type=float, default=3,
                        help="seconds between one laptop's saves (autosave after a pause)")
    parser.add_argument("--central", help="an empty PostgreSQL database (default: a fresh one)")
    args = parser.parse_args(argv)
    base = os.environ.get("NEWSROOM_BENCH_PG") or os.environ.get("NEWSROOM_TEST_PG")
    if not args.central and not base:
        print("loadtest: set NEWSROOM_BENCH_PG (or NEWSROOM_TEST_PG) to a PostgreSQL server, "
              "or pass --central URL", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="newsroom-load-") as folder:
        if args.central:
            report = run_load(args.central, Path(folder), replicas=args.replicas,
                              seconds=args.seconds, interval=args.interval, pace=args.pace)
        else:
            with scratch_database(str(base)) as central:
                report = run_load(central, Path(folder), replicas=args.replicas,
                                  seconds=args.seconds, interval=args.interval, pace=args.pace)
    for line in report.lines():
        print(line)
    print(json.dumps({"replicas": report.replicas, "saved": report.saved,
                      "p50_ms": round(report.percentile(0.5) * 1000),
                      "p95_ms": round(report.percentile(0.95) * 1000),
                      "p99_ms": round(report.percentile(0.99) * 1000), "lost": report.lost}))
    return 1 if report.lost else 0


if __name__ == "__main__":
    sys.exit(main())
