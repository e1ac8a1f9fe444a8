"""A story beyond the renderer's bounds: the export shows the excess as text and says so."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from cms import stories
from cms.cli import main
from cms.people import actor_for
from cms.store import Store
from tests.export.bundle_check import check_manifest, parse_html
from tests.export.conftest import JCS_SLUG
from tests.render.hostile import nested_lists

AS_OF = "2024-12-30 12:00"  # desk time (Asia/Seoul)


def test_the_export_names_the_story_and_shows_the_text(
    sample_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile = nested_lists(40_000)
    with sample_store.session() as session:
        actor = actor_for(session, "tester", sample_store.replica_id)
        doc, _ = stories.get(session, JCS_SLUG)
        stories.edit(session, actor, JCS_SLUG, now=datetime(2024, 12, 20, tzinfo=UTC),
                     body=doc.body + "\n\nLists *nested* too deep:\n\n" + hostile)
    out = tmp_path / "site"
    code = main(["--store", str(sample_store.url.database), "export", "--quiet", "--out",
                 str(out), "--as-of", AS_OF, "--no-cache"])
    assert code == 0
    err = capsys.readouterr().err.splitlines()
    assert err == [f"skipped: {JCS_SLUG}: part of the body shown as plain text: lists or quotes "
                   "nested deeper than 16 levels"]
    page = (out / "stories" / f"{JCS_SLUG}.html").read_bytes()
    tree = parse_html(page)  # strict: the page is well-formed
    warnings = tree.findall(".//div[@class='render-warning']")
    assert len(warnings) == 1
    text = "".join(tree.itertext())
    assert "level 0" in text and "level 100" in text
    assert tree.find(".//em") is not None  # the story's Markdown before it still renders
    others = [p for p in (out / "stories").glob("*.html") if p.name != f"{JCS_SLUG}.html"]
    assert others and all(b"render-warning" not in p.read_bytes() for p in others)
    check_manifest(out)
