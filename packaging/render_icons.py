"""Render the application icon from ``packaging/icons/newsroom.svg`` to PNG, ICO and ICNS.

The PNGs (freedesktop hicolor sizes) are committed, so a build needs no SVG
tool; run this again after changing the SVG::

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/render_icons.py

Rendering uses Qt's SVG renderer (already a dependency of the window), and
Pillow writes the Windows ``.ico`` and the macOS ``.icns`` from those PNGs.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parent / "icons"
# freedesktop hicolor sizes; 512 also feeds the .icns, 16-256 the .ico.
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render_png(svg: bytes, size: int) -> bytes:
    """The SVG rendered as a square RGBA PNG of ``size`` pixels."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(QByteArray(svg))
    if not renderer.isValid():
        raise ValueError("the icon SVG could not be parsed")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data().data())


def render_all(source: Path = ICONS / "newsroom.svg", out: Path = ICONS) -> list[Path]:
    """Write every PNG size, ``newsroom.png`` (256), ``newsroom.ico`` and ``newsroom.icns``."""
    from PIL import Image
    from PySide6.QtGui import QGuiApplication

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    svg = source.read_bytes()
    written: list[Path] = []
    images: dict[int, Image.Image] = {}
    for size in PNG_SIZES:
        data = render_png(svg, size)
        target = out / "hicolor" / f"{size}x{size}" / "apps" / "newsroom.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written.append(target)
        images[size] = Image.open(io.BytesIO(data)).convert("RGBA")
    plain = out / "newsroom.png"
    plain.write_bytes(render_png(svg, 256))
    ico = out / "newsroom.ico"
    # Pillow scales the largest image down for each size it is asked for; giving it
    # the 256 px rendering keeps the small ones as crisp as Qt's own.
    images[256].save(ico, format="ICO", sizes=[(s, s) for s in ICO_SIZES])
    icns = out / "newsroom.icns"
    images[512].save(icns, format="ICNS")
    written += [plain, ico, icns]
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: render the icons (optionally from another SVG into another folder)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--svg", type=Path, default=ICONS / "newsroom.svg")
    parser.add_argument("--out", type=Path, default=ICONS)
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    for path in render_all(args.svg, args.out):
        print(path.relative_to(args.out.parent) if args.out.parent in path.parents else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
