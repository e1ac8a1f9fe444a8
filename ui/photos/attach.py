"""Bringing photos in: from files, drops and the clipboard, verified off the GUI thread.

:func:`verify_and_store` is the worker side (run through ``host.run_op``):
each photo is decoded in a helper process (:mod:`ui.photos.workers`), its bytes
stored once, its thumbnail made. :func:`merge_verified` is the GUI side: it
turns what the worker verified into placements on the open story, with the
core's pure functions, so that one bad file never stops the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice, QMimeData
from PySide6.QtGui import QImage

from cms import photos
from cms.document import StoryDocument
from cms.errors import NewsroomError
from cms.media import DEFAULT_LIMITS, BadMetadata, ImageInfo, thumbnail
from cms.placements import find_placement, replaced, with_photo
from cms.thumbcache import ThumbnailCache
from ui.ops import OpContext
from ui.photos.model import local_image_paths
from ui.photos.thumbs import THUMB_SIZE
from ui.photos.workers import run_isolated
from ui.window.extensions import WindowHost

FILE_FILTER = "Photos (*.jpg *.jpeg *.png *.webp *.gif *.tif *.tiff);;All files (*)"
RAW_IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp",
                   "image/gif": "gif", "image/tiff": "tif"}
Source = Path | tuple[str, bytes]  # a file, or (name, bytes) from the clipboard


@dataclass
class Verified:
    """What the worker made of a batch of files."""

    infos: list[ImageInfo] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    bad_metadata: list[Source] = field(default_factory=list)


def verify_and_store(host: WindowHost, cache: ThumbnailCache, sources: Sequence[Source],
                     ignore_bad_metadata: bool, ctx: OpContext) -> Verified:
    """Worker side: verify each photo, store its bytes once, warm its thumbnail."""
    out = Verified()
    for done, source in enumerate(sources):
        ctx.check()
        name = source.name if isinstance(source, Path) else source[0]
        ctx.progress(done, len(sources), name)
        try:
            # Decoding runs in a helper process (see ui.photos.workers): no GUI stalls.
            if isinstance(source, Path):
                prepared = run_isolated(photos.prepare_file, source,
                                        ignore_bad_metadata=ignore_bad_metadata)
            else:
                prepared = run_isolated(photos.prepare, source[1], source[0],
                                        ignore_bad_metadata=ignore_bad_metadata)
            with host.store.session() as session:
                photos.store_photo(session, prepared)
            if cache.cached(prepared.info.sha256, THUMB_SIZE) is None:
                made = run_isolated(thumbnail, prepared.data, THUMB_SIZE)
                cache.put(prepared.info.sha256, THUMB_SIZE, made.data)
        except BadMetadata as exc:
            out.errors.append(str(exc))
            out.bad_metadata.append(source)
            continue
        except NewsroomError as exc:
            out.errors.append(str(exc))
            continue
        out.infos.append(prepared.info)
    ctx.progress(len(sources), len(sources), "")
    return out


def merge_verified(
    document: StoryDocument, result: Verified, replace: str | None = None
) -> tuple[StoryDocument, str | None, list[str], list[str]]:
    """The story with the verified photos placed (or one swapped in for ``replace``).

    Returns the document, the placement to select, notes (words taken from
    metadata) and errors (the worker's, plus e.g. a photo already on the story).
    """
    notes: list[str] = []
    errors = list(result.errors)
    last = None
    for info in result.infos:
        try:
            if replace is not None:
                target = find_placement(document, replace)
                document = replaced(document, target.id, info.sha256, info.metadata, info.name)
                number = document.photos.index(find_placement(document, target.id)) + 1
                notes.append(f"{info.name} now shows as photo {number}.")
                last = target.id
                continue
            ref, prefilled = photos.new_placement(info)
            document = with_photo(document, ref, info.name)
            notes.extend(prefilled)
            last = ref.id
        except NewsroomError as exc:
            errors.append(str(exc))
    return document, last, notes, errors


def sources_from_mime(mime: QMimeData) -> list[Source]:
    """What a paste (or drop) carries: local files, raw image bytes, or a picture as PNG."""
    paths = local_image_paths(mime)
    if paths:
        return list(paths)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    for media_type, ext in RAW_IMAGE_TYPES.items():
        if mime.hasFormat(media_type):
            data = bytes(mime.data(media_type).data())
            if data:  # the original bytes keep the photo's metadata
                return [(f"pasted-{stamp}.{ext}", data)]
    if mime.hasImage():
        image = QImage(mime.imageData())
        buffer = QBuffer()  # owns its bytes (a temporary QByteArray would be freed)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        # The stubs say the format is bytes; PySide6 itself only takes str.
        saved = not image.isNull() and image.save(buffer, "PNG")  # type: ignore[call-overload]
        if saved:
            data = bytes(buffer.data().data())
            if len(data) <= DEFAULT_LIMITS.max_bytes:
                return [(f"pasted-{stamp}.png", data)]
    return []
