"""Concurrent edits on two replicas: merged when possible, kept whole as conflicts when not."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa

from cms.graph import has_open_conflict
from cms.models import Blob
from cms.store import Store
from cms.sync.conflicts import list_conflicts, resolve
from tests.sync.helpers import Replica, attach_photo, central_bodies, delete_story

BODY = "Para one.\n\nPara two.\n\nPara three."


def _pair(replicas: Callable[..., Replica]) -> tuple[Replica, Replica, str]:
    a, b = replicas("ana"), replicas("bo")
    sid = a.create("Fence test", BODY)
    a.sync()
    b.sync()
    return a, b, sid


def _settle(a: Replica, b: Replica) -> None:
    a.sync()
    b.sync()
    a.sync()


def test_different_paragraphs_merge(replicas: Callable[..., Replica]) -> None:
    a, b, sid = _pair(replicas)
    a.edit(sid, body=BODY.replace("Para one.", "Para one, edited by Ana."))
    b.edit(sid, body=BODY.replace("Para three.", "Para three, edited by Bo."))
    _settle(a, b)
    merged = "Para one, edited by Ana.\n\nPara two.\n\nPara three, edited by Bo."
    assert a.doc(sid).body == merged == b.doc(sid).body
    assert a.snapshot() == b.snapshot()
    with a.store.reading() as session:
        assert not has_open_conflict(session, sid)


def test_same_paragraph_is_a_conflict_keeping_both(replicas: Callable[..., Replica]) -> None:
    a, b, sid = _pair(replicas)
    a.edit(sid, body=BODY.replace("Para two.", "Ana's second paragraph."))
    b.edit(sid, body=BODY.replace("Para two.", "Bo's second paragraph."))
    _settle(a, b)
    with a.store.reading() as session:
        [conflict] = list_conflicts(session)
        assert has_open_conflict(session, sid)
    assert conflict.fields == ("body",)
    assert "Ana's second" in conflict.local.body and "Bo's second" in conflict.other.body
    assert "<<<<" not in conflict.local.body + conflict.other.body + conflict.proposal.body
    assert a.doc(sid).body == conflict.local.body  # the editor keeps seeing their own text
    with Store.open(a.central) as central, central.reading() as session:
        assert has_open_conflict(session, sid)  # the central's publisher refuses it too
    with a.store.session() as session:
        resolve(session, a.actor, sid, "central")
    _settle(a, b)
    assert a.doc(sid).body == b.doc(sid).body == conflict.other.body
    for replica in (a, b):
        with replica.store.reading() as session:
            assert list_conflicts(session) == []
            assert not has_open_conflict(session, sid)


def test_identical_edits_and_crlf_are_no_conflict(replicas: Callable[..., Replica]) -> None:
    a, b, sid = _pair(replicas)
    a.edit(sid, body=BODY.replace("Para two.", "Same fix."), headline="New head")
    b.edit(sid, body=BODY.replace("Para two.", "Same fix.").replace("\n", "\r\n"),
           headline="New head")
    _settle(a, b)
    assert a.doc(sid).body == BODY.replace("Para two.", "Same fix.")
    assert a.snapshot() == b.snapshot()
    with b.store.reading() as session:
        assert list_conflicts(session) == []


def test_scalar_fields_merge_one_by_one(replicas: Callable[..., Replica]) -> None:
    a, b, sid = _pair(replicas)
    a.edit(sid, headline="Ana's headline", tags=["goats"])
    b.edit(sid, standfirst="Bo's standfirst", tags=["fences"])
    _settle(a, b)
    doc = b.doc(sid)
    assert (doc.headline, doc.standfirst) == ("Ana's headline", "Bo's standfirst")
    assert set(doc.tags) == {"goats", "fences"}


def test_schedule_changed_on_both_is_a_conflict(replicas: Callable[..., Replica]) -> None:
    a, b, sid = _pair(replicas)
    start = a.now().replace(microsecond=0)
    a.edit(sid, publish_at=start + timedelta(hours=2), embargo_until=start + timedelta(hours=1))
    b.edit(sid, publish_at=start + timedelta(hours=5))
    _settle(a, b)
    with a.store.reading() as session:
        [conflict] = list_conflicts(session)
    assert conflict.fields == ("publish_at",)
    # The embargo only one side set merged cleanly into the proposal.
    assert conflict.proposal.embargo_until == start + timedelta(hours=1)


def test_delete_against_edit_both_orders(replicas: Callable[..., Replica]) -> None:
    a, b, sid = _pair(replicas)
    other = a.create("Second story", BODY)
    _settle(a, b)
    delete_story(a, sid)
    b.edit(sid, body=BODY + "\n\nBo's new paragraph.")
    b.edit(other, body=BODY + "\n\nBo's edit first.")
    delete_story(a, other)
    b.sync()  # Bo's edits reach the central first for both stories...
    a.sync()
    b.sync()
    for replica in (a, b):
        with replica.store.reading() as session:
            found = {c.story_id: c for c in list_conflicts(session)}
        assert set(found) == {sid, other}
        for conflict in found.values():
            assert conflict.fields == ("deleted",)
            kept = conflict.local if not conflict.local.deleted else conflict.other
            assert "Bo's" in kept.body
        # The edited version stays visible while the conflict is open.
        assert "Bo's" in replica.doc(sid).body
    with a.store.session() as session:
        ours = {c.story_id: c for c in list_conflicts(session)}
        assert ours[sid].local.deleted and not ours[sid].other.deleted
        resolve(session, a.actor, sid, "local")
    _settle(a, b)
    assert sid not in b.snapshot()
    assert any("Bo's new paragraph" in body for body in central_bodies(a.central, sid))


def test_same_photo_attached_offline_on_both(replicas: Callable[..., Replica]) -> None:
    a, b, sid = _pair(replicas)
    data = b"\xff\xd8 goat photo bytes \xff\xd9"
    attach_photo(a, sid, data, caption="Goat at the fence")
    attach_photo(b, sid, data, caption="Goat at the fence")
    _settle(a, b)
    for replica in (a, b):
        doc = replica.doc(sid)
        assert len(doc.photos) == 1
        with replica.store.reading() as session:
            assert session.scalar(sa.select(sa.func.count()).select_from(Blob)) == 1
        with replica.store.reading() as session:
            assert list_conflicts(session) == []
    assert a.snapshot() == b.snapshot()


def test_edit_while_in_conflict_is_what_take_local_keeps(
        replicas: Callable[..., Replica]) -> None:
    a, b, sid = _pair(replicas)
    a.edit(sid, body=BODY.replace("Para two.", "Ana's version."))
    b.edit(sid, body=BODY.replace("Para two.", "Bo's version."))
    _settle(a, b)
    b.edit(sid, body=BODY.replace("Para two.", "Bo's version, improved after the sync."))
    with b.store.session() as session:
        [conflict] = list_conflicts(session)
        assert "improved after the sync" in conflict.local.body
        resolve(session, b.actor, sid, "local")
    _settle(a, b)
    assert "improved after the sync" in a.doc(sid).body
    with a.store.reading() as session:
        assert list_conflicts(session) == []


def test_publishing_job_refuses_a_story_in_conflict(replicas: Callable[..., Replica]) -> None:
    from cms.publish import publish_due_stories

    a, b, sid = _pair(replicas)
    due = a.now().replace(microsecond=0) - timedelta(minutes=5)
    a.edit(sid, status="scheduled", publish_at=due, body=BODY.replace("Para one.", "A."))
    _settle(a, b)
    a.edit(sid, body=BODY.replace("Para one.", "Ana's lede."))
    b.edit(sid, body=BODY.replace("Para one.", "Bo's lede."))
    _settle(a, b)
    report = publish_due_stories(a.store, a.now(), username="ana")
    assert report.published == []
    [blocked] = report.blocked
    assert blocked.id == sid and any("conflict" in r for r in blocked.reasons)
