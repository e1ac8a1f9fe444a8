"""Reading only what changed: a selection built on a known one equals a full read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from cms import stories
from cms.export import snapshot
from cms.export.cache import ExportCache
from cms.export.selection import Known, Selection, select_public
from cms.models import SyncDirty, table_of
from cms.people import Actor
from cms.sample import install_sample, sample_id
from cms.store import Store
from tests.export.conftest import AS_OF, JCS_SLUG

ASSEMBLY = "rival-crowds-rally-as-the-national-assembly-moves-to-impeach-yoon"
LEE = sample_id("story", "lee-calls")


def _read(store: Store, as_of: datetime, known: Known | None = None) -> Selection:
    with store.reading() as session:
        return select_public(session, as_of, known)


def _same(got: Selection, want: Selection) -> None:
    assert [snapshot.encode(s) for s in got.stories] == [snapshot.encode(s) for s in want.stories]
    assert got.skipped == want.skipped
    assert (got.seq, got.chain, got.unsettled) == (want.seq, want.chain, want.unsettled)


def _steps(store: Store, actor: Actor) -> list[tuple[str, Callable[[], None], datetime]]:
    """Changes a selection must notice, each with the export time to read at."""

    def edit(ref: str, **changes: Any) -> None:
        with store.session() as session:
            stories.edit(session, actor, ref, **changes)

    def create(headline: str, status: str = "draft", publish_at: datetime | None = None,
               now: datetime | None = None) -> None:
        with store.session() as session:
            stories.create(session, actor, section="politics", headline=headline, status=status,
                           publish_at=publish_at, now=now)

    def caption() -> None:
        with store.session() as session:
            document, _rev = stories.get(session, JCS_SLUG)
            photos = list(document.photos)
            photos[0] = photos[0].__class__(**{**photos[0].__dict__, "caption": "New words"})
            stories.edit(session, actor, JCS_SLUG, photos=tuple(photos))

    hour = timedelta(hours=1)
    return [
        ("a headline", lambda: edit(ASSEMBLY, headline="Crowds rally"), AS_OF),
        ("a photo caption", caption, AS_OF),
        ("an embargo", lambda: edit(LEE, embargo_until=AS_OF + 2 * hour), AS_OF),
        ("a story due later", lambda: create(headline="Due soon", status="published",
                                             publish_at=AS_OF + 3 * hour, now=AS_OF),
         AS_OF + hour),
        ("the embargo's end passing", lambda: None, AS_OF + 2 * hour),
        ("the due story's time passing", lambda: None, AS_OF + 4 * hour),
        ("an edit dated after the export time",
         lambda: edit("due-soon", headline="Later words", now=AS_OF + 6 * hour), AS_OF + 5 * hour),
        ("that edit's time passing", lambda: None, AS_OF + 7 * hour),
        ("a kill", lambda: edit(ASSEMBLY, status="killed", message="legal"), AS_OF + 7 * hour),
        ("a draft", lambda: create(headline="Not yet"), AS_OF + 7 * hour),
    ]


@pytest.fixture
def sample(store: Store, actor: Actor) -> Store:
    install_sample(store, actor)
    return store


def test_reading_only_changes_equals_a_full_read_after_every_kind_of_change(
    sample: Store, actor: Actor
) -> None:
    known = _read(sample, AS_OF).known()
    for what, change, as_of in _steps(sample, actor):
        change()
        got = _read(sample, as_of, known)
        want = _read(sample, as_of)
        _same(got, want)
        assert got.next_change is None or got.next_change > as_of, what
        known = got.known()


def test_only_the_changed_stories_are_read_again(sample: Store, actor: Actor) -> None:
    known = _read(sample, AS_OF).known()
    assert _read(sample, AS_OF, known).reread == frozenset()
    with sample.session() as session:
        stories.edit(session, actor, ASSEMBLY, headline="Crowds rally")
        story_id = stories.resolve(session, ASSEMBLY)
    assert _read(sample, AS_OF, known).reread == frozenset({story_id})


def test_time_or_history_it_does_not_cover_means_a_full_read(sample: Store, actor: Actor
                                                              ) -> None:
    with sample.session() as session:
        stories.create(session, actor, headline="Due soon", status="published",
                       publish_at=AS_OF + timedelta(hours=3))
    known = _read(sample, AS_OF).known()
    assert known.next_change == AS_OF + timedelta(hours=3)
    assert _read(sample, AS_OF + timedelta(hours=2), known).reread is not None
    assert _read(sample, AS_OF + timedelta(hours=3), known).reread is None  # its time came
    assert _read(sample, AS_OF - timedelta(hours=1), known).reread is None  # earlier
    other = Known(known.seq, "another history", known.as_of, known.next_change,
                  known.unsettled, known.stories, known.skipped)
    assert _read(sample, AS_OF, other).reread is None


def test_stories_sync_has_not_settled_are_read_until_it_has(sample: Store) -> None:
    with sample.session() as session:
        story_id = stories.resolve(session, JCS_SLUG)
        session.execute(sa.insert(table_of(SyncDirty)).values(story_id=story_id))
    first = _read(sample, AS_OF)
    assert first.unsettled == {story_id}
    with sample.session() as session:
        session.execute(sa.delete(table_of(SyncDirty)))
    # Settled since, without a new revision: read once more, then no longer.
    second = _read(sample, AS_OF, first.known())
    assert second.reread == frozenset({story_id})
    assert _read(sample, AS_OF, second.known()).reread == frozenset()


def test_the_kept_selection_round_trips_through_the_cache(sample: Store, actor: Actor,
                                                          tmp_path: Path) -> None:
    cache = ExportCache(tmp_path / "cache")
    key = sample.replica_id
    full = _read(sample, AS_OF)
    snapshot.save(cache, key, full, None)
    kept = snapshot.load(cache, key)
    assert kept is not None
    _same(_read(sample, AS_OF, kept[0]), full)
    with sample.session() as session:
        stories.edit(session, actor, ASSEMBLY, status="killed", message="legal")
        stories.edit(session, actor, JCS_SLUG, headline="Troops and drones")
    changed = _read(sample, AS_OF, kept[0])
    snapshot.save(cache, key, changed, kept[1])
    again = snapshot.load(cache, key)
    assert again is not None
    _same(_read(sample, AS_OF, again[0]), _read(sample, AS_OF))
    # Another export kept a selection in between: the whole selection is written.
    snapshot.save(cache, key, full, kept[1])
    last = snapshot.load(cache, key)
    assert last is not None and len(last[0].stories) == len(full.stories)
    cache.close()


def test_a_damaged_kept_selection_is_ignored(sample: Store, tmp_path: Path) -> None:
    cache = ExportCache(tmp_path / "cache")
    snapshot.save(cache, "store", _read(sample, AS_OF), None)
    assert cache._db is not None
    cache._db.execute("UPDATE selected SET record = '[1, 2]'")
    assert snapshot.load(cache, "store") is None
    cache.close()


def test_many_changes_mean_one_full_read(sample: Store) -> None:
    """More stories read again than an IN-list takes: the selection reads everything."""
    known = _read(sample, AS_OF).known()
    with sample.session() as session:
        session.execute(sa.insert(table_of(SyncDirty)),
                        [{"story_id": f"unsettled-{n}"} for n in range(1000)])
    got = _read(sample, AS_OF, known)
    assert got.reread is None
    _same(got, _read(sample, AS_OF))
