"""Searching the whole desk: this copy's store and, when online, the central store.

A partial copy holds a window of the archive; the central store (or its read
replica: :mod:`cms.sync.reads`) holds all of it. Both run the same search
(:mod:`cms.search`); the results are merged, each marked "on this laptop" (the
story is here: it opens at once, offline too) or "on the desk" (opening it
fetches it). Offline, the copy's own results come back with a note saying so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from cms.config import get_setting
from cms.errors import SyncError
from cms.models import SyncState
from cms.search import SearchHit, search
from cms.store import Store, db_error_message, describe
from cms.sync.central import Central
from cms.sync.holding import held_stories

HERE, DESK = "on this laptop", "on the desk"


@dataclass(frozen=True)
class PlacedHit:
    """A search result and whether this copy holds the story."""

    hit: SearchHit
    here: bool

    @property
    def where(self) -> str:
        """``on this laptop`` or ``on the desk``."""
        return HERE if self.here else DESK


@dataclass
class DeskSearch:
    """Merged results, best first, and what was searched."""

    hits: list[PlacedHit] = field(default_factory=list)
    central: str = ""  # the central store searched, described ("" when it was not)
    note: str = ""  # why the central store was not searched


def merge_hits(central: list[SearchHit], local: list[SearchHit], held: set[str],
               limit: int) -> list[PlacedHit]:
    """The central's ranking, with stories only this copy has (unsent work) placed at
    their own rank; each marked by whether this copy holds it."""
    merged = [PlacedHit(hit, hit.story_id in held) for hit in central]
    known = {hit.story_id for hit in central}
    for position, hit in enumerate(local):
        if hit.story_id not in known:
            merged.insert(min(position, len(merged)), PlacedHit(hit, True))
    return merged[:limit]


def search_desk(store: Store, query: str, *, limit: int = 20, status: str | None = None,
                central_location: str | None = None) -> DeskSearch:
    """Search this copy and the central store (``central_url`` unless given); merge.

    The central is read where this copy's checkpoint is seen (a lagging read
    replica is not used), so a result never shows the desk older than this copy.
    """
    with store.reading() as session:
        local = search(session, query, limit=limit, status=status)
        location = central_location or get_setting(session, "central_url")
        read_location = get_setting(session, "central_read_url")
    result = DeskSearch()
    if not location:
        result.note = "no central store is set: these are this laptop's results"
        result.hits = [PlacedHit(hit, True) for hit in local]
        return result
    try:
        central = Central.open(location, read_location=read_location or None)
    except SyncError as exc:
        result.note = f"the desk's central store did not answer ({exc}): these are this " \
                      "laptop's results"
        result.hits = [PlacedHit(hit, True) for hit in local]
        return result
    try:
        with store.reading() as session:
            state = session.get(SyncState, central.central_id)
            seen = state.pull_seq if state is not None else 0
        with central.reads.reading(seen) as session:
            found = search(session, query, limit=limit, status=status)
    except (DBAPIError, SQLAlchemyError) as exc:
        result.note = f"the desk's search failed ({db_error_message(exc, central.url)}): " \
                      "these are this laptop's results"
        result.hits = [PlacedHit(hit, True) for hit in local]
        return result
    finally:
        central.close()
    with store.reading() as session:
        held = held_stories(session, [hit.story_id for hit in found])
    result.central = describe(central.url)
    result.hits = merge_hits(found, local, held, limit)
    return result
