"""Front matter ``lang`` / ``language`` becomes the imported story's own language."""

from __future__ import annotations

from pathlib import Path

from cms import stories
from cms.importers import import_tree
from cms.people import actor_for
from cms.store import Store
from tests.importing.conftest import story
from tests.importing.sites import write


def _import(store: Store, root: Path) -> None:
    with store.session() as session:
        actor = actor_for(session, "tester", store.replica_id)
    report = import_tree(store, actor, root)
    assert report.failed == [], report.failed


def test_hugo_lang_and_translations_set_the_story_language(sqlite_store: Store,
                                                           site_dir: Path) -> None:
    write(site_dir / "hugo.toml", 'title = "Desk"\ndefaultContentLanguage = "en"\n'
          '[languages.en]\nweight = 1\n[languages.ko]\nweight = 2\n')
    write(site_dir / "content/posts/plain.md", "---\ntitle: Plain\n---\nText.\n")
    write(site_dir / "content/posts/stated.md", "---\ntitle: Stated\nlang: en-GB\n---\nText.\n")
    write(site_dir / "content/posts/seoul.ko.md", "---\ntitle: 서울\n---\n본문.\n")
    write(site_dir / "content/posts/bad.md", "---\ntitle: Bad\nlang: not a tag\n---\nText.\n")
    _import(sqlite_store, site_dir)
    assert story(sqlite_store, "plain").language == ""  # only assumed: the desk's
    assert story(sqlite_store, "stated").language == "en-GB"
    assert story(sqlite_store, "seoul-ko").language == "ko"
    with sqlite_store.reading() as session:
        bad = [row for row in stories.list_stories(session) if row.headline == "Bad"]
    assert len(bad) == 1  # imported all the same
    assert story(sqlite_store, bad[0].id).language == ""  # malformed: the desk's


def test_jekyll_lang_sets_the_story_language(sqlite_store: Store, site_dir: Path) -> None:
    write(site_dir / "_config.yml", "title: Desk\n")
    write(site_dir / "_posts/2024-12-23-seoul.md", "---\ntitle: 서울\nlang: ko\n---\n본문.\n")
    write(site_dir / "_posts/2024-12-24-plain.md", "---\ntitle: Plain\n---\nText.\n")
    write(site_dir / "_posts/2024-12-25-other.md",
          "---\ntitle: Other\nlanguage: fr\n---\nTexte.\n")
    _import(sqlite_store, site_dir)
    assert story(sqlite_store, "seoul").language == "ko"
    assert story(sqlite_store, "plain").language == ""
    assert story(sqlite_store, "other").language == "fr"


def test_pelican_lang_sets_the_story_language(sqlite_store: Store, site_dir: Path) -> None:
    write(site_dir / "pelicanconf.py", 'SITENAME = "Desk"\nDEFAULT_LANG = "en"\n')
    write(site_dir / "content/seoul.md", "Title: Seoul\nLang: ko\nDate: 2024-12-23\n\nText.\n")
    write(site_dir / "content/plain.md", "Title: Plain\nDate: 2024-12-23\n\nText.\n")
    _import(sqlite_store, site_dir)
    assert story(sqlite_store, "seoul-ko").language == "ko"
    assert story(sqlite_store, "plain").language == ""
