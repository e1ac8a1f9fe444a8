"""Editorial notes: anchored to passages, replied to, resolved, addressed — never published."""

from __future__ import annotations

from typing import TypedDict

import pytest

from cms import stories
from cms.desk import notes
from cms.errors import NotFound, PermissionDenied, UsageError
from cms.people import add_person
from cms.store import Store
from tests.workflow.conftest import NOW, Desk, make_desk

BODY = ("The council met on Monday.\n\nIt voted to build the tram line.\n\n"
        "The mayor said work starts in spring.\n")


@pytest.fixture
def desk(store: Store) -> Desk:
    return make_desk(store)


class _NoteOptions(TypedDict, total=False):
    quote: str
    to: list[str]
    reply_to: str


def test_notes_anchor_to_their_passage_through_edits(desk: Desk) -> None:
    story = desk.story(body=BODY)
    with desk.store.session() as session:
        first = notes.add_note(session, desk.editor, story, "Which line? Check the map.",
                               quote="the tram line", to=["rita"], now=NOW)
        notes.add_note(session, desk.reporter, story, "The red one.", reply_to=first[:8],
                       now=NOW)
        notes.add_note(session, desk.chief, story, "Good story.", now=NOW)
    with desk.store.reading() as session:
        listed = notes.list_notes(session, story)
    assert [(n.author, n.paragraph, n.detached, [r.text for r in n.replies]) for n in listed] == [
        ("eddie", 1, False, ["The red one."]), ("chloe", None, False, [])]
    assert listed[0].to == ("rita",)
    moved = "Breaking: a new paragraph.\n\n" + BODY
    with desk.store.session() as session:
        stories.edit(session, desk.admin, story, body=moved, now=NOW)
        assert notes.list_notes(session, story)[0].paragraph == 2  # followed its passage
        stories.edit(session, desk.admin, story, body=moved.replace("tram line", "bus lane"),
                     now=NOW)
        gone = notes.list_notes(session, story)[0]
    assert gone.detached and gone.paragraph is None and gone.quote == "the tram line"


def test_resolving_and_reopening_and_who_may(desk: Desk) -> None:
    story = desk.story(body=BODY)
    with desk.store.session() as session:
        note = notes.add_note(session, desk.reporter, story, "Is the date right?", now=NOW)
        other = notes.add_note(session, desk.editor, story, "Tighten the top.", now=NOW)
    with pytest.raises(PermissionDenied, match="only the note's author or an editor"), \
            desk.store.session() as session:
        notes.set_resolved(session, desk.reporter, other, True, now=NOW)
    with desk.store.session() as session:
        notes.set_resolved(session, desk.reporter, note, True, now=NOW)
        notes.set_resolved(session, desk.editor, other, True, now=NOW)
        assert notes.list_notes(session, story) == []
        assert len(notes.list_notes(session, story, include_resolved=True)) == 2
        notes.set_resolved(session, desk.chief, note, False, now=NOW)
        assert [n.id for n in notes.list_notes(session, story)] == [note]
    with pytest.raises(UsageError, match="already open"), desk.store.session() as session:
        notes.set_resolved(session, desk.chief, note, False, now=NOW)


def test_bad_notes_are_refused_and_store_nothing(desk: Desk) -> None:
    story = desk.story(body=BODY)
    gone = desk.story(headline="Gone")
    with desk.store.session() as session:
        document, head = stories.get(session, gone)
        stories.save(session, desk.admin, document.evolve(deleted=True), base_revision=head)
        add_person(session, desk.admin, "sam", "reporter")
        from cms.people import set_active
        set_active(session, desk.admin, "sam", False)
    cases: list[tuple[str, str, _NoteOptions, type[Exception], str]] = [
        (story, "  ", {}, UsageError, "empty"),
        (story, "x" * 10_001, {}, UsageError, "longer than"),
        (story, "Hi", {"to": ["nobody-here"]}, NotFound, "nobody called 'nobody-here'"),
        (story, "Hi", {"to": ["sam"]}, UsageError, "disabled"),
        (story, "Hi", {"quote": "words the story lacks"}, UsageError, "does not contain"),
        (story, "Hi", {"reply_to": "ffff"}, NotFound, "no note"),
        (gone, "Hi", {}, NotFound, "was deleted"),
        ("no-such-story", "Hi", {}, NotFound, "no story"),
    ]
    for target, text, extra, error, message in cases:
        with pytest.raises(error, match=message), desk.store.session() as session:
            notes.add_note(session, desk.editor, target, text, now=NOW, **extra)
    with desk.store.reading() as session:
        assert notes.list_notes(session, story, include_resolved=True) == []
