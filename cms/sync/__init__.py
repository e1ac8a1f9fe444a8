"""Replication between a local store and a central store (shared SQLite file or PostgreSQL).

Modules, one idea each:

- :mod:`cms.sync.sequence` – the per-store revision sequence (counter row, hash chain), heads.
- :mod:`cms.sync.clock` – hybrid logical clock readings and far-future timestamps.
- :mod:`cms.sync.merge` – three-way merge of two story documents.
- :mod:`cms.sync.project` – showing replicated heads in ``stories`` (one by one or in bulk).
- :mod:`cms.sync.settle` – after arrivals: project a single head, merge several, or record
  a conflict.
- :mod:`cms.sync.conflicts` – open conflicts: listing, both versions, resolution, and
  :func:`has_open_conflict` for the publisher.
- :mod:`cms.sync.settings` – desk settings that travel (latest change wins).
- :mod:`cms.sync.transfer` – what travels: batches and the checks on arrival.
- :mod:`cms.sync.central` – opening a central store, its epoch, the push/pull transport.
- :mod:`cms.sync.replication` – one sync run: checks, pull, settle, push, checkpoints.
- :mod:`cms.sync.faults` – named points where the fault tests stop or kill a sync.

This package's ``__init__`` imports nothing eagerly, because :mod:`cms.revisions`
uses :mod:`cms.sync.sequence` on every save; ``has_open_conflict`` is loaded on
first use.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    """``from cms.sync import has_open_conflict`` (loaded lazily: see above)."""
    if name == "has_open_conflict":
        from cms.sync.conflicts import has_open_conflict

        return has_open_conflict
    raise AttributeError(f"module 'cms.sync' has no attribute {name!r}")
