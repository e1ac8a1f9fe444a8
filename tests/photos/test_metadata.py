"""Reading IPTC, XMP and EXIF out of real files; GPS and serials kept private."""

from __future__ import annotations

import io

import pytest
from PIL import Image, PngImagePlugin

from cms.media import inspect_image
from cms.photometa import parse_iptc, parse_xmp, public_metadata, suggested_credit
from tests.photos.imaging import (
    agency_jpeg,
    encode,
    exif_block,
    iptc_block,
    picture,
    with_iptc,
    xmp_packet,
)


def test_agency_jpeg_gives_caption_credit_creator_and_camera() -> None:
    data = agency_jpeg(caption="Soldiers lead a goat — “test”", credit="JCS",
                       creator="Lee Min-ji", make="Canon", model="Canon EOS R5",
                       taken="2024:12:20 09:30:00", serial="0123456789", gps=(38.25, -127.5))
    meta = inspect_image(data, "goat.jpg").metadata
    assert meta["caption"] == "Soldiers lead a goat — “test”"  # IPTC beats XMP
    assert meta["credit"] == "JCS"
    assert meta["creator"] == "Lee Min-ji"
    assert meta["headline"] == "Goat test"  # only in XMP
    assert meta["alt"] == "A goat at a fence"
    assert meta["keywords"] == ["goat", "fence"]
    assert meta["camera"] == "Canon EOS R5"
    assert meta["captured_at"] == "2024-12-20T09:30:00"
    assert meta["private"] == {"body_serial": "0123456789",
                               "gps": {"latitude": 38.25, "longitude": -127.5}}
    public = public_metadata(meta)
    assert "private" not in public and "0123456789" not in repr(public)


def test_iptc_without_charset_marker_falls_back_to_windows_1252() -> None:
    block = iptc_block({"caption": "Café in Seoul", "credit": "Agence"}, utf8=False)
    assert parse_iptc(block) == {"caption": "Café in Seoul", "credit": "Agence"}


def test_iptc_control_characters_are_dropped() -> None:
    assert parse_iptc(iptc_block({"caption": "Line one\r\nline\x07 two\x00"})) == {
        "caption": "Line one\nline two"}


def test_xmp_only_png() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", xmp_packet({"caption": "From XMP", "creator": "Park",
                                                   "serial": "AUX-77"}).decode())
    meta = inspect_image(encode(picture(), "PNG", pnginfo=info), "x.png").metadata
    assert meta["caption"] == "From XMP"
    assert meta["private"] == {"body_serial": "AUX-77"}
    assert suggested_credit(meta) == "Park"


def test_exif_only_fills_caption_and_creator_as_fallback() -> None:
    data = encode(picture(), "JPEG", exif=exif_block(description="Fence at dawn", artist="Choi"))
    meta = inspect_image(data, "x.jpg").metadata
    assert (meta["caption"], meta["creator"]) == ("Fence at dawn", "Choi")


def test_webp_and_tiff_exif() -> None:
    webp = encode(picture(), "WEBP", exif=exif_block(make="Nikon", model="Z 9", orientation=3))
    info = inspect_image(webp, "x.webp")
    assert info.metadata["camera"] == "Nikon Z 9" and info.orientation == 3
    tiff = encode(picture(), "TIFF", exif=exif_block(make="Sony", model="ILCE-1"))
    assert inspect_image(tiff, "x.tif").metadata["camera"] == "Sony ILCE-1"


def test_suggested_credit() -> None:
    assert suggested_credit({"credit": "AP", "creator": "X"}) == "AP"
    assert suggested_credit({"creator": "Kim", "source": "Yonhap"}) == "Kim/Yonhap"
    assert suggested_credit({"creator": "Yonhap", "source": "yonhap"}) == "Yonhap"
    assert suggested_credit({}) == ""


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (with_iptc(encode(picture(), "JPEG"), b"\x1c\x02\x78\x10\x00short"),
         "the IPTC block cannot be read"),
        (with_iptc(encode(picture(), "JPEG"), b"\x00\x01garbage"), "the IPTC block cannot be read"),
        (encode(picture(), "JPEG", xmp=b"<x:xmpmeta><rdf:RDF>unclosed"),
         "the XMP packet cannot be read (not well-formed XML"),
        (encode(picture(), "JPEG", xmp=b"<!DOCTYPE x [<!ENTITY a 'aaaa'>]><x>&a;&a;</x>"),
         "the XMP packet cannot be read (packet declares a DOCTYPE"),
        (encode(picture(), "JPEG", exif=b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x05\x01"),
         "the EXIF block cannot be read"),
        (encode(picture(), "JPEG", exif=b"Exif\x00\x00garbage-garbage"),
         "the EXIF block cannot be read (no TIFF header)"),
    ],
)
def test_unreadable_metadata_is_reported_not_guessed(data: bytes, problem: str) -> None:
    info = inspect_image(data, "odd.jpg")
    assert any(p.startswith(problem) for p in info.metadata_problems), info.metadata_problems
    assert info.orientation == 1


def test_parse_xmp_attribute_and_element_forms() -> None:
    assert parse_xmp(xmp_packet({"credit": "Reuters", "headline": "H"})) == {
        "credit": "Reuters", "headline": "H"}


def test_metadata_survives_in_the_image_but_not_in_public_view() -> None:
    data = agency_jpeg(gps=(37.0, 127.0))
    with Image.open(io.BytesIO(data)) as image:
        assert image.getexif().get_ifd(0x8825)  # the original keeps it (it is the original)
    assert "private" not in public_metadata(inspect_image(data, "x.jpg").metadata)
