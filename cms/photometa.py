"""What a photo file says about itself: IPTC-IIM, XMP and EXIF, read into one clean dict.

Agencies put the caption, credit line and creator in IPTC (and, more and more,
in XMP); cameras put the capture time, the model, the orientation, sometimes a
GPS fix and a body serial number in EXIF. :func:`read_metadata` reads all three
defensively: every block is size-capped, parsed with bounds checks, and a block
that does not parse is reported as a problem instead of raising deep inside
Pillow. GPS coordinates and serial numbers go under ``"private"``; anything
leaving the desk goes through :func:`public_metadata`, which drops them, because
a photo's location or camera can identify a source.
"""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from PIL import Image

MAX_BLOCK_BYTES = 2 * 1024 * 1024  # no real IPTC/XMP/EXIF block is bigger
MAX_FIELD_CHARS = 4000
PRIVATE_KEY = "private"

# IPTC-IIM record 2 datasets we keep, by number.
IPTC_FIELDS = {
    5: "title", 25: "keywords", 55: "date_created", 60: "time_created", 80: "creator",
    90: "city", 101: "country", 105: "headline", 110: "credit", 115: "source",
    116: "copyright", 120: "caption",
}
IPTC_REPEATABLE = {"keywords", "creator"}
PHOTOSHOP_IPTC_RESOURCE = 0x0404
TIFF_IPTC_TAG = 33723
TIFF_XMP_TAG = 700

NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "xmpRights": "http://ns.adobe.com/xap/1.0/rights/",
    "Iptc4xmpCore": "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/",
    "exif": "http://ns.adobe.com/exif/1.0/",
    "exifEX": "http://cipa.jp/exif/1.0/",
    "aux": "http://ns.adobe.com/exif/1.0/aux/",
    "tiff": "http://ns.adobe.com/tiff/1.0/",
}
# (namespace, local name) -> our key; the first source found wins.
XMP_FIELDS = (
    ("dc", "description", "caption"),
    ("photoshop", "Headline", "headline"),
    ("photoshop", "Credit", "credit"),
    ("dc", "creator", "creator"),
    ("dc", "rights", "copyright"),
    ("photoshop", "Source", "source"),
    ("dc", "title", "title"),
    ("dc", "subject", "keywords"),
    ("photoshop", "City", "city"),
    ("photoshop", "Country", "country"),
    ("photoshop", "DateCreated", "captured_at"),
    ("Iptc4xmpCore", "AltTextAccessibility", "alt"),
)
XMP_PRIVATE = (
    ("exif", "GPSLatitude", "gps_latitude"),
    ("exif", "GPSLongitude", "gps_longitude"),
    ("exifEX", "BodySerialNumber", "body_serial"),
    ("aux", "SerialNumber", "body_serial"),
    ("exifEX", "LensSerialNumber", "lens_serial"),
    ("aux", "LensSerialNumber", "lens_serial"),
)

EXIF_IFD, GPS_IFD = 0x8769, 0x8825
EXIF_TAGS = {0x010E: "description", 0x013B: "artist", 0x8298: "copyright",
             0x010F: "make", 0x0110: "model", 0x0132: "datetime"}
EXIF_SUBTAGS = {0x9003: "datetime_original", 0x9011: "offset_original", 0xA434: "lens",
                0xA431: "body_serial", 0xA435: "lens_serial"}
ORIENTATION_TAG = 0x0112


class MetadataProblems(list[str]):
    """The blocks that could not be read, each as a short sentence."""


def _clean(value: Any) -> str:
    """Text fit for a form field: decoded, no control characters, trimmed, capped."""
    if isinstance(value, bytes):
        value = _decode(value)
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch == "\n" or ch == "\t" or ch.isprintable())
    return text.strip().strip("\x00").strip()[:MAX_FIELD_CHARS]


def _decode(raw: bytes, charset: str | None = None) -> str:
    if charset:
        try:
            return raw.decode(charset)
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        # Older agency software wrote Windows-1252 without saying so.
        return raw.decode("cp1252", errors="replace")


def _iptc_datasets(block: bytes) -> Iterator[tuple[int, int, bytes]]:
    """(record, dataset, value) of each 0x1C-tagged dataset; raise ValueError if malformed."""
    pos = 0
    while pos < len(block):
        if block[pos] == 0 and not block[pos:].strip(b"\x00"):
            return  # padding at the end
        if block[pos] != 0x1C or pos + 5 > len(block):
            raise ValueError(f"bad dataset marker at byte {pos}")
        record, dataset, length = block[pos + 1], block[pos + 2], struct.unpack(
            ">H", block[pos + 3:pos + 5])[0]
        pos += 5
        if length & 0x8000:  # extended dataset: the length of the length follows
            size = length & 0x7FFF
            if size > 4 or pos + size > len(block):
                raise ValueError("bad extended dataset length")
            length = int.from_bytes(block[pos:pos + size], "big")
            pos += size
        if pos + length > len(block):
            raise ValueError(f"dataset 2:{dataset} runs past the end of the block")
        yield record, dataset, block[pos:pos + length]
        pos += length


