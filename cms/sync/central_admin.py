"""Administering a secured central store: its people and logins, and its audit log.

Everything here runs as the login of the URL it is given and goes through the
store's own functions (:mod:`cms.sync.security`), which check that the login
is an admin of the desk (or the database's owner): a client cannot do more by
calling them differently. A password never reaches the server: what is sent is
its SCRAM-SHA-256 verifier.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from cms.errors import NotFound, PermissionDenied, UsageError
from cms.models import CentralAudit, Person
from cms.people import validate_username
from cms.policy import refusal
from cms.store import Store, describe
from cms.sync.security import scram_verifier

_LOGIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.@-]{0,62}")


@dataclass(frozen=True)
class AuditEntry:
    """One accepted change on a secured central store."""

    at: datetime
    login: str
    person: str
    kind: str
    story_id: str | None
    revision_id: str | None
    detail: str

    def as_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"at": self.at.isoformat(), "login": self.login, "person": self.person,
                "kind": self.kind, "story_id": self.story_id, "revision_id": self.revision_id,
                "detail": self.detail}


def require_secured(store: Store) -> None:
    """Refuse a central store that was not set up with ``--secure``."""
    if not store.secured:
        raise UsageError(
            f"{describe(store.url)} is not a secured central store: run `newsroom central "
            "init URL --secure` with the database owner's URL first (on a desk without one, "
            "people are managed with `newsroom people`)")


def check_login(login: str) -> str:
    """A PostgreSQL login name Newsroom will create or use."""
    clean = login.strip()
    if not _LOGIN.fullmatch(clean):
        raise UsageError(f"invalid login {login!r}: letters, digits and _ . @ - (at most 63), "
                         "starting with a letter")
    return clean


@contextmanager
def _calling(store: Store) -> Iterator[Session]:
    """A write session whose refusals become the project's own errors."""
    try:
        with store.session() as session:
            yield session
    except DBAPIError as exc:
        refused = refusal(exc)
        if refused is not None:
            raise PermissionDenied(refused.message) from None
        code = str(getattr(getattr(exc, "orig", None), "sqlstate", "") or "")
        message = str(getattr(getattr(getattr(exc, "orig", None), "diag", None),
                              "message_primary", "") or exc)
        if code == "02000":
            raise NotFound(message) from None
        if code in ("22023", "23505"):
            raise UsageError(message) from None
        if code == "42501" or "permission denied" in message:
            raise PermissionDenied(message) from None
        raise


def add_user(store: Store, name: str, role: str, *, login: str | None = None,
             password: str | None = None) -> str:
    """Add a person with a role and their login (created if new); returns the login."""
    require_secured(store)
    person = validate_username(name)
    chosen = check_login(login or person)
    verifier = scram_verifier(password) if password else None
    with _calling(store) as session:
        session.execute(sa.select(sa.func.newsroom_person_add(person, role, chosen, verifier)))
    return chosen


def set_user_role(store: Store, name: str, role: str) -> None:
    """Give someone on the desk another role (their login's group role follows)."""
    require_secured(store)
    with _calling(store) as session:
        session.execute(sa.select(sa.func.newsroom_person_role(name.strip(), role)))


def set_user_active(store: Store, name: str, active: bool) -> None:
    """Disable someone (their login can no longer connect or act) or enable them again."""
    require_secured(store)
    with _calling(store) as session:
        session.execute(sa.select(sa.func.newsroom_person_active(name.strip(), active)))


def list_users(store: Store) -> list[Person]:
    """Everyone on the desk, by name."""
    with store.reading() as session:
        return list(session.scalars(sa.select(Person).order_by(Person.username)))


def audit(store: Store, *, story_id: str | None = None, since: datetime | None = None,
          limit: int | None = None) -> list[AuditEntry]:
    """Accepted changes, oldest first (desk chiefs and admins may read the log)."""
    require_secured(store)
    query = sa.select(CentralAudit).order_by(CentralAudit.at, CentralAudit.id)
    if story_id is not None:
        query = query.where(CentralAudit.story_id == story_id)
    if since is not None:
        query = query.where(CentralAudit.at >= since)
    if limit is not None:
        query = query.limit(limit)
    try:
        with store.reading() as session:
            if not session.scalar(sa.select(sa.func.newsroom_may_read_audit())):
                raise PermissionDenied("only desk chiefs and admins may read the audit log")
            rows = list(session.scalars(query))
    except DBAPIError as exc:
        said = refusal(exc)
        if said is not None:
            raise PermissionDenied(said.message) from None
        raise
    return [AuditEntry(row.at, row.login, row.person, row.kind, row.story_id, row.revision_id,
                       row.detail) for row in rows]

