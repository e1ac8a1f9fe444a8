"""Photo files: verified with Pillow before anything is stored, and resized renditions.

Every file is opened with only the five formats we accept enabled, checked
against size and pixel limits *before* its pixels are decoded (a 100-byte PNG
can declare a 10-gigapixel image), then decoded in full so that a truncated or
corrupt file is caught now and not on the public site. JPEGs are decoded in
Pillow's draft mode: the whole entropy-coded stream is still read — truncation
still shows — but at an eighth of the size, which keeps a 24-megapixel photo
well under a second and a few tens of megabytes.

Renditions are pure functions of the bytes and the width: orientation applied,
colours converted to sRGB, and no EXIF, XMP, IPTC or ICC data written — so no
GPS fix or serial number leaves the desk, and the same input gives the same
bytes.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, ImageCms, UnidentifiedImageError

from cms.blobs import sha256_hex
from cms.errors import UsageError
from cms.fs import display_name
from cms.photometa import ORIENTATION_TAG, check_exif_structure, read_metadata

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif",
           "TIFF": "image/tiff"}
# Magic numbers of formats people try, so the refusal can say what the file is.
KNOWN_OTHER = (
    (b"BM", "a BMP image"), (b"8BPS", "a Photoshop document"), (b"%PDF", "a PDF document"),
    (b"\x00\x00\x01\x00", "a Windows icon"), (b"<svg", "an SVG drawing"),
    (b"<?xml", "an XML file"), (b"PK\x03\x04", "a ZIP archive"),
)
HEIF_BRANDS = (b"heic", b"heix", b"mif1", b"msf1", b"avif", b"hevc")
THUMB_FORMAT_VERSION = 1
RENDITION_QUALITY = 82
ORIENTATION_TRANSPOSE = {
    2: (Image.Transpose.FLIP_LEFT_RIGHT,), 3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,), 5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,), 7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}


class BadImage(UsageError):
    """A file that is not a photo we can accept; the message names the file."""


class BadMetadata(BadImage):
    """A valid image whose IPTC, XMP or EXIF block cannot be read."""


@dataclass(frozen=True)
class Limits:
    """What a photo may be. Big enough for any camera, small enough to be safe."""

    max_bytes: int = 100 * 1024 * 1024
    # Below Pillow's own decompression-bomb warning (89.5 MP) so ours speaks first.
    max_pixels: int = 80_000_000
    max_side: int = 30_000
    max_frames: int = 1000


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class ImageInfo:
    """A verified photo: its hash, type, displayed size and metadata."""

    name: str
    sha256: str
    format: str
    media_type: str
    size: int
    width: int  # as displayed, after EXIF orientation
    height: int
    orientation: int
    frames: int
    metadata: dict[str, Any] = field(default_factory=dict)
    metadata_problems: tuple[str, ...] = ()

    def blob_meta(self) -> dict[str, Any]:
        """What the store keeps beside the bytes (the ``blobs.meta`` JSON)."""
        return {**self.metadata, "format": self.format, "orientation": self.orientation,
                "frames": self.frames, "original_name": self.name}


@dataclass(frozen=True)
class Rendition:
    """A resized, metadata-free copy of a photo."""

    data: bytes
    media_type: str
    width: int
    height: int


def format_size(size: int) -> str:
    """A byte count as people read it (``200 MB``, ``12 KB``, ``40 bytes``)."""
    if size >= 1024 * 1024:
        return f"{size / 1048576:.0f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} bytes"


def _too_big(name: str, size: int, limits: Limits) -> BadImage:
    return BadImage(f"{name}: the file is {format_size(size)}; photos may be at most "
                    f"{format_size(limits.max_bytes)}")


def check_filename(name: str) -> str:
    """A photo's file name (no folders): printable, without path separators."""
    if not name or name in (".", ".."):
        raise BadImage("the photo has no file name")
    if any(not ch.isprintable() for ch in name):
        raise BadImage(f"{display_name(name)}: the file name contains control characters; "
                       "rename the file first")
    if "/" in name or "\\" in name:
        raise BadImage(f"{display_name(name)}: the file name contains a path separator; "
                       "rename the file first")
    if len(name.encode("utf-8", "surrogateescape")) > 255:
        raise BadImage(f"{display_name(name)[:60]}…: the file name is too long")
    return name


