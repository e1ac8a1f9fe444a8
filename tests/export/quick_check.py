"""Helpers for the quick re-export tests: edit the sample archive, and compare a
re-exported folder with a first export into a new folder."""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cms import stories
from cms.document import LinkRef
from cms.export import ExportOptions, export_site
from cms.export.paths import STATE_FILE
from cms.export.state import State
from cms.people import Actor
from cms.store import Store
from tests.export.bundle_check import tree_bytes
from tests.export.conftest import AS_OF

EDITED_AT = AS_OF - timedelta(seconds=30)
INDEX_TABLES = ("pages", "shows", "links", "tags")


def edit(store: Store, actor: Actor, ref: str, **changes: Any) -> None:
    """Edit one story, by default just before :data:`AS_OF`."""
    changes.setdefault("now", EDITED_AT)
    with store.session() as session:
        stories.edit(session, actor, ref, **changes)


def link(store: Store, actor: Actor, holder: str, target: str, **window: Any) -> None:
    """Add a "Read next" link from ``holder`` to ``target``, shown in ``window``."""
    with store.session() as session:
        doc, _ = stories.get(session, holder)
        stories.edit(session, actor, holder, now=AS_OF - timedelta(hours=300),
                     related=(*doc.related, LinkRef(str(uuid.uuid4()), target_story_id=target,
                                                    **window)))


def event_at(store: Store, actor: Actor, archive: list[str], kind: str, when: datetime) -> None:
    """Something the site must change for at ``when``: a story published then
    (``kind="publish"``), or a link's window opening or closing then
    (``kind="visible_from"`` or ``"visible_until"``)."""
    if kind == "publish":
        with store.session() as session:
            stories.create(session, actor, headline=f"Due at {when:%H:%M}", body="x\n",
                           section="politics", status="published", publish_at=when)
    else:
        link(store, actor, archive[60], archive[61], **{kind: when})


def fresh_diff(store: Store, out: Path, fresh: Path, as_of: datetime = AS_OF,
               **options: Any) -> list[str]:
    """What differs between ``out`` and a first export into ``fresh``: files, the
    state's records and its site index. Empty when they are the same."""
    export_site(store, ExportOptions(out=fresh, as_of=as_of, cache_dir=None, **options))
    got, want = tree_bytes(out), tree_bytes(fresh)
    diff = sorted(set(got) ^ set(want)) + [p for p in want if p in got and got[p] != want[p]]
    if State.load(out) != State.load(fresh):
        diff.append(STATE_FILE)
    for name, held, wanted in zip(("meta", *INDEX_TABLES), _index(out), _index(fresh),
                                  strict=True):
        if held != wanted:
            extra = [r for r in held if r not in wanted] if name != "meta" else held
            missing = [r for r in wanted if r not in held] if name != "meta" else wanted
            diff.append(f"index {name}: extra={extra[:3]} missing={missing[:3]}")
    return diff


def _index(folder: Path) -> list[Any]:
    """The folder's site index, without the token of the cache it was made with."""
    with sqlite3.connect(folder / STATE_FILE) as db:
        meta = json.loads(db.execute("SELECT value FROM meta WHERE key='index'").fetchone()[0])
        meta.pop("token", None)
        return [meta] + [sorted(db.execute(f"SELECT * FROM {table}").fetchall())
                         for table in INDEX_TABLES]
