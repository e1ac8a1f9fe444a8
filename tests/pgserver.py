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
import time
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


@dataclass(frozen=True)
class Pooler:
    """A PgBouncer in transaction mode in front of a server: where it listens."""

    port: int
    log: Path

    def url(self, database_url: str, user: str | None = None) -> str:
        """``database_url`` reached through the pooler (as ``user`` when given)."""
        from sqlalchemy.engine import make_url

        url = make_url(database_url).set(host="127.0.0.1", port=self.port)
        if user:
            url = url.set(username=user)
        return url.render_as_string(hide_password=False)


@contextmanager
def pgbouncer(server_port: int, users: list[str], *, pool_size: int = 2) -> Iterator[Pooler]:
    """PgBouncer in transaction mode (the settings README names) on a free port.

    ``pool_size`` server connections per database and login, so that more copies
    than connections share them transaction by transaction. Skipped where PgBouncer
    is not installed (`apt-get install pgbouncer`).
    """
    binary = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer"
                                           if Path("/usr/sbin/pgbouncer").exists() else None)
    if binary is None:
        pytest.skip("PgBouncer is not installed (apt-get install pgbouncer)")
    folder = Path(tempfile.mkdtemp(prefix="newsroom-pgbouncer-", dir="/tmp"))
    port, log = _free_port(), folder / "pgbouncer.log"
    (folder / "users.txt").write_text("".join(f'"{user}" ""\n' for user in users))
    (folder / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host=127.0.0.1 port={server_port}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {folder / 'users.txt'}\n"
        "pool_mode = transaction\n"
        f"default_pool_size = {pool_size}\nmax_client_conn = 200\n"
        "server_reset_query =\n"
        f"logfile = {log}\n")
    if os.geteuid() == 0:
        for path in (folder, *folder.iterdir()):
            shutil.chown(path, "postgres")
    process = subprocess.Popen(_as_server_user([binary, str(folder / "pgbouncer.ini")]),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if process.poll() is not None:
                raise RuntimeError(f"PgBouncer stopped: {log.read_text() if log.exists() else ''}")
            time.sleep(0.05)
        yield Pooler(port, log)
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True)
class StreamingPair:
    """A primary and its hot standby (streaming replication): their ports."""

    primary: int
    standby: int

    def url(self, port: int, database: str) -> str:
        """A URL for ``database`` on the server at ``port`` (trust auth, user postgres)."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{port}/{database}"


@contextmanager
def streaming_pair() -> Iterator[StreamingPair]:
    """A primary and a standby made by ``pg_basebackup``, replaying its WAL as it comes."""
    binaries = _binaries()
    if binaries is None:
        pytest.skip("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    folder = Path(tempfile.mkdtemp(prefix="newsroom-pg-pair-", dir="/tmp"))
    folder.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    primary, standby = folder / "primary", folder / "standby"
    ports = _free_port(), _free_port()
    started: list[Path] = []

    def run(*command: str) -> None:
        subprocess.run(_as_server_user([*command]), check=True, capture_output=True,
                       timeout=120)

    try:
        run(str(binaries / "initdb"), "-D", str(primary), "-U", "postgres", "--auth=trust",
            "--no-sync")
        with (primary / "postgresql.conf").open("a") as conf:
            conf.write(f"\nport = {ports[0]}\nlisten_addresses = '127.0.0.1'\n"
                       f"unix_socket_directories = '{folder}'\nfsync = off\n"
                       "wal_level = replica\nmax_wal_senders = 4\n")
        run(str(binaries / "pg_ctl"), "-D", str(primary), "-l", str(folder / "primary.log"),
            "-w", "-t", "60", "start")
        started.append(primary)
        run(str(binaries / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(ports[0]),
            "-U", "postgres", "-D", str(standby), "-R", "-X", "stream")
        with (standby / "postgresql.conf").open("a") as conf:
            conf.write(f"\nport = {ports[1]}\nhot_standby = on\n")
        run(str(binaries / "pg_ctl"), "-D", str(standby), "-l", str(folder / "standby.log"),
            "-w", "-t", "60", "start")
        started.append(standby)
        yield StreamingPair(*ports)
    finally:
        for data in reversed(started):
            subprocess.run(_as_server_user([str(binaries / "pg_ctl"), "-D", str(data), "-m",
                                            "immediate", "-w", "stop"]),
                           capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)
