"""What a command needs around it: the store, who acts, and how to print."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from cms.config import desk_zone
from cms.errors import UsageError
from cms.people import Actor, acting_actor
from cms.store import Store, resolve_store_url
from cms.timeutil import parse_time


class Context:
    """Lazily opened store and acting person for one CLI invocation."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self._store: Store | None = None
        self._url: URL | None = None

    @property
    def url(self) -> URL:
        """The store location from ``--store``, ``NEWSROOM_STORE`` or the default."""
        if self._url is None:
            self._url = resolve_store_url(self.args.store)
        return self._url

    def url_or_none(self) -> URL | None:
        """The store URL if it could be worked out (for error messages)."""
        try:
            return self.url
        except UsageError:
            return None

    def store(self, *, create: bool = False) -> Store:
        """The open store (created when ``create`` is true)."""
        if self._store is None:
            self._store = Store.open(self.url, create=create)
        return self._store

    @contextmanager
    def acting(self) -> Iterator[tuple[Session, Actor]]:
        """A write session and the acting person in it."""
        store = self.store()
        with store.session() as session:
            yield session, acting_actor(session, store.replica_id, self.args.user)

    def story_here(self, ref: str) -> str:
        """The id of the story ``ref`` names, fetched from the desk first when this is a
        partial copy that lacks it (offline: one line saying to connect)."""
        from cms.sync.fetch import open_story

        store = self.store()
        with store.reading() as session:
            author = acting_actor(session, store.replica_id, self.args.user).username
        return open_story(store, ref, author=author)

    def zone(self, session: Session) -> ZoneInfo:
        """The desk time zone."""
        return desk_zone(session)

    def parse_time(self, session: Session, text: str | None) -> datetime | None:
        """A time given on the command line, read in the desk zone unless it has an offset."""
        if text is None:
            return None
        return parse_time(text, self.zone(session))

    def close(self) -> None:
        """Release the store."""
        if self._store is not None:
            self._store.close()
            self._store = None


def print_json(value: Any) -> None:
    """Pretty JSON on stdout (UTF-8, keys in a stable order)."""
    json.dump(value, sys.stdout, indent=2, ensure_ascii=False, sort_keys=False)
    sys.stdout.write("\n")


def read_text_file(name: str) -> str:
    """A UTF-8 text file's content, ``-`` for standard input; clear errors otherwise."""
    try:
        if name == "-":
            data = sys.stdin.buffer.read()
        else:
            path = Path(name)
            if path.is_dir():
                raise UsageError(f"{name} is a folder, not a file")
            data = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"no such file: {name}") from None
    except PermissionError:
        raise UsageError(f"cannot read {name}: permission denied") from None
    except OSError as exc:
        raise UsageError(f"cannot read {name}: {exc.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{'standard input' if name == '-' else name} is not UTF-8 text "
            f"(invalid byte at position {exc.start}); convert it to UTF-8 first"
        ) from None
    if "\x00" in text:
        raise UsageError(f"{name} contains NUL bytes: is it a binary file?")
    return text
