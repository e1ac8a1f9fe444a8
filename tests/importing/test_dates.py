"""Dates as the generators accept them, for imports only; DST gaps and overlaps warned."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from cms.errors import UsageError
from cms.importing.dates import parse_import_date

OSLO = ZoneInfo("Europe/Oslo")


@pytest.mark.parametrize(("text", "expected"), [
    ("2012-10-31", datetime(2012, 10, 30, 23, 0, tzinfo=UTC)),
    ("2012/10/31", datetime(2012, 10, 30, 23, 0, tzinfo=UTC)),
    ("31 Oct 2012", datetime(2012, 10, 30, 23, 0, tzinfo=UTC)),
    ("Oct 31, 2012 10:00", datetime(2012, 10, 31, 9, 0, tzinfo=UTC)),
    ("2010-12-02 10:14", datetime(2010, 12, 2, 9, 14, tzinfo=UTC)),
    ("2016-10-06 11:10:38 -0700", datetime(2016, 10, 6, 18, 10, 38, tzinfo=UTC)),
    ("2012-10-31T10:00:00+02:00", datetime(2012, 10, 31, 8, 0, tzinfo=UTC)),
    ("2012-10-31T10:00:00Z", datetime(2012, 10, 31, 10, 0, tzinfo=UTC)),
    ("Wed, 31 Oct 2012 10:00:00 GMT", datetime(2012, 10, 31, 10, 0, tzinfo=UTC)),
    ("Mon, 1 Jan 2018 00:00:00 +0000", datetime(2018, 1, 1, 0, 0, tzinfo=UTC)),
])
def test_the_forms_generators_accept(text: str, expected: datetime) -> None:
    assert parse_import_date(text, OSLO, lambda _m: None) == expected


def test_toml_values_and_dates() -> None:
    assert parse_import_date(date(2012, 10, 31), OSLO, print) == datetime(
        2012, 10, 30, 23, 0, tzinfo=UTC)
    assert parse_import_date(datetime(2012, 10, 31, 10, 0), OSLO, print) == datetime(
        2012, 10, 31, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "why"), [
    ("2024-02-30", "out of range"), ("October", "no year"), ("2012-10-31 10:14 CET", "zone"),
    ("", "empty"), ("the day after tomorrow", "no year"),
])
def test_impossible_or_unclear_dates_are_refused(text: str, why: str) -> None:
    with pytest.raises(UsageError, match=why):
        parse_import_date(text, OSLO, print)


def test_daylight_saving_gaps_and_overlaps_are_resolved_with_a_warning() -> None:
    said: list[str] = []
    assert parse_import_date("2025-03-30 02:30", OSLO, said.append) == datetime(
        2025, 3, 30, 1, 30, tzinfo=UTC)  # 03:30 local, past the gap
    assert parse_import_date("2025-10-26 02:30", OSLO, said.append) == datetime(
        2025, 10, 26, 0, 30, tzinfo=UTC)  # the first 02:30
    assert "does not exist" in said[0] and "happens twice" in said[1]
