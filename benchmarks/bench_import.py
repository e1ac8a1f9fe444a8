"""Importing archives: 10,000 files of a site in each generator's conventions.

The three sites together hold 10,000 Markdown files: a Jekyll site (dated posts
with Liquid and front matter defaults), a Hugo site (page bundles in sections,
shortcodes, aliases) and a Pelican site (``Key: value`` headers, translations).
Figures: a first import into an empty store, a ``--dry-run`` of the same trees
(before the import), and importing them again (nothing changed, nothing written).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks.corpus import Corpus
from benchmarks.timing import timed
from cms.importers import ImportOptions, import_tree
from cms.people import actor_for
from cms.store import Store


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def write_sites(root: Path, count: int) -> list[Path]:
    """Three sites holding ``count`` Markdown files between them."""
    jekyll, hugo, pelican = root / "jekyll", root / "hugo", root / "pelican"
    _write(jekyll / "_config.yml", "url: https://j.example\nrepository: https://git.example/j\n"
           "permalink: /news/:year/:month/:day/:title/\ntimezone: Europe/Oslo\n"
           "defaults:\n- scope: {path: _posts}\n  values: {author: desk}\n")
    _write(hugo / "hugo.toml", 'baseURL = "https://h.example/"\ntimeZone = "Asia/Seoul"\n')
    _write(pelican / "pelicanconf.py", "SITEURL = 'https://p.example'\nPATH = 'content'\n"
           "ARTICLE_URL = '{date:%Y}/{slug}/'\n")
    for number, story in enumerate(Corpus(2024).stories(count)):
        when = story.published_at
        tags = " ".join(tag.replace(" ", "-") for tag in story.tags)
        if number % 3 == 0:
            _write(jekyll / "_posts" / f"{when:%Y-%m-%d}-{story.slug}.md", (
                f"---\ntitle: \"{story.headline}\"\ndate: {when:%Y-%m-%d %H:%M:%S} +0000\n"
                f"categories: [{story.section}]\ntags: {tags}\nexcerpt: {story.standfirst}\n---\n"
                f"{story.body}\n\nSource: {{{{ site.repository }}}}\n"))
        elif number % 3 == 1:
            _write(hugo / "content" / story.section / story.slug / "index.md", (
                f"---\ntitle: \"{story.headline}\"\ndate: {when:%Y-%m-%dT%H:%M:%S}Z\n"
                f"tags: [{', '.join(story.tags)}]\naliases: [/old/{story.slug}/]\n---\n"
                f"{story.body}\n\n{{{{< youtube id=\"v{number}\" >}}}}\n"))
        else:
            _write(pelican / "content" / story.section / f"{story.slug}.md", (
                f"Title: {story.headline}\nDate: {when:%Y-%m-%d %H:%M}\n"
                f"Tags: {', '.join(story.tags)}\nAuthors: {story.byline}\n"
                f"Summary: {story.standfirst}\n\n{story.body}\n"))
    return [jekyll, hugo, pelican]


def run(quick: bool) -> list[tuple[str, str, str]]:
    """Import, dry-run and re-import timings."""
    count = 2_000 if quick else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        sites = write_sites(Path(tmp) / "sites", count)
        store = Store.open(str(Path(tmp) / "import.db"), create=True)
        with store.session() as session:
            actor = actor_for(session, "bench", store.replica_id)

        def each(options: ImportOptions | None = None) -> None:
            for site in sites:
                report = import_tree(store, actor, site, options=options)
                assert not report.failed, report.failed[:3]

        dry = timed(lambda: each(ImportOptions(dry_run=True)))
        first = timed(each)
        again = timed(each)
        store.close()
    target = "< 15 s" if count == 10_000 else ""
    return [
        (f"import {count:,} files (3 sites)", f"{first:.1f} s", target),
        (f"import --dry-run {count:,} files", f"{dry:.1f} s",
         "< 5 s" if count == 10_000 else ""),
        (f"import again, {count:,} unchanged", f"{again:.1f} s", ""),
    ]
