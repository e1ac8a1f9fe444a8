"""The importer's entry points (the work is done by :mod:`cms.importing`).

``import_tree`` imports a Hugo, Jekyll or Pelican site (``newsroom import DIR``,
File ▸ Import in the window); ``read_story_file`` reads one Markdown file with
the same conventions, for the sample newsroom.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from cms.errors import UsageError
from cms.frontmatter import parse_markdown_file
from cms.importing.entries import Source
from cms.importing.report import ImportReport
from cms.importing.run import READERS, ImportOptions, import_tree
from cms.importing.sites import Site, guess_generator
from cms.importing.walk import decode, read_bytes

__all__ = ["ImportOptions", "ImportReport", "ImportedStory", "import_tree", "read_story_file"]


@dataclass(frozen=True)
class ImportedStory:
    """A Markdown file's story fields, before they touch the store."""

    slug: str
    headline: str
    body: str
    standfirst: str
    byline: str
    dateline: str
    section: str | None
    tags: tuple[str, ...]
    status: str
    publish_at: datetime | None


def read_story_file(
    path: Path, root: Path, tz: ZoneInfo, warn: Callable[[str], None]
) -> ImportedStory:
    """One Markdown file's story by the conventions its header shows (no site config)."""
    parsed = parse_markdown_file(decode(read_bytes(path)))
    relative = path.relative_to(root).as_posix()
    site = Site("markdown", root, root, str(root), content_roots=[(root, "")])
    modified = datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(microsecond=0)
    entry = READERS[guess_generator(parsed.style, relative)](
        Source(site, relative, relative, "", parsed, tz, modified, warn))
    if entry.skipped:
        raise UsageError(entry.skipped)
    return ImportedStory(entry.slug, entry.headline, entry.body, entry.standfirst,
                         entry.byline, entry.dateline, entry.section, entry.tags,
                         entry.status, entry.publish_at)
