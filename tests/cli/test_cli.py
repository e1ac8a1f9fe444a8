"""The `newsroom` command line end to end, on a real SQLite file and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cms.cli import main

JCS = "north-korea-readies-more-troops-and-drones-for-russia"


class Runner:
    """Runs `newsroom --store STORE …` in-process and captures its output."""

    def __init__(self, store: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.store = store
        self.capsys = capsys

    def __call__(self, *args: str, code: int = 0) -> str:
        self.capsys.readouterr()
        status = main(["--store", self.store, *args])
        out, err = self.capsys.readouterr()
        assert status == code, f"exit {status}: {err}"
        self.err = err
        return out

    def json(self, *args: str) -> dict[str, Any]:
        """The command's JSON output, one object."""
        found = json.loads(self(*args))
        assert isinstance(found, dict), found
        return found

    def rows(self, *args: str) -> list[dict[str, Any]]:
        """The command's JSON output, a list of objects."""
        found = json.loads(self(*args))
        assert isinstance(found, list), found
        return found


@pytest.fixture
def newsroom(store_url: str, capsys: pytest.CaptureFixture[str]) -> Runner:
    run = Runner(store_url, capsys)
    run("init", "--demo")
    return run


def test_init_demo_then_show_json(newsroom: Runner) -> None:
    data = newsroom.json("story", "show", JCS, "--json")
    assert isinstance(data, dict)
    for key in ("id", "slug", "headline", "standfirst", "body", "byline", "section", "tags",
                "status", "publish_at", "embargo_until", "revision", "photos", "related"):
        assert key in data
    assert data["publish_at"] == "2024-12-23T15:20:00+09:00"
    assert [p["credit"] for p in data["photos"]] == ["JCS", "JCS"]
    assert set(data["photos"][0]) >= {"sha256", "caption", "credit", "alt"}
    assert len(data["related"]) == 5
    assert set(data["related"][0]) >= {"target", "label", "visible_from", "visible_until"}
    assert "already present" in newsroom("init", "--demo")


def test_story_list_filters_and_json(newsroom: Runner) -> None:
    rows = newsroom.rows("story", "list", "--json")
    assert isinstance(rows, list) and len(rows) == 6
    politics = newsroom.rows("story", "list", "--section", "politics", "--json")
    assert isinstance(politics, list) and len(politics) == 5
    assert len(newsroom.rows("story", "list", "--limit", "2", "--json")) == 2
    assert newsroom.rows("story", "list", "--status", "draft", "--json") == []
    assert "North Korea readies" in newsroom("story", "list")


def test_new_edit_history_diff_restore(newsroom: Runner, tmp_path: Path) -> None:
    body = tmp_path / "body.md"
    body.write_text("First paragraph.\n", encoding="utf-8")
    story_id = newsroom("story", "new", "--headline", "Storm hits coast", "--body-file",
                        str(body), "--section", "Local", "--tag", "weather").strip()
    assert len(story_id) == 36
    body.write_text("First paragraph.\n\nSecond paragraph.\n", encoding="utf-8")
    newsroom("story", "edit", "storm-hits-coast", "--body-file", str(body), "--headline",
             "Storm batters coast")
    history = newsroom.rows("story", "history", story_id, "--json")
    assert isinstance(history, list) and len(history) == 2
    assert history[0]["changed"] == ["headline", "body"]
    assert history[0]["author"] == "tester"
    old, new = history[1]["id"], history[0]["id"]
    diff = newsroom("story", "diff", story_id, old[:10], new[:10])
    assert "+Second paragraph." in diff and "Storm batters coast" in diff
    restored = newsroom("story", "restore", story_id, old[:10]).strip()
    shown = newsroom.json("story", "show", story_id, "--json")
    assert isinstance(shown, dict)
    assert shown["revision"] == restored and shown["headline"] == "Storm hits coast"
    assert "unchanged" in newsroom("story", "edit", story_id, "--headline", "Storm hits coast")


