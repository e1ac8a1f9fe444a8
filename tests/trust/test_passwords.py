"""Passwords on a real server with password authentication: used, never shown or stored.

A PostgreSQL of the test's own (``initdb`` with SCRAM, every statement logged):
the owner secures a central store and adds a reporter with a password file; the
reporter's laptop keeps the central URL. No output of any command, no store
file, no settings file and no line of the server's log may hold a password.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from cms.cli import main
from tests.pgserver import OwnServer, own_server

OWNER_PASSWORD = "owner-Secret-7f3a"
KIM_PASSWORD = "kim-Secret-91bc"


@pytest.fixture(scope="module")
def server() -> Iterator[OwnServer]:
    with own_server(OWNER_PASSWORD) as running:
        with psycopg.connect(host="127.0.0.1", port=running.port, user=running.owner,
                             password=OWNER_PASSWORD, dbname="postgres",
                             autocommit=True) as conn:
            conn.execute("CREATE DATABASE desk")
        yield running


@pytest.fixture(autouse=True)
def no_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    """No desktop keyring here: the password goes to the PostgreSQL password file."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.delenv("NEWSROOM_USER", raising=False)
    monkeypatch.delenv("PGPASSFILE", raising=False)


def _run(capsys: pytest.CaptureFixture[str], *argv: str, code: int = 0) -> str:
    capsys.readouterr()
    try:
        status = main(list(argv))
    except SystemExit as exc:
        status = int(exc.code or 0)
    out, err = capsys.readouterr()
    assert status == code, f"exit {status}: {err}{out}"
    return out + err


def test_passwords_are_used_but_never_printed_logged_or_stored(
        server: OwnServer, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        isolated_home: Path) -> None:
    said: list[str] = []
    owner_url = server.url("desk", password=OWNER_PASSWORD)
    said.append(_run(capsys, "central", "init", owner_url, "--secure"))
    secret = tmp_path / "kim.pw"
    secret.write_text(KIM_PASSWORD + "\n")
    said.append(_run(capsys, "--store", str(tmp_path / "owner.db"), "central", "user", "add",
                     "kim", "--role", "reporter", "--login", "kim", "--password-file",
                     str(secret), "--central", owner_url))
    laptop = str(tmp_path / "kim.db")
    said.append(_run(capsys, "--store", laptop, "init"))
    typed = server.url("desk", user="kim", password=KIM_PASSWORD)
    said.append(_run(capsys, "--store", laptop, "config", "set", "central_url", typed))
    pgpass = isolated_home / ".pgpass"
    assert f"the password is kept in {pgpass}" in said[-1]
    assert stat.S_IMODE(os.stat(pgpass).st_mode) == 0o600
    said.append(_run(capsys, "--store", laptop, "story", "new", "--headline", "Kept safe"))
    said.append(_run(capsys, "--store", laptop, "sync"))
    assert "acting as kim (reporter, login kim)" in said[-1]
    for command in (("sync", "status"), ("sync", "status", "--json"), ("config", "list"),
                    ("config", "list", "--json"), ("config", "get", "central_url")):
        said.append(_run(capsys, "--store", laptop, *command))
    assert json.loads(said[-4])["centrals"][0]["last_error"] is None
    wrong = server.url("desk", user="kim", password="not-the-password")
    said.append(_run(capsys, "--store", laptop, "sync", "--central", wrong, code=1))
    assert "refused the user name or password" in said[-1]
    assert "not-the-password" not in said[-1]

    for password in (OWNER_PASSWORD, KIM_PASSWORD):
        for text in said:
            assert password not in text
        for store_file in tmp_path.glob("*.db*"):
            assert password.encode() not in store_file.read_bytes(), store_file
        for settings in isolated_home.rglob("*"):
            if settings.is_file() and settings != pgpass:
                assert password.encode() not in settings.read_bytes(), settings
        assert password not in server.log.read_text(errors="replace")
    assert KIM_PASSWORD in pgpass.read_text()  # libpq's own file, mode 0600: by design
