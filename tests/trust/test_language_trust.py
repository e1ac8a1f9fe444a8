"""A story's language on a secured central store: derived from the revision like every field."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
import pytest

from cms.document import StoryDocument, canonical_json, revision_id
from tests.trust.conftest import SecuredDesk, new_id
from tests.trust.test_sql_matrix import _attempt, _insert
from tests.trust.test_sync_trust import Laptop

pytestmark = pytest.mark.pg


def test_the_central_projects_a_story_language_no_update_can_rewrite(
        secured: SecuredDesk, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kim = Laptop(tmp_path / "kim.db", capsys)
    kim("init")
    kim("config", "set", "central_url", secured.url("reporter"))
    kim("sync")
    story = kim("story", "new", "--headline", "서울 소식", "--language", "ko").strip()
    kim("sync")
    with secured.connect("reporter") as conn:
        assert conn.execute("SELECT language FROM stories WHERE id = %s",
                            (story,)).fetchone() == ("ko",)
        # A plain UPDATE cannot make the row say something its revision does not.
        conn.execute("UPDATE stories SET language = 'fr' WHERE id = %s", (story,))
        conn.commit()
        assert conn.execute("SELECT language FROM stories WHERE id = %s",
                            (story,)).fetchone() == ("ko",)
    kim("story", "edit", story, "--language", "")
    kim("sync")
    with secured.connect("admin") as conn:
        assert conn.execute("SELECT language FROM stories WHERE id = %s",
                            (story,)).fetchone() == ("",)


def _forged(language: str) -> dict[str, Any]:
    """A reporter's raw revision of a new draft whose ``language`` is exactly ``language``."""
    base = StoryDocument(story_id=new_id(), slug=f"lang-{new_id()[:8]}",
                         headline="Shape").canonical()
    content = {**base, "language": language}
    return {"id": revision_id(content, []), "story_id": content["story_id"],
            "parents": json.dumps([]), "content": canonical_json(content)}


def _stored(secured: SecuredDesk, row: dict[str, Any]) -> tuple[Any, ...] | None:
    with secured.connect("admin") as conn:
        return conn.execute("SELECT content::jsonb->>'language' FROM revisions WHERE id = %s",
                            (row["id"],)).fetchone()


@pytest.mark.parametrize("language", ['"><script>alert(1)</script>', 'en" onload="x',
                                      " en ", "en\n", "x" * 80, "en-" + "a" * 40, "EN_gb",
                                      "en_GB", "", "\u017fv"])
def test_a_raw_insert_with_a_language_that_is_not_a_tag_is_refused(
        secured: SecuredDesk, language: str) -> None:
    row = _forged(language)
    assert not _attempt(secured, "reporter", partial(_insert, row=row))
    assert _stored(secured, row) is None


@pytest.mark.parametrize("language", ["ko", "en-GB", "zh-Hant-TW", "es-419", "de-CH-1996"])
def test_a_raw_insert_with_a_tag_in_the_core_form_is_taken(
        secured: SecuredDesk, language: str) -> None:
    row = _forged(language)
    assert _attempt(secured, "reporter", partial(_insert, row=row))
    assert _stored(secured, row) == (language,)


def test_a_central_secured_before_the_language_check_gets_it_from_init(
        secured: SecuredDesk, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with secured.connect(None) as owner:  # as the policies before the check left it
        owner.execute("CREATE OR REPLACE FUNCTION newsroom_document_problem(doc jsonb) "
                      "RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT NULL::text $$")
        owner.execute("UPDATE store_meta SET value = '1' WHERE key = 'policy_version'")
    Laptop(tmp_path / "owner.db", capsys)("central", "init", secured.owner_url)
    row = _forged('"><script>')
    with pytest.raises(psycopg.Error, match="an invalid language"), \
            secured.connect("reporter") as conn:
        _insert(conn, row)
    assert _stored(secured, row) is None
