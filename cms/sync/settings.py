"""Desk settings travel with a sync, so every copy of the desk shares them.

Settings that name paths on this computer (:data:`MACHINE_SETTINGS`) stay local.

Settings are small values, not documents: the most recent change of each key
wins (by its ``updated_at``). A change stamped more than
:data:`cms.clock.MAX_FUTURE` ahead of the receiving side's clock is
stamped with that clock instead, so a laptop with a clock a year ahead cannot
pin its values for a year.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms.clock import MAX_FUTURE
from cms.config import validate_setting
from cms.errors import UsageError
from cms.models import Setting

# Paths and addresses of this computer: the same shared file or folder can be
# mounted at different places on different machines, so these never travel.
MACHINE_SETTINGS = frozenset({"central_url", "central_read_url", "export_theme",
                              "export_target"})


@dataclass(frozen=True)
class SettingRow:
    """One desk setting as it travels."""

    key: str
    value: str
    updated_at: datetime
    updated_by: str


def read_settings(session: Session) -> dict[str, SettingRow]:
    """Every stored setting of a store."""
    return {
        row.key: SettingRow(row.key, row.value, row.updated_at, row.updated_by)
        for row in session.scalars(sa.select(Setting))
        if row.key not in MACHINE_SETTINGS
    }


def newer(mine: dict[str, SettingRow], theirs: dict[str, SettingRow]) -> list[SettingRow]:
    """The rows of ``mine`` the other side lacks or holds an older change of."""
    return [row for key, row in sorted(mine.items())
            if key not in theirs or (row.updated_at, row.value) > (
                theirs[key].updated_at, theirs[key].value)]


def write_settings(session: Session, rows: Iterable[SettingRow], *, reference: datetime,
                   rejected: list[str] | None = None) -> int:
    """Store arriving settings (future stamps clamped to ``reference``); returns the count.

    Each value is checked as if typed (:func:`cms.config.validate_setting`): a key
    this Newsroom does not know, or a value it would refuse, is not stored and is
    named in ``rejected``.
    """
    count = 0
    for row in rows:
        try:
            value = validate_setting(row.key, row.value)
        except UsageError as exc:
            if rejected is not None:
                rejected.append(f"{row.key[:64]}: {exc}")
            continue
        row = SettingRow(row.key, value, row.updated_at, row.updated_by[:64])
        when = min(row.updated_at, reference) if row.updated_at > reference + MAX_FUTURE \
            else row.updated_at
        existing = session.get(Setting, row.key)
        if existing is None:
            session.add(Setting(key=row.key, value=row.value, updated_at=when,
                                updated_by=row.updated_by))
        else:
            existing.value, existing.updated_at = row.value, when
            existing.updated_by = row.updated_by
        count += 1
    session.flush()
    return count


def correct_future_stamps(session: Session, *, skew: timedelta, reference: datetime) -> int:
    """Move stamps made under a clock ``skew`` ahead back to real time; returns the count."""
    count = 0
    for row in session.scalars(sa.select(Setting).where(
            Setting.updated_at > reference + MAX_FUTURE)):
        row.updated_at = min(row.updated_at - skew, reference)
        count += 1
    session.flush()
    return count
