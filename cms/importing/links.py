"""Links between the files of a site, made into links between their stories.

Converting template code leaves a placeholder for each link to another file of
the site (``{% link _docs/x.md %}``, ``{% post_url 2016-01-01-x %}``,
``{{< ref "/blog/x.md" >}}``, ``[x]({filename}/x.md)``). Once every file has its
story and slug, each becomes a link to that story's page (story pages sit side by
side, so ``slug.html`` works from any of them). A target that is not among the
imported stories keeps its path and is noted for the editor.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from pathlib import PurePosixPath

from cms.importing.templates import resolve_links


class SiteFiles:
    """Every file's story slug, found by the ways each generator names files."""

    def __init__(self) -> None:
        self.by_path: dict[str, str] = {}  # site-relative path → slug
        self.by_content_path: dict[str, str] = {}  # path in its content folder → slug
        self.by_post: dict[str, str] = {}  # Jekyll post name (no suffix) → slug
        self._lowered: dict[str, str] | None = None

    def add(self, relative: str, content_relative: str, slug: str) -> None:
        """Know the story of one file."""
        self.by_path[relative] = slug
        self._lowered = None
        self.by_content_path.setdefault(content_relative, slug)
        path = PurePosixPath(relative)
        if "_posts" in path.parts:
            self.by_post.setdefault(path.stem, slug)
            inner = path.parts[path.parts.index("_posts") + 1:]
            self.by_post.setdefault(str(PurePosixPath(*inner).with_suffix("")), slug)

    def _content(self, base: str, target: str) -> str | None:
        """A Hugo ``ref`` or Pelican ``{filename}`` target, from the file at ``base``."""
        candidates = []
        clean = target.strip()
        if clean.startswith("/"):
            candidates.append(clean.lstrip("/"))
        else:
            candidates.append(posixpath.normpath(posixpath.join(posixpath.dirname(base),
                                                                clean)))
            candidates.append(clean)
        for candidate in candidates:
            for form in (candidate, candidate + ".md", candidate.rstrip("/") + "/index.md",
                         candidate.rstrip("/") + "/_index.md"):
                if form in self.by_content_path:
                    return self.by_content_path[form]
                if self._lowered is None:  # Hugo finds pages whatever the case
                    self._lowered = {k.lower(): v for k, v in self.by_content_path.items()}
                if form.lower() in self._lowered:
                    return self._lowered[form.lower()]
        return None

    def slug_for(self, payload: str) -> tuple[str | None, str]:
        """``(slug or None, the target as written)`` for a placeholder's payload."""
        kind, _, rest = payload.partition("|")
        base, _, target = rest.partition("|")
        if kind == "link":
            return self.by_path.get(target.lstrip("/")), target
        if kind == "post_url":
            return self.by_post.get(target.strip("/")), target
        if kind in ("ref", "filename"):
            return self._content(base, target), target
        return None, target


def link_bodies(body: str, files: SiteFiles, note: Callable[[str], None]) -> str:
    """``body`` with its link placeholders made into story links (see the module docstring)."""

    def url_of(payload: str) -> str:
        target_payload, _, anchor = payload.partition("#")
        slug, written = files.slug_for(target_payload)
        suffix = f"#{anchor}" if anchor else ""
        if slug is None:
            note(f"a link to {written}, which is not among the imported stories")
            return written + suffix
        return f"{slug}.html{suffix}"

    return resolve_links(body, url_of)
