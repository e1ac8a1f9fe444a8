"""A partial copy from the command line: sync --window, story fetch, story show on demand
and offline, search --central merged and marked, sync --full."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from cms import stories
from cms.cli import main
from cms.people import actor_for
from cms.search import SearchHit
from cms.store import Store
from cms.sync.desk_search import merge_hits
from cms.timeutil import utcnow


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _archive(path: str) -> dict[str, str]:
    """A desk copy with one old published story about a goat and one fresh one."""
    ids = {}
    with Store.open(path, create=True) as store, store.session() as session:
        actor = actor_for(session, "chief", store.replica_id)
        for key, headline, days in (("old", "Goat tests the border fence", 400),
                                    ("fresh", "Goat returns to the farm", 1)):
            ids[key] = stories.create(
                session, actor, headline=headline, body="A goat, the fence, the soldiers.",
                status="published", publish_at=utcnow() - timedelta(days=days),
            ).document.story_id
    return ids


def test_a_partial_laptop_from_the_command_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    central, desk, laptop = (str(tmp_path / f"{name}.db") for name in ("central", "desk", "kim"))
    assert _run(capsys, "central", "init", central)[0] == 0
    ids = _archive(desk)
    for store in (desk, laptop):
        assert _run(capsys, "--store", store, "init")[0] == 0
        assert _run(capsys, "--store", store, "config", "set", "central_url", central)[0] == 0
    assert _run(capsys, "--store", desk, "sync")[0] == 0

    code, out, _ = _run(capsys, "--store", laptop, "sync", "--window", "30")
    assert code == 0 and "this copy holds a 30-day window of the archive" in out
    assert "fetched 1 whole stories" in out
    code, out, _ = _run(capsys, "--store", laptop, "sync", "status", "--json")
    assert json.loads(out)["holding"] == {"full": False, "window_days": 30}

    code, out, _ = _run(capsys, "--store", laptop, "search", "goat")
    assert code == 0 and "Goat returns" in out and "border fence" not in out
    code, out, _ = _run(capsys, "--store", laptop, "search", "goat", "--central", "--json")
    placed = {row["id"]: row["where"] for row in json.loads(out)["results"]}
    assert placed == {ids["fresh"]: "on this laptop", ids["old"]: "on the desk"}
    code, out, _ = _run(capsys, "--store", laptop, "search", "goat", "--central")
    assert "on the desk" in out and "on this laptop" in out

    moved = tmp_path / "elsewhere.db"  # the laptop leaves the building
    Path(central).rename(moved)
    code, _, err = _run(capsys, "--store", laptop, "story", "show", ids["old"])
    assert code == 1 and "is not on this laptop — connect to fetch it" in err
    code, out, err = _run(capsys, "--store", laptop, "search", "goat", "--central")
    assert code == 0 and "did not answer" in err and "Goat returns" in out
    Path(moved).rename(central)

    code, out, _ = _run(capsys, "--store", laptop, "story", "show", ids["old"])
    assert code == 0 and "Goat tests the border fence" in out  # fetched on opening
    code, out, _ = _run(capsys, "--store", laptop, "story", "fetch", "no-such-story")
    assert code == 1
    code, out, _ = _run(capsys, "--store", laptop, "sync", "--full")
    assert code == 0 and "every story (a full copy)" in out


def test_story_fetch_prints_what_it_kept(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    central, desk, laptop = (str(tmp_path / f"{name}.db") for name in ("central", "desk", "kim"))
    _run(capsys, "central", "init", central)
    ids = _archive(desk)
    for store in (desk, laptop):
        _run(capsys, "--store", store, "init")
        _run(capsys, "--store", store, "config", "set", "central_url", central)
    _run(capsys, "--store", desk, "sync")
    _run(capsys, "--store", laptop, "sync", "--window", "7")
    code, out, _ = _run(capsys, "--store", laptop, "story", "fetch", "goat-tests")
    assert code == 0 and out.startswith("fetched goat-tests-the-border-fence")
    assert "it stays on this laptop" in out
    code, out, _ = _run(capsys, "--store", laptop, "story", "list", "--json")
    assert {row["id"] for row in json.loads(out)} == set(ids.values())


def _hit(story_id: str) -> SearchHit:
    return SearchHit(story_id, story_id, story_id.title(), "published", None, utcnow(), 1.0, "")


def test_merging_keeps_the_desk_ranking_and_places_unsent_work() -> None:
    merged = merge_hits([_hit("a"), _hit("b"), _hit("c")], [_hit("mine"), _hit("b")],
                        held={"b"}, limit=3)
    assert [(p.hit.story_id, p.where) for p in merged] == [
        ("mine", "on this laptop"), ("a", "on the desk"), ("b", "on this laptop")]
