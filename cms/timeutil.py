"""Time in the core: aware UTC everywhere, desk time zones only at the edges.

Entry and display happen in the desk's IANA zone; DST gaps (a local time that
never happens) and overlaps (one that happens twice) are refused or must be
disambiguated, never guessed.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from cms.errors import UsageError

_OFFSET_RE = re.compile(r"(Z|[+-]\d{2}:?\d{2})$", re.IGNORECASE)


def utcnow() -> datetime:
    """The current time as an aware UTC datetime, to the microsecond."""
    return datetime.now(UTC)


def zone(name: str) -> ZoneInfo:
    """The IANA zone called ``name``; a clear error for anything else."""
    if not name or "\x00" in name or name.startswith(("/", ".")) or ".." in name:
        raise UsageError(f"unknown time zone {name!r}: use an IANA name such as Asia/Seoul")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise UsageError(
            f"unknown time zone {name!r}: use an IANA name such as Asia/Seoul"
        ) from None


def as_utc(value: datetime) -> datetime:
    """``value`` converted to UTC; naive datetimes are refused (they hide bugs)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("naive datetime passed to the core; attach a time zone first")
    return value.astimezone(UTC)


def localize(naive: datetime, tz: ZoneInfo, *, fold: int | None = None) -> datetime:
    """Attach ``tz`` to a naive wall-clock time, refusing DST gaps and unresolved overlaps.

    ``fold`` picks the first (0) or second (1) occurrence of an ambiguous time;
    without it an ambiguous time is an error that says how to choose.
    """
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    # A time in a gap does not survive the round trip through UTC.
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive and second.astimezone(
        UTC
    ).astimezone(tz).replace(tzinfo=None) != naive:
        raise UsageError(
            f"{naive:%Y-%m-%d %H:%M} does not exist in {tz.key} (the clocks skip it for "
            "daylight saving time); choose another time"
        )
    if first.utcoffset() != second.utcoffset():
        if fold is None:
            a, b = (first.strftime("%z"), second.strftime("%z"))
            raise UsageError(
                f"{naive:%Y-%m-%d %H:%M} happens twice in {tz.key} (daylight saving time "
                f"ends); add the offset, e.g. {naive:%Y-%m-%dT%H:%M}{a[:3]}:{a[3:]} or "
                f"{naive:%Y-%m-%dT%H:%M}{b[:3]}:{b[3:]}"
            )
        return (second if fold else first).astimezone(UTC)
    return first.astimezone(UTC)


def parse_time(text: str, tz: ZoneInfo, *, fold: int | None = None) -> datetime:
    """Parse ISO 8601 (with offset) or a local time in ``tz``; return aware UTC.

    Accepted: ``2024-12-23T14:05+09:00``, ``2024-12-23T05:05Z``, ``2024-12-23 14:05``
    (read in the desk zone), ``2024-12-23`` (midnight in the desk zone).
    """
    raw = text.strip()
    if not raw:
        raise UsageError("empty time: use ISO 8601, e.g. 2024-12-23T14:05+09:00")
    candidate = raw.replace(" ", "T", 1) if " " in raw and "T" not in raw else raw
    candidate = re.sub(r"z$", "+00:00", candidate, flags=re.IGNORECASE)
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        raise UsageError(
            f"invalid time {text!r}: use ISO 8601, e.g. 2024-12-23T14:05+09:00 "
            f"or 2024-12-23 14:05 in {tz.key}"
        ) from None
    if parsed.tzinfo is not None:
        if not _OFFSET_RE.search(raw.replace(" ", "")) and parsed.utcoffset() is None:
            raise UsageError(f"invalid time {text!r}")
        return parsed.astimezone(UTC)
    return localize(parsed, tz, fold=fold)


def format_local(value: datetime | None, tz: ZoneInfo, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """``value`` shown in ``tz`` (empty for ``None``)."""
    if value is None:
        return ""
    return as_utc(value).astimezone(tz).strftime(fmt)


def isoformat(value: datetime | None) -> str | None:
    """ISO 8601 with offset, seconds precision, for JSON and canonical documents."""
    if value is None:
        return None
    return as_utc(value).isoformat(timespec="seconds")


def from_iso(value: str | None) -> datetime | None:
    """Inverse of :func:`isoformat` (tolerates any offset)."""
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"time without offset in a document: {value!r}")
    return parsed.astimezone(UTC)


def truncate(value: datetime) -> datetime:
    """Drop microseconds, so a time survives a round trip through any store identically."""
    return value - timedelta(microseconds=value.microsecond)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp column that only accepts aware datetimes and always returns aware UTC.

    SQLite has no time zone type, so values are stored as naive UTC there; on
    PostgreSQL the column is ``timestamptz``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        utc = as_utc(value)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
