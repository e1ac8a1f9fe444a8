"""The inspector's Language field: stored with the story, the spellcheck follows it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from cms import stories
from cms.store import Store
from tests.gui.conftest import type_text, wait_saved
from tests.gui.test_spelling import _ready, _type_story, _underlined
from ui.window.main_window import MainWindow

pytestmark = pytest.mark.gui


def _enter_language(qtbot: QtBot, window: MainWindow, text: str) -> None:
    combo = window.fields.language
    line = combo.lineEdit()
    assert isinstance(line, QLineEdit)
    line.setFocus()
    line.selectAll()
    type_text(qtbot, line, text)
    qtbot.keyClick(line, Qt.Key.Key_Return)


def test_the_language_field_is_stored_and_switches_the_spellchecker(
        qtbot: QtBot, window: MainWindow, gui_store: Store) -> None:
    spelling = _ready(qtbot, window)
    _type_story(qtbot, window, spelling, "The soldiers fed the goatt.")
    assert _underlined(window, "goatt")
    checker = spelling.service.checker
    assert checker is not None and checker.dictionary == "en_US"  # the sample desk: en
    combo = window.fields.language
    assert combo.currentText() == "Desk default" and combo.accessibleName() == "Language"

    _enter_language(qtbot, window, "KO")
    assert window.editing is not None and window.editing.document.language == "ko"
    qtbot.waitUntil(lambda: spelling.service.checker is not None
                    and spelling.service.checker.language == "ko", timeout=10_000)
    qtbot.waitUntil(spelling.service.idle, timeout=10_000)
    assert spelling.service.checker is not None
    assert spelling.service.checker.dictionary is None  # no Korean dictionary ships
    assert _underlined(window, "goatt")  # Latin words are still checked in English
    assert combo.currentText() == "ko — Korean"
    # The preview names the page's language as the export does.
    qtbot.waitUntil(lambda: window.preview.page_html().startswith('<html lang="ko">'),
                    timeout=10_000)
    wait_saved(qtbot, window)
    story_id = window.editing.story_id
    with gui_store.reading() as session:
        assert stories.get(session, story_id)[0].language == "ko"

    # A malformed tag: a clear message, the typed text kept, the story unchanged.
    _enter_language(qtbot, window, "english")
    error = window.fields.error
    assert not error.isHidden() and "invalid language 'english'" in error.text()
    assert combo.currentText() == "english"
    assert window.editing.document.language == "ko"

    # Picking from the list: back to English, checked with en_US again.
    combo.setCurrentIndex(combo.findData("en-GB"))
    combo.activated.emit(combo.currentIndex())
    assert window.editing.document.language == "en-GB" and error.isHidden()
    qtbot.waitUntil(lambda: spelling.service.checker is not None
                    and spelling.service.checker.language == "en-GB", timeout=10_000)
    qtbot.waitUntil(spelling.service.idle, timeout=10_000)
    assert _underlined(window, "goatt")
    wait_saved(qtbot, window)
    with gui_store.reading() as session:
        assert stories.get(session, story_id)[0].language == "en-GB"

    # Another story follows its own language (the sample's: none, so the desk's).
    window.acts.new_story.trigger()
    qtbot.waitUntil(lambda: window.editing is not None and window.editing.story_id != story_id)
    qtbot.waitUntil(lambda: spelling.service.checker is not None
                    and spelling.service.checker.language == "en", timeout=10_000)
    assert combo.currentText() == "Desk default"
    qtbot.waitUntil(lambda: not window.preview.page_html().startswith("<html lang"),
                    timeout=10_000)
