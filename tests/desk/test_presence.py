"""Who is editing now: leases on the central store, seen by the others, gone when they run out."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from cms.config import set_setting
from cms.desk.presence import LEASE, announce, editing, editing_now, release
from cms.store import Store
from cms.sync.central import init_central
from cms.timeutil import utcnow

pytestmark = pytest.mark.pg


def test_presence_is_seen_renewed_and_expires(pg_url: str) -> None:
    central, _, _ = init_central(pg_url)
    try:
        now = utcnow()
        announce(central, "s1", "kim", "laptop-a", now=now)
        announce(central, "s1", "lee", "laptop-b", now=now + timedelta(seconds=1))
        seen = editing(central, ["s1"], now=now + timedelta(seconds=2))["s1"]
        assert [(e.person, e.since) for e in seen] == [
            ("kim", now), ("lee", now + timedelta(seconds=1))]
        others = editing(central, ["s1"], now=now, other_than="laptop-a")["s1"]
        assert [e.person for e in others] == ["lee"]
        later = now + LEASE - timedelta(seconds=1)
        announce(central, "s1", "kim", "laptop-a", now=later)  # kim's window renews
        after_lee = now + timedelta(seconds=1) + LEASE + timedelta(seconds=1)
        assert [e.person for e in editing(central, ["s1"], now=after_lee)["s1"]] == ["kim"]
        release(central, "s1", "laptop-a")
        assert editing(central, ["s1"], now=after_lee) == {}
    finally:
        central.close()


def test_offline_nothing_is_announced_and_nothing_blocks(tmp_path: Path) -> None:
    with Store.open(str(tmp_path / "laptop.db"), create=True) as laptop:
        assert editing_now(laptop, "s1") == []
        with laptop.session() as session:
            set_setting(session, "central_url", "postgresql://nobody@127.0.0.1:9/none",
                        username="x")
        assert editing_now(laptop, "s1", timeout_s=1) == []