def parse_iptc(block: bytes) -> dict[str, Any]:
    """Parse an IPTC-IIM block (the 0x1C-tagged datasets); raise ValueError if malformed."""
    if len(block) > MAX_BLOCK_BYTES:
        raise ValueError("block too large")
    raw: dict[str, list[bytes]] = {}
    charset: str | None = None
    for record, dataset, value in _iptc_datasets(block):
        if record == 1 and dataset == 90 and value in (b"\x1b%G", b"\x1b%/I"):
            charset = "utf-8"
        elif record == 2 and dataset in IPTC_FIELDS:
            raw.setdefault(IPTC_FIELDS[dataset], []).append(value)
    out: dict[str, Any] = {}
    for key, values in raw.items():
        texts = [t for t in (_clean(_decode(v, charset)) for v in values) if t]
        if not texts:
            continue
        if key in IPTC_REPEATABLE:
            out[key] = "; ".join(texts) if key == "creator" else texts
        else:
            out[key] = texts[0]
    return out


def photoshop_iptc(resources: bytes) -> bytes | None:
    """The IPTC-IIM resource (0x0404) inside a Photoshop ``8BIM`` resource block."""
    pos = 0
    if resources.startswith(b"Photoshop 3.0\x00"):
        pos = 14
    while pos + 12 <= len(resources):
        if resources[pos:pos + 4] != b"8BIM":
            raise ValueError("bad Photoshop resource signature")
        rid = struct.unpack(">H", resources[pos + 4:pos + 6])[0]
        name_len = resources[pos + 6]
        pos += 7 + name_len + ((name_len + 1) % 2)  # Pascal string padded to even length
        if pos + 4 > len(resources):
            raise ValueError("truncated Photoshop resource")
        size = struct.unpack(">I", resources[pos:pos + 4])[0]
        pos += 4
        if pos + size > len(resources):
            raise ValueError("Photoshop resource runs past the end")
        if rid == PHOTOSHOP_IPTC_RESOURCE:
            return resources[pos:pos + size]
        pos += size + (size % 2)
    return None


def _xmp_values(node: ET.Element) -> list[str]:
    items = node.findall(".//rdf:li", NS)
    if items:
        # rdf:Alt: prefer the default language.
        default = [i for i in items if i.get("{http://www.w3.org/XML/1998/namespace}lang")
                   == "x-default"]
        return [_clean(i.text or "") for i in (default or items)]
    return [_clean(node.text or "")]


def parse_xmp(packet: bytes | str) -> dict[str, Any]:
    """Read the fields we use from an XMP packet; raise ValueError if it is not XMP."""
    raw = packet.encode("utf-8") if isinstance(packet, str) else bytes(packet)
    if len(raw) > MAX_BLOCK_BYTES:
        raise ValueError("packet too large")
    # Entity declarations have no place in XMP and are how XML bombs work: refuse them.
    if re.search(rb"<!(DOCTYPE|ENTITY)", raw, re.IGNORECASE):
        raise ValueError("packet declares a DOCTYPE or entities")
    raw = re.sub(rb"<\?xpacket[^>]*\?>", b"", raw).strip(b"\x00 \t\r\n")
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        raise ValueError(f"not well-formed XML ({exc})") from None
    out: dict[str, Any] = {}
    private: dict[str, Any] = {}
    for table, target in ((XMP_FIELDS, out), (XMP_PRIVATE, private)):
        for prefix, name, key in table:
            if key in target:
                continue
            tag = f"{{{NS[prefix]}}}{name}"
            values: list[str] = []
            for desc in root.iter(f"{{{NS['rdf']}}}Description"):
                if tag in desc.attrib:
                    values = [_clean(desc.attrib[tag])]
                    break
                child = desc.find(tag)
                if child is not None:
                    values = _xmp_values(child)
                    break
            values = [v for v in values if v]
            if values:
                target[key] = values if key == "keywords" else (
                    "; ".join(values) if key == "creator" else values[0])
    if private:
        out[PRIVATE_KEY] = private
    return out


