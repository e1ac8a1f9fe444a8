"""Publication times and embargoes: desk-zone entry, DST gaps and overlaps, real blocking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cms import schedule, stories, transitions, workflow
from cms.config import set_setting
from cms.errors import PermissionDenied, UsageError
from tests.workflow.conftest import NOW, Desk


def _zone(desk: Desk, name: str) -> None:
    with desk.store.session() as session:
        set_setting(session, "timezone", name, username="ada")


def _parse(desk: Desk, text: str, fold: int | None = None) -> datetime:
    with desk.store.reading() as session:
        return schedule.parse_desk_time(session, text, fold=fold)


@pytest.mark.parametrize(
    ("zone", "gap", "overlap", "first", "second"),
    [
        # Berlin: clocks jump 02:00 → 03:00 on 29 March, fall back 03:00 → 02:00 on 25 October.
        ("Europe/Berlin", "2026-03-29 02:30", "2026-10-25 02:30",
         datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 1, 30, tzinfo=UTC)),
        # New York: 02:00 → 03:00 on 8 March, 02:00 → 01:00 on 1 November.
        ("America/New_York", "2026-03-08 02:30", "2026-11-01 01:30",
         datetime(2026, 11, 1, 5, 30, tzinfo=UTC), datetime(2026, 11, 1, 6, 30, tzinfo=UTC)),
    ],
)
def test_dst_gap_is_refused_and_overlap_must_be_chosen(
    sqlite_desk: Desk, zone: str, gap: str, overlap: str, first: datetime, second: datetime
) -> None:
    _zone(sqlite_desk, zone)
    with pytest.raises(UsageError, match="does not exist"):
        _parse(sqlite_desk, gap)
    with pytest.raises(UsageError, match="happens twice") as caught:
        _parse(sqlite_desk, overlap)
    # The message offers both readings as offsets; either one, typed back, is accepted.
    offered = [word.rstrip(",;") for word in str(caught.value).split() if word[:4] == "2026"]
    assert [_parse(sqlite_desk, text) for text in offered[-2:]] == [first, second]
    assert _parse(sqlite_desk, overlap, fold=0) == first
    assert _parse(sqlite_desk, overlap, fold=1) == second


def test_seoul_has_no_dst_and_reads_local_times(sqlite_desk: Desk) -> None:
    _zone(sqlite_desk, "Asia/Seoul")
    assert _parse(sqlite_desk, "2024-12-15 18:00") == datetime(2024, 12, 15, 9, 0, tzinfo=UTC)
    # Berlin's and New York's transition nights are ordinary nights in Seoul.
    assert _parse(sqlite_desk, "2026-03-29 02:30") == datetime(2026, 3, 28, 17, 30, tzinfo=UTC)
    assert _parse(sqlite_desk, "2026-11-01 01:30") == datetime(2026, 10, 31, 16, 30, tzinfo=UTC)
    assert _parse(sqlite_desk, "2024-12-15T18:00+00:00") == datetime(2024, 12, 15, 18, 0,
                                                                       tzinfo=UTC)


def test_unknown_time_zone_is_refused(sqlite_desk: Desk) -> None:
    with pytest.raises(UsageError, match="unknown time zone"), \
            sqlite_desk.store.session() as session:
        set_setting(session, "timezone", "Mars/Olympus_Mons", username="ada")


def test_scheduling_a_ready_story_records_the_move(desk: Desk) -> None:
    story = desk.story(status="ready")
    at = NOW + timedelta(hours=3)
    with desk.store.session() as session:
        result = schedule.schedule(session, desk.chief, story, at, now=NOW)
    assert (result.status, result.publish_at, result.warning) == ("scheduled", at, "")
    with desk.store.session() as session:
        schedule.schedule(session, desk.chief, story, at + timedelta(hours=1), now=NOW)
        moves = workflow.history(session, story)
        document, _ = stories.get(session, story)
    assert [(m.from_status, m.to_status) for m in moves] == [
        ("draft", "ready"), ("ready", "scheduled")]
    assert document.publish_at == at + timedelta(hours=1)


def test_schedule_bad_input_changes_nothing(desk: Desk) -> None:
    story = desk.story(status="ready")
    with desk.store.reading() as session:
        head = stories.head_revision(session, story)
    cases = [
        (desk.chief, NOW - timedelta(minutes=1), UsageError, "in the past"),
        (desk.chief, NOW, UsageError, "in the past"),
        (desk.editor, NOW + timedelta(hours=1), PermissionDenied, "desk chief"),
        (desk.chief, NOW + timedelta(days=5000), UsageError, "ten years"),
    ]
    for who, at, error, text in cases:
        with pytest.raises(error, match=text), desk.store.session() as session:
            schedule.schedule(session, who, story, at, now=NOW)
    with desk.store.reading() as session:
        assert stories.head_revision(session, story) == head


def test_clear_sends_a_scheduled_story_back_to_ready(desk: Desk) -> None:
    story = desk.story(status="ready")
    with desk.store.session() as session:
        schedule.schedule(session, desk.chief, story, NOW + timedelta(hours=1), now=NOW)
        result = schedule.clear_schedule(session, desk.chief, story, now=NOW)
    assert (result.status, result.publish_at) == ("ready", None)
    with pytest.raises(UsageError, match="no publication time"), desk.store.session() as s:
        schedule.clear_schedule(s, desk.chief, story, now=NOW)


def test_planning_a_draft_keeps_its_status_and_warns(desk: Desk) -> None:
    story = desk.story(status="edit")
    with desk.store.session() as session:
        result = schedule.schedule(session, desk.chief, story, NOW + timedelta(hours=1), now=NOW)
    assert result.status == "edit"
    assert "still in edit" in result.warning


def test_embargo_blocks_publishing_by_hand(desk: Desk) -> None:
    story = desk.story(status="ready")
    until = NOW + timedelta(hours=6)
    with desk.store.session() as session:
        schedule.set_embargo(session, desk.chief, story, until, now=NOW)
    with desk.store.reading() as session:
        head = stories.head_revision(session, story)
    for who in ("chief", "admin"):
        with pytest.raises(PermissionDenied, match="under embargo"), \
                desk.store.session() as session:
            transitions.transition(session, getattr(desk, who), story, "published", now=NOW)
    # Not through a plain edit either.
    with pytest.raises(PermissionDenied, match="under embargo"), desk.store.session() as session:
        stories.edit(session, desk.admin, story, status="published", publish_at=NOW, now=NOW)
    with desk.store.reading() as session:
        assert stories.head_revision(session, story) == head
    # Scheduling before the embargo ends is refused; at its end is fine.
    with pytest.raises(UsageError, match="before the embargo ends"), \
            desk.store.session() as session:
        schedule.schedule(session, desk.chief, story, until - timedelta(minutes=1), now=NOW)
    with desk.store.session() as session:
        schedule.schedule(session, desk.chief, story, until, now=NOW)
    # Once the embargo is over, publishing by hand works.
    with desk.store.session() as session:
        transitions.transition(session, desk.chief, story, "published", now=until)
    assert desk.status(story) == "published"


def test_embargo_bad_input(desk: Desk) -> None:
    story = desk.story(status="published", publish_at=NOW - timedelta(hours=1))
    draft = desk.story("Another story")
    with pytest.raises(UsageError, match="already published"), desk.store.session() as s:
        schedule.set_embargo(s, desk.chief, story, NOW + timedelta(hours=1), now=NOW)
    with pytest.raises(UsageError, match="in the past"), desk.store.session() as s:
        schedule.set_embargo(s, desk.chief, draft, NOW - timedelta(hours=1), now=NOW)
    with pytest.raises(PermissionDenied), desk.store.session() as s:
        schedule.set_embargo(s, desk.reporter, draft, NOW + timedelta(hours=1), now=NOW)
    with pytest.raises(UsageError, match="no embargo"), desk.store.session() as s:
        schedule.set_embargo(s, desk.chief, draft, None, now=NOW)


def test_embargo_after_the_planned_time_warns(desk: Desk) -> None:
    story = desk.story(status="ready")
    with desk.store.session() as session:
        schedule.schedule(session, desk.chief, story, NOW + timedelta(hours=1), now=NOW)
        result = schedule.set_embargo(session, desk.chief, story, NOW + timedelta(hours=2),
                                      now=NOW)
    assert "waits until" in result.warning


def test_planned_lists_a_period_and_flags_late(desk: Desk) -> None:
    early = desk.story("Early", status="ready")
    later = desk.story("Later", status="ready")
    with desk.store.session() as session:
        schedule.schedule(session, desk.chief, early, NOW + timedelta(hours=1), now=NOW)
        schedule.schedule(session, desk.chief, later, NOW + timedelta(hours=5), now=NOW)
    with desk.store.reading() as session:
        rows = schedule.planned(session, NOW, NOW + timedelta(days=1),
                                now=NOW + timedelta(hours=2))
        only_first = schedule.planned(session, NOW, NOW + timedelta(hours=5))
    assert [(r.headline, r.late) for r in rows] == [("Early", True), ("Later", False)]
    assert [r.headline for r in only_first] == ["Early"]  # the end is exclusive
    with pytest.raises(UsageError), desk.store.reading() as session:
        schedule.planned(session, NOW, NOW)
