"""Desk events are stored after the events they are about, whatever their ids."""

from __future__ import annotations

import pytest

from cms.sync.transfer import subjects_first

pytestmark = pytest.mark.fast


def _event(event_id: str, subject: str = "") -> dict[str, str]:
    return {"id": event_id, "subject": subject}


def test_a_discard_comes_after_its_update_and_a_reply_after_its_note() -> None:
    rows = [_event("a-discard", "z-update"), _event("z-update"), _event("b-reply", "y-note"),
            _event("y-note"), _event("c-alone", "somewhere-else")]
    ordered = [row["id"] for row in subjects_first(rows)]
    assert ordered.index("z-update") < ordered.index("a-discard")
    assert ordered.index("y-note") < ordered.index("b-reply")
    assert sorted(ordered) == sorted(row["id"] for row in rows)
    assert ordered[:3] == ["c-alone", "y-note", "z-update"]  # otherwise by id


def test_chains_and_self_references_keep_every_event() -> None:
    rows = [_event("a", "b"), _event("b", "c"), _event("c"), _event("d", "d")]
    assert [row["id"] for row in subjects_first(rows)] == ["c", "d", "b", "a"]
