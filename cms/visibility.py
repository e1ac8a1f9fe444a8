"""What the public may see at a given moment: stories and "Read next" links.

Pure functions over plain values, no database and no clock: the export, the
publisher and the window all ask the same question the same way, and a test
can ask it about any instant. Times must be aware datetimes.

A story is publicly visible at ``T`` when its status is public (published or
corrected), its publication time is set and not after ``T``, and no embargo
is still running at ``T``. A scheduled story is not, even once its time has
come: it goes public when the publisher (``publish --due``) has checked it
(embargo, open sync conflicts, photo problems) and marked it published. A
killed story is never visible, whatever its times say. A "Read next" link is
visible at ``T`` when ``T`` is inside its window (``visible_from`` inclusive,
``visible_until`` exclusive) and, for a link to a story, that story is visible
at ``T``; a link to an external URL only needs its window.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

PUBLIC_STATUSES = frozenset({"published", "corrected"})


class StoryTimes(Protocol):
    """The fields visibility depends on (StoryDocument, StorySummary and rows all have them)."""

    @property
    def status(self) -> str: ...

    @property
    def publish_at(self) -> datetime | None: ...

    @property
    def embargo_until(self) -> datetime | None: ...


class LinkWindow(Protocol):
    """The fields of a "Read next" link that visibility depends on (LinkRef has them)."""

    @property
    def target_story_id(self) -> str | None: ...

    @property
    def visible_from(self) -> datetime | None: ...

    @property
    def visible_until(self) -> datetime | None: ...


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")
    return value


def is_story_visible(
    *,
    status: str,
    publish_at: datetime | None,
    embargo_until: datetime | None,
    as_of: datetime,
) -> bool:
    """True when a story with these fields is public at ``as_of``."""
    _aware(as_of, "as_of")
    if status not in PUBLIC_STATUSES or publish_at is None:
        return False
    if _aware(publish_at, "publish_at") > as_of:
        return False
    return embargo_until is None or _aware(embargo_until, "embargo_until") <= as_of


def story_visible(story: StoryTimes, as_of: datetime) -> bool:
    """:func:`is_story_visible` for anything carrying status, publish_at and embargo_until."""
    return is_story_visible(
        status=story.status,
        publish_at=story.publish_at,
        embargo_until=story.embargo_until,
        as_of=as_of,
    )


def in_window(
    visible_from: datetime | None, visible_until: datetime | None, as_of: datetime
) -> bool:
    """True when ``as_of`` is inside ``[visible_from, visible_until)``; open ends are unbounded."""
    _aware(as_of, "as_of")
    if visible_from is not None and _aware(visible_from, "visible_from") > as_of:
        return False
    return visible_until is None or _aware(visible_until, "visible_until") > as_of


def link_visible(
    link: LinkWindow, as_of: datetime, target_visible: Callable[[str], bool]
) -> bool:
    """True when a "Read next" link shows at ``as_of``.

    ``target_visible(story_id)`` answers whether the linked story is public at
    ``as_of`` (it should answer False for a story that does not exist).
    """
    if not in_window(link.visible_from, link.visible_until, as_of):
        return False
    if link.target_story_id is None:
        return True
    return target_visible(link.target_story_id)
