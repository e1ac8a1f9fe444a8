"""``newsroom photo …`` end to end on a real SQLite store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cms.cli import main
from tests.photos.imaging import agency_jpeg, encode, picture


@pytest.fixture
def cli_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    url = str(tmp_path / "cli.db")
    assert main(["--store", url, "init"]) == 0
    assert main(["--store", url, "story", "new", "--headline", "Fence test"]) == 0
    capsys.readouterr()
    return url


def _run(url: str, *args: str) -> int:
    return main(["--store", url, *args])


def test_add_list_edit_move_remove(
    cli_store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    goat = tmp_path / "goat.jpg"
    goat.write_bytes(agency_jpeg(serial="SERIAL-42", gps=(38.0, 127.0)))
    chart = tmp_path / "chart.png"
    chart.write_bytes(encode(picture((200, 100)), "PNG"))
    assert _run(cli_store, "photo", "add", "fence-test", str(goat), "--lead") == 0
    out = capsys.readouterr()
    sha = out.out.split()[0]
    assert len(sha) == 64 and "goat.jpg" in out.out
    assert "caption, credit, alt taken from the file's metadata" in out.err
    assert _run(cli_store, "photo", "add", "fence-test", str(chart), "--caption", "Chart") == 0
    assert "chart.png: no alt text and no credit yet" in capsys.readouterr().err
    assert _run(cli_store, "photo", "list", "fence-test", "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["role"], r["caption"], r["credit"]) for r in rows] == [
        ("lead", "Soldiers test the fence with a goat.", "JCS"), ("inline", "Chart", "")]
    assert "SERIAL-42" not in json.dumps(rows) and "gps" not in json.dumps(rows)
    assert _run(cli_store, "photo", "check", "fence-test") == 1
    assert capsys.readouterr().out.count("has no") == 2
    assert _run(cli_store, "photo", "edit", "fence-test", "2", "--alt", "A bar chart",
                "--credit", "Newsroom graphics") == 0
    assert _run(cli_store, "photo", "check", "fence-test") == 0
    assert _run(cli_store, "photo", "move", "fence-test", "2", "1") == 0
    capsys.readouterr()
    assert _run(cli_store, "photo", "list", "fence-test") == 0
    listing = capsys.readouterr().out
    assert listing.index("Chart") < listing.index("Soldiers")
    assert _run(cli_store, "photo", "remove", "fence-test", sha[:12]) == 0
    capsys.readouterr()
    assert _run(cli_store, "story", "show", "fence-test", "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert [p["caption"] for p in shown["photos"]] == ["Chart"]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "zero.jpg", "zero.jpg: the file is empty"),
        (b"just some words\n", "words.jpg", "words.jpg: a text file"),
        (None, "missing.jpg", "missing.jpg: no such file"),
        (b"x", "ctrl\x1b.jpg", "ctrl\\x1b.jpg: the file name contains control characters"),
        (b"x", "back\\slash.jpg", "back\\slash.jpg: the file name contains a path separator"),
    ],
)
def test_bad_files_give_one_line_and_change_nothing(
    cli_store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    content: bytes | None, name: str, message: str,
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    good = tmp_path / "good.png"
    good.write_bytes(encode(picture(), "PNG"))
    # One bad file among several attaches nothing.
    assert _run(cli_store, "photo", "add", "fence-test", str(good), str(path)) == 2
    err = capsys.readouterr().err
    assert err == f"newsroom: error: {message}" + err[len("newsroom: error: ") + len(message):]
    assert err.count("\n") == 1
    assert _run(cli_store, "story", "history", "fence-test", "--json") == 0
    assert len(json.loads(capsys.readouterr().out)) == 1


def test_bad_metadata_needs_the_flag(
    cli_store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "odd.jpg"
    path.write_bytes(encode(picture(), "JPEG", xmp=b"<x:xmpmeta><unclosed>"))
    assert _run(cli_store, "photo", "add", "fence-test", str(path)) == 2
    err = capsys.readouterr().err
    assert "odd.jpg: the XMP packet cannot be read" in err
    assert err.rstrip().endswith("(--ignore-bad-metadata)")
    assert _run(cli_store, "photo", "add", "fence-test", str(path),
                "--ignore-bad-metadata", "--alt", "x", "--credit", "y") == 0


def test_usage_errors(cli_store: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(cli_store, "photo", "edit", "fence-test", "1") == 2
    assert "nothing to change" in capsys.readouterr().err
    assert _run(cli_store, "photo", "remove", "fence-test", "abcdef") == 1
    assert "no photo abcdef on this story" in capsys.readouterr().err
    assert _run(cli_store, "photo", "list", "no-such-story") == 1


def test_prune_is_for_admins(cli_store: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(cli_store, "photo", "prune", "--dry-run") == 0
    assert "would delete 0 unused photos" in capsys.readouterr().err
    assert _run(cli_store, "--user", "someone-else", "photo", "prune") == 1
    assert "only an admin may prune" in capsys.readouterr().err
