"""Search on a secured central store: every person's login may run every kind of query,
phrases too (they use the word-pair index and its function, migration 0007)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.trust.conftest import SecuredDesk
from tests.trust.test_sync_trust import Laptop, _joined


@pytest.fixture
def laptop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Callable[[str], Laptop]:
    return lambda name: Laptop(tmp_path / f"{name}.db", capsys)


def test_a_reporter_searches_the_secured_desk_for_words_and_phrases(
        secured: SecuredDesk, laptop: Callable[[str], Laptop], tmp_path: Path) -> None:
    park = _joined(laptop, secured, "desk_chief")
    body = tmp_path / "body.md"
    body.write_text("The council voted for the new tram line.\n")
    story = park("story", "new", "--headline", "Tram", "--body-file", str(body)).strip()
    park("story", "transition", story, "published", "--override")
    park("sync")
    kim = _joined(laptop, secured, "reporter")
    for query in ("tram", '"tram line"', '"new tram"'):
        found = json.loads(kim("search", query, "--central", "--json"))
        assert [row["id"] for row in found["results"]] == [story], query
    assert json.loads(kim("search", '"line tram"', "--central", "--json"))["results"] == []
