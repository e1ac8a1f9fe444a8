"""A story's language on a secured central store: derived from the revision like every field."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.trust.conftest import SecuredDesk
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
