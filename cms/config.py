"""Desk settings kept in the store, so every copy of the desk shares them.

Each setting has an owner: the desk's own settings are changed by the role that
may publish (desk chiefs) and above; those that put code or addresses on every
published page (``comments_embed``, ``base_url``, ``export_theme``) by admins
only; settings of this computer (the central store's address, the export
folder) by whoever uses it. :func:`change_setting` is the one door people use
(the CLI and the window); the same rules hold on a secured central store
(:mod:`cms.sync.security`), and values arriving by sync are checked by
:func:`validate_setting` exactly as typed ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms.errors import PermissionDenied, UsageError
from cms.models import Setting
from cms.people import Actor
from cms.rules import load_rules, with_article
from cms.secrets import keep_url, split_password
from cms.spelling import clean_word_list
from cms.timeutil import utcnow, zone


def _text(value: str) -> str:
    clean = value.strip()
    if not clean or any(not ch.isprintable() for ch in clean):
        raise UsageError("the value must be non-empty printable text")
    if len(clean) > 200:
        raise UsageError("the value must be at most 200 characters")
    return clean


# BCP 47 language tags (RFC 5646), the well-formed subset a site's lang attribute uses:
# language[-script][-region][-variant]*[-extension]*[-privateuse], or a private use tag.
_BCP47 = re.compile(
    r"(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})"
    r"(?:-[a-z]{4})?(?:-(?:[a-z]{2}|[0-9]{3}))?"
    r"(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*"
    r"(?:-[0-9a-wy-z](?:-[a-z0-9]{2,8})+)*(?:-x(?:-[a-z0-9]{1,8})+)?"
    r"|x(?:-[a-z0-9]{1,8})+",
    re.IGNORECASE,
)


def _language(value: str) -> str:
    clean = value.strip()
    if not _BCP47.fullmatch(clean):
        raise UsageError(f"invalid language {value!r}: give a BCP 47 tag such as en, ko or pt-BR")
    return clean


def _time_zone(value: str) -> str:
    return zone(value.strip()).key


def _base_url(value: str) -> str:
    clean = value.strip()
    try:
        parts = urlsplit(clean)
        parts.port  # noqa: B018 - a malformed port only fails when read
    except ValueError:
        parts = None
    if (parts is None or parts.scheme not in ("http", "https") or not parts.hostname
            or parts.query or parts.fragment or parts.username or parts.password
            or any(ch in clean for ch in '"<>\\`{}|^ ') or not clean.isprintable()):
        raise UsageError(f"invalid site URL {value!r}: use an address such as "
                         "https://news.example.org/")
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


def window_days(value: str) -> str:
    """A number of days for a partial copy's window (1 to 36,500), as stored."""
    try:
        days = int(value.strip())
    except ValueError:
        raise UsageError(f"invalid window {value!r}: give a number of days, e.g. 30") from None
    if not 1 <= days <= 36_500:
        raise UsageError(f"invalid window {days}: give between 1 and 36500 days")
    return str(days)


DESK, ADMIN, MACHINE = "desk", "admin", "machine"  # who owns a setting


@dataclass(frozen=True)
class SettingSpec:
    """A known desk setting: its default, how a new value is checked, and who may change it."""

    default: str
    validate: Callable[[str], str]
    description: str
    owner: str = DESK


SETTINGS: dict[str, SettingSpec] = {
    "desk_name": SettingSpec("Newsroom", _text, "the desk's name, shown in the window and site"),
    "timezone": SettingSpec("UTC", _time_zone, "IANA time zone for entering and showing times"),
    "base_url": SettingSpec("https://example.org/", _base_url, "the public site's address",
                            ADMIN),
    "central_url": SettingSpec("", _store_location, "the central store this desk syncs with",
                               MACHINE),
    "language": SettingSpec("en", _language, "the site's language (BCP 47), e.g. en or ko"),
    "comments_embed": SettingSpec(
        "", _html_snippet, "HTML of a comments widget shown under each exported story", ADMIN
    ),
    "export_theme": SettingSpec("", _folder, "a theme folder overriding the export templates",
                                ADMIN),
    "central_read_url": SettingSpec(
        "", _store_location, "a read replica of the central store for pulls and search",
        MACHINE),
    "sync_window_days": SettingSpec(
        "", window_days, "days of the archive a new laptop holds (empty: every story)"),
    "desk_dictionary": SettingSpec(
        "", clean_word_list,
        "words and names the desk spells its way, comma-separated (spellcheck)"),
    "export_target": SettingSpec(
        "", _folder, "a folder the publishing job re-exports the site into after publishing",
        MACHINE,
    ),
}
URL_SETTINGS = frozenset({"central_url", "central_read_url"})  # addresses that may carry a password
ADMIN_SETTINGS = tuple(sorted(key for key, spec in SETTINGS.items() if spec.owner == ADMIN))


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


def validate_setting(key: str, value: str) -> str:
    """``value`` checked for ``key`` and cleaned as it is stored (typed or arrived by sync)."""
    spec = _spec(key)
    return spec.validate(value) if value.strip() or spec.default else ""


def require_owner(session: Session, actor: Actor, key: str) -> None:
    """Refuse unless ``actor`` may change the setting ``key``."""
    spec = _spec(key)
    if spec.owner == MACHINE:
        return
    rules = load_rules(session)
    least = rules.top_role if spec.owner == ADMIN else rules.publish_role
    if not rules.may(actor.role, least):
        raise PermissionDenied(f"{actor.username} is {with_article(actor.role)}; only "
                               f"{with_article(least)} or above may change {key}")


def change_setting(session: Session, actor: Actor, key: str, value: str) -> tuple[str, str]:
    """A person changes a setting: the owner rule, then :func:`set_setting`.

    Returns the value as stored and a note for the person (where a password the
    value carried was put instead of the store), or ``""``.
    """
    require_owner(session, actor, key)
    note = ""
    if key in URL_SETTINGS:
        value, where = keep_url(value)
        if where:
            note = f"the password is kept in {where}, not in the store"
    return set_setting(session, key, value, username=actor.username), note


def set_setting(session: Session, key: str, value: str, *, username: str) -> str:
    """Check and store a setting (no owner check: see :func:`change_setting`).

    A store address is kept without its password, whatever path it comes by.
    """
    clean = validate_setting(key, value)
    if key in URL_SETTINGS:
        clean = split_password(clean)[0]
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
