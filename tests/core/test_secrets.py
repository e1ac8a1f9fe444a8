"""Passwords in store URLs: split off, kept outside the store, found again."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from cms.secrets import connectable, keep_url, split_password
from cms.store import describe


@pytest.fixture(autouse=True)
def no_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.delenv("PGPASSFILE", raising=False)


def test_a_url_loses_its_password_and_keeps_the_rest() -> None:
    text, password = split_password(
        "postgresql://kim:s3%3Ac%40ret@db.example:6432/desk?sslmode=verify-full")
    assert password == "s3:c@ret"
    assert text == "postgresql://kim@db.example:6432/desk?sslmode=verify-full"
    assert split_password("/shared/central.db") == ("/shared/central.db", None)
    assert split_password("postgresql://kim@db/desk") == ("postgresql://kim@db/desk", None)
    assert "s3" not in describe(make_url("postgresql://kim:s3@db/desk"))


def test_without_a_keyring_the_password_goes_to_a_private_pgpass(isolated_home: Path) -> None:
    text, where = keep_url("postgresql://kim:pa:ss\\word@db.example/desk")
    pgpass = isolated_home / ".pgpass"
    assert (text, where) == ("postgresql://kim@db.example/desk", str(pgpass))
    assert stat.S_IMODE(os.stat(pgpass).st_mode) == 0o600
    assert pgpass.read_text() == "db.example:5432:desk:kim:pa\\:ss\\\\word\n"
    keep_url("postgresql://kim:new@db.example/desk")  # the same account is replaced
    keep_url("postgresql://lee:other@db.example/desk")
    assert pgpass.read_text().splitlines() == [
        "db.example:5432:desk:kim:new", "db.example:5432:desk:lee:other"]
    url = make_url("postgresql://kim@db.example/desk")
    assert connectable(url) == url  # libpq reads .pgpass itself; no prompt without a terminal
