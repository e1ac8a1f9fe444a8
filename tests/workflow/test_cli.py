"""The workflow commands end to end: exact command shapes, output, exit codes, no side effects."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from cms import publish
from cms.cli import main

JCS = "north-korea-readies-more-troops-and-drones-for-russia"
SEOUL_DIVIDED = "seoul-residents-split-after-parliament-impeaches-president-yoon"


class Runner:
    """Runs ``newsroom --store STORE --user U …`` in-process, capturing output."""

    def __init__(self, store: str, capsys: pytest.CaptureFixture[str],
                 monkeypatch: pytest.MonkeyPatch) -> None:
        self.store = store
        self.capsys = capsys
        self.monkeypatch = monkeypatch
        self.err = ""

    def clock_at(self, iso: str) -> None:
        """The publishing job's clock (the one true edge these tests move)."""
        moment = datetime.fromisoformat(iso)
        self.monkeypatch.setattr(publish, "utcnow", lambda: moment)

    def __call__(self, *args: str, code: int = 0, user: str = "chief") -> str:
        self.capsys.readouterr()
        try:
            status = main(["--store", self.store, "--user", user, *args])
        except SystemExit as exc:  # argparse's own usage errors
            status = int(exc.code or 0)
        out, self.err = self.capsys.readouterr()
        assert status == code, f"exit {status}: {self.err}"
        return out

    def json(self, *args: str, user: str = "chief") -> dict[str, Any]:
        """The command's JSON output, one object."""
        found = json.loads(self(*args, user=user))
        assert isinstance(found, dict), found
        return found

    def rows(self, *args: str, user: str = "chief") -> list[dict[str, Any]]:
        """The command's JSON output, a list of objects."""
        found = json.loads(self(*args, user=user))
        assert isinstance(found, list), found
        return found


@pytest.fixture
def nr(sqlite_url: str, capsys: pytest.CaptureFixture[str],
       monkeypatch: pytest.MonkeyPatch) -> Runner:
    run = Runner(sqlite_url, capsys, monkeypatch)
    run("init", "--demo")  # chief is the first person: admin
    run("people", "add", "rita", "--role", "reporter")
    run("people", "add", "eddie", "--role", "editor")
    return run


def _new(nr: Runner, headline: str, user: str = "chief") -> str:
    return nr("story", "new", "--headline", headline, user=user).strip()


def _ready(nr: Runner, headline: str) -> str:
    story = _new(nr, headline, "rita")
    nr("story", "transition", story, "edit", user="rita")
    nr("story", "transition", story, "ready", user="eddie")
    return story


def test_transition_by_role_and_history(nr: Runner) -> None:
    story = _new(nr, "Tram line approved", "rita")
    assert nr("story", "transition", story, "edit", user="rita").startswith("draft → edit")
    nr("story", "transition", story, "ready", code=1, user="rita")
    assert "needs a editor or above" in nr.err or "editor" in nr.err
    nr("story", "transition", story, "ready", user="eddie")
    nr("story", "transition", story, "killed", code=2)
    assert "needs a note" in nr.err
    nr("story", "transition", story, "killed", "--note", "Duplicate of another story")
    history = nr("story", "history", story)
    assert "status ready → killed: Duplicate of another story" in history
    assert "status draft → edit" in history
    nr("story", "transition", story, "nonsense", code=2)
    assert "unknown status" in nr.err


