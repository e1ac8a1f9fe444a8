"""The sync commands end to end: central init, sync, sync status, conflicts, resolve."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cms.cli import main


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_sync_conflict_and_resolve(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    central = str(tmp_path / "central.db")
    a, b = str(tmp_path / "a.db"), str(tmp_path / "b.db")
    code, out, _ = _run(capsys, "central", "init", central)
    assert code == 0 and "central store ready" in out
    for store in (a, b):
        assert _run(capsys, "--store", store, "init")[0] == 0
        assert _run(capsys, "--store", store, "config", "set", "central_url", central)[0] == 0
    code, out, _ = _run(capsys, "--store", a, "story", "new", "--headline", "Fence test")
    story = out.strip()
    body_a, body_b = tmp_path / "a.txt", tmp_path / "b.txt"
    body_a.write_text("Ana wrote this.\n\nShared end.")
    body_b.write_text("Bo wrote this.\n\nShared end.")
    assert _run(capsys, "--store", a, "sync")[0] == 0
    assert _run(capsys, "--store", b, "sync")[0] == 0
    _run(capsys, "--store", a, "story", "edit", story, "--body-file", str(body_a))
    _run(capsys, "--store", b, "story", "edit", story, "--body-file", str(body_b))
    code, out, _ = _run(capsys, "--store", a, "sync")
    assert code == 0 and "sent: 1 revisions" in out
    code, out, _ = _run(capsys, "--store", b, "sync")
    assert code == 0 and "conflicts: 1" in out and "fence-test: body" in out
    code, out, _ = _run(capsys, "--store", b, "conflicts")
    assert "local:   Bo wrote this." in out and "central: Ana wrote this." in out
    code, out, _ = _run(capsys, "--store", b, "conflicts", "--json")
    [conflict] = json.loads(out)
    assert conflict["fields"] == ["body"]
    assert conflict["local"]["body"] == "Bo wrote this.\n\nShared end."
    assert conflict["central"]["body"] == "Ana wrote this.\n\nShared end."
    assert conflict["base"]["body"] == ""
    code, out, _ = _run(capsys, "--store", b, "sync", "status", "--json")
    assert json.loads(out)["open_conflicts"] == [conflict["story"]]
    # An edited combination from a file (plain body text).
    combined = tmp_path / "combined.md"
    combined.write_text("Ana and Bo wrote this.\n\nShared end.")
    code, _, err = _run(capsys, "--store", b, "conflicts", "resolve", "nope", "--take", "local")
    assert code == 1 and "no open conflict" in err
    code, out, _ = _run(capsys, "--store", b, "conflicts", "resolve", "fence-test",
                        "--take", str(combined))
    assert code == 0 and "resolved" in out
    _run(capsys, "--store", b, "sync")
    _run(capsys, "--store", a, "sync")
    code, out, _ = _run(capsys, "--store", a, "story", "show", story, "--json")
    assert json.loads(out)["body"] == "Ana and Bo wrote this.\n\nShared end."
    code, out, _ = _run(capsys, "--store", a, "conflicts")
    assert out.strip() == "no open conflicts"
    code, out, _ = _run(capsys, "--store", a, "sync", "status")
    assert "0 revisions not sent yet" in out and "open conflicts: 0" in out


def test_cli_sync_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = str(tmp_path / "a.db")
    _run(capsys, "--store", a, "init")
    code, _, err = _run(capsys, "--store", a, "sync")
    assert code == 2 and "no central store configured" in err
    code, _, err = _run(capsys, "--store", a, "sync", "--central", str(tmp_path / "none.db"))
    assert code == 1 and "newsroom central init" in err
    plain = str(tmp_path / "plain.db")
    _run(capsys, "--store", plain, "init")
    code, _, err = _run(capsys, "--store", a, "sync", "--central", plain)
    assert code == 1 and "not a central one" in err
    code, _, err = _run(capsys, "--store", a, "sync", "--central",
                        "postgresql://nobody@127.0.0.1:1/none")
    assert code == 1 and "cannot reach" in err
    code, out, _ = _run(capsys, "--store", a, "sync", "status")
    assert "never synced" in out
    central = str(tmp_path / "central.db")
    _run(capsys, "central", "init", central)
    code, _, err = _run(capsys, "--store", central, "sync", "--central", central)
    assert code == 1 and "is this store itself" in err


def test_json_file_resolution_validates(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    from cms.document import StoryDocument
    from cms.errors import UsageError
    from cms.sync.conflicts import document_from_file

    proposal = StoryDocument(story_id="s", slug="s", headline="H", body="B")
    doc = document_from_file(json.dumps({"headline": "Chosen", "revision": "x"}), proposal)
    assert (doc.headline, doc.body, doc.story_id) == ("Chosen", "B", "s")
    with pytest.raises(UsageError, match="not valid JSON"):
        document_from_file("{broken", proposal)
    with pytest.raises(UsageError, match="bad field"):
        document_from_file(json.dumps({"publish_at": "yesterday"}), proposal)
