"""URL slugs: derived from headlines in any script, safe as file and path names.

Slugs stay ASCII (``a-z``, ``0-9``, ``-``, and ``.``/``_`` when someone typed
them): they name files in the exported bundle, so they must mean the same file
on every file system (macOS stores names decomposed, Windows ignores case) and
need no percent-encoding in a link someone pastes into a chat. Text in other
scripts is transliterated with ``anyascii`` (ISC licence, a table per Unicode
block, no runtime dependencies): a Korean headline gets its romanisation
(``서울 시장`` → ``seoul-sijang``), Cyrillic and Greek their Latin spelling,
and each Chinese or Japanese ideograph a syllable of its own
(``東京の選挙`` → ``dong-jing-no-xuan-ju``), so headlines in those scripts get
distinct, readable URLs instead of ``story``, ``story-2``…
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from anyascii import anyascii

from cms.errors import UsageError

MAX_SLUG = 100  # a slug someone typed; made ones are cut at MAX_MADE_SLUG
MAX_MADE_SLUG = 80
_SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9._-]{0,98}[a-z0-9])?$")
_IDEOGRAPH_RANGES = (
    (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F),
)


def _ideograph(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _IDEOGRAPH_RANGES)


def transliterate(text: str) -> str:
    """``text`` in ASCII letters: every script romanised, ideographs a word each."""
    if text.isascii():
        return text
    parts: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        if char.isascii():
            parts.append(char)
        elif _ideograph(char):
            # Chinese and Japanese write no spaces: one syllable per ideograph reads
            # better than a 40-letter run.
            parts.append(f" {anyascii(char)} ")
        else:
            parts.append(anyascii(char))
    return "".join(parts)


def slugify(text: str, *, max_length: int = MAX_MADE_SLUG, fallback: str = "story") -> str:
    """``"North Korea's fence: a test"`` → ``"north-koreas-fence-a-test"``.

    Any script is transliterated first (see the module docstring); ``fallback``
    is the slug of a text with no letters or digits at all (``"!!!"``).
    """
    ascii_text = transliterate(text).lower()
    ascii_text = re.sub(r"['’`]", "", ascii_text)
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    return slug.strip("-") or fallback


def is_slug(slug: str) -> bool:
    """True for a slug a story may have: lower-case ASCII letters and digits, with
    ``-``, ``.`` or ``_`` inside (never first or last, never ``..``)."""
    return bool(_SLUG_RE.match(slug)) and ".." not in slug


def validate_slug(slug: str) -> str:
    """A slug someone typed (or a source site used): see :func:`is_slug`."""
    if not is_slug(slug):
        raise UsageError(
            f"invalid slug {slug!r}: use lower-case letters, digits and hyphens "
            f"(dots and underscores inside; at most {MAX_SLUG} characters), "
            f"e.g. north-korea-drones"
        )
    return slug


def distinct_slugs(names: list[str], *, fallback: str, max_length: int = 60) -> dict[str, str]:
    """A slug for each name, never the same one for two names, and the same every time.

    A name that is a slug itself keeps it; the others get their slug when it is
    free (in name order), else the slug plus a short hash of the name, so that
    a tag's page does not move when other tags come and go.
    """
    result: dict[str, str] = {}
    taken: set[str] = set()
    ordered = sorted(set(names))
    for name in ordered:
        if is_slug(name) and len(name) <= max_length and "." not in name and "_" not in name:
            result[name] = name
            taken.add(name)
    for name in ordered:
        if name in result:
            continue
        base = slugify(name, max_length=max_length, fallback=fallback)
        digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()
        candidate, width = base, 8
        while candidate in taken:
            candidate = f"{base}-{digest[:width]}"
            width += 8
        result[name] = candidate
        taken.add(candidate)
    return result
