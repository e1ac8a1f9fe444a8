"""People who act on the store, and who is acting now.

Who acts depends on the desk:

- On a desk whose central store is **secured** (``newsroom central init URL
  --secure``), the person acting is the PostgreSQL login: on the central store
  itself, ``session_user``; on a copy that syncs with it, the login its last
  sync used, recorded in ``store_meta`` together with the people the central
  store lists (a copy takes people and roles from there, read-only). ``--user``
  and ``NEWSROOM_USER`` cannot choose anyone else.
- On any other desk (a laptop on its own, a shared SQLite file, an unsecured
  PostgreSQL store) ``--user``, ``NEWSROOM_USER`` or the system login name
  choose among the store's people: the trust of a small desk that shares one
  file. The first person on a new store is its admin.
"""

from __future__ import annotations

import getpass
import os
import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from cms.errors import NotFound, PermissionDenied, UsageError
from cms.models import Person, StoreMeta
from cms.policy import POLICY_KEY, refusal
from cms.rules import load_rules, role_label, with_article
from cms.timeutil import utcnow

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


# store_meta keys of a copy whose central store is secured: where, and who acts here.
DESK_CENTRAL = "desk_central"
DESK_LOGIN = "desk_login"
DESK_PERSON = "desk_person"


def _identity_meta(session: Session) -> dict[str, str]:
    keys = (DESK_CENTRAL, DESK_LOGIN, DESK_PERSON, POLICY_KEY)
    return {str(k): str(v) for k, v in session.execute(
        sa.select(StoreMeta.key, StoreMeta.value).where(StoreMeta.key.in_(keys)))}


def _login_actor(session: Session) -> tuple[str, str]:
    """``(person, role)`` of the login acting on a secured central store."""
    try:
        row = session.execute(sa.text("SELECT username, role FROM newsroom_actor()")).one()
    except DBAPIError as exc:
        refused = refusal(exc)
        if refused is None:
            raise
        raise PermissionDenied(refused.message) from None
    return str(row[0]), str(row[1])


def bound_identity_source(session: Session) -> str | None:
    """Where identity comes from on this store: its secured central store, or None (names)."""
    meta = _identity_meta(session)
    if POLICY_KEY in meta:
        return "this secured central store"
    return meta.get(DESK_CENTRAL)


def _refuse_claims(name: str, explicit: str | None) -> None:
    claimed = explicit or os.environ.get("NEWSROOM_USER")
    if claimed and claimed.strip() != name:
        source = "--user" if explicit else "NEWSROOM_USER"
        raise UsageError(
            f"on this desk you act as {name}, the login of its secured central store; "
            f"{source} ({claimed.strip()}) chooses a person only on a desk without one")


def acting_actor(session: Session, replica_id: str, explicit: str | None = None, *,
                 preferred: str | None = None, register: bool = True) -> Actor:
    """Who acts on this store now (see the module's docstring).

    ``explicit`` is ``--user``; ``preferred`` a name kept in the window's settings,
    which counts only where names choose the person at all. Without ``register``
    a name nobody has used yet acts as the lowest role without being written down.
    """
    meta = _identity_meta(session)
    if POLICY_KEY in meta:
        name, role = _login_actor(session)
        _refuse_claims(name, explicit)
        return Actor(username=name, role=role, replica_id=replica_id)
    bound = meta.get(DESK_PERSON)
    if bound is not None:
        person = session.scalar(sa.select(Person).where(Person.username == bound))
        if person is None or not person.active:
            raise PermissionDenied(
                f"{bound} is {'disabled' if person is not None else 'no longer'} on this desk "
                f"(its central store {meta.get(DESK_CENTRAL, '')} says so): ask an admin")
        _refuse_claims(person.username, explicit)
        return Actor(username=person.username, role=person.role, replica_id=replica_id)
    name = acting_username(explicit or (None if os.environ.get("NEWSROOM_USER") else preferred))
    if not register:
        person = session.scalar(sa.select(Person).where(Person.username == name))
        role = person.role if person is not None else load_rules(session).roles[0]
        return Actor(username=name, role=role, replica_id=replica_id)
    return actor_for(session, name, replica_id)


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
    """The :class:`Actor` for ``username`` on this store, registering them if new.

    A disabled person cannot act.
    """
    person = ensure_person(session, username)
    if not person.active:
        raise PermissionDenied(f"{person.username} is disabled on this desk: ask an admin")
    return Actor(username=person.username, role=person.role, replica_id=replica_id)


def list_people(session: Session) -> list[Person]:
    """Everyone, by user name."""
    return list(session.scalars(sa.select(Person).order_by(Person.username)))


def find_person(session: Session, username: str) -> Person:
    """The person called ``username``; an unknown name is an error, never a new person."""
    person = session.scalar(sa.select(Person).where(Person.username == username.strip()))
    if person is None:
        raise NotFound(f"nobody called {username.strip()!r} works on this desk: add them with "
                       "`newsroom people add NAME --role ROLE`")
    return person


def _check_role(session: Session, role: str) -> str:
    known = load_rules(session).roles
    if role not in known:
        raise UsageError(f"unknown role {role!r}: choose one of {', '.join(known)}")
    return role


def _require_manager(session: Session, actor: Actor) -> None:
    rules = load_rules(session)
    if not rules.may(actor.role, rules.top_role):
        raise PermissionDenied(f"{actor.username} is {with_article(actor.role)}; only "
                               f"{with_article(rules.top_role)} may manage people")


def _keep_a_manager(session: Session, person: Person) -> None:
    """The last active admin cannot step down or be disabled: nobody could manage people."""
    top = load_rules(session).top_role
    if person.role != top or not person.active:
        return
    others = session.scalar(
        sa.select(sa.func.count()).select_from(Person).where(
            Person.role == top, Person.active.is_(True), Person.id != person.id))
    if not others:
        raise UsageError(f"{person.username} is the only {role_label(top)}; make someone else "
                         f"{role_label(top)} first")


def add_person(session: Session, actor: Actor, username: str, role: str, *,
               login: str | None = None, now: datetime | None = None) -> Person:
    """Register someone with a role (admins only); a name already taken is an error."""
    _require_manager(session, actor)
    name = validate_username(username)
    _check_role(session, role)
    if session.scalar(sa.select(Person.id).where(Person.username == name)) is not None:
        raise UsageError(f"{name} is already on the desk: change their role with "
                         "`newsroom people role NAME ROLE`")
    person = Person(id=str(uuid.uuid4()), username=name, display_name=name, role=role,
                    active=True, created_at=now or utcnow(), login=login)
    session.add(person)
    session.flush()
    return person


def assign_role(session: Session, actor: Actor, username: str, role: str) -> Person:
    """Give someone already on the desk another role (admins only)."""
    _require_manager(session, actor)
    person = find_person(session, username)
    _check_role(session, role)
    if person.role != role:
        _keep_a_manager(session, person)
        person.role = role
    return person


def set_active(session: Session, actor: Actor, username: str, active: bool) -> Person:
    """Disable someone (they can no longer act) or enable them again (admins only)."""
    _require_manager(session, actor)
    person = find_person(session, username)
    if not active:
        if person.username == actor.username:
            raise UsageError("you cannot disable yourself")
        _keep_a_manager(session, person)
    person.active = active
    return person
