"""Migration 0009 on a secured central store that already holds rows: in place, still synced."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from cms.store import Store, _alembic_config, parse_store_url
from tests.trust.conftest import SecuredDesk
from tests.trust.test_sync_trust import Laptop, MakeLaptop, _joined

pytestmark = pytest.mark.pg

OLD_ADDRESSED = '["kim", "José"]'  # as the earlier code wrote it (ensure_ascii=False)


@pytest.fixture
def laptop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> MakeLaptop:
    def make(name: str) -> Laptop:
        return Laptop(tmp_path / f"{name}.db", capsys)
    return make


def _owner_migrates(desk: SecuredDesk, target: str, *, down: bool = False) -> None:
    engine = sa.create_engine(parse_store_url(desk.owner_url))
    with engine.begin() as connection:
        config = _alembic_config()
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, target)
    engine.dispose()


def test_0009_upgrades_a_secured_central_with_rows_and_it_still_syncs_notes(
        secured: SecuredDesk, laptop: MakeLaptop, tmp_path: Path) -> None:
    lee = _joined(laptop, secured, "editor")
    kim = _joined(laptop, secured, "reporter")
    # The central as the earlier Newsroom left it: 0008, a note projected as JSON text.
    _owner_migrates(secured, "0008", down=True)
    with secured.connect(None) as owner:
        owner.execute(
            "INSERT INTO notes (id, story_id, reply_to, author, text, quote, paragraph, "
            "addressed, created_at, hlc, resolved, resolved_by, resolved_at, state_hlc) "
            "VALUES (%s, %s, NULL, 'lee', 'Old note', '', NULL, %s, now(), '1', false, "
            "NULL, NULL, '1')", ("a" * 64, "00000000-0000-4000-8000-000000000001",
                                 OLD_ADDRESSED))
    Store.open(secured.owner_url).close()  # what the owner's `central init` does first
    with secured.connect("reporter") as conn:
        kind = conn.execute(
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_name = 'notes' AND column_name = 'addressed'").fetchone()
        kept = conn.execute("SELECT addressed::text FROM notes").fetchone()
    assert kind == ("json",)
    assert kept == (OLD_ADDRESSED,)  # every client login still reads it, as written
    body = tmp_path / "body.md"
    body.write_text("The council met.\n")
    story = lee("story", "new", "--headline", "Tram", "--body-file", str(body)).strip()
    lee("note", "add", story, "--text", "Cost?", "--to", "kim")
    lee("sync")
    kim("sync")
    notes = kim.rows("note", "list", story, "--json")
    assert [(note["text"], note["to"]) for note in notes] == [("Cost?", ["kim"])]
    report = kim.json("sync", "status", "--json")["centrals"][0]["last_report"]
    assert report["pulled_events"] >= 1
