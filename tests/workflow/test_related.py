"""Timed "Read next" links: editing the list, windows at their boundaries, suggestions."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypedDict

import pytest

from cms import related, stories, transitions
from cms.errors import NotFound, PermissionDenied, UsageError
from tests.workflow.conftest import NOW, Desk

OUT = NOW - timedelta(days=1)


def _published(desk: Desk, headline: str, body: str = "") -> str:
    return desk.story(headline, status="published", publish_at=OUT, body=body)


class _LinkOptions(TypedDict, total=False):
    label: str
    visible_from: datetime
    visible_until: datetime
    position: int


def test_add_list_move_remove(desk: Desk) -> None:
    story = _published(desk, "Main story")
    a = _published(desk, "First follow-up")
    b = _published(desk, "Second follow-up")
    with desk.store.session() as session:
        link_a = related.add_link(session, desk.chief, story, a, now=NOW)
        link_b = related.add_link(session, desk.chief, story, b, label="Read this first",
                                  position=1, now=NOW)
        url = related.add_link(session, desk.chief, story, "https://example.org/report",
                               now=NOW)
    with desk.store.reading() as session:
        infos = related.list_links(session, story, as_of=NOW)
    assert [(i.position, i.link.label) for i in infos] == [
        (1, "Read this first"), (2, "First follow-up"), (3, "https://example.org/report")]
    assert link_a.label == "First follow-up"  # defaults to the target's headline
    assert infos[1].target_publish_at == OUT
    with desk.store.session() as session:
        related.move_link(session, desk.chief, story, url.id[:6], 1)
        related.remove_link(session, desk.chief, story, link_b.id)
        related.reorder_links(session, desk.chief, story, [link_a.id, url.id])
    with desk.store.reading() as session:
        assert [i.link.id for i in related.list_links(session, story)] == [link_a.id, url.id]
        assert stories.get(session, story)[0].related[0].id == link_a.id


def test_bad_links_are_refused_and_change_nothing(desk: Desk) -> None:
    story = _published(desk, "Main story")
    other = _published(desk, "Other story")
    gone = _published(desk, "Deleted story")
    with desk.store.session() as session:
        document, head = stories.get(session, gone)
        stories.save(session, desk.admin, document.evolve(deleted=True), base_revision=head)
        related.add_link(session, desk.chief, story, other, now=NOW)
    with desk.store.reading() as session:
        head = stories.head_revision(session, story)
    cases: list[tuple[str, _LinkOptions, type[Exception], str]] = [
        (story, {}, UsageError, "itself"),
        (gone, {}, NotFound, "deleted"),
        ("no-such-story", {}, NotFound, "no story"),
        (other, {}, UsageError, "already links"),
        ("ftp://example.org/x", {}, UsageError, "invalid link"),
        ("https://", {}, UsageError, "invalid link"),
        ("", {}, UsageError, "empty"),
        ("https://example.org/", {"visible_from": NOW, "visible_until": NOW}, UsageError,
         "ends before"),
        ("https://example.org/", {"position": 9}, UsageError, "position"),
        ("https://example.org/", {"label": "   "}, UsageError, "label is empty"),
    ]
    cases.append(("https://example.org/by-an-editor", {}, PermissionDenied,
                  "changing a published story needs a desk chief"))
    for target, extra, error, text in cases:
        who = desk.editor if error is PermissionDenied else desk.chief
        with pytest.raises(error, match=text), desk.store.session() as session:
            related.add_link(session, who, story, target, now=NOW, **extra)
    for link_ref, error in (("99", NotFound), ("zzzz", NotFound), ("ab", NotFound)):
        with pytest.raises(error), desk.store.session() as session:
            related.remove_link(session, desk.chief, story, link_ref)
    with desk.store.reading() as session:
        assert stories.head_revision(session, story) == head


def test_window_boundaries_are_exact(desk: Desk) -> None:
    story = _published(desk, "Main story")
    target = _published(desk, "Target")
    start, end = NOW, NOW + timedelta(hours=4)
    with desk.store.session() as session:
        related.add_link(session, desk.chief, story, target, visible_from=start,
                         visible_until=end, now=NOW)

    def shown(at: datetime) -> bool:
        with desk.store.reading() as session:
            return related.list_links(session, story, as_of=at)[0].visible

    tick = timedelta(microseconds=1)
    assert not shown(start - tick)
    assert shown(start)  # visible_from is inclusive
    assert shown(end - tick)
    assert not shown(end)  # visible_until is exclusive


def test_link_shows_only_once_the_target_is_out(desk: Desk) -> None:
    story = _published(desk, "Main story")
    later = desk.story("Not out yet", status="ready")
    embargoed = desk.story("Embargoed", status="ready")
    killed = _published(desk, "Killed one")
    with desk.store.session() as session:
        from cms import schedule

        schedule.schedule(session, desk.chief, later, NOW + timedelta(hours=2), now=NOW)
        schedule.set_embargo(session, desk.chief, embargoed, NOW + timedelta(hours=3), now=NOW)
        transitions.transition(session, desk.chief, killed, "killed", note="wrong", now=NOW)
        for target in (later, embargoed, killed):
            related.add_link(session, desk.chief, story, target, now=NOW)
    with desk.store.session() as session:
        transitions.transition(session, desk.chief, later, "published",
                               now=NOW + timedelta(hours=2))
    with desk.store.reading() as session:
        before = [i.visible for i in related.list_links(session, story, as_of=NOW)]
        after = [i.visible for i in related.list_links(session, story,
                                                       as_of=NOW + timedelta(hours=2))]
    assert before == [False, False, False]
    assert after == [True, False, False]


def test_cycles_are_allowed_and_listing_does_not_recurse(desk: Desk) -> None:
    a = _published(desk, "Story A")
    b = _published(desk, "Story B")
    with desk.store.session() as session:
        related.add_link(session, desk.chief, a, b, now=NOW)
        related.add_link(session, desk.chief, b, a, now=NOW)
    with desk.store.reading() as session:
        assert [i.link.target for i in related.list_links(session, a)] == [b]
        assert [i.link.target for i in related.list_links(session, b)] == [a]


def test_update_window_and_label(desk: Desk) -> None:
    story = _published(desk, "Main story")
    target = _published(desk, "Target")
    with desk.store.session() as session:
        link = related.add_link(session, desk.chief, story, target, visible_from=NOW, now=NOW)
        changed = related.update_link(session, desk.chief, story, link.id, label="New label",
                                      visible_until=NOW + timedelta(days=1))
        assert (changed.label, changed.visible_from) == ("New label", NOW)
        opened = related.update_link(session, desk.chief, story, "1", clear_from=True)
        assert (opened.visible_from, opened.visible_until) == (None, NOW + timedelta(days=1))
    with pytest.raises(UsageError, match="ends before"), desk.store.session() as session:
        related.update_link(session, desk.chief, story, "1", visible_from=NOW + timedelta(days=2))


def test_suggestions_rank_similar_stories(desk: Desk) -> None:
    story = _published(desk, "Goat tests electrified border fence",
                       "Soldiers led a goat to the electrified fence on the border.")
    close = _published(desk, "Electrified fence goes up along the border",
                       "The fence is electrified, officials at the border said.")
    loose = _published(desk, "Border crossings stay closed", "The border stays shut.")
    _published(desk, "Council approves tram line", "Trams will run by 2028.")
    with desk.store.reading() as session:
        found = related.suggest(session, story, limit=5)
    ids = [c.story_id for c in found]
    assert ids[:2] == [close, loose]
    assert story not in ids
    with desk.store.session() as session:
        related.add_link(session, desk.chief, story, close, now=NOW)
    with desk.store.reading() as session:
        assert close not in [c.story_id for c in related.suggest(session, story)]
