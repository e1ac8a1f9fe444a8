"""Spellcheck in the window: underlines while typing, the context menu, the desk dictionary."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from cms.config import get_setting, set_setting
from cms.people import Actor, actor_for, add_person
from cms.spelling_words import personal_words
from cms.store import Store
from tests.gui.conftest import open_window, type_text, wait_saved
from ui.editor.editor import TextEdit
from ui.editor.spelling import SpellcheckExtension, spelling_of
from ui.window.main_window import MainWindow

pytestmark = pytest.mark.gui


def _ready(qtbot: QtBot, window: MainWindow) -> SpellcheckExtension:
    window.install_extensions()
    spelling = spelling_of(window)
    assert spelling is not None
    qtbot.waitUntil(lambda: spelling.service.checker is not None, timeout=10_000)
    return spelling


def _type_story(qtbot: QtBot, window: MainWindow, spelling: SpellcheckExtension,
                text: str) -> None:
    before = window.editing.story_id if window.editing is not None else None
    window.acts.new_story.trigger()
    qtbot.waitUntil(lambda: window.editing is not None and window.editing.story_id != before
                    and window.editor.headline.text() == "Untitled story")
    window.editor.focus_body()
    typed, _, pasted = text.partition("|")  # key events cannot type Hangul: it is pasted
    type_text(qtbot, window.editor.body, typed)
    window.editor.body.insertPlainText(pasted)
    qtbot.waitUntil(spelling.service.idle, timeout=10_000)


def _format_at(edit: TextEdit, word: str) -> QTextCharFormat | None:
    found = edit.document().find(word)
    assert not found.isNull(), (word, edit.toPlainText())
    block = found.block()
    at = found.selectionStart() - block.position()
    layout = block.layout()
    assert layout is not None
    ranges = layout.formats()
    for fmt in ranges:
        if fmt.start <= at < fmt.start + fmt.length:
            return QTextCharFormat(fmt.format)
    return None


def _underlined(window: MainWindow, word: str, edit: TextEdit | None = None) -> bool:
    """Whether the first occurrence of ``word`` (in the body) has a wavy underline."""
    fmt = _format_at(edit or window.editor.body, word)
    return fmt is not None and (
        fmt.underlineStyle() == QTextCharFormat.UnderlineStyle.SpellCheckUnderline)


def _underline_colour(window: MainWindow, word: str, edit: TextEdit) -> str:
    fmt = _format_at(edit, word)
    return fmt.underlineColor().name() if fmt is not None else ""


def _menu_on(window: MainWindow, word: str, edit: TextEdit | None = None) -> QMenu:
    edit = edit or window.editor.body
    found = edit.document().find(word)
    cursor = QTextCursor(found)
    cursor.setPosition(found.selectionStart() + 1)
    rect = edit.cursorRect(cursor)
    return edit.context_menu(QPoint(rect.center().x(), rect.center().y()))


def _action(menu: QMenu, text: str) -> object:
    for action in menu.actions():
        if action.text() == text or action.objectName() == text:
            return action
    raise AssertionError(f"no {text!r} in {[a.text() for a in menu.actions()]}")


def test_a_misspelling_is_underlined_and_a_desk_name_is_not(
        qtbot: QtBot, gui_store: Store, gui_actor: Actor) -> None:
    with gui_store.session() as session:
        set_setting(session, "desk_dictionary", "Han Duck-soo, JCS", username="tester")
    window = open_window(qtbot, gui_store, gui_actor)
    spelling = _ready(qtbot, window)
    _type_story(qtbot, window, spelling,
                "Prime Minister Han Duck-soo told the JCS about the goatt.\n\n"
                "Read `recieve()` at https://exampel.org/statment and |대통령은 서울에서.")
    assert _underlined(window, "goatt")
    for fine in ("Duck-soo", "JCS", "Prime", "recieve", "exampel", "대통령은"):
        assert not _underlined(window, fine), fine
    window.close()


def test_suggestions_replace_the_word_and_are_saved(qtbot: QtBot, window: MainWindow) -> None:
    spelling = _ready(qtbot, window)
    _type_story(qtbot, window, spelling, "The soldiers fed the goat a recieved ration.")
    assert _underlined(window, "recieved")
    menu = _menu_on(window, "recieved")
    texts = [a.text() for a in menu.actions()]
    assert texts[0] == "received"
    assert "Add “recieved” to Dictionary" in texts
    assert "Undo" in " ".join(texts) or any("Copy" in t for t in texts)  # the standard menu
    _action(menu, "received").trigger()  # type: ignore[attr-defined]
    assert window.editor.body_text() == "The soldiers fed the goat a received ration."
    qtbot.waitUntil(spelling.service.idle, timeout=10_000)
    assert not _underlined(window, "received")
    wait_saved(qtbot, window)


def test_add_to_dictionary_removes_the_underline_and_remembers(
        qtbot: QtBot, window: MainWindow) -> None:
    spelling = _ready(qtbot, window)
    _type_story(qtbot, window, spelling, "Sejongro is busy.\n\nWe met on Sejongro again.")
    assert _underlined(window, "Sejongro")
    menu = _menu_on(window, "Sejongro")
    _action(menu, "spellAddPersonal").trigger()  # type: ignore[attr-defined]
    assert not _underlined(window, "Sejongro")  # at once, in every paragraph
    assert not _underlined(window, "again.")
    qtbot.waitUntil(lambda: personal_words() == ["Sejongro"])
    type_text(qtbot, window.editor.body, " Sejongro")  # a fresh paragraph text is fine too
    qtbot.waitUntil(spelling.service.idle, timeout=10_000)
    assert not _underlined(window, "Sejongro")


def test_desk_dictionary_from_the_menu_by_role(qtbot: QtBot, gui_store: Store,
                                               gui_actor: Actor) -> None:
    window = open_window(qtbot, gui_store, gui_actor)  # the store's admin
    spelling = _ready(qtbot, window)
    _type_story(qtbot, window, spelling, "Minister Kyung-hwa spoke.")
    menu = _menu_on(window, "Kyung-hwa")
    _action(menu, "spellAddDesk").trigger()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: not _underlined(window, "Kyung-hwa"), timeout=10_000)
    with gui_store.reading() as session:
        assert "Kyung-hwa" in get_setting(session, "desk_dictionary").split(", ")
    window.close()

    with gui_store.session() as session:
        add_person(session, gui_actor, "rita", "reporter")
        reporter = actor_for(session, "rita", gui_store.replica_id)
    window = open_window(qtbot, gui_store, reporter)
    spelling = _ready(qtbot, window)
    _type_story(qtbot, window, spelling, "Minister Kyung-hwa met Minister Kwang-jin.")
    assert not _underlined(window, "Kyung-hwa")  # the desk's word, for everyone
    menu = _menu_on(window, "Kwang-jin")
    names = {a.objectName() for a in menu.actions()}
    assert "spellAddPersonal" in names and "spellAddDesk" not in names
    window.close()


def test_the_toggle_hides_and_shows_underlines(qtbot: QtBot, window: MainWindow) -> None:
    spelling = _ready(qtbot, window)
    _type_story(qtbot, window, spelling, "A goatt.")
    toggle = next(a for a in window.menus["Tools"].actions()
                  if a.objectName() == "toggleSpelling")
    assert toggle.isChecked() and _underlined(window, "goatt")
    toggle.trigger()
    assert not _underlined(window, "goatt")
    assert _menu_on(window, "goatt").actions()[0].text() != "goat"
    toggle.trigger()
    qtbot.waitUntil(lambda: _underlined(window, "goatt"), timeout=10_000)


def test_highlighting_never_changes_the_text(qtbot: QtBot, window: MainWindow) -> None:
    spelling = _ready(qtbot, window)
    window.acts.new_story.trigger()
    qtbot.waitUntil(lambda: window.editor.headline.text() == "Untitled story")
    changes: list[int] = []
    window.editor.body.textChanged.connect(lambda: changes.append(1))
    window.editor.focus_body()
    type_text(qtbot, window.editor.body, "Teh goatt")
    typed = len(changes)
    qtbot.waitUntil(spelling.service.idle, timeout=10_000)
    qtbot.waitUntil(lambda: _underlined(window, "goatt"))
    assert len(changes) == typed  # results arriving only repaint


def test_headline_and_styled_words_are_checked(qtbot: QtBot, window: MainWindow) -> None:
    spelling = _ready(qtbot, window)
    _type_story(qtbot, window, spelling, "## A heding\n\nThe **goatt** and [a lnk](https://x.org).")
    headline = window.editor.headline
    headline.selectAll()
    qtbot.keyClicks(headline, "Goat crosess the DMZ")
    qtbot.waitUntil(spelling.service.idle, timeout=10_000)
    qtbot.waitUntil(lambda: _underlined(window, "crosess", headline), timeout=10_000)
    assert not _underlined(window, "Goat", headline)
    link = _format_at(window.editor.body, "lnk")  # a link's colour, and underlined
    assert link is not None and link.foreground().color().name() in ("#1b7a52", "#7fc8a9")
    for word in ("heding", "goatt", "lnk"):
        assert _underlined(window, word), word
    window.acts.theme_dark.trigger()  # underlines recoloured for the dark palette
    qtbot.waitUntil(lambda: _underline_colour(window, "crosess", headline) == "#ff6b81")
    assert _underline_colour(window, "goatt", window.editor.body) == "#ff6b81"
    window.acts.theme_light.trigger()
    qtbot.waitUntil(lambda: _underline_colour(window, "crosess", headline) == "#d0021b")
    menu = _menu_on(window, "crosess", headline)
    _action(menu, "crosses").trigger()  # type: ignore[attr-defined]
    assert headline.text() == "Goat crosses the DMZ"
    qtbot.waitUntil(lambda: window.editing is not None
                    and window.editing.document.headline == "Goat crosses the DMZ")


def _underlined_texts(window: MainWindow) -> list[str]:
    """The texts of the last body paragraph drawn with a wavy underline (Qt counts UTF-16)."""
    block = window.editor.body.document().lastBlock()
    layout = block.layout()
    assert layout is not None
    units = block.text().encode("utf-16-le")
    return [units[2 * r.start: 2 * (r.start + r.length)].decode("utf-16-le", "replace")
            for r in layout.formats()
            if r.format.underlineStyle() == QTextCharFormat.UnderlineStyle.SpellCheckUnderline]


def test_underline_and_suggestion_after_emoji(qtbot: QtBot, window: MainWindow) -> None:
    spelling = _ready(qtbot, window)
    _type_story(qtbot, window, spelling, "Intro.\n\n|🔥🔥 The wrod is here.")
    qtbot.waitUntil(lambda: _underlined_texts(window) == ["wrod"], timeout=10_000)
    first = _menu_on(window, "wrod").actions()[0]
    label = first.text()
    first.trigger()
    assert window.editor.body.document().lastBlock().text() == f"🔥🔥 The {label} is here."


def test_results_reach_a_paragraph_that_moved_down(qtbot: QtBot, window: MainWindow) -> None:
    spelling = _ready(qtbot, window)
    _type_story(qtbot, window, spelling, "First paragraph here.\n\nSecond paragraph here.")
    body = window.editor.body
    end = body.textCursor()
    end.movePosition(QTextCursor.MoveOperation.End)
    end.insertText(" Teh wrod is misspeled.")  # its check is pending…
    top = QTextCursor(body.document())
    top.insertText("\n")  # …when a line is added at the top
    qtbot.waitUntil(spelling.service.idle, timeout=10_000)
    qtbot.waitUntil(lambda: _underlined(window, "wrod"), timeout=10_000)


def test_menu_suggests_after_a_paragraph_is_added_above(
        qtbot: QtBot, window: MainWindow) -> None:
    spelling = _ready(qtbot, window)
    _type_story(qtbot, window, spelling, "First paragraph here.\n\nThe wrod is misspeled.")
    assert _underlined(window, "wrod")
    top = QTextCursor(window.editor.body.document())
    top.insertText("New lead paragraph.\n\n")
    qtbot.waitUntil(spelling.service.idle, timeout=10_000)
    qtbot.waitUntil(lambda: _underlined(window, "wrod"), timeout=10_000)
    names = [a.objectName() for a in _menu_on(window, "wrod").actions()]
    assert "spellAddPersonal" in names
