"""Verifying photo files: the formats we take, the ones we refuse, and renditions."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from cms.errors import UsageError
from cms.media import (
    BadImage,
    Limits,
    check_filename,
    inspect_image,
    read_image_file,
    rendition,
    srcset_widths,
    thumbnail,
)
from tests.photos.imaging import agency_jpeg, encode, exif_block, picture, xmp_packet


@pytest.mark.parametrize(
    ("fmt", "media_type", "params"),
    [
        ("JPEG", "image/jpeg", {"quality": 85}),
        ("PNG", "image/png", {}),
        ("WEBP", "image/webp", {"quality": 80}),
        ("GIF", "image/gif", {}),
        ("TIFF", "image/tiff", {"compression": "tiff_lzw"}),
    ],
)
def test_accepts_the_five_formats(fmt: str, media_type: str, params: dict[str, object]) -> None:
    data = encode(picture((120, 80)), fmt, **params)
    info = inspect_image(data, f"photo.{fmt.lower()}")
    assert (info.format, info.media_type, info.width, info.height) == (fmt, media_type, 120, 80)
    assert info.size == len(data)
    assert len(info.sha256) == 64


def test_animated_gif_counts_frames() -> None:
    frames = [picture((40, 30)), picture((40, 30)).rotate(180)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    assert inspect_image(data, "anim.gif").frames == 2


def test_orientation_swaps_displayed_size() -> None:
    data = encode(picture((90, 60)), "JPEG", exif=exif_block(orientation=6))
    info = inspect_image(data, "portrait.jpg")
    assert (info.orientation, info.width, info.height) == (6, 60, 90)


def _png_header_only(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    body = struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    end = struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))
    return b"\x89PNG\r\n\x1a\n" + body + end


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "empty.jpg", "empty.jpg: the file is empty"),
        (b"Dear editor,\nthis is not a photo.\n" * 4, "letter.jpg", "letter.jpg: a text file"),
        (encode(picture(), "BMP"), "scan.bmp", "scan.bmp: a BMP image"),
        (b"%PDF-1.7\n" + b"\x00" * 100, "doc.jpg", "doc.jpg: a PDF document"),
        (b"\x00\x01\x02\x03garbage" * 20, "noise.png",
         "noise.png: not an image file Newsroom can read; Newsroom accepts JPEG, PNG"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "head.png",
         "head.png: a damaged PNG file (its header cannot be read)"),
        (b"II*\x00\x00\x00\x00", "scan.tif", "scan.tif: a damaged TIFF file"),
        (_png_header_only(100_000, 100_000), "bomb.png", "bomb.png: the image declares"),
        (_png_header_only(20_000, 5_000), "big.png", "big.png: the image declares"),
    ],
)
def test_refuses_what_is_not_a_photo(data: bytes, name: str, message: str) -> None:
    with pytest.raises(BadImage) as caught:
        inspect_image(data, name)
    assert str(caught.value).startswith(message)


def test_refuses_a_truncated_jpeg() -> None:
    data = encode(Image.effect_noise((400, 300), 60).convert("RGB"), "JPEG", quality=90)
    with pytest.raises(BadImage, match=r"^cut\.jpg: damaged image file \(the file is truncated"):
        inspect_image(data[: len(data) * 2 // 3], "cut.jpg")


def test_refuses_a_corrupt_png() -> None:
    data = bytearray(encode(Image.effect_noise((200, 100), 60), "PNG"))
    data[len(data) // 2: len(data) // 2 + 40] = b"\xff" * 40
    with pytest.raises(BadImage, match=r"^corrupt\.png: damaged image file"):
        inspect_image(bytes(data), "corrupt.png")


def test_pixel_limit_is_configurable() -> None:
    data = encode(picture((200, 100)), "PNG")
    with pytest.raises(BadImage, match=r"200 × 100 pixels"):
        inspect_image(data, "small.png", Limits(max_pixels=10_000))


def test_a_200_mb_tiff_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "scan.tif"
    with path.open("wb") as handle:  # a real 200 MB file, sparse so the test stays fast
        handle.write(encode(picture(), "TIFF"))
        handle.truncate(200 * 1024 * 1024)
    with pytest.raises(BadImage, match=r"^scan\.tif: the file is 200 MB; photos may be at most"):
        read_image_file(path)
    with pytest.raises(BadImage, match=r"^x\.tif: the file is 68 bytes; photos may be at most 32"):
        inspect_image(b"II*\x00" + b"\x00" * 64, "x.tif", Limits(max_bytes=32))  # in-memory too


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("goat\n.jpg", r"goat\\n\.jpg: the file name contains control characters"),
        ("bell\x07.jpg", r"bell\\x07\.jpg: the file name contains control characters"),
        ("..\\etc\\goat.jpg", r"the file name contains a path separator"),
        ("a/b.jpg", r"the file name contains a path separator"),
        ("", r"the photo has no file name"),
    ],
)
def test_refuses_bad_file_names(name: str, message: str) -> None:
    with pytest.raises(BadImage, match=message):
        check_filename(name)
    with pytest.raises(BadImage, match=message):
        inspect_image(encode(picture(), "PNG"), name)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(BadImage, match=r"^gone\.jpg: no such file"):
        read_image_file(tmp_path / "gone.jpg")


def test_rendition_strips_metadata_and_applies_orientation() -> None:
    source = agency_jpeg(size=(400, 200), orientation=6, make="Canon", serial="SN-1",
                         gps=(37.5, 127.0))
    out = rendition(source, 100)
    assert (out.media_type, out.width, out.height) == ("image/jpeg", 100, 200)
    assert rendition(source, 100) == out  # deterministic
    for secret in (b"SN-1", b"Canon", b"Photoshop", b"8BIM", b"xmpmeta", b"Exif", b"ICC_PROFILE",
                   b"JCS"):
        assert secret not in out.data
    with Image.open(io.BytesIO(out.data)) as image:
        assert image.size == (100, 200)
        assert not image.getexif()
        # The red marker was top-left before a 90° clockwise turn: now it is top-right.
        red = image.convert("RGB").getpixel((90, 5))
        assert isinstance(red, tuple) and red[0] > 180 and red[1] < 90


def test_rendition_converts_icc_to_srgb_and_drops_profile() -> None:
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    data = encode(picture((80, 40)), "JPEG", icc_profile=profile, xmp=xmp_packet({"serial": "X"}))
    out = rendition(data, 40)
    with Image.open(io.BytesIO(out.data)) as image:
        assert "icc_profile" not in image.info and "xmp" not in image.info


def test_rendition_never_upscales_and_keeps_transparency() -> None:
    image = picture((50, 40), mode="RGBA")
    image.putpixel((49, 39), (0, 0, 0, 0))
    out = rendition(encode(image, "PNG"), 400)
    assert (out.media_type, out.width, out.height) == ("image/png", 50, 40)


def test_rendition_rejects_zero_width() -> None:
    with pytest.raises(UsageError, match="at least 1 pixel"):
        rendition(encode(picture(), "PNG"), 0)


def test_srcset_widths() -> None:
    assert srcset_widths(6000) == [320, 640, 960, 1280, 1920]
    assert srcset_widths(700) == [320, 640, 700]
    assert srcset_widths(200) == [200]


def test_thumbnail_fits_the_box() -> None:
    thumb = thumbnail(encode(picture((600, 300)), "WEBP"), 128)
    assert (thumb.width, thumb.height) == (128, 64)