def check_exif_structure(raw: bytes) -> None:
    """Walk the EXIF TIFF structure with bounds checks; raise ValueError if it is broken.

    Pillow only warns (and then guesses) on corrupt EXIF; checking first lets the
    desk hear about it once, clearly, and keeps guesses out of the orientation.
    """
    if raw.startswith(b"Exif\x00\x00"):
        raw = raw[6:]
    if len(raw) > MAX_BLOCK_BYTES:
        raise ValueError("block too large")
    if raw[:4] not in (b"II*\x00", b"MM\x00*"):
        raise ValueError("no TIFF header")
    order = "<" if raw[:2] == b"II" else ">"
    sizes = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
    pending = [struct.unpack(order + "I", raw[4:8])[0]]
    seen: set[int] = set()
    while pending:
        offset = pending.pop()
        if offset == 0 or offset in seen:
            continue
        seen.add(offset)
        if len(seen) > 16 or offset + 2 > len(raw):
            raise ValueError("directory offset out of range")
        count = struct.unpack(order + "H", raw[offset:offset + 2])[0]
        end = offset + 2 + 12 * count
        if end + 4 > len(raw):
            raise ValueError("directory runs past the end")
        for i in range(count):
            entry = raw[offset + 2 + 12 * i:offset + 14 + 12 * i]
            tag, kind, n = struct.unpack(order + "HHI", entry[:8])
            size = sizes.get(kind, 0) * n
            if size > 4:
                value_at = struct.unpack(order + "I", entry[8:12])[0]
                if value_at + size > len(raw):
                    raise ValueError(f"tag 0x{tag:04x} points past the end")
            if tag in (EXIF_IFD, GPS_IFD) and kind in (4, 13):
                pending.append(struct.unpack(order + "I", entry[8:12])[0])
        pending.append(struct.unpack(order + "I", raw[end:end + 4])[0])


def _ratio(value: Any) -> float:
    return float(value)


def _gps(gps: dict[int, Any]) -> dict[str, float] | None:
    try:
        lat = sum(_ratio(v) / 60**i for i, v in enumerate(gps[2]))
        lon = sum(_ratio(v) / 60**i for i, v in enumerate(gps[4]))
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    if str(gps.get(1, "N")).upper().startswith("S"):
        lat = -lat
    if str(gps.get(3, "E")).upper().startswith("W"):
        lon = -lon
    return {"latitude": round(lat, 6), "longitude": round(lon, 6)}


