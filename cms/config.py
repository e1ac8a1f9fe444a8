"""Desk settings kept in the store, so every copy of the desk shares them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms.errors import UsageError
from cms.models import Setting
from cms.timeutil import utcnow, zone


def _text(value: str) -> str:
    clean = value.strip()
    if not clean or any(not ch.isprintable() for ch in clean):
        raise UsageError("the value must be non-empty printable text")
    return clean


def _time_zone(value: str) -> str:
    return zone(value.strip()).key


def _base_url(value: str) -> str:
    clean = value.strip()
    parts = urlsplit(clean)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"invalid site URL {value!r}: use https://example.org/")
    return clean if clean.endswith("/") else clean + "/"


def _html_snippet(value: str) -> str:
    # The desk's own embed code (a comments widget): multi-line, but bounded and without NULs.
    if "\x00" in value or len(value) > 20_000:
        raise UsageError("the snippet must be text under 20,000 characters")
    return value.strip()


def _folder(value: str) -> str:
    clean = value.strip()
    if "\x00" in clean:
        raise UsageError("invalid folder name")
    return clean


def _store_location(value: str) -> str:
    from cms.store import parse_store_url

    parse_store_url(value)
    return value.strip()


@dataclass(frozen=True)
class SettingSpec:
    """A known desk setting: its default and how a new value is checked."""

    default: str
    validate: Callable[[str], str]
    description: str


SETTINGS: dict[str, SettingSpec] = {
    "desk_name": SettingSpec("Newsroom", _text, "the desk's name, shown in the window and site"),
    "timezone": SettingSpec("UTC", _time_zone, "IANA time zone for entering and showing times"),
    "base_url": SettingSpec("https://example.org/", _base_url, "the public site's address"),
    "central_url": SettingSpec("", _store_location, "the central store this desk syncs with"),
    "language": SettingSpec("en", _text, "the site's language (BCP 47), e.g. en or ko"),
    "comments_embed": SettingSpec(
        "", _html_snippet, "HTML of a comments widget shown under each exported story"
    ),
    "export_theme": SettingSpec("", _folder, "a theme folder overriding the export templates"),
    "export_target": SettingSpec(
        "", _folder, "a folder the publishing job re-exports the site into after publishing"
    ),
}


def _spec(key: str) -> SettingSpec:
    spec = SETTINGS.get(key)
    if spec is None:
        raise UsageError(f"unknown setting {key!r}: known settings are {', '.join(SETTINGS)}")
    return spec


def get_setting(session: Session, key: str) -> str:
    """The value of ``key``, or its default."""
    spec = _spec(key)
    value = session.scalar(sa.select(Setting.value).where(Setting.key == key))
    return spec.default if value is None else value


def set_setting(session: Session, key: str, value: str, *, username: str) -> str:
    """Check and store a setting; returns the value as stored."""
    spec = _spec(key)
    clean = spec.validate(value) if value.strip() or spec.default else ""
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=clean, updated_at=utcnow(), updated_by=username))
    else:
        row.value, row.updated_at, row.updated_by = clean, utcnow(), username
    return clean


def all_settings(session: Session) -> dict[str, str]:
    """Every known setting with its current value."""
    stored = dict(session.execute(sa.select(Setting.key, Setting.value)).all())
    return {key: stored.get(key, spec.default) for key, spec in SETTINGS.items()}


def desk_zone(session: Session) -> ZoneInfo:
    """The desk's time zone."""
    return zone(get_setting(session, "timezone"))
