"""The desk's tests use the sync tests' central stores and replicas."""

from __future__ import annotations

from tests.sync.conftest import central, replicas

__all__ = ["central", "replicas"]
