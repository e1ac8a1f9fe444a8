"""Real photo files for the tests, with IPTC, XMP and EXIF written into them.

Pillow writes EXIF and XMP; IPTC-IIM it cannot, so :func:`with_iptc` builds the
APP13 "Photoshop 3.0" segment with its 8BIM resource by hand, as agency
software does.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Mapping
from typing import Any

from PIL import Image

IPTC_DATASETS = {"title": 5, "keywords": 25, "creator": 80, "city": 90, "country": 101,
                 "headline": 105, "credit": 110, "source": 115, "copyright": 116,
                 "caption": 120, "date_created": 55}


def picture(size: tuple[int, int] = (96, 64), mode: str = "RGB") -> Image.Image:
    """A small image with a gradient and a marker in the top-left corner (to see rotation)."""
    width, height = size
    image = Image.linear_gradient("L").resize(size).convert(mode)
    marker = Image.new(mode, (max(1, width // 4), max(1, height // 4)), "red" if mode != "L"
                       else 255)
    image.paste(marker, (0, 0))
    return image


def exif_block(
    *, orientation: int | None = None, make: str | None = None, model: str | None = None,
    serial: str | None = None, taken: str | None = None, gps: tuple[float, float] | None = None,
    description: str | None = None, artist: str | None = None,
) -> Image.Exif:
    """An EXIF block with the given camera facts."""
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    if make:
        exif[0x010F] = make
    if model:
        exif[0x0110] = model
    if description:
        exif[0x010E] = description
    if artist:
        exif[0x013B] = artist
    sub = exif.get_ifd(0x8769)
    if serial:
        sub[0xA431] = serial
    if taken:
        sub[0x9003] = taken
    if gps:
        lat, lon = gps
        gps_ifd = exif.get_ifd(0x8825)
        gps_ifd[1] = "N" if lat >= 0 else "S"
        gps_ifd[2] = _dms(abs(lat))
        gps_ifd[3] = "E" if lon >= 0 else "W"
        gps_ifd[4] = _dms(abs(lon))
    return exif


def _dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60, 2)
    return (float(degrees), float(minutes), seconds)


def xmp_packet(fields: Mapping[str, str]) -> bytes:
    """An XMP packet with dc/photoshop/exif fields, as Photo Mechanic writes them."""
    parts = []
    if "caption" in fields:
        parts.append("<dc:description><rdf:Alt><rdf:li xml:lang='x-default'>"
                     f"{fields['caption']}</rdf:li></rdf:Alt></dc:description>")
    if "creator" in fields:
        parts.append(f"<dc:creator><rdf:Seq><rdf:li>{fields['creator']}</rdf:li></rdf:Seq>"
                     "</dc:creator>")
    if "alt" in fields:
        parts.append("<Iptc4xmpCore:AltTextAccessibility><rdf:Alt><rdf:li xml:lang='x-default'>"
                     f"{fields['alt']}</rdf:li></rdf:Alt></Iptc4xmpCore:AltTextAccessibility>")
    attrs = ""
    if "credit" in fields:
        attrs += f" photoshop:Credit='{fields['credit']}'"
    if "headline" in fields:
        attrs += f" photoshop:Headline='{fields['headline']}'"
    if "serial" in fields:
        attrs += f" aux:SerialNumber='{fields['serial']}'"
    return (
        "<?xpacket begin='\ufeff' id='W5M0MpCehiHzreSzNTczkc9d'?>"
        "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF "
        "xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"
        "<rdf:Description rdf:about='' xmlns:dc='http://purl.org/dc/elements/1.1/' "
        "xmlns:photoshop='http://ns.adobe.com/photoshop/1.0/' "
        "xmlns:aux='http://ns.adobe.com/exif/1.0/aux/' "
        "xmlns:Iptc4xmpCore='http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/'"
        f"{attrs}>{''.join(parts)}</rdf:Description></rdf:RDF></x:xmpmeta>"
        "<?xpacket end='w'?>"
    ).encode()


def iptc_block(fields: Mapping[str, Any], *, utf8: bool = True) -> bytes:
    """IPTC-IIM datasets (record 2), with the UTF-8 marker in record 1 when ``utf8``."""
    out = bytearray()
    if utf8:
        out += b"\x1c\x01\x5a" + struct.pack(">H", 3) + b"\x1b%G"
    for key, value in fields.items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            raw = item if isinstance(item, bytes) else str(item).encode(
                "utf-8" if utf8 else "latin-1")
            out += b"\x1c\x02" + bytes([IPTC_DATASETS[key]]) + struct.pack(">H", len(raw)) + raw
    return bytes(out)


def with_iptc(jpeg: bytes, block: bytes) -> bytes:
    """``jpeg`` with an APP13 Photoshop segment carrying the IPTC ``block``, after SOI."""
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(block))
    resource += block + (b"\x00" if len(block) % 2 else b"")
    payload = b"Photoshop 3.0\x00" + resource
    segment = b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload
    assert jpeg[:2] == b"\xff\xd8"
    return jpeg[:2] + segment + jpeg[2:]


def encode(image: Image.Image, fmt: str = "JPEG", **params: Any) -> bytes:
    """``image`` saved in ``fmt`` with Pillow's save parameters (exif=, xmp=, …)."""
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def agency_jpeg(
    *, caption: str = "Soldiers test the fence with a goat.", credit: str = "JCS",
    creator: str = "Kim Photographer", size: tuple[int, int] = (96, 64), **exif: Any,
) -> bytes:
    """A JPEG as a wire agency sends it: IPTC caption/credit/creator, XMP, EXIF."""
    xmp = xmp_packet({"caption": "XMP caption (IPTC wins)", "credit": "XMP credit",
                      "headline": "Goat test", "alt": "A goat at a fence"})
    data = encode(picture(size), "JPEG", quality=90, exif=exif_block(**exif), xmp=xmp)
    return with_iptc(data, iptc_block({"caption": caption, "credit": credit,
                                       "creator": creator, "keywords": ["goat", "fence"]}))
