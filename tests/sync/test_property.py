"""Property: three replicas editing, syncing and crashing at random converge, losing nothing."""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Literal

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from cms.models import Revision, Story
from cms.store import Store
from cms.sync.central import Central
from cms.sync.conflicts import list_conflicts, resolve
from cms.sync.faults import set_hook
from cms.sync.fetch import fetch_story
from cms.sync.holding import Holding, switch_holding
from cms.sync.settle import heads_of
from tests.conftest import PG_ENV, create_pg_database, drop_pg_database
from tests.sync.helpers import Replica, make_central

POINTS = ("push:begin", "push:before-commit", "push:committed", "pull:fetched",
          "pull:committed", "pull:before-commit", "settle:committed")
WORDS = st.text(alphabet="abcdefgh ", min_size=1, max_size=12).map(str.strip).filter(bool)


class Crash(Exception):
    """The syncing process 'died' here (its open transaction is rolled back)."""


class ThreeReplicas(RuleBasedStateMachine):
    """Random edits, syncs and crashed syncs on three replicas of one central store."""

    backend = "sqlite"

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="newsroom-prop-"))
        if self.backend == "postgresql":
            self.central = make_central(create_pg_database(os.environ[PG_ENV]))
        else:
            self.central = make_central(str(self.folder / "central.db"))
        self.replicas = [Replica(self.folder / f"r{i}.db", self.central, name=f"ed{i}")
                         for i in range(3)]
        self.saved: set[str] = set()

    @initialize()
    def seed(self) -> None:
        self.replicas[0].create("Seed story", "alpha\n\nbeta\n\ngamma")

    @rule(r=st.integers(0, 2), headline=WORDS)
    def create(self, r: int, headline: str) -> None:
        replica = self.replicas[r]
        sid = replica.create(headline.title(), "one\n\ntwo\n\nthree")
        with replica.store.reading() as session:
            head = session.scalar(sa.select(Story.revision_id).where(Story.id == sid))
        assert head is not None
        self.saved.add(head)

    @rule(r=st.integers(0, 2), pick=st.integers(0, 50), para=st.integers(0, 3), text=WORDS)
    def edit_paragraph(self, r: int, pick: int, para: int, text: str) -> None:
        replica = self.replicas[r]
        ids = sorted(replica.snapshot())
        if not ids:
            return
        sid = ids[pick % len(ids)]
        paragraphs = replica.doc(sid).body.split("\n\n")
        paragraphs[para % len(paragraphs)] = text
        self.saved.add(replica.edit(sid, body="\n\n".join(paragraphs)))

    @rule(r=st.integers(0, 2), pick=st.integers(0, 50), text=WORDS)
    def edit_headline(self, r: int, pick: int, text: str) -> None:
        replica = self.replicas[r]
        ids = sorted(replica.snapshot())
        if ids:
            self.saved.add(replica.edit(ids[pick % len(ids)], headline=text.title()))

    @rule(r=st.integers(0, 2))
    def sync(self, r: int) -> None:
        self.replicas[r].sync(batch_size=2)

    @rule(r=st.integers(0, 2), point=st.sampled_from(POINTS))
    def crashed_sync(self, r: int, point: str) -> None:
        def die(**_: object) -> None:
            raise Crash(point)

        set_hook(point, die)
        try:
            self.replicas[r].sync(batch_size=2)
        except Crash:
            pass
        finally:
            set_hook(point, None)

    @precondition(lambda self: True)
    @rule(r=st.integers(0, 2), side=st.sampled_from(["local", "central"]))
    def resolve_one(self, r: int, side: Literal["local", "central"]) -> None:
        replica = self.replicas[r]
        with replica.store.session() as session:
            open_ = list_conflicts(session)
            if open_:
                self.saved.add(resolve(session, replica.actor, open_[0].story_id, side))

    def teardown(self) -> None:
        try:
            for _ in range(3):
                for replica in self.replicas:
                    replica.sync()
            views = [self._view(replica) for replica in self.replicas]
            assert views[0] == views[1] == views[2]
            with Store.open(self.central) as store, store.reading() as session:
                central_ids = set(session.scalars(sa.select(Revision.id)))
            assert self.saved <= central_ids  # every saved edit reached the central store
            assert views[0][0] == central_ids
        finally:
            for replica in self.replicas:
                replica.close()
            shutil.rmtree(self.folder, ignore_errors=True)
            if self.backend == "postgresql":
                drop_pg_database(os.environ[PG_ENV], self.central)

    @staticmethod
    def _view(replica: Replica) -> tuple[set[str], dict[str, list[str]], set[str], dict[str, str]]:
        with replica.store.reading() as session:
            revisions = set(session.scalars(sa.select(Revision.id)))
            story_ids = sorted(set(session.scalars(sa.select(Revision.story_id))))
            heads = heads_of(session, story_ids)
            conflicted = {c.story_id for c in list_conflicts(session)}
        shown = {sid: rev for sid, rev in replica.snapshot().items() if sid not in conflicted}
        return revisions, heads, conflicted, shown


