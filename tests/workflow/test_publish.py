"""The publishing job: due stories out exactly once, held-back and late stories reported."""

from __future__ import annotations

import multiprocessing
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from cms import publish, schedule, stories, workflow
from cms.blobs import put_blob
from cms.document import PhotoRef
from cms.errors import PermissionDenied
from cms.models import StoryTransition
from cms.placements import photo_problems
from cms.store import Store
from tests.workflow.conftest import NOW, Desk, make_desk


def _scheduled(desk: Desk, headline: str, at: datetime) -> str:
    story = desk.story(headline, status="ready")
    with desk.store.session() as session:
        schedule.schedule(session, desk.chief, story, at, now=NOW - timedelta(days=1))
    return story


def test_publishes_what_is_due_once(desk: Desk) -> None:
    due = _scheduled(desk, "Due now", NOW - timedelta(minutes=1))
    exact = _scheduled(desk, "Due exactly now", NOW)
    later = _scheduled(desk, "Due later", NOW + timedelta(minutes=1))
    report = publish.publish_due_stories(desk.store, NOW, username="chloe")
    assert [item.id for item in report.published] == [due, exact]
    assert (desk.status(due), desk.status(exact), desk.status(later)) == (
        "published", "published", "scheduled")
    with desk.store.reading() as session:
        document, _ = stories.get(session, due)
        move = workflow.history(session, due)[-1]
    assert document.publish_at == NOW - timedelta(minutes=1)  # the planned time is kept
    assert (move.to_status, move.username, move.note) == ("published", "chloe", publish.JOB_NOTE)
    again = publish.publish_due_stories(desk.store, NOW, username="chloe")
    assert again.published == [] and again.blocked == []


def test_dry_run_lists_and_changes_nothing(desk: Desk) -> None:
    due = _scheduled(desk, "Due now", NOW - timedelta(minutes=1))
    with desk.store.reading() as session:
        head = stories.head_revision(session, due)
    report = publish.publish_due_stories(desk.store, NOW, dry_run=True, username="chloe")
    assert [item.id for item in report.published] == [due]
    with desk.store.reading() as session:
        assert stories.head_revision(session, due) == head
        assert publish.last_run(session) is None


def test_job_needs_a_desk_chief(desk: Desk) -> None:
    _scheduled(desk, "Due now", NOW - timedelta(minutes=1))
    with pytest.raises(PermissionDenied, match="publishing job"):
        publish.publish_due_stories(desk.store, NOW, username="eddie")
    with pytest.raises(PermissionDenied):
        publish.publish_due_stories(desk.store, NOW, username="somebody-new")


def test_embargo_holds_the_job_and_the_story_is_late(desk: Desk) -> None:
    story = _scheduled(desk, "Agency embargo", NOW - timedelta(hours=1))
    with desk.store.session() as session:
        schedule.set_embargo(session, desk.chief, story, NOW + timedelta(hours=1),
                             now=NOW - timedelta(hours=2))
    report = publish.publish_due_stories(desk.store, NOW, username="chloe")
    assert report.published == []
    assert [item.id for item in report.blocked] == [story]
    assert "embargo until" in report.blocked[0].reasons[0]
    assert desk.status(story) == "scheduled"
    with desk.store.reading() as session:
        (late,) = publish.late_stories(session, NOW)
    assert late.id == story and "embargo until" in late.reasons[0]
    # When the embargo ends, the next run publishes it.
    report = publish.publish_due_stories(desk.store, NOW + timedelta(hours=1), username="chloe")
    assert [item.id for item in report.published] == [story]


def test_photo_problems_hold_the_job(desk: Desk) -> None:
    story = desk.story("Photo without alt text")
    with desk.store.session() as session:
        sha = put_blob(session, b"\x89PNG fake bytes", media_type="image/png", width=1, height=1)
        document, head = stories.get(session, story)
        photo = PhotoRef(id="p1", sha256=sha, caption="A goat", credit="", alt="")
        document = document.evolve(photos=(photo,), status="ready")
        assert photo_problems(document)
        with pytest.raises(Exception, match="photo problems"), session.begin_nested():
            stories.save(session, desk.chief, document, base_revision=head)
        stories.save(session, desk.chief, document, base_revision=head,
                     status_change=workflow.StatusChange(note="photo desk is on it",
                                                         override=True))
        schedule.schedule(session, desk.chief, story, NOW - timedelta(minutes=5),
                          now=NOW - timedelta(minutes=10))
    report = publish.publish_due_stories(desk.store, NOW, username="chloe")
    assert [item.id for item in report.blocked] == [story]
    assert report.blocked[0].reasons[0].startswith("photo problems")


