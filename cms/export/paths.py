"""Paths inside a bundle: only safe, relative, forward-slash names, and links between them.

Every file the export writes goes through :func:`bundle_path`, so a slug, a tag
or a theme file name can never point outside the output folder, whatever the
store holds (a store can be replicated from elsewhere or edited by hand).
"""

from __future__ import annotations

import re
from pathlib import Path

from cms.errors import UsageError
from cms.slugs import distinct_slugs, is_slug

_SEGMENT = re.compile(r"^[a-z0-9][a-z0-9._-]{0,119}$")
_PATH = re.compile(r"[a-z0-9][a-z0-9._-]{0,119}(?:/[a-z0-9][a-z0-9._-]{0,119})*")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
STATE_FILE = ".newsroom-export.sqlite"
LEGACY_STATE_FILES = (".newsroom-export.json",)  # earlier exports: exported again in full
MANIFEST_FILE = "manifest.json"


def check_segment(segment: str) -> str:
    """One path segment: lower-case ASCII letters, digits, dot, dash, underscore; no dot-dots."""
    if not _SEGMENT.match(segment) or ".." in segment:
        raise UsageError(f"unsafe name in the bundle: {segment!r}")
    return segment


def bundle_path(*segments: str) -> str:
    """A relative path inside the bundle, built from checked segments."""
    parts: list[str] = []
    for segment in segments:
        parts.extend(check_segment(part) for part in segment.split("/"))
    return "/".join(parts)


def is_safe_slug(slug: str) -> bool:
    """True for a slug that can name a folder (the store's own slug rules)."""
    return bool(_SLUG.match(slug)) and len(slug) <= 120


def tag_slugs(tags: list[str]) -> dict[str, str]:
    """A folder name for each tag: never one for two tags, the same on every export
    (see :func:`cms.slugs.distinct_slugs`; ``マック`` is ``matku``, ``!!!`` is ``tag``)."""
    return distinct_slugs(tags, fallback="tag")


def is_story_slug(slug: str) -> bool:
    """True for a story slug that can name a page (the store's rules: dots and
    underscores inside are allowed, as source sites wrote them)."""
    return is_slug(slug)


def root_prefix(from_page: str) -> str:
    """What leads from the folder of ``from_page`` back to the bundle root (``../../``)."""
    return "../" * from_page.count("/")


def relative_url(from_page: str, to_path: str) -> str:
    """The relative link from the page at ``from_page`` to the bundle file ``to_path``.

    Both are bundle paths. Links go up to the root and down again
    (``../stories/x.html``): one string concatenation per link, and correct from
    any folder, any sub-path of a web server, and straight from disk.
    """
    return root_prefix(from_page) + to_path


def pretty_path(path: str) -> str:
    """The public form of a page path: the front page is the site's root URL."""
    return "" if path == "index.html" else path


def inside(root: Path, relative: str) -> Path:
    """``root / relative`` for a checked bundle path (no ``..``, no absolute, no hidden names).

    The output and staging folders are made by the export itself, so checking
    the name is enough; no per-file ``resolve()`` on the hot path.
    """
    return root.joinpath(*bundle_path(relative).split("/"))


def is_bundle_path(relative: str) -> bool:
    """True for a path :func:`inside` accepts (one match, no exception: for whole lists)."""
    return _PATH.fullmatch(relative) is not None and ".." not in relative


def inside_str(root: str, relative: str) -> str:
    """:func:`inside` as a string: one check of the whole path (the same rules as
    :func:`check_segment` on each segment), for loops over every file."""
    if not is_bundle_path(relative):
        bundle_path(relative)  # raises, naming the bad segment
        raise UsageError(f"unsafe path in the bundle: {relative!r}")
    return root + "/" + relative
