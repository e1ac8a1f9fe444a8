"""Desk-time entry: ISO with offsets, local times, DST gaps and overlaps, bad zones."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cms.errors import UsageError
from cms.timeutil import format_local, parse_time, zone


def test_iso_with_offset_is_converted_to_utc() -> None:
    assert parse_time("2024-12-23T15:20+09:00", zone("UTC")) == datetime(
        2024, 12, 23, 6, 20, tzinfo=UTC
    )
    assert parse_time("2024-12-23T06:20Z", zone("Asia/Seoul")).hour == 6


def test_local_time_is_read_in_the_desk_zone() -> None:
    assert parse_time("2024-12-23 15:20", zone("Asia/Seoul")) == datetime(
        2024, 12, 23, 6, 20, tzinfo=UTC
    )
    assert parse_time("2024-12-23", zone("Asia/Seoul")) == datetime(
        2024, 12, 22, 15, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("zone_name", "missing"),
    [("Europe/Berlin", "2025-03-30 02:30"), ("America/New_York", "2025-03-09 02:30")],
)
def test_times_in_a_dst_gap_are_refused(zone_name: str, missing: str) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        parse_time(missing, zone(zone_name))


@pytest.mark.parametrize(
    ("zone_name", "twice", "first_utc", "second_utc"),
    [
        ("Europe/Berlin", "2025-10-26 02:30", 0, 1),
        ("America/New_York", "2025-11-02 01:30", 5, 6),
    ],
)
def test_ambiguous_times_must_be_disambiguated(
    zone_name: str, twice: str, first_utc: int, second_utc: int
) -> None:
    tz = zone(zone_name)
    with pytest.raises(UsageError, match="happens twice"):
        parse_time(twice, tz)
    assert parse_time(twice, tz, fold=0).hour == first_utc
    assert parse_time(twice, tz, fold=1).hour == second_utc


@pytest.mark.parametrize("bad", ["Mars/Olympus", "", "../../etc/passwd", "Europe/"])
def test_unknown_zones_are_refused(bad: str) -> None:
    with pytest.raises(UsageError, match="unknown time zone"):
        zone(bad)


@pytest.mark.parametrize("bad", ["yesterday", "2024-13-01", "2024-12-32 10:00", "10:61"])
def test_bad_times_are_refused(bad: str) -> None:
    with pytest.raises(UsageError, match="invalid time"):
        parse_time(bad, zone("UTC"))


def test_format_local_shows_the_desk_zone() -> None:
    when = datetime(2024, 12, 23, 6, 20, tzinfo=UTC)
    assert format_local(when, zone("Asia/Seoul")) == "2024-12-23 15:20"
