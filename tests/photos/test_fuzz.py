"""Hostile bytes: whatever a file holds, the answer is a verified photo or one BadImage."""

from __future__ import annotations

import struct

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cms.media import BadImage, inspect_image, rendition, thumbnail
from cms.photometa import check_exif_structure, parse_iptc, parse_xmp
from tests.photos.imaging import agency_jpeg, encode, picture

SEEDS = [agency_jpeg(gps=(1.0, 2.0), serial="S"), encode(picture(), "PNG"),
         encode(picture(), "WEBP"), encode(picture(), "GIF"), encode(picture(), "TIFF")]


@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(which=st.integers(0, len(SEEDS) - 1),
       edits=st.lists(st.tuples(st.integers(0, 2**20), st.integers(0, 255)), min_size=1,
                      max_size=8),
       keep=st.integers(1, 2**20))
def test_mangled_files_verify_or_refuse_cleanly(
    which: int, edits: list[tuple[int, int]], keep: int
) -> None:
    mangled = bytearray(SEEDS[which])
    for at, value in edits:
        mangled[at % len(mangled)] = value
    cut = len(mangled) if keep > 2**19 else 1 + keep % len(mangled)
    data = bytes(mangled[:cut])
    try:
        info = inspect_image(data, "fuzz.jpg")
    except BadImage as exc:
        assert str(exc).startswith("fuzz.jpg: ")
        return
    # What passes verification must also make renditions and thumbnails.
    out = rendition(data, 32)
    assert 0 < out.width <= 32 and out.height > 0 and info.width > 0
    assert thumbnail(data, 16).width <= 16


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.binary(max_size=600))
def test_metadata_parsers_only_raise_value_errors(blob: bytes) -> None:
    for parse in (parse_iptc, parse_xmp, check_exif_structure):
        try:
            parse(blob)
        except (ValueError, struct.error):
            pass
