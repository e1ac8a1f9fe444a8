"""Where a sync's reads go: the central store, or a streaming replica of it.

A desk may point pulls, fetches and central search at a PostgreSQL read replica
(the computer setting ``central_read_url``) and keep writes — pushes — on the
primary. A replica lags: reads must never go backwards, so each read says how
far the copy has already seen the central's log (``at_least``). A replica that
has not replayed that far is waited for briefly, then the read goes to the
primary. A pull asks for what the primary numbered when the sync began, so a
sync through a replica brings what one through the primary would. A replica of
another central store (another id or epoch), or one that cannot be reached, is
not used at all, and the sync says so.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session

from cms.models import StoreMeta, SyncCounter
from cms.revlog import COUNTER
from cms.store import Store, describe

EPOCH_KEY = "central_epoch"
READ_WAIT_S = 1.0  # how long a read waits for a lagging replica, once per connection
POLL_S = 0.05


class ReadRoute:
    """The primary and, optionally, a read replica; picks one per read."""

    def __init__(self, primary: Store, replica: Store | None = None) -> None:
        self.primary = primary
        self.replica = replica
        self._owned = replica
        self.notes: list[str] = []
        self.from_replica = 0  # reads the replica served
        self.from_primary = 0  # reads that went to the primary although a replica was set
        self._waited = False

    @contextmanager
    def reading(self, at_least: int = 0) -> Iterator[Session]:
        """A read transaction on a store that has seen the log up to ``at_least``."""
        store = self._choose(at_least)
        with store.reading() as session:
            yield session

    def check(self) -> None:
        """Look at the replica once, before any read: a replica of another desk, or
        one out of reach, is noted (and left alone) even by a sync with nothing to pull."""
        if self.replica is not None:
            self._replica_position()

    def _choose(self, at_least: int) -> Store:
        if self.replica is None:
            return self.primary
        deadline = time.monotonic() + (0 if self._waited else READ_WAIT_S)
        while True:
            position = self._replica_position()
            if position is None:
                return self._fall_back(None)
            if position >= at_least:
                self.from_replica += 1
                self._waited = False
                return self.replica
            if time.monotonic() >= deadline:
                self._waited = True
                return self._fall_back(position)
            time.sleep(POLL_S)

    def _replica_position(self) -> int | None:
        """How far the replica has replayed the log (None: unusable)."""
        assert self.replica is not None
        try:
            with self.replica.reading() as session:
                meta = dict(session.execute(sa.select(StoreMeta.key, StoreMeta.value).where(
                    StoreMeta.key.in_(["replica_id", EPOCH_KEY]))).all())
                top = session.scalar(sa.select(SyncCounter.value).where(
                    SyncCounter.name == COUNTER))
        except (DBAPIError, SQLAlchemyError) as exc:
            self._note(f"the read replica {describe(self.replica.url)} cannot be reached "
                       f"({type(exc).__name__}): reading from the central store itself")
            self.replica = None
            return None
        ours = {key: self.primary.meta.get(key) for key in ("replica_id", EPOCH_KEY)}
        if meta != ours:
            self._note(f"{describe(self.replica.url)} is not a replica of this central store "
                       "(another id or epoch): reading from the central store itself")
            self.replica = None
            return None
        return int(top or 0)

    def _fall_back(self, position: int | None) -> Store:
        self.from_primary += 1
        if position is not None:
            self._note("the read replica lags behind what this copy has seen: reading from "
                       "the central store itself")
        return self.primary

    def _note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def close(self) -> None:
        """Release the replica's connections (the primary is its owner's to close)."""
        if self._owned is not None:
            self._owned.close()
