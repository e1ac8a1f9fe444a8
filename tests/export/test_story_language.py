"""A story's own language in the exported site: its page, its ninjs, its feed entry."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from cms import stories
from cms.people import Actor
from cms.store import Store
from tests.export.bundle_check import ATOM, check_atom, parse_html
from tests.export.conftest import AS_OF, JCS_SLUG, RunExport

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def test_a_korean_story_is_exported_in_korean_and_the_others_in_the_desk_language(
        sample_store: Store, sample_actor: Actor, run_export: RunExport, tmp_path: Path) -> None:
    with sample_store.session() as session:
        saved = stories.create(
            session, sample_actor, headline="북한, 러시아에 병력 추가 파병 준비",
            body="합동참모본부는 23일 이같이 밝혔다.", slug="korean-story", language="ko",
            status="published", publish_at=AS_OF - timedelta(hours=1))
    out = tmp_path / "site"
    run_export(out)
    korean = parse_html((out / "stories" / "korean-story.html").read_bytes())
    assert korean.get("lang") == "ko"
    english = parse_html((out / "stories" / f"{JCS_SLUG}.html").read_bytes())
    assert english.get("lang") == "en"  # the sample desk's language
    ninjs = json.loads((out / "stories" / "korean-story.ninjs.json").read_text("utf-8"))
    assert ninjs["language"] == "ko"
    jcs_ninjs = json.loads((out / "stories" / f"{JCS_SLUG}.ninjs.json").read_text("utf-8"))
    assert jcs_ninjs["language"] == "en"
    feed = check_atom(out / "feed.atom")
    assert feed.get(XML_LANG) == "en"
    entries = {entry.findtext(f"{ATOM}id"): entry for entry in feed.iter(f"{ATOM}entry")}
    assert entries[f"urn:uuid:{saved.document.story_id}"].get(XML_LANG) == "ko"
    assert all(entry.get(XML_LANG) is None for key, entry in entries.items()
               if key != f"urn:uuid:{saved.document.story_id}")
    # JSON-LD and Open Graph say it too.
    page = (out / "stories" / "korean-story.html").read_text("utf-8")
    assert '"inLanguage":"ko"' in page and 'content="ko"' in page

    # Back to the desk's language: a quick re-export writes the page again.
    with sample_store.session() as session:
        stories.edit(session, sample_actor, saved.document.story_id, language="",
                     now=AS_OF - timedelta(minutes=30))
    run_export(out)
    assert parse_html((out / "stories" / "korean-story.html").read_bytes()).get("lang") == "en"
    assert json.loads((out / "stories" / "korean-story.ninjs.json").read_text("utf-8"))[
        "language"] == "en"
    assert all(entry.get(XML_LANG) is None
               for entry in check_atom(out / "feed.atom").iter(f"{ATOM}entry"))