ThreeReplicas.TestCase.settings = settings(
    max_examples=int(os.environ.get("NEWSROOM_PROP_EXAMPLES", "6")),
    stateful_step_count=10, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
TestThreeReplicas = ThreeReplicas.TestCase


class ThreeReplicasPostgres(ThreeReplicas):
    """The same, with the central store in PostgreSQL."""

    backend = "postgresql"


ThreeReplicasPostgres.TestCase.settings = settings(
    max_examples=int(os.environ.get("NEWSROOM_PROP_EXAMPLES_PG", "3")),
    stateful_step_count=10, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
TestThreeReplicasPostgres = pytest.mark.pg(
    pytest.mark.skipif(not os.environ.get(PG_ENV), reason=f"{PG_ENV} is not set")(
        ThreeReplicasPostgres.TestCase))


class PartialAndFull(ThreeReplicas):
    """The same, with the third replica a partial copy (a 30-day window) that fetches
    old stories on demand: it must merge and conflict exactly as the full ones do."""

    def __init__(self) -> None:
        super().__init__()
        with self.replicas[2].store.session() as session:
            switch_holding(session, Holding(full=False, days=30))

    @initialize()
    def seed(self) -> None:
        first = self.replicas[0]
        first.create("Seed story", "alpha\n\nbeta\n\ngamma")
        for n in range(2):  # out of the window: the partial copy holds them only once fetched
            first.create(f"Archive story {n}", "one\n\ntwo\n\nthree", status="published",
                         publish_at=first.now() - timedelta(days=400 + n))
        first.sync()

    @rule(pick=st.integers(0, 50))
    def fetch_on_demand(self, pick: int) -> None:
        partial = self.replicas[2]
        with Store.open(self.central) as central, central.reading() as session:
            desk = sorted(set(session.scalars(sa.select(Story.id))))
        if desk:
            opened = Central.open(self.central)
            try:
                fetch_story(partial.store, opened, desk[pick % len(desk)], author="ed2")
            finally:
                opened.close()

    def teardown(self) -> None:
        try:
            for _ in range(3):
                for replica in self.replicas:
                    replica.sync()
            full = [self._view(replica) for replica in self.replicas[:2]]
            assert full[0] == full[1]
            revisions, heads, conflicted, shown = self._view(self.replicas[2])
            held = set(heads)
            with Store.open(self.central) as store, store.reading() as session:
                central_ids = set(session.scalars(sa.select(Revision.id)))
                held_revisions = set(session.scalars(
                    sa.select(Revision.id).where(Revision.story_id.in_(sorted(held)))))
            assert self.saved <= central_ids
            assert full[0][0] == central_ids
            # What the partial copy holds, it holds exactly as the full copies do.
            assert revisions == held_revisions
            assert heads == {sid: ids for sid, ids in full[0][1].items() if sid in held}
            assert conflicted == full[0][2] & held
            assert shown == {sid: rev for sid, rev in full[0][3].items() if sid in held}
        finally:
            for replica in self.replicas:
                replica.close()
            shutil.rmtree(self.folder, ignore_errors=True)


PartialAndFull.TestCase.settings = settings(
    max_examples=int(os.environ.get("NEWSROOM_PROP_EXAMPLES", "6")),
    stateful_step_count=10, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
TestPartialAndFull = PartialAndFull.TestCase
