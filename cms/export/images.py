"""Photo renditions for the web: several widths, no metadata, named by their content hash.

Each placed photo becomes JPEG (or PNG when it has transparency) renditions at
the standard widths up to its own width, encoded by :func:`cms.media.rendition`:
EXIF (GPS position, camera serial numbers, owner names), XMP, IPTC and comments
never reach the bundle, because the pixels are re-encoded from scratch after the
EXIF orientation is applied and the colours converted to sRGB. A rendition's
file name is the hash of its bytes, so a browser may cache it forever and two
exports agree on every name.

Renditions are cached on disk by blob hash and :func:`pipeline`, so a warm
export never decodes a photo again.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

from cms.atomic import atomic_write
from cms.errors import NewsroomError, NotFound, UsageError

WIDTHS = (320, 640, 960, 1280, 1920)


@cache
def pipeline() -> str:
    """Changes whenever the encoder's code or Pillow changes, so cached renditions stay true.

    Pillow and the encoder load here, on first use: an export whose renditions
    are all known already (or that has no photos) never needs them.
    """
    import PIL

    from cms import media

    source = inspect.getsource(media) + PIL.__version__
    return "r1-" + hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Rendition:
    """One encoded size of a photo, as it sits in the bundle."""

    path: str
    width: int
    height: int
    media_type: str
    size: int


class UnreadablePhoto(NewsroomError):
    """A placed photo whose stored bytes are not an image Pillow can read."""


def encode_renditions(data: bytes) -> list[tuple[Rendition, bytes]]:
    """Encode the web renditions of one photo, smallest first (via :func:`cms.media.rendition`)."""
    from PIL import Image, UnidentifiedImageError  # loaded on first use (see pipeline)

    from cms import media

    try:
        widest = media.rendition(data, WIDTHS[-1])
    except UnidentifiedImageError:  # its message names an in-memory object
        raise UnreadablePhoto("cannot be read (not an image file)") from None
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise UnreadablePhoto(f"cannot be read ({exc})") from None
    result: list[tuple[Rendition, bytes]] = []
    for width in media.srcset_widths(widest.width, WIDTHS):
        encoded = widest if width == widest.width else media.rendition(data, width)
        ext = "png" if encoded.media_type == "image/png" else "jpg"
        name = f"media/{hashlib.sha256(encoded.data).hexdigest()[:32]}.{ext}"
        result.append((
            Rendition(name, encoded.width, encoded.height, encoded.media_type, len(encoded.data)),
            encoded.data,
        ))
    return result


class Renditions:
    """Renditions by blob hash, from memory, the on-disk cache, or freshly encoded."""

    def __init__(self, cache_dir: Path | None, known: dict[str, list[Rendition]] | None = None):
        self.cache_dir = cache_dir / "media" if cache_dir is not None else None
        self.known: dict[str, list[Rendition]] = dict(known or {})
        self._bytes: dict[str, bytes] = {}
        self.encoded = 0
        self.broken: dict[str, str] = {}  # blob hash -> why it has no renditions

    def _index_file(self, sha256: str) -> Path | None:
        if self.cache_dir is None:
            return None
        return self.cache_dir / f"{sha256}-{pipeline()}.json"

    def get(self, sha256: str, fetch: Callable[[str], bytes]) -> list[Rendition]:
        """The renditions of blob ``sha256`` (``fetch`` reads the blob bytes on a miss)."""
        if sha256 in self.broken:
            return []
        if self.known.get(sha256):
            return self.known[sha256]
        index = self._index_file(sha256)
        if index is not None and index.exists():
            try:
                items = [Rendition(**item) for item in json.loads(index.read_text("utf-8"))]
            except (ValueError, TypeError, OSError):
                items = []
            if items and all(self._cached_file(r).exists() for r in items):
                self.known[sha256] = items
                return items
        try:
            encoded = encode_renditions(fetch(sha256))
        except (UnreadablePhoto, NotFound) as exc:
            # A damaged or missing photo is left out of the bundle, not the whole export.
            self.broken[sha256] = str(exc)
            return []
        self.encoded += 1
        items = [rendition for rendition, _ in encoded]
        for rendition, payload in encoded:
            self._bytes[rendition.path] = payload
        if index is not None and self.cache_dir is not None:
            try:
                (self.cache_dir / "files").mkdir(parents=True, exist_ok=True)
                for rendition, payload in encoded:
                    atomic_write(self._cached_file(rendition), payload)
                atomic_write(index, json.dumps([asdict(r) for r in items]).encode("utf-8"))
            except OSError:
                self.cache_dir = None  # an unwritable cache only means encoding again next time
        self.known[sha256] = items
        return items

    def _cached_file(self, rendition: Rendition) -> Path:
        assert self.cache_dir is not None
        return self.cache_dir / "files" / rendition.path.rsplit("/", 1)[-1]

    def data(self, rendition: Rendition, fetch: Callable[[str], bytes], sha256: str) -> bytes:
        """The bytes of one rendition (re-encoding its photo if nothing holds them)."""
        if rendition.path in self._bytes:
            return self._bytes[rendition.path]
        if self.cache_dir is not None:
            try:
                data = self._cached_file(rendition).read_bytes()
            except OSError:
                data = b""
            # Only the bytes its name says (a damaged cache file is encoded again).
            if len(data) == rendition.size and rendition.path.startswith(
                    f"media/{hashlib.sha256(data).hexdigest()[:32]}."):
                return data
        for encoded, payload in encode_renditions(fetch(sha256)):
            self._bytes[encoded.path] = payload
        if rendition.path not in self._bytes:
            raise UsageError(f"photo {sha256[:12]} no longer encodes to {rendition.path}")
        return self._bytes[rendition.path]


def srcset(renditions: list[Rendition], url: Callable[[str], str]) -> str:
    """The ``srcset`` attribute value for a list of renditions."""
    return ", ".join(f"{url(r.path)} {r.width}w" for r in renditions)


def default_rendition(renditions: list[Rendition], target: int = 960) -> Rendition:
    """The rendition for ``src``: the widest at or below ``target``, else the narrowest."""
    fitting = [r for r in renditions if r.width <= target]
    return fitting[-1] if fitting else renditions[0]
