"""People who act on the store, and who is acting now."""

from __future__ import annotations

import getpass
import os
import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms.errors import NotFound, UsageError
from cms.models import Person, Role
from cms.timeutil import utcnow

ROLES = ("reporter", "editor", "desk_chief", "admin")
MAX_USERNAME = 64


@dataclass(frozen=True)
class Actor:
    """Who makes a change, and from which replica (every revision records both)."""

    username: str
    role: str
    replica_id: str


def acting_username(explicit: str | None = None) -> str:
    """``--user`` > ``NEWSROOM_USER`` > the system login name."""
    if explicit:
        return validate_username(explicit)
    from_env = os.environ.get("NEWSROOM_USER")
    if from_env:
        return validate_username(from_env)
    try:
        return validate_username(getpass.getuser())
    except (OSError, KeyError):
        return "newsroom"


def validate_username(name: str) -> str:
    """A user name: 1–64 printable characters without white space at the ends."""
    clean = name.strip()
    if not clean:
        raise UsageError("empty user name")
    if len(clean) > MAX_USERNAME:
        raise UsageError(f"user name longer than {MAX_USERNAME} characters")
    if any(not ch.isprintable() for ch in clean):
        raise UsageError("the user name contains control characters")
    return clean


def ensure_person(session: Session, username: str, *, now: datetime | None = None) -> Person:
    """The person called ``username``, created on first use.

    The first person on a new store becomes its admin; later newcomers are
    reporters until an admin gives them another role.
    """
    person = session.scalar(sa.select(Person).where(Person.username == username))
    if person is not None:
        return person
    anyone = session.scalar(sa.select(Person.id).limit(1))
    person = Person(
        id=str(uuid.uuid4()),
        username=username,
        display_name=username,
        role="reporter" if anyone else "admin",
        active=True,
        created_at=now or utcnow(),
    )
    session.add(person)
    session.flush()
    return person


def actor_for(session: Session, username: str, replica_id: str) -> Actor:
    """The :class:`Actor` for ``username`` on this store, registering them if new."""
    person = ensure_person(session, username)
    return Actor(username=person.username, role=person.role, replica_id=replica_id)


def list_people(session: Session) -> list[Person]:
    """Everyone, by user name."""
    return list(session.scalars(sa.select(Person).order_by(Person.username)))


def set_role(session: Session, username: str, role: str) -> Person:
    """Give ``username`` another role."""
    if session.get(Role, role) is None:
        raise UsageError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
    person = session.scalar(sa.select(Person).where(Person.username == username))
    if person is None:
        raise NotFound(f"no person called {username!r}")
    person.role = role
    return person
