"""Light and dark palettes, and icons drawn from SVG in the palette's text colour.

Icons are SVG files in ``resources/icons`` that use ``currentColor``; each is
rendered at 1x and 2x for several sizes, so toolbars stay sharp on HiDPI
screens and readable in both palettes.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication, QLabel

from cms.resources import resource

ICON_SIZES = (16, 20, 24, 32, 48)

_LIGHT = {
    QPalette.ColorRole.Window: "#f3f3f1",
    QPalette.ColorRole.WindowText: "#1d1d1f",
    QPalette.ColorRole.Base: "#ffffff",
    QPalette.ColorRole.AlternateBase: "#f6f6f4",
    QPalette.ColorRole.Text: "#1d1d1f",
    QPalette.ColorRole.Button: "#ecece9",
    QPalette.ColorRole.ButtonText: "#1d1d1f",
    QPalette.ColorRole.Highlight: "#1f5fa8",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.ToolTipBase: "#fffef0",
    QPalette.ColorRole.ToolTipText: "#1d1d1f",
    QPalette.ColorRole.PlaceholderText: "#646468",  # ≥ 4.5:1 on every light background
    QPalette.ColorRole.Link: "#1f5fa8",
    QPalette.ColorRole.Mid: "#c8c8c4",
    QPalette.ColorRole.Dark: "#a0a09c",
}
_DARK = {
    QPalette.ColorRole.Window: "#24262a",
    QPalette.ColorRole.WindowText: "#e6e6e6",
    QPalette.ColorRole.Base: "#1b1c1f",
    QPalette.ColorRole.AlternateBase: "#222327",
    QPalette.ColorRole.Text: "#e6e6e6",
    QPalette.ColorRole.Button: "#2e3035",
    QPalette.ColorRole.ButtonText: "#e6e6e6",
    QPalette.ColorRole.Highlight: "#2f6db5",  # white text on it ≥ 4.5:1
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.ToolTipBase: "#2e3035",
    QPalette.ColorRole.ToolTipText: "#e6e6e6",
    QPalette.ColorRole.PlaceholderText: "#9a9ca1",  # ≥ 4.5:1 on every dark background
    QPalette.ColorRole.Link: "#7fb2ee",
    QPalette.ColorRole.Mid: "#3a3c42",
    QPalette.ColorRole.Dark: "#15161a",
}


def system_prefers_dark() -> bool:
    """True when the desktop asks for a dark colour scheme."""
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


def make_palette(dark: bool) -> QPalette:
    """The Newsroom palette in light or dark."""
    palette = QPalette()
    for role, colour in (_DARK if dark else _LIGHT).items():
        palette.setColor(QPalette.ColorGroup.All, role, QColor(colour))
    muted = QColor("#6d6f74" if dark else "#a3a3a6")
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText,
                 QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, muted)
    return palette


def apply_theme(app: QApplication, name: str) -> bool:
    """Switch the application to ``name`` (system, light, dark); returns True if dark."""
    dark = system_prefers_dark() if name == "system" else name == "dark"
    app.setStyle("Fusion")
    app.setPalette(make_palette(dark))
    icon.cache_clear()
    return dark


def restyle(app: QApplication) -> None:
    """Make every widget take up the new palette.

    Labels showing links convert their HTML once, with the link colour of that
    moment, and style sheets that name palette colours resolve them when a widget
    is polished: both are refreshed.
    """
    for widget in app.allWidgets():
        if isinstance(widget, QLabel) and "<a " in widget.text():
            text = widget.text()
            widget.clear()  # setText with the same text would change nothing
            widget.setText(text)
        if widget.styleSheet():
            style = widget.style()
            style.unpolish(widget)
            style.polish(widget)
        widget.update()


def is_dark(palette: QPalette | None = None) -> bool:
    """Whether a palette (the application's by default) is a dark one."""
    pal = palette or QApplication.palette()
    return pal.color(QPalette.ColorRole.Window).lightness() < 128


# Banners above the editor: (background, border, text) in the light and the dark theme.
BANNERS = {
    "info": (("#e3f0fb", "#7aa7d6", "#15395e"), ("#1c3450", "#3d6a99", "#dbe9f7")),
    "warning": (("#fff4d6", "#e0b84c", "#5a4300"), ("#4a3a10", "#a88a2c", "#fbecc0")),
}


def banner_style(name: str, kind: str, palette: QPalette | None = None) -> str:
    """The style sheet of banner ``#name`` of ``kind`` (info, warning) for the theme in use."""
    background, border, text = BANNERS[kind][1 if is_dark(palette) else 0]
    return (f"#{name} {{ background: {background}; border: 1px solid {border};"
            f" border-radius: 4px; }} #{name} QLabel {{ color: {text}; }}")


@cache
def _svg(name: str) -> bytes:
    return resource("icons", f"{name}.svg").read_bytes()


@cache
def icon(name: str) -> QIcon:
    """The icon called ``name``, tinted with the current palette's text colour."""
    colour = QApplication.palette().color(QPalette.ColorRole.WindowText).name()
    data = _svg(name).replace(b"currentColor", colour.encode("ascii"))
    renderer = QSvgRenderer(QByteArray(data))
    result = QIcon()
    for size in ICON_SIZES:
        for ratio in (1, 2):
            pixmap = QPixmap(QSize(size * ratio, size * ratio))
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            renderer.render(painter, QRectF(0, 0, size * ratio, size * ratio))
            painter.end()
            pixmap.setDevicePixelRatio(ratio)
            result.addPixmap(pixmap)
    return result
