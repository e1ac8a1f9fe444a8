"""Replication between a local store and a central store (shared SQLite file or PostgreSQL).

Modules, one idea each:

- :mod:`cms.sync.sequence` – the per-store revision sequence (counter row, hash chain), heads.
- :mod:`cms.sync.clock` – hybrid logical clock readings and far-future timestamps.
- :mod:`cms.sync.merge` – three-way merge of two story documents.
- :mod:`cms.sync.conflicts` – settling diverged stories, conflict records, resolution.
- :mod:`cms.sync.central` – opening a central store, its epoch, the push/pull transport.
- :mod:`cms.sync.replication` – one sync run: checks, pull, settle, push, checkpoints.

This package's ``__init__`` imports nothing, because :mod:`cms.revisions` uses
:mod:`cms.sync.sequence` on every save.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    """``from cms.sync import has_open_conflict`` (loaded lazily: see above)."""
    if name == "has_open_conflict":
        from cms.sync.conflicts import has_open_conflict

        return has_open_conflict
    raise AttributeError(f"module 'cms.sync' has no attribute {name!r}")