def test_search_ranks_and_highlights(newsroom: Runner) -> None:
    hits = newsroom.rows("search", "electrified fence", "--json")
    assert isinstance(hits, list) and hits[0]["slug"] == JCS
    assert "[electrified]" in hits[0]["snippet"] or "[fence]" in hits[0]["snippet"]
    assert newsroom("search", "zzzxqq") == "no matches\n"


def test_config_get_and_set(newsroom: Runner) -> None:
    assert newsroom("config", "get", "timezone").strip() == "Asia/Seoul"
    newsroom("config", "set", "timezone", "Europe/Berlin")
    assert newsroom("config", "get", "timezone").strip() == "Europe/Berlin"
    newsroom("config", "set", "timezone", "Mars/Base", code=2)
    assert "unknown time zone" in newsroom.err
    newsroom("config", "get", "no_such_key", code=2)
    newsroom("config", "set", "base_url", "javascript:alert(1)", code=2)


def test_import_command(newsroom: Runner, tmp_path: Path) -> None:
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "a.md").write_text("Title: Imported\nDate: 2024-12-01 10:00\n\nText\n")
    (folder / "bad.md").write_bytes(b"Title: \xff\xfe\n\nx")
    out = newsroom("import", str(folder), code=1)
    assert "imported 1 new" in out and "failed: bad.md" in newsroom.err
    assert "1 unchanged" in newsroom("import", str(folder), code=1)


def test_bad_input_gives_one_line_and_changes_nothing(newsroom: Runner, tmp_path: Path) -> None:
    before = newsroom("story", "list", "--json")
    newsroom("story", "show", "no-such-story", code=1)
    assert newsroom.err.startswith("newsroom: no story")
    newsroom("story", "new", "--headline", "   ", code=2)
    assert "headline is empty" in newsroom.err
    latin1 = tmp_path / "latin1.md"
    latin1.write_bytes("caf\xe9".encode("latin-1"))
    newsroom("story", "new", "--headline", "X", "--body-file", str(latin1), code=2)
    assert "not UTF-8" in newsroom.err
    newsroom("story", "new", "--headline", "X", "--body-file", str(tmp_path / "nope"), code=2)
    newsroom("story", "edit", "opposition", "--headline", "Ambiguous", code=1)
    assert "several stories" in newsroom.err
    assert newsroom.err.count("\n") == 1
    newsroom("story", "diff", JCS, "zzzz", "head", code=1)
    assert newsroom("story", "list", "--json") == before


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cms.cli", *args], capture_output=True, text=True,
        env={**os.environ, **(env or {})}, timeout=60,
    )


def test_exit_statuses_and_messages_as_a_real_process(tmp_path: Path) -> None:
    store = str(tmp_path / "s.db")
    assert _cli("--version").stdout.startswith("newsroom ")
    usage = _cli("story", "frobnicate")
    assert usage.returncode == 2 and "invalid choice" in usage.stderr
    missing = _cli("--store", store, "story", "list")
    assert missing.returncode == 1
    assert missing.stderr.strip().count("\n") == 0 and "newsroom init" in missing.stderr
    assert _cli("--store", store, "init").returncode == 0
    user = _cli("--store", store, "--user", "alice", "story", "new", "--headline", "By Alice")
    assert user.returncode == 0
    history = _cli("--store", store, "story", "history", user.stdout.strip(), "--json")
    assert json.loads(history.stdout)[0]["author"] == "alice"
    env_user = _cli("--store", store, "story", "new", "--headline", "By Bob",
                    env={"NEWSROOM_USER": "bob"})
    shown = json.loads(_cli("--store", store, "story", "show", env_user.stdout.strip(),
                            "--json").stdout)
    assert shown["created_by"] == "bob"
    bad_pg = _cli("--store", "postgresql://nobody@127.0.0.1:1/x", "story", "list")
    assert bad_pg.returncode == 1 and "Traceback" not in bad_pg.stderr
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"not a database at all" * 100)
    result = _cli("--store", str(corrupt), "story", "list")
    assert result.returncode == 1 and "not a Newsroom store" in result.stderr
    env_store = _cli("story", "list", "--json", env={"NEWSROOM_STORE": store})
    assert len(json.loads(env_store.stdout)) == 2