def test_late_report_names_a_stopped_job_and_unscheduled_stories(desk: Desk) -> None:
    waiting = _scheduled(desk, "Nobody ran the job", NOW - timedelta(hours=2))
    ready = desk.story("Only ready", status="ready")
    with desk.store.session() as session:
        stories.edit(session, desk.chief, ready, publish_at=NOW - timedelta(hours=1), now=NOW)
    with desk.store.reading() as session:
        late = {item.id: item.reasons for item in publish.late_stories(session, NOW)}
    assert late[waiting] == ("the publishing job has never run on this store",)
    assert late[ready] == ("still only ready: nobody scheduled it",)
    # A run long ago, before the story was due: the job has stopped.
    publish.publish_due_stories(desk.store, NOW - timedelta(hours=3), username="chloe")
    with desk.store.reading() as session:
        late = {item.id: item.reasons for item in publish.late_stories(session, NOW)}
    assert late[waiting][0].startswith("the publishing job has not run since")
    publish.publish_due_stories(desk.store, NOW, username="chloe")
    with desk.store.reading() as session:
        assert [item.id for item in publish.late_stories(session, NOW)] == [ready]


def _run_job(url: str, start: multiprocessing.synchronize.Barrier,
             results: multiprocessing.Queue[list[str]]) -> None:
    store = Store.open(url)
    try:
        start.wait(timeout=30)
        report = publish.publish_due_stories(store, NOW, username="chloe")
        results.put([item.id for item in report.published])
    finally:
        store.close()


def _two_runners(url: str) -> list[list[str]]:
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(2)
    results = context.Queue()
    runners = [context.Process(target=_run_job, args=(url, start, results)) for _ in range(2)]
    for runner in runners:
        runner.start()
    outcome = [results.get(timeout=120) for _ in runners]
    for runner in runners:
        runner.join(timeout=30)
        assert runner.exitcode == 0
    return outcome


def _concurrent(store_url: str) -> None:
    store = Store.open(store_url, create=True)
    try:
        desk = make_desk(store)
        with store.session() as session:
            due = []
            for number in range(120):
                saved = stories.create(session, desk.admin, headline=f"Due story {number}",
                                       status="ready", now=NOW - timedelta(days=1))
                story = saved.document.story_id
                schedule.schedule(session, desk.chief, story, NOW - timedelta(seconds=number),
                                  now=NOW - timedelta(days=1))
                due.append(story)
        first, second = _two_runners(store_url)
        assert not set(first) & set(second)
        assert sorted(first + second) == sorted(due)
        with store.reading() as session:
            counts = session.execute(
                sa.select(StoryTransition.story_id, sa.func.count())
                .where(StoryTransition.to_status == "published")
                .group_by(StoryTransition.story_id)
            ).all()
            assert sorted(row[0] for row in counts) == sorted(due)
            assert {row[1] for row in counts} == {1}
            assert stories.count_stories(session, status="published") == 120
    finally:
        store.close()


@pytest.mark.pg
def test_two_concurrent_jobs_on_postgresql_publish_each_story_once(pg_url: str) -> None:
    _concurrent(pg_url)


def test_two_concurrent_jobs_on_one_sqlite_file_publish_each_story_once(sqlite_url: str) -> None:
    _concurrent(sqlite_url)


def test_open_sync_conflict_holds_the_job(desk: Desk) -> None:
    from cms.revisions import revision_info, write_revision

    story = _scheduled(desk, "Edited in two places", NOW - timedelta(minutes=5))
    with desk.store.session() as session:
        document, head = stories.get(session, story)
        parent = revision_info(session, head).parents[0]
        # A sibling of the head, as a sync from another replica would bring: two heads.
        write_revision(session, document.evolve(body="The other laptop's text."), [parent],
                       author="eddie", replica_id="other-replica", now=NOW)
    report = publish.publish_due_stories(desk.store, NOW, username="chloe")
    assert [item.id for item in report.blocked] == [story]
    assert report.blocked[0].reasons == ("open sync conflict: resolve it in the editor",)
    with desk.store.reading() as session:
        (late,) = publish.late_stories(session, NOW)
    assert late.reasons == ("open sync conflict: resolve it in the editor",)
    assert desk.status(story) == "scheduled"
