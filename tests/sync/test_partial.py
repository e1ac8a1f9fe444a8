"""Partial copies: what a window holds, what arrives later, stories fetched on demand,
merging with full copies, switching to full, and a push that never sends orphans."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from cms.config import set_setting
from cms.desk.assignments import assign
from cms.document import LinkRef
from cms.errors import NotFound, SyncError
from cms.models import Revision
from cms.people import actor_for
from cms.store import Store
from cms.sync.central import Central
from cms.sync.fetch import fetch_story, open_story
from cms.sync.holding import Holding, current_holding, switch_holding
from cms.sync.transfer import accept_revisions, fetch_revisions
from tests.sync.helpers import Replica

DAY = timedelta(days=1)


class Desk:
    """A full copy that wrote a small archive: old and fresh, linked and assigned."""

    def __init__(self, replicas: Callable[..., Replica]) -> None:
        self.full = replicas("chief")
        now = self.full.now()
        with self.full.store.session() as session:
            actor_for(session, "kim", self.full.store.replica_id)  # a reporter of the desk
        self.old = self._published("Old budget vote", now - 200 * DAY)
        self.linked = self._published("Older flood report", now - 300 * DAY)
        self.assigned = self._published("Archive interview", now - 400 * DAY)
        self.fresh = self._published("Fresh border story", now - 2 * DAY,
                                     related=(LinkRef(id="link-1", target_story_id=self.linked),))
        self.ahead = self._published("Embargoed summit", now + 3 * DAY, status="scheduled")
        self.draft = self.full.create("Draft on the drone", "one\n\ntwo\n\nthree")
        with self.full.store.session() as session:
            assign(session, self.full.actor, self.assigned, "kim", now=now)
        self.full.sync()

    def _published(self, headline: str, when: datetime | None, *, status: str = "published",
                   related: tuple[LinkRef, ...] = ()) -> str:
        story_id = self.full.create(headline, "alpha\n\nbeta\n\ngamma", status=status,
                                    publish_at=when)
        if related:
            self.full.edit(story_id, related=related)
        return story_id


def _partial(replicas: Callable[..., Replica], name: str = "kim", days: int = 30) -> Replica:
    replica = replicas(name)
    with replica.store.session() as session:
        switch_holding(session, Holding(full=False, days=days))
    return replica


def _held(replica: Replica) -> set[str]:
    with replica.store.reading() as session:
        return set(session.scalars(sa.select(Revision.story_id).distinct()))


def test_a_window_holds_recent_ahead_drafts_assigned_and_linked(
        replicas: Callable[..., Replica]) -> None:
    desk = Desk(replicas)
    kim = _partial(replicas)
    report = kim.sync()
    assert "partial copy" in report.holding
    assert _held(kim) == {desk.fresh, desk.ahead, desk.draft, desk.assigned, desk.linked}
    assert desk.old not in kim.snapshot()
    # Each story it holds, it holds whole: the same revisions as the full copy.
    with desk.full.store.reading() as session:
        fresh_history = set(session.scalars(
            sa.select(Revision.id).where(Revision.story_id == desk.fresh)))
    assert fresh_history <= kim.revision_ids() and len(fresh_history) == 2
    assert kim.snapshot()[desk.fresh] == desk.full.snapshot()[desk.fresh]


def test_later_syncs_bring_held_stories_and_new_ones_not_the_rest(
        replicas: Callable[..., Replica]) -> None:
    desk = Desk(replicas)
    kim = _partial(replicas)
    kim.sync()
    desk.full.edit(desk.old, headline="Old budget vote, revisited")
    desk.full.edit(desk.fresh, headline="Fresh border story, updated")
    brand_new = desk.full.create("Breaking: storm")
    desk.full.sync()
    kim.sync()
    assert desk.old not in _held(kim)
    assert kim.doc(desk.fresh).headline == "Fresh border story, updated"
    assert kim.doc(brand_new).headline == "Breaking: storm"
    assert kim.sync().pulled_revisions == 0  # nothing new: a no-op


def test_a_story_fetched_on_demand_is_kept_and_follows_the_desk(
        replicas: Callable[..., Replica], central: str) -> None:
    desk = Desk(replicas)
    kim = _partial(replicas)
    kim.sync()
    with kim.store.session() as session:
        set_setting(session, "central_url", central, username="kim")
    assert open_story(kim.store, desk.old, author="kim") == desk.old
    assert kim.doc(desk.old).headline == "Old budget vote"
    desk.full.edit(desk.old, body="alpha\n\nbeta, corrected\n\ngamma")
    desk.full.sync()
    kim.sync()
    assert kim.doc(desk.old).body == "alpha\n\nbeta, corrected\n\ngamma"


def test_offline_a_partial_copy_says_connect_to_fetch(
        replicas: Callable[..., Replica], tmp_path: Path) -> None:
    desk = Desk(replicas)
    kim = _partial(replicas)
    kim.sync()
    with kim.store.session() as session:  # the desk is out of reach
        set_setting(session, "central_url", str(tmp_path / "gone" / "central.db"),
                    username="kim")
    with pytest.raises(NotFound, match="not on this laptop — connect to fetch it"):
        open_story(kim.store, desk.old, author="kim")
    assert open_story(kim.store, desk.fresh, author="kim") == desk.fresh  # held: no network


def test_asking_the_desk_for_a_story_it_does_not_have(
        replicas: Callable[..., Replica], central: str) -> None:
    Desk(replicas)
    kim = _partial(replicas)
    kim.sync()
    opened = Central.open(central)
    try:
        with pytest.raises(NotFound, match="no story 'no-such-story' on this laptop or on th"):
            fetch_story(kim.store, opened, "no-such-story", author="kim")
    finally:
        opened.close()


def test_partial_and_full_copies_merge_and_conflict_alike(
        replicas: Callable[..., Replica]) -> None:
    desk = Desk(replicas)
    kim = _partial(replicas)
    kim.sync()
    desk.full.edit(desk.draft, body="ONE\n\ntwo\n\nthree")
    kim.edit(desk.draft, body="one\n\ntwo\n\nTHREE")
    desk.full.sync()
    kim.sync()
    desk.full.sync()
    assert kim.doc(desk.draft).body == desk.full.doc(desk.draft).body == "ONE\n\ntwo\n\nTHREE"
    assert kim.snapshot()[desk.draft] == desk.full.snapshot()[desk.draft]


def test_switching_to_full_brings_every_story(replicas: Callable[..., Replica]) -> None:
    desk = Desk(replicas)
    kim = _partial(replicas)
    kim.sync()
    with kim.store.session() as session:
        assert switch_holding(session, Holding(full=True))
    kim.sync()
    assert kim.snapshot() == desk.full.snapshot()
    with kim.store.reading() as session:
        assert current_holding(session).full


def test_a_push_never_sends_a_revision_whose_parents_the_copy_lacks(
        replicas: Callable[..., Replica]) -> None:
    desk = Desk(replicas)
    kim = _partial(replicas)
    kim.sync()
    orphan = desk.full.edit(desk.old, headline="Edited on the full copy, never synced")
    with desk.full.store.reading() as session:
        row = fetch_revisions(session, [orphan])
    with kim.store.session() as session:  # a store pieced together by hand
        accept_revisions(session, row, reference=kim.now())
    with pytest.raises(SyncError, match="which this copy lacks: nothing was sent"):
        kim.sync()
    with Store.open(kim.central) as central, central.reading() as session:
        assert session.get(Revision, orphan) is None


def test_a_new_laptop_takes_the_desk_window(replicas: Callable[..., Replica]) -> None:
    desk = Desk(replicas)
    with desk.full.store.session() as session:
        set_setting(session, "sync_window_days", "30", username="chief")
    desk.full.sync()
    laptop = replicas("kim")
    report = laptop.sync()
    assert "30-day window" in report.holding
    assert desk.old not in _held(laptop) and desk.fresh in _held(laptop)
    with desk.full.store.reading() as session:  # a copy that holds work stays full
        assert current_holding(session).full


def test_a_partial_copy_exports_one_story_never_the_whole_site(
        replicas: Callable[..., Replica], tmp_path: Path) -> None:
    from cms.errors import UsageError
    from cms.export import ExportOptions, export_site

    desk = Desk(replicas)
    kim = _partial(replicas)
    kim.sync()
    with pytest.raises(UsageError, match="exporting the whole site needs every story"):
        export_site(kim.store, ExportOptions(out=tmp_path / "site"))
    report = export_site(kim.store, ExportOptions(out=tmp_path / "one", story=desk.fresh))
    assert report is not None and (tmp_path / "one" / "index.html").exists()


def test_a_partial_copy_refills_a_restored_central_and_misses_nothing(
        replicas: Callable[..., Replica], central: str, tmp_path: Path) -> None:
    if "://" in central:
        pytest.skip("restores a backup by copying the central store's file")
    import shutil

    from cms.sync.central import init_central

    desk = Desk(replicas)
    kim = _partial(replicas)
    kim.sync()
    shutil.copy(central, tmp_path / "backup.db")
    edited = desk.full.edit(desk.fresh, headline="Edited before the disk died")
    desk.full.sync()
    shutil.copy(tmp_path / "backup.db", central)  # the backup comes back, without that edit
    init_central(central, new_epoch=True)[0].close()
    desk.full.sync()  # the full copy sends what the backup lacks
    kim.sync()
    assert edited in kim.revision_ids()
    assert kim.doc(desk.fresh).headline == "Edited before the disk died"
