"""URL slugs: derived from headlines, safe as file and path names, unique per store."""

from __future__ import annotations

import re
import unicodedata

from cms.errors import UsageError

MAX_SLUG = 80
_SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def slugify(text: str, *, max_length: int = MAX_SLUG) -> str:
    """``"North Korea's fence: a test"`` → ``"north-koreas-fence-a-test"`` (ASCII only).

    Letters without an ASCII form are dropped; a headline with none at all
    gives ``"story"`` so there is always something to link to.
    """
    ascii_text = (
        unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    )
    ascii_text = re.sub(r"['’`]", "", ascii_text)
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    return slug.strip("-") or "story"


def validate_slug(slug: str) -> str:
    """A slug someone typed: lower-case ASCII letters, digits and single hyphens."""
    if not _SLUG_RE.match(slug) or len(slug) > MAX_SLUG:
        raise UsageError(
            f"invalid slug {slug!r}: use lower-case letters, digits and hyphens "
            f"(at most {MAX_SLUG} characters), e.g. north-korea-drones"
        )
    return slug
