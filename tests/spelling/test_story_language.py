"""A story's own language from the command line: set, shown, and the spellcheck follows it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.spelling.test_cli_and_sync import run


def _words(capsys: pytest.CaptureFixture[str], store: str, story: str, code: int) -> set[str]:
    found = json.loads(run(capsys, store, "spell", "check", story, "--json",
                           "--no-suggestions", code=code))
    return {f["word"] for f in found}


def test_stories_carry_a_language_and_are_checked_in_it(
        store_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    run(capsys, store_url, "init")
    korean = run(capsys, store_url, "story", "new", "--headline", "북한 병력 추가 파병",
                 "--language", "ko").strip()
    shown = json.loads(run(capsys, store_url, "story", "show", korean, "--json"))
    assert shown["language"] == "ko"
    assert "language:      ko" in run(capsys, store_url, "story", "show", korean)

    # Korean has no shipped dictionary: Hangul is left alone, Latin words are checked in
    # English (the documented rule), so only "teh" is flagged.
    body = "합동참모본부는 23일 이같이 밝혔다.\n\nThe JCS said teh troops moved.\n"
    path = str(tmp_path / "body.md")
    Path(path).write_text(body, encoding="utf-8")
    run(capsys, store_url, "story", "edit", korean, "--body-file", path)
    assert _words(capsys, store_url, korean, code=1) == {"teh"}
    out = run(capsys, store_url, "spell", "check", korean, code=1)
    assert "(ko (no dictionary: English words only))" in out

    # The same words in an English story: the misspelling is flagged, checked with en_US;
    # Hangul in an English story is still not the English dictionary's to judge.
    english = run(capsys, store_url, "story", "new", "--headline", "Troops",
                  "--language", "en-US", "--body-file", path).strip()
    assert _words(capsys, store_url, english, code=1) == {"teh"}
    assert "(en_US)" in run(capsys, store_url, "spell", "check", english, code=1)

    # A desk in Korean: a story without a language of its own follows the desk, an English
    # story stays English.
    run(capsys, store_url, "config", "set", "language", "ko")
    plain = run(capsys, store_url, "story", "new", "--headline", "서울").strip()
    assert json.loads(run(capsys, store_url, "story", "show", plain, "--json"))["language"] == ""
    assert "(ko (no dictionary" in run(capsys, store_url, "spell", "check", plain)
    assert "(en_US)" in run(capsys, store_url, "spell", "check", english, code=1)

    # Changing it, clearing it, and a malformed tag: one clear line, nothing changed.
    run(capsys, store_url, "story", "edit", english, "--language", "EN-gb")
    assert json.loads(run(capsys, store_url, "story", "show", english, "--json"))[
        "language"] == "en-GB"
    before = run(capsys, store_url, "story", "show", english, "--json")
    out = run(capsys, store_url, "story", "edit", english, "--language", "english", code=2)
    assert "invalid language 'english'" in out and "en-GB or ko" in out
    out = run(capsys, store_url, "story", "new", "--headline", "X", "--language", "en GB",
              code=2)
    assert "invalid language 'en GB'" in out
    assert run(capsys, store_url, "story", "show", english, "--json") == before
    run(capsys, store_url, "story", "edit", english, "--language", "")
    assert json.loads(run(capsys, store_url, "story", "show", english, "--json"))[
        "language"] == ""
