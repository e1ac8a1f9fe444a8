"""Passwords of PostgreSQL store and central URLs: never printed, never kept in a store.

A URL typed with a password (``postgresql://kim:secret@db.example/desk``) is
split when it is kept: the address without the password is what Newsroom stores
and shows, and the password goes to

1. the system keyring (the ``keyring`` package: macOS Keychain, Windows
   Credential Locker, the Secret Service on Linux desktops), when one works;
2. otherwise the PostgreSQL password file (``$PGPASSFILE``, default
   ``~/.pgpass``, mode 0600), which libpq reads by itself when connecting;
3. and a connection whose password is in neither is asked for it at a terminal.

Every message names a store with :func:`cms.store.describe`, which hides any
password a URL still carries.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from cms.atomic import atomic_write

SERVICE = "newsroom"


def _account(url: URL) -> str:
    """The keyring account of a URL: who, where, which database (never the password)."""
    return (f"{url.username or ''}@{url.host or 'localhost'}:{url.port or 5432}/"
            f"{url.database or ''}")


def _keyring() -> object | None:
    """The keyring module, when a real (not a plain-text or failing) backend is there."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:  # a broken keyring configuration must not stop a sync
        return None
    name = type(backend).__module__ + "." + type(backend).__name__
    if isinstance(backend, fail.Keyring) or "plaintext" in name.lower() or "null" in name.lower():
        return None
    return keyring


def pgpass_path() -> Path:
    """The PostgreSQL password file libpq reads (``$PGPASSFILE`` or ``~/.pgpass``)."""
    return Path(os.environ.get("PGPASSFILE") or Path.home() / ".pgpass")


def _pgpass_field(text: str) -> str:
    return text.replace("\\", "\\\\").replace(":", "\\:")


def _pgpass_line(url: URL, password: str) -> str:
    return ":".join(_pgpass_field(part) for part in (
        url.host or "localhost", str(url.port or 5432), url.database or "*",
        url.username or "*", password))


def _pgpass_has(url: URL) -> bool:
    path = pgpass_path()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return False
    wanted = [url.host or "localhost", str(url.port or 5432), url.database or "",
              url.username or ""]
    for line in lines:
        if line.startswith("#"):
            continue
        fields = _split_pgpass(line)
        if len(fields) == 5 and all(f in ("*", w) for f, w in zip(fields[:4], wanted,
                                                                    strict=True)):
            return True
    return False


def _split_pgpass(line: str) -> list[str]:
    fields, current, escaped = [], "", False
    for ch in line:
        if escaped:
            current += ch
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ":":
            fields.append(current)
            current = ""
        else:
            current += ch
    fields.append(current)
    return fields


def remember_password(url: URL, password: str) -> str:
    """Keep ``password`` for ``url`` outside the store; returns where it went, for a message."""
    keyring = _keyring()
    if keyring is not None:
        try:
            keyring.set_password(SERVICE, _account(url), password)  # type: ignore[attr-defined]
            return "the system keyring"
        except Exception:  # a locked or refusing keyring: fall back to libpq's own file
            pass
    path = pgpass_path()
    lines: list[str] = []
    if path.exists():
        lines = [line for line in path.read_text(encoding="utf-8").splitlines()
                 if _split_pgpass(line)[:4] != _split_pgpass(_pgpass_line(url, ""))[:4]]
    lines.append(_pgpass_line(url, password))
    path.parent.mkdir(parents=True, exist_ok=True)
    # Whole or not at all (a crash mid-write must not lose the other saved passwords);
    # owner-only from its first byte: libpq ignores a password file others can read.
    atomic_write(path, ("\n".join(lines) + "\n").encode("utf-8"), mode=0o600)
    return str(path)


def known_password(url: URL) -> str | None:
    """The password the keyring holds for ``url`` (libpq finds a ``.pgpass`` one itself)."""
    keyring = _keyring()
    if keyring is None:
        return None
    try:
        found = keyring.get_password(SERVICE, _account(url))  # type: ignore[attr-defined]
    except Exception:
        return None
    return str(found) if found else None


def split_password(raw: str) -> tuple[str, str | None]:
    """``raw`` without its password (as text to keep), and the password (None: none)."""
    if "://" not in raw:
        return raw, None
    try:
        url = make_url(raw.strip())
    except (ArgumentError, ValueError):
        return raw, None
    given = url.password if url.password is not None else url.query.get("password")
    if given is None and not any(key in url.query for key in SECRET_PARAMETERS):
        return raw.strip(), None
    return (without_password(url).render_as_string(hide_password=False),
            str(given) if given is not None else None)


SECRET_PARAMETERS = ("password", "sslpassword")  # libpq parameters that carry secrets


def without_password(url: URL) -> URL:
    """``url`` with no password at all (``URL.set(password=None)`` would keep it), nor one
    given as a query parameter."""
    query = {key: value for key, value in url.query.items() if key not in SECRET_PARAMETERS}
    return URL.create(url.drivername, username=url.username, password=None, host=url.host,
                      port=url.port, database=url.database, query=query)


def keep_url(raw: str) -> tuple[str, str | None]:
    """A URL someone typed, ready to be kept: its text without the password, and where the
    password went (None when it carried none)."""
    text, password = split_password(raw)
    if password is None:
        return text, None
    return text, remember_password(make_url(text), password)


_prompting = False


def allow_prompt() -> None:
    """Let connections ask for a missing password at the terminal (the CLI, never the window)."""
    global _prompting
    _prompting = True


def connectable(url: URL) -> URL:
    """``url`` with the password to connect, when the keyring (or a prompt) has one."""
    if url.get_backend_name() != "postgresql" or url.password is not None:
        return url
    found = known_password(url)
    if found is None and _prompting and sys.stdin.isatty() and sys.stderr.isatty() \
            and not _pgpass_has(url):
        found = getpass.getpass(f"password for {_account(url)} (Enter: none): ") or None
    return url.set(password=found) if found else url