def _exif_time(text: str, offset: str | None) -> str | None:
    try:
        when = datetime.strptime(text.strip()[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    stamp = when.isoformat()
    if offset and re.fullmatch(r"[+-]\d\d:\d\d", offset.strip()):
        stamp += offset.strip()
    return stamp


def _camera(base: dict[str, str], sub: dict[str, str]) -> dict[str, Any]:
    """The camera, lens, capture time and picture words of the main and Exif IFDs."""
    out: dict[str, Any] = {}
    make, model = base.get("make", ""), base.get("model", "")
    camera = model if make and model.lower().startswith(make.lower()) \
        else " ".join(p for p in (make, model) if p)  # not "Canon Canon EOS R5"
    if camera:
        out["camera"] = camera
    if sub.get("lens"):
        out["lens"] = sub["lens"]
    when = sub.get("datetime_original") or base.get("datetime")
    stamp = _exif_time(when, sub.get("offset_original")) if when else None
    if stamp:
        out["captured_at"] = stamp
    for key in ("description", "artist", "copyright"):
        if base.get(key):
            out[f"exif_{key}"] = base[key]
    return out


def _exif_private(exif: Image.Exif, sub: dict[str, str]) -> dict[str, Any]:
    """Facts that identify a person or a place: serial numbers and the GPS fix."""
    private: dict[str, Any] = {key: sub[key] for key in ("body_serial", "lens_serial")
                               if sub.get(key)}
    gps_ifd = exif.get_ifd(GPS_IFD)
    if gps_ifd:
        fix = _gps(dict(gps_ifd))
        private["gps"] = fix if fix is not None else "present (unreadable)"
    return private


def parse_exif(image: Image.Image) -> dict[str, Any]:
    """Camera facts from EXIF (call only once the structure has been checked)."""
    exif = image.getexif()
    base = {name: _clean(exif[tag]) for tag, name in EXIF_TAGS.items() if tag in exif}
    sub_ifd = exif.get_ifd(EXIF_IFD)
    sub = {name: _clean(sub_ifd[tag]) for tag, name in EXIF_SUBTAGS.items() if tag in sub_ifd}
    out = _camera(base, sub)
    orientation = exif.get(ORIENTATION_TAG)
    if isinstance(orientation, int) and 1 <= orientation <= 8:
        out["orientation"] = orientation
    private = _exif_private(exif, sub)
    if private:
        out[PRIVATE_KEY] = private
    return out


def _raw_iptc(image: Image.Image) -> bytes | None:
    photoshop = image.info.get("photoshop")
    if isinstance(photoshop, dict) and PHOTOSHOP_IPTC_RESOURCE in photoshop:
        return bytes(photoshop[PHOTOSHOP_IPTC_RESOURCE])
    for marker, payload in getattr(image, "applist", []):
        if marker == "APP13" and payload.startswith(b"Photoshop 3.0"):
            return photoshop_iptc(payload)
    tags = getattr(image, "tag_v2", None)
    if tags is not None and TIFF_IPTC_TAG in tags:
        value = tags[TIFF_IPTC_TAG]
        if isinstance(value, bytes):
            return value
        if isinstance(value, tuple):  # stored as LONGs by some writers
            return b"".join(int(v).to_bytes(4, "big") for v in value)
    return None


def _raw_xmp(image: Image.Image) -> bytes | str | None:
    for key in ("xmp", "XML:com.adobe.xmp"):
        if image.info.get(key):
            value: bytes | str = image.info[key]
            return value
    tags = getattr(image, "tag_v2", None)
    if tags is not None and TIFF_XMP_TAG in tags:
        value = tags[TIFF_XMP_TAG]
        return value if isinstance(value, bytes | str) else None
    return None


def _read_blocks(image: Image.Image, problems: MetadataProblems
                 ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The IPTC, XMP and EXIF facts, each empty when absent; a block that does not
    read is noted in ``problems`` and the others still count."""
    iptc: dict[str, Any] = {}
    xmp: dict[str, Any] = {}
    exif: dict[str, Any] = {}
    try:
        block = _raw_iptc(image)
        if block:
            iptc = parse_iptc(block)
    except (ValueError, struct.error) as exc:
        problems.append(f"the IPTC block cannot be read ({exc})")
    try:
        packet = _raw_xmp(image)
        if packet:
            xmp = parse_xmp(packet)
    except ValueError as exc:
        problems.append(f"the XMP packet cannot be read ({exc})")
    raw_exif = image.info.get("exif")
    try:
        if raw_exif:
            check_exif_structure(bytes(raw_exif))
        if raw_exif or image.format == "TIFF":
            exif = parse_exif(image)
    except (ValueError, struct.error, SyntaxError, TypeError) as exc:
        problems.append(f"the EXIF block cannot be read ({exc})")
    return iptc, xmp, exif


_EXIF_FALLBACKS = {"exif_description": "caption", "exif_artist": "creator",
                   "exif_copyright": "copyright"}


def _merge(iptc: dict[str, Any], xmp: dict[str, Any], exif: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for source in (iptc, xmp):
        for key, value in source.items():
            if key != PRIVATE_KEY:
                merged.setdefault(key, value)
    date = merged.pop("date_created", None)
    merged.pop("time_created", None)
    if date is not None and re.fullmatch(r"\d{8}", date):
        merged.setdefault("captured_at", f"{date[:4]}-{date[4:6]}-{date[6:]}")
    for key, value in exif.items():
        if key in _EXIF_FALLBACKS:
            merged.setdefault(_EXIF_FALLBACKS[key], value)
        elif key == "captured_at":
            merged[key] = value  # the camera's own clock beats a typed-in date
        elif key != PRIVATE_KEY:
            merged.setdefault(key, value)
    private = {**xmp.get(PRIVATE_KEY, {}), **exif.get(PRIVATE_KEY, {})}
    if private:
        merged[PRIVATE_KEY] = private
    return merged


def read_metadata(image: Image.Image) -> tuple[dict[str, Any], MetadataProblems]:
    """IPTC, XMP and EXIF merged into one clean dict, plus the blocks that did not read.

    IPTC wins over XMP for the words (it is what agency wires still fill in
    first), XMP fills the gaps, EXIF only supplies camera facts and, when nothing
    else has one, its ImageDescription/Artist/Copyright.
    """
    problems = MetadataProblems()
    return _merge(*_read_blocks(image, problems)), problems


def public_metadata(meta: dict[str, Any]) -> dict[str, Any]:
    """Metadata safe to show outside the desk: no GPS, no serial numbers."""
    return {key: value for key, value in meta.items() if key != PRIVATE_KEY}


def suggested_credit(meta: dict[str, Any]) -> str:
    """A credit line from metadata: IPTC/XMP Credit, else creator / source."""
    if meta.get("credit"):
        return str(meta["credit"])
    parts = [str(meta[k]) for k in ("creator", "source") if meta.get(k)]
    if len(parts) == 2 and parts[0].lower() == parts[1].lower():
        parts = parts[:1]
    return "/".join(parts)
