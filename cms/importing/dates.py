"""Dates as static-site generators accept them, for imported files only.

People typing into Newsroom give ISO 8601 or a desk-zone wall-clock time
(:func:`cms.timeutil.parse_time`); an archive holds whatever its generator took:
``2012-10-31``, ``2012/10/31``, ``31 Oct 2012``, ``2016-10-06 11:10:38 -0700``,
``Wed, 31 Oct 2012 10:00:00 GMT``. Those are read with ``dateutil``'s parser
(the one Pelican itself uses), numeric offsets and UTC names by hand so that
no local zone of this computer leaks in. A time without an offset is read in
the site's zone (Hugo ``timeZone``, Jekyll ``timezone``, Pelican ``TIMEZONE``)
or else the desk's; one the clocks skip is moved past the gap, one that happens
twice takes the first occurrence, each with a warning.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from dateutil import parser as date_parser

from cms.errors import UsageError

_OFFSET = re.compile(r"\s*(?:(?P<utc>Z|UTC|GMT)|(?P<sign>[+-])(?P<h>\d{2}):?(?P<m>\d{2}))$",
                     re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")
_DEFAULT = datetime(2000, 1, 1)

Warn = Callable[[str], None]


def localise(naive: datetime, tz: ZoneInfo, warn: Warn) -> datetime:
    """A wall-clock time in ``tz`` as aware UTC; gaps and overlaps resolved with a warning."""
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    if first.utcoffset() != second.utcoffset():
        back = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        if back != naive:  # in the gap: the clocks skip it
            moved = first.astimezone(UTC)  # the offset before the gap: past it
            warn(f"{naive:%Y-%m-%d %H:%M} does not exist in {tz.key}; "
                 f"took {moved.astimezone(tz):%H:%M}")
            return moved
        warn(f"{naive:%Y-%m-%d %H:%M} happens twice in {tz.key}; took the first")
    return first.astimezone(UTC)


def parse_import_date(value: Any, tz: ZoneInfo, warn: Warn) -> datetime:
    """``value`` (text, or a date a TOML parser made) as an aware UTC time."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            return localise(value, tz, warn)
        return value.astimezone(UTC)
    if isinstance(value, date):
        return localise(datetime(value.year, value.month, value.day), tz, warn)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise UsageError(f"bad date {value!r}: not a date")
    text = str(value).strip()
    if not text:
        raise UsageError("empty date")
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        parsed = _lenient(text)
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    return localise(parsed, tz, warn)


def _lenient(text: str) -> datetime:
    if not _YEAR.search(text):
        raise UsageError(f"bad date {text!r}: no year in it")
    offset: timezone | None = None
    match = _OFFSET.search(text)
    if match is not None and _YEAR.search(text[: match.start()]):
        if match.group("utc"):
            offset = UTC
        else:
            minutes = int(match.group("h")) * 60 + int(match.group("m"))
            if minutes >= 24 * 60:
                raise UsageError(f"bad date {text!r}: impossible offset")
            sign = -1 if match.group("sign") == "-" else 1
            offset = timezone(sign * timedelta(minutes=minutes))
        text = text[: match.start()]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # an unknown zone name must not be guessed
            parsed = date_parser.parse(text, default=_DEFAULT)
    except (ValueError, OverflowError, date_parser.ParserError) as exc:
        raise UsageError(f"bad date {text!r}: {exc}") from None
    except Warning:
        raise UsageError(f"bad date {text!r}: unknown time zone; write it with an offset "
                         "such as +01:00") from None
    if parsed.tzinfo is not None:
        raise UsageError(f"bad date {text!r}: write its time zone as an offset such as +01:00")
    return parsed.replace(tzinfo=offset) if offset is not None else parsed
