"""A story's old URLs (aliases): checked like slugs, and kept when a public story moves.

An alias is a site-relative path a story was once reached at (``/2012/10/31/old-post/``,
``/posts/x.html``): an imported site's URLs, or the story's own page before its slug
changed. The export writes a redirect page for each (see :mod:`cms.export.redirects`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from cms.document import StoryDocument
from cms.errors import UsageError
from cms.visibility import PUBLIC_STATUSES

MAX_ALIAS = 300
MAX_ALIASES = 50
# Printable ASCII without white space, quotes, angle brackets or a backslash: what a
# path of a URL holds once percent-encoded. No "?" or "#": a page is found by its path.
_ALIAS_RE = re.compile(r"^/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$")


def story_page(slug: str) -> str:
    """The bundle path of a story's page (the export's :meth:`Site.story_path`)."""
    return f"stories/{slug}.html"


def check_alias(alias: str) -> str:
    """One alias: site-relative, no ``..`` segment, no scheme or host, no control characters."""
    shown = alias[:60].encode("unicode_escape").decode("ascii")
    if len(alias) > MAX_ALIAS:
        raise UsageError(f"the old URL {shown!r}… is longer than {MAX_ALIAS} characters")
    if not _ALIAS_RE.match(alias) or alias.startswith("//"):
        raise UsageError(
            f"invalid old URL {shown!r}: give a path on the site, such as /2012/10/31/old-post/"
        )
    if any(part in (".", "..") for part in alias.split("/")):
        raise UsageError(f"invalid old URL {shown!r}: no . or .. in the path")
    return alias


def check_aliases(aliases: Iterable[str]) -> tuple[str, ...]:
    """A story's aliases, each checked, without duplicates, at most :data:`MAX_ALIASES`."""
    unique = tuple(dict.fromkeys(check_alias(alias) for alias in aliases))
    if len(unique) > MAX_ALIASES:
        raise UsageError(f"a story keeps at most {MAX_ALIASES} old URLs ({len(unique)} given)")
    return unique


def carry_aliases(before: StoryDocument | None, after: StoryDocument) -> StoryDocument:
    """``after``, keeping the page of a public story whose slug changes as an alias
    (its old links then lead to the new page); a story's own page is never its alias."""
    aliases = list(after.aliases)
    if (before is not None and before.slug != after.slug
            and before.status in PUBLIC_STATUSES and not before.deleted):
        aliases.append("/" + story_page(before.slug))
    own = "/" + story_page(after.slug)
    kept = tuple(sorted({alias for alias in aliases if alias != own}))  # canonical order
    return after if kept == after.aliases else after.evolve(aliases=kept)
