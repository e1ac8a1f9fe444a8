"""Round trips: push, pull, no-op, edits flowing both ways."""

from __future__ import annotations

from collections.abc import Callable

import pytest

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


def test_desk_settings_travel_latest_change_wins(replicas: Callable[..., Replica]) -> None:
    from datetime import timedelta

    from cms.config import get_setting, set_setting

    a, b = replicas("ana"), replicas("bo")
    fast = replicas("fast", offset=timedelta(days=365))
    with a.store.session() as session:
        set_setting(session, "timezone", "Asia/Seoul", username="ana")
    a.sync()
    b.sync()
    with b.store.session() as session:
        assert get_setting(session, "timezone") == "Asia/Seoul"
        set_setting(session, "desk_name", "Seoul desk", username="bo")
    b.sync()
    a.sync()
    with a.store.reading() as session:
        assert get_setting(session, "desk_name") == "Seoul desk"
    if not a.central.startswith("postgresql"):
        return  # a shared SQLite file has no clock of its own to clamp against
    # A laptop a year ahead cannot pin its value: the server clamps its stamp on arrival.
    fast.sync()
    from unittest import mock

    import cms.config as config

    with mock.patch.object(config, "utcnow", fast.now), fast.store.session() as session:
        set_setting(session, "desk_name", "Fast desk", username="fast")
    fast.sync()
    a.sync()
    with a.store.session() as session:
        assert get_setting(session, "desk_name") == "Fast desk"
        set_setting(session, "desk_name", "Ana's desk", username="ana")
    a.sync()
    fast.sync()
    with fast.store.reading() as session:
        assert get_setting(session, "desk_name") == "Ana's desk"


def test_machine_paths_do_not_travel(replicas: Callable[..., Replica]) -> None:
    from cms.config import get_setting, set_setting

    a, b = replicas("ana"), replicas("bo")
    with a.store.session() as session:
        set_setting(session, "central_url", a.central, username="ana")
    a.sync()
    b.sync()
    with b.store.reading() as session:
        assert get_setting(session, "central_url") == ""


def test_batches_carrying_big_photos_are_cut(replicas: Callable[..., Replica],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import cms.sync.transfer as transfer_module
    from cms.sync.faults import set_hook
    from tests.sync.helpers import attach_photo

    monkeypatch.setattr(transfer_module, "MAX_BATCH_BYTES", 150_000)
    a, b = replicas("ana"), replicas("bo")
    ids = [a.create(f"Photo story {n}", "Text.") for n in range(4)]
    for n, sid in enumerate(ids):
        attach_photo(a, sid, bytes([n]) * 100_000, caption=f"Photo {n}")
    pushes: list[int] = []
    set_hook("push:begin", lambda **_: pushes.append(1))
    try:
        report = a.sync()
    finally:
        set_hook("push:begin", None)
    assert report.pushed_blobs == 4 and report.pushed_revisions == 8
    assert len(pushes) == 4  # no batch carried more than one 100 kB photo over the budget
    got = b.sync()
    assert got.pulled_blobs == 4
    assert all(len(b.doc(sid).photos) == 1 for sid in ids)


def test_workflow_moves_travel_with_their_revisions(replicas: Callable[..., Replica]) -> None:
    from cms import transitions, workflow

    a, b = replicas("ana"), replicas("bo")
    sid = a.create("Moving story", "Text.")
    with a.store.session() as session:
        transitions.transition(session, a.actor, sid, "edit", note="ready for the desk")
    a.sync()
    b.sync()
    with b.store.reading() as session:
        moves = workflow.history(session, sid)
    assert [(m.from_status, m.to_status, m.username, m.note) for m in moves][-1] == (
        "draft", "edit", "ana", "ready for the desk")
    a.sync()  # nothing doubles on the way back
    with a.store.reading() as session:
        assert len(workflow.history(session, sid)) == len(moves)
