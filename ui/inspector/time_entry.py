"""Entering a wall-clock time in the desk zone: gaps refused, overlaps asked about.

Qt's date-time editors know nothing of the desk zone, so they edit a naive
wall-clock time; :func:`desk_time` turns it into aware UTC with
:func:`cms.timeutil.localize`. A time the clocks skip is refused with the
core's message; a time that happens twice asks which one is meant.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDateTime, QTime
from PySide6.QtWidgets import QDateTimeEdit, QMessageBox, QWidget

from cms.errors import UsageError
from cms.timeutil import localize

DISPLAY_FORMAT = "yyyy-MM-dd HH:mm"


def is_ambiguous(naive: datetime, zone: ZoneInfo) -> bool:
    """True when ``naive`` happens twice in ``zone`` (the hour DST gives back)."""
    first = naive.replace(tzinfo=zone, fold=0)
    if first.utcoffset() == naive.replace(tzinfo=zone, fold=1).utcoffset():
        return False
    # A skipped time also reads two ways, but neither survives a round trip through UTC.
    return first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive


def desk_time(parent: QWidget | None, naive: datetime, zone: ZoneInfo) -> datetime | None:
    """``naive`` read in ``zone`` as aware UTC; None when the user cancels the question.

    Raises :class:`UsageError` for a time that does not exist in the zone.
    """
    if not is_ambiguous(naive, zone):
        return localize(naive, zone)
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    box = QMessageBox(parent)
    box.setObjectName("ambiguousTimeQuestion")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Which time?")
    box.setText(f"{naive:%Y-%m-%d %H:%M} happens twice in {zone.key}: the clocks go back "
                "for daylight saving time. Which one do you mean?")
    early = box.addButton(f"The first (UTC{first:%z})", QMessageBox.ButtonRole.AcceptRole)
    late = box.addButton(f"The second (UTC{second:%z})", QMessageBox.ButtonRole.AcceptRole)
    early.setObjectName("firstOccurrence")
    late.setObjectName("secondOccurrence")
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    if box.clickedButton() is early:
        return localize(naive, zone, fold=0)
    if box.clickedButton() is late:
        return localize(naive, zone, fold=1)
    return None


def to_naive(value: QDateTime) -> datetime:
    """A QDateTimeEdit's value as a naive wall-clock datetime (minutes precision)."""
    date, time = value.date(), value.time()
    return datetime(date.year(), date.month(), date.day(), time.hour(), time.minute())


def from_utc(value: datetime | None, zone: ZoneInfo) -> QDateTime:
    """An aware time shown as wall-clock time in ``zone`` (now, rounded, if None)."""
    local = (value or datetime.now(UTC)).astimezone(zone)
    result = QDateTime.currentDateTime()
    result.setDate(result.date().fromString(f"{local:%Y-%m-%d}", "yyyy-MM-dd"))
    result.setTime(QTime(local.hour, local.minute))
    return result


def make_editor(parent: QWidget, name: str) -> QDateTimeEdit:
    """A date-time editor for desk-zone wall-clock times."""
    editor = QDateTimeEdit(parent)
    editor.setObjectName(name)
    editor.setDisplayFormat(DISPLAY_FORMAT)
    editor.setCalendarPopup(True)
    return editor


def check_exists(naive: datetime, zone: ZoneInfo) -> str:
    """The core's message when ``naive`` falls in a DST gap, else an empty string."""
    try:
        localize(naive, zone, fold=0)
    except UsageError as exc:
        return str(exc)
    return ""