def read_image_file(path: Path, limits: Limits = DEFAULT_LIMITS) -> tuple[str, bytes]:
    """The checked file name and bytes of ``path``; the size is checked before reading."""
    name = check_filename(path.name)
    try:
        stat = path.stat()
        if path.is_dir():
            raise BadImage(f"{name}: is a folder, not a photo")
        if stat.st_size > limits.max_bytes:
            raise _too_big(name, stat.st_size, limits)
        with path.open("rb") as handle:
            data = handle.read(limits.max_bytes + 1)
    except FileNotFoundError:
        raise BadImage(f"{name}: no such file") from None
    except PermissionError:
        raise BadImage(f"{name}: permission denied") from None
    except OSError as exc:
        raise BadImage(f"{name}: cannot be read ({exc.strerror})") from None
    if len(data) > limits.max_bytes:  # the file grew while we read it
        raise _too_big(name, len(data), limits)
    return name, data


OUR_MAGIC = ((b"\xff\xd8\xff", "JPEG"), (b"\x89PNG", "PNG"), (b"GIF8", "GIF"),
             (b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"))


def _what_is(data: bytes) -> str:
    for magic, fmt in OUR_MAGIC:
        if data.startswith(magic):
            return f"a damaged {fmt} file (its header cannot be read)"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "a damaged WebP file (its header cannot be read)"
    head = data[:64].lstrip()
    for magic, what in KNOWN_OTHER:
        if head.startswith(magic):
            return what
    if data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS:
        return "a HEIF/AVIF image"
    sample = data[:512]
    if sample and all(32 <= b < 127 or b in b"\t\r\n" for b in sample):
        return "a text file"
    return "not an image file Newsroom can read"


def jpeg_exif_segment(data: bytes) -> tuple[int, int] | None:
    """Start and end of a JPEG's EXIF APP1 segment (walking markers up to the scan), if any."""
    if not data.startswith(b"\xff\xd8"):
        return None
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xD9, 0xDA):  # end of image, start of scan: no more metadata
            return None
        length = struct.unpack(">H", data[pos + 2:pos + 4])[0]
        if marker == 0xE1 and data[pos + 4:pos + 10] == b"Exif\x00\x00":
            return pos, pos + 2 + length
        pos += 2 + length
    return None


def pillow_view(data: bytes) -> bytes:
    """The bytes Pillow should see: a JPEG's EXIF segment removed when it is broken.

    Pillow reads a JPEG's EXIF while opening it and only *warns* when it is
    corrupt, then guesses; dropping the broken block makes orientation "none"
    and keeps the guesswork (and the warnings) out. The stored original is
    untouched.
    """
    span = jpeg_exif_segment(data)
    if span is None or broken_jpeg_exif(data) is None:
        return data
    return data[:span[0]] + data[span[1]:]


def broken_jpeg_exif(data: bytes) -> str | None:
    """Why a JPEG's EXIF block cannot be read, or None (also when it has none)."""
    span = jpeg_exif_segment(data)
    if span is None:
        return None
    try:
        check_exif_structure(data[span[0] + 4:span[1]])
    except (ValueError, struct.error) as exc:
        return f"the EXIF block cannot be read ({exc or 'truncated'})"
    return None


def _open(data: bytes, name: str) -> Image.Image:
    try:
        return Image.open(io.BytesIO(pillow_view(data)), formats=list(FORMATS))
    except Image.DecompressionBombError:
        raise BadImage(f"{name}: the image declares too many pixels (decompression bomb?)") \
            from None
    except Image.DecompressionBombWarning:  # raised as an error when warnings are errors
        raise BadImage(f"{name}: the image declares too many pixels (decompression bomb?)") \
            from None
    except UnidentifiedImageError:
        what = _what_is(data)
        hint = "" if what.startswith("a damaged") else \
            "; Newsroom accepts JPEG, PNG, WebP, GIF and TIFF photos"
        raise BadImage(f"{name}: {what}{hint}") from None
    except Exception as exc:
        # Pillow's readers fail on hostile input with OSError, SyntaxError, ValueError,
        # TypeError, KeyError, struct.error, a Warning under -W error…: all are damage.
        raise BadImage(f"{name}: damaged image file ({exc or type(exc).__name__})") from None


def _check_dimensions(image: Image.Image, name: str, limits: Limits) -> None:
    width, height = image.size
    if width <= 0 or height <= 0:
        raise BadImage(f"{name}: the image has no pixels")
    if width > limits.max_side or height > limits.max_side or width * height > limits.max_pixels:
        raise BadImage(
            f"{name}: the image declares {width} × {height} pixels "
            f"({width * height / 1e6:.0f} megapixels); the limit is "
            f"{limits.max_pixels / 1e6:.0f} megapixels and {limits.max_side} pixels a side "
            "(a decompression bomb, or a scan that needs downsizing first)"
        )


def _decode_fully(image: Image.Image, name: str, limits: Limits) -> int:
    """Decode every frame (bounded); return the frame count."""
    frames = getattr(image, "n_frames", 1)
    if frames > limits.max_frames:
        raise BadImage(f"{name}: the image has {frames} frames (at most {limits.max_frames})")
    for index in range(frames):
        if frames > 1:
            image.seek(index)
            _check_dimensions(image, name, limits)
        if image.format == "JPEG":
            # Draft mode: every byte is still decoded, at 1/8 of the pixels.
            image.draft(image.mode if image.mode in ("RGB", "L") else "RGB",
                        (max(1, image.size[0] // 8), max(1, image.size[1] // 8)))
        image.load()
    if frames > 1:
        image.seek(0)
    return frames


def orientation_of(image: Image.Image) -> int:
    """The EXIF orientation (1–8), 1 when absent, unreadable or out of range."""
    raw = image.info.get("exif")
    if raw is None and image.format != "TIFF":
        return 1
    try:
        if raw:
            check_exif_structure(bytes(raw))
        value = image.getexif().get(ORIENTATION_TAG, 1)
    except Exception:  # unreadable EXIF means "as stored", never a failure
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def apply_orientation(image: Image.Image, orientation: int) -> Image.Image:
    """``image`` turned the way the camera meant it to be seen."""
    for step in ORIENTATION_TRANSPOSE.get(orientation, ()):
        image = image.transpose(step)
    return image


def inspect_image(data: bytes, name: str, limits: Limits = DEFAULT_LIMITS) -> ImageInfo:
    """Verify ``data`` as a photo and read its facts; raise :class:`BadImage` if it is not."""
    name = check_filename(name)
    if not data:
        raise BadImage(f"{name}: the file is empty")
    if len(data) > limits.max_bytes:
        raise _too_big(name, len(data), limits)
    with _open(data, name) as image:
        if image.format not in FORMATS:
            raise BadImage(f"{name}: {image.format} images are not accepted")
        _check_dimensions(image, name, limits)
        fmt = image.format
        width, height = image.size
        orientation = orientation_of(image)
        problems: list[str]
        try:
            metadata, problems = read_metadata(image)
        except Exception as exc:  # a parser bug must not pass a photo as verified
            metadata, problems = {}, [f"the metadata cannot be read ({exc})"]
        exif_problem = broken_jpeg_exif(data)
        if exif_problem:
            problems = [*problems, exif_problem]
        try:
            frames = _decode_fully(image, name, limits)
        except BadImage:
            raise
        except Image.DecompressionBombError:
            raise BadImage(f"{name}: a frame declares too many pixels") from None
        except Exception as exc:  # as in _open: whatever the decoder raises is damage
            reason = str(exc) or type(exc).__name__
            if "truncated" in reason:
                reason = "the file is truncated"
            raise BadImage(f"{name}: damaged image file ({reason})") from None
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    metadata.pop("orientation", None)
    return ImageInfo(
        name=name, sha256=sha256_hex(data), format=fmt, media_type=FORMATS[fmt], size=len(data),
        width=width, height=height, orientation=orientation, frames=frames, metadata=metadata,
        metadata_problems=tuple(problems),
    )


def _to_srgb(image: Image.Image) -> Image.Image:
    """Convert from an embedded ICC profile to sRGB, then forget the profile."""
    icc = image.info.get("icc_profile")
    if image.mode == "CMYK" and not icc:
        return image.convert("RGB")
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            target = ImageCms.createProfile("sRGB")
            mode = "RGBA" if image.mode in ("RGBA", "LA", "PA") else "RGB"
            converted = ImageCms.profileToProfile(image, source, target, outputMode=mode)
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # an unusable profile: the pixels are shown as they are
    return image


def _flatten(image: Image.Image) -> tuple[Image.Image, bool]:
    """RGB (or RGBA when the photo really has transparency) for encoding."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info)
    if has_alpha:
        image = image.convert("RGBA")
        if image.getchannel("A").getextrema()[0] == 255:  # an alpha channel, fully opaque
            return image.convert("RGB"), False
        return image, True
    return image.convert("RGB"), False


def _load_for_resize(data: bytes, target: tuple[int, int]) -> tuple[Image.Image, int]:
    image = Image.open(io.BytesIO(pillow_view(data)), formats=list(FORMATS))
    orientation = orientation_of(image)
    if image.format == "JPEG":
        image.draft("RGB" if image.mode not in ("L", "CMYK") else image.mode, target)
    image.load()
    return image, orientation


def rendition(data: bytes, width: int) -> Rendition:
    """A ``width``-pixel-wide (never upscaled) copy for ``srcset``, metadata stripped.

    Deterministic: same bytes and width → same output bytes. JPEG for photos,
    PNG when the photo has real transparency. Animated images give their first
    frame.
    """
    if width < 1:
        raise UsageError("a rendition needs a width of at least 1 pixel")
    image, orientation = _load_for_resize(data, (width, width * 8))
    with image:
        turned = apply_orientation(image, orientation)
        src_w, src_h = turned.size
        out_w = min(width, src_w)
        out_h = max(1, round(src_h * out_w / src_w))
        srgb = _to_srgb(turned)
        flat, alpha = _flatten(srgb)
        if flat.size != (out_w, out_h):
            flat = flat.resize((out_w, out_h), Image.Resampling.LANCZOS, reducing_gap=3.0)
        buffer = io.BytesIO()
        if alpha:
            flat.save(buffer, "PNG", optimize=True)
            media_type = "image/png"
        else:
            flat.save(buffer, "JPEG", quality=RENDITION_QUALITY, optimize=True,
                      progressive=True, subsampling="4:2:0")
            media_type = "image/jpeg"
    return Rendition(buffer.getvalue(), media_type, out_w, out_h)


def thumbnail(data: bytes, size: int) -> Rendition:
    """A small copy that fits in a ``size`` × ``size`` square (for the photo panel)."""
    image, orientation = _load_for_resize(data, (size, size))
    with image:
        turned = apply_orientation(image, orientation)
        flat, alpha = _flatten(_to_srgb(turned))
        flat.thumbnail((size, size), Image.Resampling.LANCZOS, reducing_gap=2.0)
        buffer = io.BytesIO()
        if alpha:
            flat.save(buffer, "PNG")
        else:
            flat.save(buffer, "JPEG", quality=85)
        return Rendition(buffer.getvalue(), "image/png" if alpha else "image/jpeg",
                         flat.width, flat.height)


def srcset_widths(width: int, wanted: tuple[int, ...] = (320, 640, 960, 1280, 1920)) -> list[int]:
    """The rendition widths worth making for a photo ``width`` pixels wide."""
    widths = [w for w in wanted if w < width]
    widths.append(min(width, wanted[-1]))
    return sorted(set(widths))

