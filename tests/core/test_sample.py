"""The sample newsroom built from the JCS article."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from cms import stories
from cms.config import get_setting
from cms.people import Actor
from cms.sample import first_run, install_sample
from cms.store import Store

JCS = "north-korea-readies-more-troops-and-drones-for-russia"
SEOUL = ZoneInfo("Asia/Seoul")


def test_the_sample_story_has_photos_and_a_timed_read_next_list(
    store: Store, actor: Actor
) -> None:
    report = install_sample(store, actor)
    assert len(report.created) == 6
    with store.reading() as session:
        assert get_setting(session, "timezone") == "Asia/Seoul"
        doc, _ = stories.get(session, JCS)
        assert doc.dateline == "SEOUL" and doc.status == "published"
        assert "goat" in doc.body and "12,000" in doc.body
        assert [p.credit for p in doc.photos] == ["JCS", "JCS"]
        assert all(p.alt and p.caption for p in doc.photos)
        assert doc.photos[0].role == "lead"
        times = []
        for link in doc.related:
            target, _ = stories.get(session, link.target_story_id or "")
            assert link.label == target.headline
            assert target.publish_at is not None
            times.append(target.publish_at.astimezone(SEOUL).strftime("%H:%M"))
        assert times == ["18:00", "11:42", "12:32", "16:46", "10:32"]
        assert all(
            t.publish_at is not None and t.publish_at.astimezone(SEOUL).year == 2024
            for t in (stories.get(session, link.target_story_id or "")[0] for link in doc.related)
        )


def test_installing_twice_changes_nothing_and_keeps_edits(store: Store, actor: Actor) -> None:
    install_sample(store, actor)
    with store.session() as session:
        stories.edit(session, actor, JCS, headline="Edited by the desk")
    again = install_sample(store, actor)
    assert again.created == [] and len(again.present) == 6
    with store.reading() as session:
        assert stories.get(session, JCS)[0].headline == "Edited by the desk"
        assert stories.count_stories(session) == 6


def test_first_run_offers_the_sample_only_once(store: Store, actor: Actor) -> None:
    assert first_run(store, actor) is not None
    with store.session() as session:
        for row in stories.list_stories(session):
            stories.edit(session, actor, row.id, headline=row.headline + " (kept)")
    assert first_run(store, actor) is None
