"""Round trips: push, pull, no-op, edits flowing both ways."""

from __future__ import annotations

from collections.abc import Callable

from tests.sync.helpers import Replica


def test_story_travels_both_ways(replicas: Callable[..., Replica]) -> None:
    a, b = replicas("ana"), replicas("bo")
    sid = a.create("Goat tests fence", "First paragraph.\n\nSecond paragraph.")
    first = a.sync()
    assert first.pushed_revisions == 1
    got = b.sync()
    assert got.pulled_revisions == 1
    assert b.doc(sid).headline == "Goat tests fence"
    b.edit(sid, headline="Goat tests the fence")
    b.sync()
    a.sync()
    assert a.doc(sid).headline == "Goat tests the fence"
    assert a.snapshot() == b.snapshot()
    again = a.sync()
    assert (again.pushed_revisions, again.pulled_revisions) == (0, 0)
