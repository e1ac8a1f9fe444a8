"""Workflow figures: the publishing job on a big schedule, and the planning view's paint.

``publish --due`` must cost what the due stories cost, not what the archive
costs: the same 100 due stories are published from a store with 10,000
scheduled stories, and again from one that also holds a 10,000-story archive.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.corpus import Corpus
from benchmarks.timing import median, ms, timed
from cms.bulk import create_many
from cms.document import StoryDocument
from cms.people import actor_for
from cms.publish import publish_due_stories
from cms.store import Store

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
DUE = 100


def build_schedule_store(path: Path, scheduled: int, archive: int) -> None:
    """A store with ``scheduled`` scheduled stories (``DUE`` of them due) plus an archive."""
    corpus = list(Corpus(7).stories(scheduled + archive))
    store = Store.open(str(path), create=True)
    try:
        with store.session() as session:
            actor = actor_for(session, "bench", store.replica_id)  # first person: admin
        documents = []
        for index, item in enumerate(corpus):
            if index < scheduled:
                # The first DUE are a minute or more overdue; the rest spread over 60 days.
                offset = (timedelta(minutes=-(1 + index)) if index < DUE
                          else timedelta(minutes=7 * index))
                status, when = "scheduled", NOW + offset
            else:
                status, when = "published", NOW - timedelta(minutes=5 * index)
            documents.append(StoryDocument(
                story_id=item.story_id, slug=item.slug, headline=item.headline,
                standfirst=item.standfirst, body=item.body, byline=item.byline,
                section=item.section, tags=item.tags, status=status, publish_at=when,
            ))
        for start in range(0, len(documents), 5000):
            with store.session() as session:
                create_many(session, actor, documents[start : start + 5000],
                            now=NOW - timedelta(days=1))
    finally:
        store.close()


def _publish_seconds(path: Path) -> tuple[float, int]:
    store = Store.open(str(path))
    try:
        published: list[int] = []
        seconds = timed(lambda: published.append(
            len(publish_due_stories(store, NOW, username="bench").published)))
        return seconds, published[0]
    finally:
        store.close()


def publish_rows(quick: bool) -> list[tuple[str, str, str]]:
    """Seconds for one ``publish --due`` run over 100 due stories, two store sizes."""
    scheduled = 2_000 if quick else 10_000
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for archive in (0, scheduled):
            path = Path(tmp) / f"schedule-{archive}.db"
            build_schedule_store(path, scheduled, archive)
            seconds, count = _publish_seconds(path)
            if count != DUE:
                raise AssertionError(f"published {count} stories, expected {DUE}")
            again, _ = _publish_seconds(path)  # nothing left: the idle cron run
            label = f"publish --due: {scheduled:,} scheduled, {DUE} due"
            if archive:
                label += f", +{archive:,} archive"
            rows.append((label, f"{seconds:.3f} s", "< 1 s"))
            rows.append((label.replace(f"{DUE} due", "0 due") + " (next run)", ms(again), ""))
    return rows


def paint_times(count: int, repeats: int) -> list[float]:
    """Seconds to lay out and paint a week holding ``count`` stories, ``repeats`` times."""
    import os
    import random

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from zoneinfo import ZoneInfo

    from PySide6.QtGui import QPixmap
    from PySide6.QtWidgets import QApplication

    from ui.planning.timeline import PlanItem, Timeline

    app = QApplication.instance() or QApplication([])
    zone = ZoneInfo("Europe/Berlin")
    monday = datetime(2026, 6, 1, tzinfo=zone)
    rng = random.Random(11)
    statuses = ("scheduled", "published", "ready", "corrected")
    items = [
        PlanItem(f"story-{n}", f"Story number {n} about the {rng.choice(('vote', 'storm'))}",
                 rng.choice(("politics", "world", "sport")), rng.choice(statuses),
                 (monday + timedelta(minutes=rng.randrange(7 * 24 * 60))).astimezone(UTC),
                 late=rng.random() < 0.02)
        for n in range(count)
    ]
    days = [monday.date() + timedelta(days=n) for n in range(7)]
    timeline = Timeline()
    timeline.resize(1400, timeline.sizeHint().height())
    target = QPixmap(timeline.size())
    times = []
    for _ in range(repeats):
        def paint() -> None:
            # A new plan (layout and elided labels) and a full paint, as after a reload.
            timeline.set_plan(days, zone, items, can_drag=True)
            timeline.render(target)

        times.append(timed(paint))
    app.processEvents()
    return times


def planning_rows(quick: bool) -> list[tuple[str, str, str]]:
    """Milliseconds to lay out and paint a week with 2,000 stories in the planning view."""
    times = paint_times(2_000, 3 if quick else 10)
    return [("planning view: lay out + paint a week of 2,000 stories (median)",
             ms(median(times)), "< 200 ms"),
            ("planning view: same, slowest run", ms(max(times)), "")]


def run(quick: bool) -> list[tuple[str, str, str]]:
    """Every workflow figure."""
    return publish_rows(quick) + planning_rows(quick)
