"""Desk events travel like revisions: notes made offline on two laptops all arrive, in order,
and mean the same everywhere; updates go live once; nothing of the desk reaches the site."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from cms import stories, transitions
from cms.desk import assignments, notes, updates
from cms.export import ExportOptions, export_site
from cms.people import actor_for, add_person
from cms.publish import PublishReport, publish_due_stories
from cms.store import Store
from cms.timeutil import utcnow
from tests.sync.helpers import Replica

BODY = "The council met.\n\nIt voted for the tram.\n\nWork starts in spring.\n"


def _published(replica: Replica) -> str:
    story = replica.create("Tram approved", BODY)
    with replica.store.session() as session:
        transitions.transition(session, replica.actor, story, "published")
    return story


def test_notes_made_offline_on_two_laptops_merge_in_order(
        replicas: Callable[..., Replica]) -> None:
    ana, bo = replicas("ana"), replicas("bo")
    story = ana.create("Council", BODY)
    ana.sync()
    bo.sync()
    with ana.store.session() as session:
        first = notes.add_note(session, ana.actor, story, "Who said spring?", quote="spring")
    with bo.store.session() as session:
        second = notes.add_note(session, bo.actor, story, "Add the cost.", to=["ana"])
    ana.sync()
    bo.sync()
    ana.sync()  # both laptops hold both notes; now both go offline again
    with bo.store.session() as session:
        notes.add_note(session, bo.actor, story, "The mayor did.", reply_to=first[:8])
        notes.set_resolved(session, bo.actor, first, True)
    with ana.store.session() as session:
        notes.set_resolved(session, ana.actor, second, True)
    bo.sync()
    ana.sync()
    bo.sync()
    views = []
    for replica in (ana, bo):
        with replica.store.reading() as session:
            views.append([v.as_json() for v in notes.list_notes(session, story,
                                                                include_resolved=True)])
    assert views[0] == views[1]
    assert [(v["author"], v["resolved"], [r["text"] for r in v["replies"]])
            for v in views[0]] == [("ana", True, ["The mayor did."]), ("bo", True, [])]


def test_an_update_goes_live_exactly_once_with_two_jobs(
        replicas: Callable[..., Replica], central: str) -> None:
    ana = replicas("ana")  # the first person: admin, may publish
    story = _published(ana)
    with ana.store.session() as session:
        add_person(session, ana.actor, "rita", "reporter")
        rita = type(ana.actor)("rita", "reporter", ana.store.replica_id)
        update = updates.propose(session, rita, story, {"body": BODY + "\nCosts: 2bn.\n"},
                                 message="the cost")
        assert stories.get(session, story)[0].body == BODY  # live text unchanged
        at = utcnow() + timedelta(minutes=5)
        updates.approve(session, ana.actor, story, update[:8], at=at)
    ana.sync()
    with Store.open(central) as desk_store:
        with desk_store.session() as session:  # the job runs on the central as its admin
            actor_for(session, "ana", desk_store.replica_id)
        results: list[PublishReport] = []
        later = at + timedelta(seconds=1)

        def job() -> None:
            results.append(publish_due_stories(desk_store, later, username="ana",
                                               after_publish=lambda ids: 0,
                                               clock=lambda: later))

        threads = [threading.Thread(target=job) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with desk_store.reading() as session:
            views = updates.updates_of(session, story)
            live, _ = stories.get(session, story)
    applied = sum(len(report.updates) for report in results)
    assert applied == 1
    assert [v.state for v in views] == ["applied"]
    assert live.body.endswith("Costs: 2bn.\n")
    ana.sync()
    with ana.store.reading() as session:
        assert stories.get(session, story)[0].body.endswith("Costs: 2bn.\n")
        assert [v.state for v in updates.updates_of(session, story)] == ["applied"]


def test_nothing_of_the_desk_reaches_an_exported_bundle(
        replicas: Callable[..., Replica], tmp_path: Path) -> None:
    ana = replicas("ana")
    story = _published(ana)
    secret = "ZEBRA-NOTE-7431"
    with ana.store.session() as session:
        add_person(session, ana.actor, "rita", "reporter")
        notes.add_note(session, ana.actor, story, f"Internal: {secret}", quote="tram",
                       to=["rita"])
        assignments.assign(session, ana.actor, story, "rita", note=f"assign {secret}")
        updates.propose(session, ana.actor, story, {"headline": f"Headline {secret}"},
                        message=f"update {secret}")
    out = tmp_path / "site"
    export_site(ana.store, ExportOptions(out=out))
    found = [path for path in out.rglob("*") if path.is_file()
             and secret.encode() in path.read_bytes()]
    assert found == []
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest  # the site was written


def test_assignments_follow_the_latest_event(replicas: Callable[..., Replica]) -> None:
    ana, bo = replicas("ana"), replicas("bo")
    story = ana.create("Council", BODY)
    with ana.store.session() as session:
        add_person(session, ana.actor, "rita", "reporter")
        assignments.assign(session, ana.actor, story, "rita", note="call the mayor")
    ana.sync()
    bo.sync()
    with bo.store.reading() as session:
        assert [a.person for a in assignments.assigned(session, story_id=story)] == ["rita"]
    with ana.store.session() as session:
        assignments.unassign(session, ana.actor, story, "rita")
    ana.sync()
    bo.sync()
    with bo.store.reading() as session:
        assert assignments.assigned(session, story_id=story) == []
    with pytest.raises(Exception, match="not assigned"), ana.store.session() as session:
        assignments.unassign(session, ana.actor, story, "rita")
