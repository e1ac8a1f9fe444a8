"""A PostgreSQL server of a test's own: ``initdb`` into a temporary folder, ``pg_ctl`` on a
free port, password (SCRAM) authentication, every statement logged — stopped after.

Used where the machine's own server cannot do (it trusts local connections).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class OwnServer:
    """A running server: where it listens, its owner login and password, its log."""

    port: int
    owner: str
    password: str
    log: Path

    def url(self, database: str, user: str | None = None, password: str | None = None) -> str:
        """A URL for ``database`` (with a password when given)."""
        who = user or self.owner
        secret = f":{password}" if password else ""
        return f"postgresql://{who}{secret}@127.0.0.1:{self.port}/{database}"


def _binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_server_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its programs as ``postgres`` then."""
    if os.geteuid() != 0:
        return command
    if shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: cannot start a PostgreSQL of our own")
    return ["runuser", "-u", "postgres", "--", *command]


@contextmanager
def own_server(password: str) -> Iterator[OwnServer]:
    """Start a server whose owner ``newsroom_owner`` logs in with ``password``."""
    binaries = _binaries()
    if binaries is None:
        pytest.skip("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    folder = Path(tempfile.mkdtemp(prefix="newsroom-pg-", dir="/tmp"))
    folder.chmod(0o755)
    data, log, secret = folder / "data", folder / "server.log", folder / "pw"
    secret.write_text(password + "\n")
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(secret, "postgres")
    port = _free_port()
    owner = "newsroom_owner"
    try:
        subprocess.run(_as_server_user([
            str(binaries / "initdb"), "-D", str(data), "-U", owner, "--auth=scram-sha-256",
            f"--pwfile={secret}", "--no-sync"]), check=True, capture_output=True, timeout=120)
        secret.unlink()
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(f"\nport = {port}\nlisten_addresses = '127.0.0.1'\n"
                       f"unix_socket_directories = '{folder}'\nlog_statement = 'all'\n"
                       "fsync = off\n")
        subprocess.run(_as_server_user([
            str(binaries / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60",
            "start"]), check=True, capture_output=True, timeout=90)
        yield OwnServer(port, owner, password, log)
    finally:
        if data.exists():
            subprocess.run(_as_server_user([
                str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
                capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)
