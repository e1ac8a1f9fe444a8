"""Accessibility: every control is named, text contrast ≥ 4.5:1 in both themes, themes restyle."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QAccessible, QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from ui.editor.page_style import theme_colours
from ui.window.main_window import MainWindow
from ui.window.theme import BANNERS, make_palette

pytestmark = pytest.mark.gui

CONTROLS = (QAbstractButton, QAbstractItemView, QComboBox, QLineEdit, QPlainTextEdit, QTextEdit)
Role = QPalette.ColorRole
TEXT_ON = [(Role.Text, Role.Base), (Role.Text, Role.AlternateBase),
           (Role.WindowText, Role.Window), (Role.ButtonText, Role.Button),
           (Role.HighlightedText, Role.Highlight), (Role.PlaceholderText, Role.Base),
           (Role.PlaceholderText, Role.Window), (Role.PlaceholderText, Role.AlternateBase),
           (Role.Link, Role.Base), (Role.Link, Role.Window), (Role.ToolTipText, Role.ToolTipBase)]


def luminance(colour: QColor) -> float:
    """WCAG 2 relative luminance."""
    def channel(value: int) -> float:
        v = value / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    return (0.2126 * channel(colour.red()) + 0.7152 * channel(colour.green())
            + 0.0722 * channel(colour.blue()))


def contrast(a: QColor, b: QColor) -> float:
    """WCAG 2 contrast ratio of two colours."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula_matches_wcag() -> None:
    assert round(contrast(QColor("#000000"), QColor("#ffffff")), 1) == 21.0
    assert round(contrast(QColor("#777777"), QColor("#ffffff")), 2) == 4.48


@pytest.mark.parametrize("dark", [False, True])
def test_text_contrast_in_both_palettes(dark: bool) -> None:
    palette = make_palette(dark)
    low = {f"{fg.name} on {bg.name}": round(contrast(palette.color(fg), palette.color(bg)), 2)
           for fg, bg in TEXT_ON}
    assert {pair: ratio for pair, ratio in low.items() if ratio < 4.5} == {}


@pytest.mark.parametrize("kind", sorted(BANNERS))
def test_banner_text_contrast_in_both_themes(kind: str) -> None:
    for background, _border, text in BANNERS[kind]:
        assert contrast(QColor(text), QColor(background)) >= 4.5, (kind, background, text)
    assert QColor(BANNERS[kind][1][0]).lightness() < 128  # dark, in the dark theme


def test_a_banner_follows_a_theme_switch(qtbot: QtBot, window: MainWindow) -> None:
    from ui.desk.update_mode import LiveBanner

    banner = LiveBanner()
    qtbot.addWidget(banner)
    window.acts.theme_dark.trigger()
    qtbot.waitUntil(lambda: BANNERS["info"][1][0] in banner.styleSheet())
    window.acts.theme_light.trigger()
    qtbot.waitUntil(lambda: BANNERS["info"][0][0] in banner.styleSheet())


@pytest.mark.parametrize("dark", [False, True])
def test_text_contrast_of_the_page_theme(dark: bool) -> None:
    colours = theme_colours(dark)
    for name in ("text", "muted", "link", "accent"):
        for ground in ("bg", "surface"):
            assert contrast(QColor(colours[name]), QColor(colours[ground])) >= 4.5, name


def _name(widget: QWidget) -> str:
    interface = QAccessible.queryAccessibleInterface(widget)
    return interface.text(QAccessible.Text.Name).strip() if interface is not None else ""


def _unnamed(root: QWidget) -> list[str]:
    missing = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, CONTROLS) or not widget.isVisibleTo(root):
            continue
        if isinstance(widget.parent(), (QAbstractScrollArea, QComboBox)):
            continue  # a viewport's or a combo box's own parts
        name = _name(widget)
        if not any(ch.isalnum() for ch in name):  # "", "◀", "✕" say nothing
            missing.append(f"{type(widget).__name__} {widget.objectName()!r} {name!r}")
    return missing


def test_every_control_has_an_accessible_name(qtbot: QtBot, window: MainWindow) -> None:
    window.install_extensions()
    for key in ("planning", "conflicts"):
        window.show_dock(key)
    window.editor.find_bar.open_bar(replace=True)
    for index in range(window.inspector.count()):
        window.inspector.setCurrentIndex(index)
        assert _unnamed(window) == [], window.inspector.tabText(index)
    names = {_name(w) for w in (window.editor.headline, window.editor.standfirst,
                                window.editor.body, window.story_list.search_box,
                                window.story_list.view)}
    assert names == {"Headline", "Standfirst", "Story body", "Search stories", "Stories"}


def _has_colour(widget: QWidget, colour: QColor, within: int = 24) -> bool:
    image = widget.grab().toImage()
    for y in range(image.height()):
        for x in range(image.width()):
            pixel = image.pixelColor(x, y)
            if (abs(pixel.red() - colour.red()) + abs(pixel.green() - colour.green())
                    + abs(pixel.blue() - colour.blue())) <= within:
                return True
    return False


def test_switching_theme_restyles_links_and_checked_buttons(qtbot: QtBot,
                                                           window: MainWindow) -> None:
    window.install_extensions()
    window.show_dock("planning")
    window.acts.theme_light.trigger()
    hint = QLabel('<a href="#workflow">Change it in the Workflow tab</a>')
    qtbot.addWidget(hint)
    hint.show()
    qtbot.waitExposed(hint)
    light_link = make_palette(False).color(Role.Link)
    assert _has_colour(hint, light_link)
    window.acts.theme_dark.trigger()
    dark = make_palette(True)
    assert _has_colour(hint, dark.color(Role.Link))  # the link took the dark colour
    assert not _has_colour(hint, light_link, within=6)
    planning = window.findChild(QWidget, "planningView")
    checked = planning.findChild(QAbstractButton, "planWeek") if planning else None
    assert checked is not None and checked.isChecked()
    assert _has_colour(checked, dark.color(Role.Highlight))  # Day/Week shows its state
    window.acts.theme_light.trigger()
