"""Photo thumbnails and facts, loaded off the GUI thread.

The worker reads the blob from the store only when the on-disk thumbnail
cache (:class:`cms.thumbcache.ThumbnailCache`) lacks it, has it shrunk in a
helper process (:mod:`ui.photos.workers`: Pillow would otherwise hold the GIL
the GUI thread needs), stores it in the cache, and decodes the small JPEG/PNG
into a ``QImage`` — which, unlike a ``QPixmap``, may be made on any thread.
The GUI thread only receives ready images, one :class:`ui.ops.Op` result each, so
forty photos never cost it more than forty tiny pixmap conversions.
"""

from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import QObject, QThreadPool, Signal
from PySide6.QtGui import QImage

from cms.blobs import blob_bytes
from cms.media import thumbnail
from cms.photos import BlobFacts, blob_facts
from cms.store import Store
from cms.thumbcache import ThumbnailCache
from ui.ops import Op, OpContext
from ui.photos.workers import run_isolated

THUMB_SIZE = 256
MEMORY_ITEMS = 200


Loaded = tuple[QImage, BlobFacts | None]


def load_thumbnail(store: Store, cache: ThumbnailCache, sha256: str, size: int) -> Loaded:
    """The thumbnail image and the photo's facts (a worker's work)."""
    with store.reading() as session:
        facts = blob_facts(session, [sha256]).get(sha256)
        data = cache.cached(sha256, size)
        original = blob_bytes(session, sha256) if data is None else b""
    if data is None:
        # The decoding happens in a helper process; only bytes cross over.
        data = run_isolated(thumbnail, original, size).data
        cache.put(sha256, size, data)
    image = QImage.fromData(data)
    if image.isNull():
        raise ValueError("the thumbnail cannot be decoded")
    return image, facts


class ThumbnailLoader(QObject):
    """Asks for thumbnails by SHA-256; emits ``ready`` when each one is in memory."""

    ready = Signal(str)  # sha256
    failed = Signal(str, str)  # sha256, message

    def __init__(self, store: Store, cache: ThumbnailCache | None = None,
                 size: int = THUMB_SIZE, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._cache = cache or ThumbnailCache()
        self._size = size
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(2)  # leave cores for typing and the preview
        self._images: OrderedDict[str, QImage] = OrderedDict()
        self._facts: dict[str, BlobFacts] = {}
        self._pending: set[str] = set()
        self._errors: dict[str, str] = {}

    def image(self, sha256: str) -> QImage | None:
        """The thumbnail if loaded; otherwise None and a load is started."""
        found = self._images.get(sha256)
        if found is not None:
            self._images.move_to_end(sha256)
            return found
        self.request(sha256)
        return None

    def facts(self, sha256: str) -> BlobFacts | None:
        """Type, size and public metadata of a loaded photo."""
        return self._facts.get(sha256)

    def error(self, sha256: str) -> str | None:
        """Why a thumbnail could not be made, if it could not."""
        return self._errors.get(sha256)

    def request(self, sha256: str) -> None:
        """Start loading unless loaded, loading, or known to fail."""
        if sha256 in self._images or sha256 in self._pending or sha256 in self._errors:
            return
        self._pending.add(sha256)
        store, cache, size = self._store, self._cache, self._size

        def work(_context: OpContext) -> Loaded:
            return load_thumbnail(store, cache, sha256, size)

        # A photo that cannot be read shows as a "missing" tile, with the reason.
        Op(None, work, pool=self._pool, owner=self).success(
            lambda loaded: self._on_loaded(sha256, loaded)).failure(
            lambda error: self._on_failed(sha256, str(error) or type(error).__name__)).run()

    def busy(self) -> bool:
        """True while thumbnails are still loading."""
        return bool(self._pending)

    def wait(self, msecs: int = 10_000) -> bool:
        """Block until the workers are done (tests and shutdown only)."""
        return self._pool.waitForDone(msecs)

    def _on_loaded(self, sha256: str, loaded: Loaded) -> None:
        image, facts = loaded
        self._pending.discard(sha256)
        self._images[sha256] = image
        if facts is not None:
            self._facts[sha256] = facts
        while len(self._images) > MEMORY_ITEMS:
            self._images.popitem(last=False)
        self.ready.emit(sha256)

    def _on_failed(self, sha256: str, message: str) -> None:
        self._pending.discard(sha256)
        self._errors[sha256] = message
        self.failed.emit(sha256, message)
