"""A shared SQLite central on a network file system: no WAL, a warning, still correct."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import cms.store
import cms.sync.central
from cms.sync.central import init_central
from tests.sync.helpers import Replica

BODY = "One.\n\nTwo."


def test_network_filesystem_central_keeps_its_journal(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    location = str(tmp_path / "central.db")
    # The central file "lives on NFS"; replicas' own files stay local.
    on_nfs = lambda path: str(path).endswith("central.db")  # noqa: E731
    monkeypatch.setattr(cms.store, "is_network_filesystem", on_nfs)
    monkeypatch.setattr(cms.sync.central, "is_network_filesystem", on_nfs)
    monkeypatch.setattr(cms.sync.central, "filesystem_type", lambda path: "nfs4")
    store, _, warnings = init_central(location)
    store.close()
    assert warnings and "nfs4" in warnings[0] and "never WAL" in warnings[0]
    assert _journal(location) != "wal"
    a = Replica(tmp_path / "a.db", location, name="ana")
    b = Replica(tmp_path / "b.db", location, name="bo")
    try:
        sid = a.create("On the share", BODY)
        report = a.sync()
        assert any("nfs4" in w for w in report.warnings)
        b.sync()
        assert b.doc(sid).body == BODY
        assert _journal(location) != "wal"
    finally:
        a.close()
        b.close()


def test_a_wal_central_moved_onto_a_share_leaves_wal(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    location = str(tmp_path / "central.db")
    store, _, _ = init_central(location)  # local disk: WAL
    store.close()
    assert _journal(location) == "wal"
    on_nfs = lambda path: str(path).endswith("central.db")  # noqa: E731
    monkeypatch.setattr(cms.store, "is_network_filesystem", on_nfs)
    monkeypatch.setattr(cms.sync.central, "is_network_filesystem", on_nfs)
    a = Replica(tmp_path / "a.db", location, name="ana")
    try:
        a.create("Moved", BODY)
        a.sync()
    finally:
        a.close()
    assert _journal(location) == "delete"


def _journal(location: str) -> str:
    raw = sqlite3.connect(location)
    try:
        return str(raw.execute("PRAGMA journal_mode").fetchone()[0]).lower()
    finally:
        raw.close()
