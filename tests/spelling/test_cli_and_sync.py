"""Spelling from the command line, and the desk dictionary travelling by sync."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cms.cli import main
from cms.config import get_setting
from cms.spelling_words import add_desk_word, checker_for, desk_words
from tests.sync.helpers import Replica, make_central

JCS = "north-korea-readies-more-troops-and-drones-for-russia"


def run(capsys: pytest.CaptureFixture[str], store: str, *args: str, code: int = 0) -> str:
    capsys.readouterr()
    status = main(["--store", store, *args])
    out, err = capsys.readouterr()
    assert status == code, f"exit {status}: {err}"
    return out + err


def test_spell_check_and_dictionary_commands(store_url: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, store_url, "init", "--demo")
    # The sample desk knows its names: only the British spellings are flagged (en_US).
    words = {f["word"] for f in json.loads(run(capsys, store_url, "spell", "check", JCS,
                                               "--json", "--no-suggestions", code=1))}
    assert words == {"modernise", "defence"}
    sample = json.loads(run(capsys, store_url, "dictionary", "list", "--json"))["desk"]
    assert "Han Duck-soo" in sample and "Kim Jong Un" in sample
    for name in sample:
        run(capsys, store_url, "dictionary", "remove", "--desk", name)
    out = run(capsys, store_url, "spell", "check", JCS, code=1)
    assert "standfirst:1:170: Jong → " in out
    assert "body:27:5: Duck-soo" in out
    findings = json.loads(run(capsys, store_url, "spell", "check", JCS, "--json",
                              "--no-suggestions", code=1))
    assert {"field": "body", "line": 27, "column": 5, "word": "Duck-soo",
            "suggestions": []} in findings

    run(capsys, store_url, "dictionary", "add", "--desk", "Han Duck-soo")
    run(capsys, store_url, "dictionary", "add", "--desk", "Kim Jong Un")
    run(capsys, store_url, "dictionary", "add", "Brunson")
    listed = json.loads(run(capsys, store_url, "dictionary", "list", "--json"))
    assert listed == {"desk": ["Han Duck-soo", "Kim Jong Un"], "personal": ["Brunson"]}
    words = {f["word"] for f in json.loads(run(capsys, store_url, "spell", "check", JCS,
                                               "--json", "--no-suggestions", code=1))}
    assert words == {"modernise", "defence"}  # British spellings, checked in en_US

    out = run(capsys, store_url, "dictionary", "add", "--desk", "a, b", code=2)
    assert "without commas" in out
    out = run(capsys, store_url, "dictionary", "remove", "Nobody", code=2)
    assert "not in your dictionary" in out
    run(capsys, store_url, "dictionary", "remove", "--desk", "Kim Jong Un")
    assert "Jong" in run(capsys, store_url, "spell", "check", JCS, code=1)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def test_desk_dictionary_syncs_between_stores(backend: str, tmp_path: Path,
                                              request: pytest.FixtureRequest) -> None:
    location = str(tmp_path / "central.db") if backend == "sqlite" \
        else request.getfixturevalue("pg_url")
    central = make_central(location)
    chief, laptop = (Replica(tmp_path / "chief.db", central, name="chief"),
                     Replica(tmp_path / "laptop.db", central, name="ed"))
    try:
        with chief.store.session() as session:
            add_desk_word(session, chief.actor, "Yoon Suk Yeol")
            add_desk_word(session, chief.actor, "Han Duck-soo")
        chief.sync()
        laptop.sync()
        with laptop.store.reading() as session:
            assert desk_words(session) == ["Han Duck-soo", "Yoon Suk Yeol"]
            checker = checker_for(session, tmp_path / "none.txt")
        assert checker.misspelled("Yoon Suk Yeol named Han Duck-soo prime ministerr") \
            and [w.text for w in checker.misspelled("Han Duck-soo ministerr")] == ["ministerr"]
        with chief.store.session() as session:
            add_desk_word(session, chief.actor, "JCS")
        chief.sync()
        laptop.sync()
        with laptop.store.reading() as session:
            assert get_setting(session, "desk_dictionary") == "Han Duck-soo, JCS, Yoon Suk Yeol"
    finally:
        chief.close()
        laptop.close()
