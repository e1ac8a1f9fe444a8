"""A language the site states (front matter ``lang``, a translation) becomes the story's own.

Only what the site generator itself reads is a language; the site's default is no
language of the story's own (it follows the desk's).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cms import stories
from cms.importers import import_tree
from cms.importing import hugo, run
from cms.importing.report import ImportReport
from cms.people import actor_for
from cms.store import Store
from tests.importing.conftest import story
from tests.importing.sites import write


def _import(store: Store, root: Path) -> ImportReport:
    with store.session() as session:
        actor = actor_for(session, "tester", store.replica_id)
    report = import_tree(store, actor, root)
    assert report.failed == [], report.failed
    return report


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
    assert story(sqlite_store, "other").language == ""  # Jekyll reads no `language`


def test_pelican_lang_sets_the_story_language(sqlite_store: Store, site_dir: Path) -> None:
    write(site_dir / "pelicanconf.py", 'SITENAME = "Desk"\nDEFAULT_LANG = "en"\n')
    write(site_dir / "content/seoul.md", "Title: Seoul\nLang: ko\nDate: 2024-12-23\n\nText.\n")
    write(site_dir / "content/plain.md", "Title: Plain\nDate: 2024-12-23\n\nText.\n")
    _import(sqlite_store, site_dir)
    assert story(sqlite_store, "seoul-ko").language == "ko"
    assert story(sqlite_store, "plain").language == ""


def test_pelican_language_metadata_keeps_the_slug_and_old_url(sqlite_store: Store,
                                                              site_dir: Path) -> None:
    # Pelican knows only `Lang`; `Language: Python` is the article's own metadata.
    write(site_dir / "pelicanconf.py", 'SITENAME = "Desk"\nDEFAULT_LANG = "en"\n')
    write(site_dir / "content/sorting.md",
          "Title: Sorting in depth\nDate: 2024-12-23\nLanguage: Python\n\nText.\n")
    _import(sqlite_store, site_dir)
    sorting = story(sqlite_store, "sorting-in-depth")
    assert sorting.slug == "sorting-in-depth" and sorting.language == ""
    assert sorting.aliases == ("/sorting-in-depth.html",)


def test_hugo_language_front_matter_is_not_a_language(sqlite_store: Store,
                                                      site_dir: Path) -> None:
    write(site_dir / "hugo.toml", 'title = "Desk"\n')
    write(site_dir / "content/posts/generics.md",
          "---\ntitle: Generics\nlanguage: go\n---\nText.\n")
    _import(sqlite_store, site_dir)
    generics = story(sqlite_store, "generics")
    assert generics.slug == "generics" and generics.language == ""
    assert generics.aliases == ("/posts/generics/",)


def _hugo_content_dirs(site_dir: Path) -> None:
    write(site_dir / "hugo.toml", 'title = "Desk"\ndefaultContentLanguage = "en"\n'
          '[languages.en]\ncontentDir = "content/en"\nweight = 1\n'
          '[languages.ko]\ncontentDir = "content/ko"\nweight = 2\n')
    write(site_dir / "content/en/posts/plain.md", "---\ntitle: Plain\n---\nText.\n")
    write(site_dir / "content/ko/posts/seoul.md", "---\ntitle: Seoul\n---\nText.\n")


def test_the_default_language_content_folder_states_no_language(sqlite_store: Store,
                                                                site_dir: Path) -> None:
    _hugo_content_dirs(site_dir)
    _import(sqlite_store, site_dir)
    assert story(sqlite_store, "plain").language == ""
    assert story(sqlite_store, "seoul-ko").language == "ko"


def test_jekyll_defaults_naming_the_site_language_state_no_language(sqlite_store: Store,
                                                                    site_dir: Path) -> None:
    write(site_dir / "_config.yml",
          'title: Desk\nlang: en\ndefaults:\n  - scope: {path: ""}\n    values: {lang: en}\n')
    write(site_dir / "_posts/2024-12-24-plain.md", "---\ntitle: Plain\n---\nText.\n")
    write(site_dir / "_posts/2024-12-24-upper.md", "---\ntitle: Upper\nlang: EN\n---\nText.\n")
    write(site_dir / "_posts/2024-12-25-stated.md", "---\ntitle: Stated\nlang: ko\n---\nText.\n")
    _import(sqlite_store, site_dir)
    assert story(sqlite_store, "plain").language == ""
    assert story(sqlite_store, "upper").language == ""
    assert story(sqlite_store, "stated").language == "ko"


def test_reimporting_an_earlier_import_picks_up_only_stated_languages(
        sqlite_store: Store, site_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _hugo_content_dirs(site_dir)
    with monkeypatch.context() as earlier:  # as the importer before story languages left it
        earlier.setattr(run, "IMPORTER_VERSION", "2")
        earlier.setattr(hugo, "story_language", lambda stated, default: "")
        first = _import(sqlite_store, site_dir)
    assert len(first.created) == 2 and story(sqlite_store, "seoul-ko").language == ""
    plain = story(sqlite_store, "plain")
    again = _import(sqlite_store, site_dir)
    assert len(again.updated) == 1 and len(again.unchanged) == 1
    assert story(sqlite_store, "seoul-ko").language == "ko"
    assert story(sqlite_store, "plain") == plain
