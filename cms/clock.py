"""The hybrid logical clock that labels revisions and desk events, and far-future timestamps.

A reading is ``MMMMMMMMMMMMM.CCCCC`` (wall-clock milliseconds, counter), made by
:func:`next_hlc` and written with every revision and desk event. Readings order
and label them for display; whether two edits conflict is decided by ancestry alone, so a laptop
whose clock is wrong can mislabel its own edits but never overwrite anyone's.

What a bad clock could still do is drag every other store's clock into the
future (the next reading is always later than the latest one seen). So a
revision arriving with a reading more than :data:`MAX_FUTURE` ahead of the
receiving side's clock has its timestamp refused: it is stored with the
receiver's reading instead, and the sync report says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms.models import DeskEvent, Revision

MAX_FUTURE = timedelta(minutes=10)
SKEW_WARNING = timedelta(minutes=2)


@dataclass(frozen=True, order=True)
class Reading:
    """One hybrid logical clock reading."""

    wall_ms: int
    counter: int

    def __str__(self) -> str:
        return f"{self.wall_ms:013d}.{self.counter:05d}"

    @property
    def wall(self) -> datetime:
        """The wall-clock part as an aware UTC datetime."""
        return datetime.fromtimestamp(self.wall_ms / 1000, UTC)


def parse(text: str) -> Reading:
    """Read a stored clock value; malformed values read as the epoch (oldest)."""
    try:
        wall, counter = text.split(".")
        return Reading(int(wall), int(counter))
    except (ValueError, AttributeError):
        return Reading(0, 0)


def of_time(when: datetime, counter: int = 0) -> Reading:
    """The reading for an aware datetime."""
    return Reading(int(when.timestamp() * 1000), counter)


def too_far_ahead(text: str, reference: datetime) -> bool:
    """True when the reading ``text`` is more than :data:`MAX_FUTURE` past ``reference``."""
    return parse(text).wall > reference + MAX_FUTURE


def relabel(text: str, reference: datetime, created_at: datetime) -> tuple[str, datetime, bool]:
    """The reading and creation time to store for an arriving revision.

    Returns ``(hlc, created_at, refused)``: unchanged values, or the receiver's
    clock in place of a far-future reading (the counter keeps the original
    counter so relabelled siblings stay distinct and ordered).
    """
    reading = parse(text)
    if reading.wall <= reference + MAX_FUTURE:
        future_created = created_at > reference + MAX_FUTURE
        return text, (reference if future_created else created_at), future_created
    return str(of_time(reference, reading.counter)), min(created_at, reference), True


def describe_skew(local: datetime, reference: datetime) -> str | None:
    """A warning when this computer's clock is off from the central store's, else None."""
    delta = local - reference
    if abs(delta) < SKEW_WARNING:
        return None
    direction = "ahead of" if delta > timedelta(0) else "behind"
    return (f"this computer's clock is {_span(abs(delta))} {direction} the central store's; "
            "edits are still ordered by history, but fix the clock")


def _span(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds >= 2 * 86400:
        return f"{seconds // 86400} days"
    if seconds >= 7200:
        return f"{seconds // 3600} hours"
    return f"{max(seconds // 60, 1)} minutes"


def shift_future_labels(session: Session, reference: datetime, skew: timedelta) -> int:
    """Move this store's far-future revision labels back, keeping their order.

    Called when a central store with a clock (PostgreSQL) shows that this
    computer's clock is, or was, far ahead: every reading more than
    :data:`MAX_FUTURE` past ``reference`` is shifted back by the same amount
    (at least ``skew``), so history shows roughly when edits happened and the
    next saves are not labelled a year ahead. Returns the revisions relabelled.
    """
    limit = str(of_time(reference + MAX_FUTURE, 99_999))
    rows = session.execute(
        sa.select(Revision.id, Revision.hlc, Revision.created_at).where(Revision.hlc > limit)
    ).all()
    if not rows:
        return 0
    newest = max(parse(row.hlc).wall for row in rows)
    shift = max(skew, newest - reference)
    for rev_id, hlc, created in rows:
        reading = parse(hlc)
        moved = of_time(reading.wall - shift, reading.counter)
        session.execute(sa.update(Revision).where(Revision.id == rev_id).values(
            hlc=str(moved), created_at=min(created - shift, reference)))
    session.info.pop("newsroom_hlc", None)  # the save path caches the latest reading
    return len(rows)


def next_hlc(session: Session, now: datetime) -> str:
    """A hybrid logical clock reading later than every revision and desk event here.

    Format ``MMMMMMMMMMMMM.CCCCC``: wall-clock milliseconds and a counter, so
    string order is clock order. It labels and orders revisions for display;
    conflicts are decided by ancestry, never by these values.
    """
    wall = int(now.timestamp() * 1000)
    latest = session.info.get("newsroom_hlc")
    if latest is None:
        latest = max((value for value in (
            session.scalar(sa.select(sa.func.max(Revision.hlc))),
            session.scalar(sa.select(sa.func.max(DeskEvent.hlc)))) if value), default=None)
    reading = f"{wall:013d}.{0:05d}"
    if latest:
        last = parse(latest)  # a malformed stored value reads as the epoch, never fails a save
        if last.wall_ms >= wall:
            reading = str(Reading(last.wall_ms, last.counter + 1))
    session.info["newsroom_hlc"] = reading
    return reading
