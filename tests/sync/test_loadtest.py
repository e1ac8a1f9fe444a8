"""The load test in its short form: a handful of laptops for a few seconds, nothing lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.loadtest import run_load

pytestmark = pytest.mark.pg


def test_laptops_syncing_at_once_lose_nothing(pg_url: str, tmp_path: Path) -> None:
    report = run_load(pg_url, tmp_path, replicas=3, seconds=4, interval=1, pace=0.2)
    assert report.syncs >= 3 and report.saved > 0
    assert report.saved == sum(report.actions.values())  # each action journalled once
    assert report.missing_on_central == 0 and report.missing_on_replicas == 0
    assert report.sync_errors == []
    assert "lost edits: 0" in report.lines()[-1]
