"""A secured central store on the test server, with one real login per role.

Logins are cluster-wide in PostgreSQL, so every test makes its own (a random
suffix) and drops them afterwards, after its database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

from cms.config import set_setting
from cms.policy import CLIENT_SETTING, POLICY_VERSION
from cms.store import Store
from cms.sync.central import init_central
from cms.sync.central_admin import add_user
from tests.conftest import PG_ENV, create_pg_database, drop_pg_database

ROLES = ("reporter", "editor", "desk_chief", "admin")
NAMES = {"reporter": "kim", "editor": "lee", "desk_chief": "park", "admin": "ada"}


@dataclass
class SecuredDesk:
    """A secured central store and the logins of its four people."""

    owner_url: str
    logins: dict[str, str] = field(default_factory=dict)  # role -> login

    def url(self, role: str) -> str:
        """The central URL as ``role``'s person logs in."""
        return make_url(self.owner_url).set(username=self.logins[role]).render_as_string(
            hide_password=False)

    def connect(self, role: str | None, *, policy: int = POLICY_VERSION) -> psycopg.Connection:
        """A plain SQL connection as ``role``'s login (None: the owner), no Newsroom code."""
        parsed = make_url(self.owner_url)
        return psycopg.connect(
            host=parsed.host or "127.0.0.1", port=parsed.port or 5432,
            user=self.logins[role] if role else parsed.username, dbname=parsed.database,
            options=f"-c {CLIENT_SETTING}={policy}" if policy else "", connect_timeout=5,
        )

    def replica(self, path: Path, role: str) -> Store:
        """A laptop store of ``role``'s person, pointed at the central (not synced yet)."""
        store = Store.open(str(path), create=True)
        with store.session() as session:
            set_setting(session, "central_url", self.url(role), username="setup")
        return store


def _admin(base: str) -> Any:
    parsed = make_url(base)
    return psycopg.connect(host=parsed.host or "127.0.0.1", port=parsed.port or 5432,
                           user=parsed.username or "postgres", password=parsed.password,
                           dbname=parsed.database or "postgres", autocommit=True)


@pytest.fixture
def secured() -> Iterator[SecuredDesk]:
    """A fresh secured central store with a reporter, an editor, a desk chief and an admin."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set")
    url = create_pg_database(base)
    suffix = uuid.uuid4().hex[:8]
    desk = SecuredDesk(url)
    try:
        store, _, _ = init_central(url, secure=True)
        try:
            for role in ROLES:
                desk.logins[role] = add_user(store, NAMES[role], role,
                                             login=f"nrt_{NAMES[role]}_{suffix}")
        finally:
            store.close()
        yield desk
    finally:
        drop_pg_database(base, url)
        with _admin(base) as conn:
            for login in desk.logins.values():
                conn.execute(f'DROP ROLE IF EXISTS "{login}"')


@pytest.fixture(autouse=True)
def no_claimed_user(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a secured desk the login is the person: no NEWSROOM_USER from the suite's home."""
    monkeypatch.delenv("NEWSROOM_USER", raising=False)


def new_id() -> str:
    """A story id."""
    return str(uuid.uuid4())
