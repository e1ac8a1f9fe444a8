"""Copies syncing through PgBouncer in transaction mode: more copies than server
connections, nothing lost, and a secured central's rules hold through the pooler."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from cms.models import Revision
from cms.store import Store
from tests.conftest import PG_ENV
from tests.pgserver import pgbouncer
from tests.sync.helpers import Replica, make_central
from tests.trust.conftest import SecuredDesk
from tests.trust.test_sync_trust import Laptop

pytestmark = pytest.mark.pg


def _server_port() -> int:
    return make_url(os.environ[PG_ENV]).port or 5432


def test_more_copies_than_server_connections_lose_nothing(pg_url: str, tmp_path: Path) -> None:
    make_central(pg_url)
    with pgbouncer(_server_port(), ["postgres"], pool_size=2) as pooler:
        through = pooler.url(pg_url)
        copies = [Replica(tmp_path / f"r{n}.db", through, name=f"ed{n}") for n in range(5)]
        errors: list[BaseException] = []

        def work(copy: Replica) -> None:
            try:
                for round_ in range(3):
                    story = copy.create(f"{copy.name} story {round_}", "one\n\ntwo")
                    copy.edit(story, body=f"one\n\ntwo, round {round_}")
                    copy.sync()
            except BaseException as exc:  # reported below, with the thread's copy
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(copy,)) for copy in copies]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        assert not errors, errors
        for copy in copies:
            copy.sync()
        saved = set().union(*(copy.revision_ids() for copy in copies))
        with Store.open(pg_url) as central, central.reading() as session:
            assert set(session.scalars(sa.select(Revision.id))) == saved
        assert all(copy.revision_ids() == saved for copy in copies)
        for copy in copies:
            copy.close()


def test_a_secured_desk_holds_its_rules_through_the_pooler(
        secured: SecuredDesk, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    logins = list(secured.logins.values())
    with pgbouncer(_server_port(), logins, pool_size=1) as pooler:
        kim = Laptop(tmp_path / "kim.db", capsys)
        kim("init")
        kim("config", "set", "central_url", pooler.url(secured.url("reporter")))
        story = kim("story", "new", "--headline", "Scoop through the pooler").strip()
        out = kim("sync")
        assert f"acting as kim (reporter, login {secured.logins['reporter']})" in out
        kim("story", "transition", story, "edit")
        park = Laptop(tmp_path / "park.db", capsys)
        park("init")
        park("config", "set", "central_url", pooler.url(secured.url("desk_chief")))
        park("sync")
        kim("sync")
        park("sync")
        park("story", "transition", story, "ready")
        park("story", "transition", story, "published")
        out = park("sync")
        assert "held" not in out
        kim("sync")
        assert kim.json("story", "show", story, "--json")["status"] == "published"