def test_schedule_forms_and_plan(nr: Runner) -> None:
    story = _ready(nr, "Budget vote")
    out = nr("schedule", story, "--at", "2027-01-02 09:30")
    assert out.startswith("scheduled: 2027-01-02 09:30 Asia/Seoul (2027-01-02T09:30:00+09:00)")
    plan = nr.rows("schedule", "list", "--from", "2027-01-01", "--to", "2027-01-03", "--json")
    assert [(p["id"], p["status"], p["publish_at"], p["late"]) for p in plan] == [
        (story, "scheduled", "2027-01-02T09:30:00+09:00", False)]
    text = nr("schedule", "list", "--from", "2027-01-01", "--to", "2027-01-03")
    assert "Budget vote" in text
    assert nr("schedule", story, "--clear").startswith("publication time cleared")
    assert nr.json("story", "show", story, "--json")["status"] == "ready"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("schedule", "STORY"), "give --at TIME or --clear"),
        (("schedule", "STORY", "--at", "2027-01-02 09:30", "--clear"), "not both"),
        (("schedule", "list", "--now", "2027-01-01"), "--now cannot be used"),
        (("schedule", "late", "--from", "2027-01-01"), "--from cannot be used"),
        (("schedule", "STORY", "--at", "2027-01-02 09:30", "--json"), "--json cannot be used"),
        (("schedule", "STORY", "--at", "2001-01-01 09:00"), "in the past"),
        (("schedule", "STORY", "--at", "tomorrow"), "invalid time"),
        (("embargo", "STORY", "--until", "2001-01-01"), "in the past"),
        (("related", "add", "STORY", "STORY"), "itself"),
        (("related", "add", "STORY", "ftp://x.org/"), "invalid link"),
        (("related", "add", "STORY", JCS, "--from", "2027-01-02", "--until", "2027-01-01"),
         "ends before"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(nr: Runner, args: tuple[str, ...],
                                                   message: str) -> None:
    story = _ready(nr, "Target of bad input")
    before = nr.json("story", "show", story, "--json")
    nr(*(story if arg == "STORY" else arg for arg in args), code=2)
    assert message in nr.err
    assert nr.err.count("\n") == 1
    assert nr.json("story", "show", story, "--json") == before


def test_dst_in_the_desk_zone(nr: Runner) -> None:
    story = _ready(nr, "Clock change story")
    nr("config", "set", "timezone", "Europe/Berlin")
    nr("schedule", story, "--at", "2027-03-28 02:30", code=2)
    assert "does not exist in Europe/Berlin" in nr.err
    nr("schedule", story, "--at", "2027-10-31 02:30", code=2)
    assert "happens twice" in nr.err and "+02:00" in nr.err and "+01:00" in nr.err
    out = nr("schedule", story, "--at", "2027-10-31T02:30+01:00")
    assert "(2027-10-31T02:30:00+01:00)" in out
    nr("config", "set", "timezone", "Mars/Base", code=2)
    assert "unknown time zone" in nr.err


def test_embargo_blocks_publish_by_hand_and_by_job(nr: Runner) -> None:
    story = _ready(nr, "Agency report under embargo")
    nr("embargo", story, "--until", "2027-06-01 00:00")
    nr("story", "transition", story, "published", code=1)
    assert "under embargo until 2027-06-01 00:00" in nr.err
    nr("schedule", story, "--at", "2027-05-31 23:00", code=2)
    assert "before the embargo ends" in nr.err
    nr("schedule", story, "--at", "2027-06-01 08:00")
    before = nr.json("story", "show", story, "--json")
    held = nr("publish", "--due", "--now", "2027-06-01T07:30+09:00", "--dry-run")
    assert "0 would publish" in held
    nr("publish", "--due", "--now", "2027-06-01T08:00+09:00", code=2)
    assert "--now is later than the clock" in nr.err  # the job never publishes ahead
    assert nr.json("story", "show", story, "--json")["status"] == "scheduled"
    nr.clock_at("2027-06-01T08:00:30+09:00")
    out = nr("publish", "--due", "--now", "2027-06-01T08:00+09:00")
    assert "published: 2027-06-01 08:00" in out and "1 published" in out
    assert before["status"] == "scheduled"
    assert nr.json("story", "show", story, "--json")["status"] == "published"
    assert "0 published" in nr("publish", "--due", "--now", "2027-06-01T08:00+09:00")


def test_late_report(nr: Runner) -> None:
    story = _ready(nr, "Missed its slot")
    nr("schedule", story, "--at", "2027-01-01 10:00")
    nr("embargo", story, "--until", "2027-01-01 12:00")
    late = nr.rows("schedule", "late", "--now", "2027-01-01T11:00+09:00", "--json")
    assert late[0]["id"] == story
    assert late[0]["reasons"] == ["embargo until 2027-01-01 12:00 Asia/Seoul"]
    text = nr("schedule", "late", "--now", "2027-01-01T13:00+09:00")
    assert "late: the publishing job has never run on this store" in text
    assert "no late stories" in nr("schedule", "late", "--now", "2026-01-01T00:00Z")


def test_job_refuses_non_chiefs(nr: Runner) -> None:
    nr("publish", "--due", code=1, user="eddie")
    assert "only a desk chief or above may run the publishing job" in nr.err
    nr("publish", code=2)  # --due is required


def test_related_commands_on_the_sample(nr: Runner) -> None:
    links = nr.rows("related", "list", JCS, "--json")
    assert [link["target_publish_at"][11:16] for link in links] == [
        "18:00", "11:42", "12:32", "16:46", "10:32"]
    story = _new(nr, "Follow-up on the fence")
    link_id = nr("related", "add", JCS, story, "--position", "1", "--from",
                 "2027-01-01 00:00").strip()
    listed = nr("related", "list", JCS)
    assert listed.splitlines()[0].startswith(f"1. {link_id[:8]}")
    assert "hidden: outside its window" in listed.splitlines()[0]
    assert "Follow-up on the fence" in listed
    nr("related", "add", JCS, story, code=2)
    assert "already links" in nr.err
    nr("related", "move", JCS, link_id[:8], "6")
    assert nr.rows("related", "list", JCS, "--json")[5]["id"] == link_id
    nr("related", "window", JCS, link_id[:8], "--from", "open", "--label", "Fence follow-up")
    nr("related", "remove", JCS, link_id[:8])
    assert len(nr.rows("related", "list", JCS, "--json")) == 5
    nr("related", "remove", JCS, "zzzz", code=1)
    # A cycle: the target links back; listing either stays one level deep.
    nr("related", "add", SEOUL_DIVIDED, JCS)
    assert len(nr.rows("related", "list", SEOUL_DIVIDED, "--json")) == 1


def test_people_commands(nr: Runner) -> None:
    listed = nr("people", "list")
    assert "chief" in listed and "admin" in listed and "rita" in listed
    nr("people", "role", "eddie", "desk_chief", code=1, user="rita")
    assert "rita is a reporter; only an admin may manage people" in nr.err
    nr("people", "role", "eddie", "boss", code=2)
    assert "unknown role 'boss'" in nr.err
    assert "eddie is now a desk chief" in nr("people", "role", "eddie", "desk_chief")
    nr("people", "role", "nobody-seen", "editor", code=1)
    assert "nobody called 'nobody-seen'" in nr.err
    nr("people", "add", "rita", "--role", "editor", code=2)
    assert "already on the desk" in nr.err
    assert "sam joins the desk as an editor" in nr("people", "add", "sam", "--role", "editor")
    assert "sam is disabled" in nr("people", "disable", "sam")
    people = nr.rows("people", "list", "--json")
    assert {"username": "sam", "display_name": "sam", "role": "editor", "active": False,
            "login": None} in people
    nr("story", "new", "--headline", "Not as sam", code=1, user="sam")
    assert "sam is disabled" in nr.err
    nr("people", "disable", "chief", code=2)
    assert "cannot disable yourself" in nr.err


def test_publish_re_exports_into_the_configured_target(nr: Runner, tmp_path: Path) -> None:
    site = tmp_path / "site"
    nr("config", "set", "export_target", str(site))
    story = _ready(nr, "Re-exported when published")
    nr("schedule", story, "--at", "2027-02-01 09:00")
    nr.clock_at("2027-02-01T09:00+09:00")
    out = nr("publish", "--due")
    assert f"changed files to {site}" in out
    pages = [p for p in site.rglob("*.html") if "Re-exported when published" in p.read_text()]
    assert pages
