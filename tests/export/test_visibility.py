"""cms.visibility: what the public sees at an instant (pure functions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cms.document import LinkRef
from cms.visibility import (
    PUBLIC_STATUSES,
    in_window,
    is_story_visible,
    link_visible,
    story_visible,
)

T = datetime(2024, 12, 15, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class _Story:
    status: str
    publish_at: datetime | None
    embargo_until: datetime | None = None


@pytest.mark.parametrize(
    ("status", "publish_at", "embargo", "visible"),
    [
        ("published", T - HOUR, None, True),
        ("published", T, None, True),  # published exactly now
        ("corrected", T - HOUR, None, True),
        ("published", T + HOUR, None, False),  # scheduled for later
        ("published", None, None, False),
        ("published", T - HOUR, T + HOUR, False),  # embargo still running
        ("published", T - HOUR, T, True),  # embargo lifts exactly now
        ("killed", T - HOUR, None, False),
        ("draft", T - HOUR, None, False),
        ("scheduled", T - HOUR, None, False),
        ("ready", T - HOUR, None, False),
    ],
)
def test_story_visibility(status: str, publish_at: datetime | None, embargo: datetime | None,
                          visible: bool) -> None:
    assert is_story_visible(status=status, publish_at=publish_at, embargo_until=embargo,
                            as_of=T) is visible
    assert story_visible(_Story(status, publish_at, embargo), T) is visible


def test_offsets_do_not_matter() -> None:
    seoul = timezone(timedelta(hours=9))
    assert is_story_visible(status="published", publish_at=T.astimezone(seoul),
                            embargo_until=None, as_of=T)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError):
        is_story_visible(status="published", publish_at=T, embargo_until=None,
                         as_of=T.replace(tzinfo=None))
    with pytest.raises(ValueError):
        in_window(T.replace(tzinfo=None), None, T)


def test_link_window_and_target() -> None:
    public = {"a"}
    inside = LinkRef(id="1", target_story_id="a", visible_from=T - HOUR, visible_until=T + HOUR)
    assert link_visible(inside, T, public.__contains__)
    assert not link_visible(LinkRef(id="2", target_story_id="b"), T, public.__contains__)
    assert not link_visible(LinkRef(id="3", target_story_id="a", visible_from=T + HOUR), T,
                            public.__contains__)
    # visible_until is exclusive: at that instant the link is gone.
    assert not link_visible(LinkRef(id="4", target_story_id="a", visible_until=T), T,
                            public.__contains__)
    assert link_visible(LinkRef(id="5", url="https://example.com/"), T, lambda _s: False)


@given(
    offset_from=st.one_of(st.none(), st.integers(-100, 100)),
    offset_until=st.one_of(st.none(), st.integers(-100, 100)),
)
def test_window_matches_its_definition(offset_from: int | None, offset_until: int | None) -> None:
    start = None if offset_from is None else T + timedelta(minutes=offset_from)
    end = None if offset_until is None else T + timedelta(minutes=offset_until)
    expected = (start is None or start <= T) and (end is None or end > T)
    assert in_window(start, end, T) is expected


def test_public_statuses() -> None:
    assert frozenset({"published", "corrected"}) == PUBLIC_STATUSES
