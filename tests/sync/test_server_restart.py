"""A real PostgreSQL restart, before and in the middle of a sync.

Restarting the server drops every connection on it, so these tests run on their
own after the parallel suite (`make test` selects them with ``-m pg_restart``).
They need the local cluster's ``pg_ctlcluster`` (as CI and the development
machine have) and are skipped elsewhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from cms.errors import SyncError
from cms.sync.faults import set_hook
from tests.sync.helpers import Replica, make_central

BODY = "One.\n\nTwo.\n\nThree."
pytestmark = [pytest.mark.pg, pytest.mark.pg_restart]


def _cluster() -> tuple[str, str]:
    base = os.environ.get("NEWSROOM_TEST_PG", "")
    host = make_url(base).host if base else None
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    if not base or host not in ("127.0.0.1", "localhost", None) or not versions:
        pytest.skip("needs a local PostgreSQL cluster managed by pg_ctlcluster")
    if shutil.which("pg_ctlcluster") is None or os.geteuid() != 0:
        pytest.skip("needs pg_ctlcluster and root to restart the server")
    return versions[-1], "main"


def restart_server() -> None:
    """Restart the local PostgreSQL cluster and wait until it accepts connections."""
    version, name = _cluster()
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart"],
                   check=True, capture_output=True, timeout=120)
    for _ in range(60):
        ready = subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-t", "2"], check=False)
        if ready.returncode == 0:
            return
        time.sleep(0.5)
    raise AssertionError("PostgreSQL did not come back after the restart")


def test_sync_survives_a_server_restart(pg_url: str, tmp_path: Path) -> None:
    _cluster()
    central = make_central(pg_url)
    a = Replica(tmp_path / "a.db", central, name="ana")
    b = Replica(tmp_path / "b.db", central, name="bo")
    first = [a.create(f"Before {n}", BODY) for n in range(4)]
    a.sync()

    # Between two syncs: the next one simply reconnects.
    restart_server()
    second = [a.create(f"After {n}", BODY) for n in range(3)]
    assert a.sync().pushed_revisions == 3

    # In the middle of a sync, after the pull settled and before the push.
    third = [a.create(f"During {n}", BODY) for n in range(3)]
    set_hook("settle:committed", lambda **_: restart_server())
    try:
        a.sync()
    except SyncError as exc:  # or the pool reconnects and the sync just finishes
        assert "connection" in str(exc).lower() or "server" in str(exc).lower()
    finally:
        set_hook("settle:committed", None)
    a.sync()  # the queued work goes out now; nothing was lost or sent twice
    b.sync()
    assert set(first + second + third) <= set(b.snapshot())
    assert b.revision_ids() == a.revision_ids()
    a.close()
    b.close()
