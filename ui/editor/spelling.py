"""Spellcheck while typing: a worker thread checks paragraphs, the highlighter draws its answers.

Typing never waits for the checker: the highlighter asks :meth:`SpellService.lookup`
for a paragraph's misspellings, which answers from a cache or queues the
paragraph for the worker and answers "not yet". When the worker's results
arrive, only the paragraphs that show that text are highlighted again. The
newest request is checked first, so the paragraph being typed in comes before
the rest of a long story.

The headline, standfirst and body are checked, in the open story's language (its
Language field), else the desk's; a change of either checks the story again.
Right-clicking a misspelled word offers suggestions, "Add to Dictionary" (this
person's list) and, for those who may change desk settings, "Add to Desk
Dictionary", which syncs to the whole desk. Tools ▸ Check Spelling turns it all
off and on (remembered per user).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QEvent, QObject, QPoint, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QTextCursor
from PySide6.QtWidgets import QMenu

from cms.spelling import SpellChecker, Word
from cms.spelling_words import (
    add_desk_word,
    add_personal_word,
    desk_language,
    desk_words,
    may_change_desk_words,
    personal_words,
)
from ui.editor.highlighter import SpellHighlighter
from ui.editor.positions import from_qt, to_qt
from ui.window.theme import is_dark

if TYPE_CHECKING:
    from ui.editor.editor import TextEdit
    from ui.window.extensions import OpenStory, WindowHost

Spans = tuple[tuple[int, int], ...]  # (start, end) of each misspelled word of a paragraph
RESULT_CACHE_LIMIT = 20_000  # paragraphs remembered before the cache starts again
PREF_KEY = "editor/spelling"
SEND_DELAY_MS = 150  # a pause in typing before changed paragraphs are checked


@dataclass(frozen=True)
class Dictionaries:
    """What the checker needs: the language and the words the desk and the person accept."""

    language: str
    accepted: tuple[str, ...]
    may_add_to_desk: bool


class _Bridge(QObject):
    """Lives on the GUI thread; the worker's emits are queued across to it."""

    checked = Signal(int, str, object)  # generation, paragraph, Spans
    ready = Signal(int, object)  # generation, SpellChecker


class SpellService(QObject):
    """Misspellings of paragraphs, checked on a worker thread and cached by text."""

    results_arrived = Signal(object)  # set[str]: paragraphs checked for the first time
    results_revised = Signal(object)  # set[str]: paragraphs whose results changed (a word added)
    reset = Signal()  # everything must be looked up again (language, words, on/off)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bridge = _Bridge()
        self._bridge.checked.connect(self._on_checked)
        self._bridge.ready.connect(self._on_ready)
        self._results: dict[str, Spans] = {}
        self._pending: set[str] = set()
        self._arrived: set[str] = set()
        self._flush = QTimer(self)
        self._flush.setSingleShot(True)
        self._flush.setInterval(0)
        self._flush.timeout.connect(self._deliver)
        # Paragraphs go to the worker once typing pauses, so a keystroke never hands the
        # interpreter to the checking thread (the carried-over underlines show meanwhile).
        self._unsent: list[str] = []
        self._send = QTimer(self)
        self._send.setSingleShot(True)
        self._send.setInterval(SEND_DELAY_MS)
        self._send.timeout.connect(self._send_unsent)
        self._generation = 0
        self._checker: SpellChecker | None = None
        self._wanted: Dictionaries | None = None
        self._enabled = True
        self.worker = _Worker(self._bridge)

    # GUI thread ---------------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        """True while misspellings are shown."""
        return self._enabled

    def set_enabled(self, enabled: bool) -> None:
        """Show or hide misspellings."""
        if enabled != self._enabled:
            self._enabled = enabled
            self.reset.emit()

    @property
    def checker(self) -> SpellChecker | None:
        """The checker in use (None until the dictionary has loaded)."""
        return self._checker

    @property
    def dictionaries(self) -> Dictionaries | None:
        """The language and words the checker was last asked to use."""
        return self._wanted

    def configure(self, wanted: Dictionaries) -> None:
        """Check in ``wanted.language`` accepting ``wanted.accepted`` (loads on the worker)."""
        if wanted == self._wanted:
            return
        self._wanted = wanted
        self._generation += 1
        self.worker.load(self._generation, wanted)

    def lookup(self, text: str) -> Spans | None:
        """The misspellings of a paragraph, or None while they are being checked."""
        if not self._enabled:
            return ()
        found = self._results.get(text)
        if found is not None or self._checker is None:
            if found is None and text not in self._pending:
                self._pending.add(text)  # checked once the dictionary has loaded
            return found
        if text not in self._pending:
            self._pending.add(text)
            self._unsent.append(text)
            self._send.start()
        return None

    def cached(self, text: str) -> Spans:
        """The known misspellings of a paragraph (none if not checked yet)."""
        return self._results.get(text, ()) if self._enabled else ()

    def suggestions(self, word: str) -> tuple[str, ...]:
        """Corrections of ``word`` (on demand: a context menu)."""
        return self._checker.suggest(word) if self._checker is not None else ()

    def accept(self, entry: str) -> None:
        """Treat ``entry`` as correct now: its underlines go at once, nothing is rechecked."""
        if self._checker is None:
            return
        self._checker.accept([entry])
        if self._wanted is not None:
            self._wanted = Dictionaries(self._wanted.language,
                                        (*self._wanted.accepted, entry),
                                        self._wanted.may_add_to_desk)
        changed = set()
        for text, spans in self._results.items():
            kept = tuple((s, e) for s, e in spans if not self._checker.check(text[s:e]))
            if kept != spans:
                self._results[text] = kept
                changed.add(text)
        if changed:
            self.results_revised.emit(changed)

    def idle(self) -> bool:
        """True when nothing waits to be checked (tests and benchmarks wait for it)."""
        return self._checker is not None and not self._pending and not self._arrived

    @Slot()
    def _send_unsent(self) -> None:
        unsent, self._unsent = self._unsent, []
        self.worker.check(self._generation, unsent)

    @Slot(int, object)
    def _on_ready(self, generation: int, checker: SpellChecker) -> None:
        if generation != self._generation:
            return
        self._checker = checker
        self._results.clear()
        waiting = list(self._pending)
        self._pending.clear()
        self._unsent.clear()
        self.reset.emit()  # everything shown is looked up again with the new words
        for text in waiting:
            self.lookup(text)

    @Slot(int, str, object)
    def _on_checked(self, generation: int, text: str, spans: Spans) -> None:
        if generation != self._generation:
            return
        self._pending.discard(text)
        if len(self._results) >= RESULT_CACHE_LIMIT:
            self._results.clear()
        self._results[text] = spans
        self._arrived.add(text)
        self._flush.start()

    @Slot()
    def _deliver(self) -> None:
        arrived, self._arrived = self._arrived, set()
        if arrived:
            self.results_arrived.emit(arrived)


class _Worker:
    """The checking thread: paragraphs in, misspellings out (newest request first)."""

    def __init__(self, bridge: _Bridge) -> None:
        self._bridge = bridge
        self._queue: deque[tuple[int, str]] = deque()
        self._configure: tuple[int, Dictionaries] | None = None
        self._wake = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._work, name="spellcheck", daemon=True)
        self._thread.start()

    def load(self, generation: int, wanted: Dictionaries) -> None:
        """Load a checker for ``wanted``; queued paragraphs of older generations are dropped."""
        with self._wake:
            self._configure = (generation, wanted)
            self._queue.clear()
            self._wake.notify()

    def check(self, generation: int, texts: list[str]) -> None:
        """Check paragraphs (the last one first)."""
        with self._wake:
            self._queue.extend((generation, text) for text in texts)
            self._wake.notify()

    def stop(self) -> None:
        """End the thread (the window is gone)."""
        with self._wake:
            self._stopping = True
            self._wake.notify()

    def _next_job(self) -> tuple[int, Dictionaries | str] | None:
        with self._wake:
            while not (self._stopping or self._configure or self._queue):
                self._wake.wait()
            if self._stopping:
                return None
            if self._configure is not None:
                job, self._configure = self._configure, None
                return job
            return self._queue.pop()  # newest first: the paragraph being typed in

    def _work(self) -> None:
        checker: SpellChecker | None = None
        while (job := self._next_job()) is not None:
            generation, what = job
            try:
                if isinstance(what, Dictionaries):
                    checker = SpellChecker(what.language, what.accepted)
                    self._bridge.ready.emit(generation, checker)
                elif checker is not None:
                    spans = tuple((w.start, w.end) for w in checker.misspelled_in_line(what))
                    self._bridge.checked.emit(generation, what, spans)
                    time.sleep(0)  # let the GUI thread in between paragraphs
            except RuntimeError:  # the window (and its bridge) is gone
                return


def word_at(highlighter: SpellHighlighter, cursor: QTextCursor) -> Word | None:
    """The word drawn as misspelled under ``cursor`` (offsets within its paragraph), if any."""
    block = cursor.block()
    text = block.text()
    at = from_qt(text, cursor.positionInBlock())
    for start, end in highlighter.underlined(block):
        if start <= at <= end:
            return Word(start, end, text[start:end])
    return None


def replace_word(cursor: QTextCursor, word: Word, replacement: str) -> None:
    """Put ``replacement`` in place of ``word`` in the cursor's paragraph (one undo step)."""
    base, text = cursor.block().position(), cursor.block().text()
    edit = QTextCursor(cursor.block())
    edit.setPosition(base + to_qt(text, word.start))
    edit.setPosition(base + to_qt(text, word.end), QTextCursor.MoveMode.KeepAnchor)
    edit.insertText(replacement)


class SpellMenu:
    """Adds suggestions and "Add to Dictionary" to a text field's context menu."""

    def __init__(self, service: SpellService, edit: TextEdit, highlighter: SpellHighlighter,
                 add_personal: Callable[[str], None], add_desk: Callable[[str], None]) -> None:
        self.service = service
        self.edit = edit
        self.highlighter = highlighter
        self._add_personal = add_personal
        self._add_desk = add_desk
        edit.context_menu_extenders.append(self.extend)

    def extend(self, menu: QMenu, pos: QPoint) -> None:
        """Put the spelling actions for the word at ``pos`` (viewport coordinates) on top."""
        if not self.service.enabled:
            return
        cursor = self.edit.cursorForPosition(pos)
        word = word_at(self.highlighter, cursor)
        if word is None:
            return
        first = menu.actions()[0] if menu.actions() else None
        actions: list[QAction] = []
        suggestions = self.service.suggestions(word.text)
        for suggestion in suggestions:
            action = QAction(suggestion, menu)
            font = action.font()
            font.setBold(True)
            action.setFont(font)
            action.triggered.connect(
                lambda _=False, s=suggestion: replace_word(cursor, word, s))
            actions.append(action)
        if not suggestions:
            none = QAction("No Suggestions", menu)
            none.setEnabled(False)
            actions.append(none)
        add = QAction(f"Add “{word.text}” to Dictionary", menu)
        add.setObjectName("spellAddPersonal")
        add.triggered.connect(lambda: self._add_personal(word.text))
        actions.append(add)
        wanted = self.service.dictionaries
        if wanted is not None and wanted.may_add_to_desk:
            desk = QAction(f"Add “{word.text}” to Desk Dictionary", menu)
            desk.setObjectName("spellAddDesk")
            desk.setToolTip("Every copy of the desk accepts it after the next sync")
            desk.triggered.connect(lambda: self._add_desk(word.text))
            actions.append(desk)
        separator = QAction(menu)
        separator.setSeparator(True)
        actions.append(separator)
        menu.insertActions(first, actions)  # type: ignore[arg-type]


class SpellcheckExtension(QObject):
    """Wires the service to the window: dictionaries from the store, the menu, the toggle."""

    def __init__(self, host: WindowHost, service: SpellService) -> None:
        super().__init__(service)
        self.host = host
        self.service = service
        editor = host.editor
        body = editor.body
        # The headline and standfirst get underlines alone; the body's Markdown
        # highlighter draws them among its styles.
        self.highlighters: list[SpellHighlighter] = [
            SpellHighlighter(edit.document(), dark=is_dark())
            for edit in (editor.headline, editor.standfirst)]
        self.highlighters.append(body.highlighter)
        self.menus = [SpellMenu(service, edit, highlighter, self.add_personal, self.add_desk)
                      for edit, highlighter in zip((editor.headline, editor.standfirst, body),
                                                   self.highlighters, strict=True)]
        for highlighter in self.highlighters:
            highlighter.set_spelling(service)
        self._fields = {editor.headline: self.highlighters[0],
                        editor.standfirst: self.highlighters[1]}
        for field in self._fields:
            field.installEventFilter(self)
        self._loading = False
        self._reload_again = False
        self._desk_language: str | None = None  # None until the desk's settings are read
        story = host.open_story()
        self._story_language = story.document.language if story is not None else ""

    @property
    def language(self) -> str:
        """The language the open story is checked in ('' until the desk's is known)."""
        return self._story_language or self._desk_language or ""

    def follow_story(self, story: OpenStory | None) -> None:
        """Check in the language of the story now open or just changed (else the desk's)."""
        language = story.document.language if story is not None else ""
        if language != self._story_language:
            self._story_language = language
            wanted = self.service.dictionaries  # words accepted since the load stay accepted
            if wanted is not None:
                self.service.configure(replace(wanted, language=self.language))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """A theme switch recolours the headline's and standfirst's underlines."""
        if event.type() == QEvent.Type.PaletteChange and watched in self._fields:
            self._fields[watched].set_dark(is_dark())
        return False

    def reload(self) -> None:
        """Read the desk language and dictionary (off the GUI thread) and reconfigure."""
        if self._loading:
            self._reload_again = True
            return
        self._loading = True
        store, actor = self.host.store, self.host.actor

        def work(_ctx: object) -> Dictionaries:
            with store.reading() as session:
                language = desk_language(session)
                words = desk_words(session)
                may = may_change_desk_words(session, actor)
            return Dictionaries(language, (*words, *personal_words()), may)

        op = self.host.run_op(work)
        op.success(self._loaded)
        op.finished.connect(self._reload_done)
        op.run()

    def _loaded(self, wanted: Dictionaries) -> None:
        self._desk_language = wanted.language
        self.service.configure(replace(wanted, language=self.language))

    def _reload_done(self) -> None:
        self._loading = False
        if self._reload_again:
            self._reload_again = False
            self.reload()

    def add_personal(self, word: str) -> None:
        """Add ``word`` to this person's list; its underlines go at once."""
        self.service.accept(word)
        self.host.run_op(lambda _ctx: add_personal_word(word)).run()

    def add_desk(self, word: str) -> None:
        """Add ``word`` to the desk dictionary (it syncs); its underlines go when stored."""
        store, actor = self.host.store, self.host.actor

        def work(_ctx: object) -> list[str]:
            with store.session() as session:
                return add_desk_word(session, actor, word)

        op = self.host.run_op(work, title="Adding to the desk dictionary")
        op.success(lambda _words: self._desk_word_added(word))
        op.run()

    def _desk_word_added(self, word: str) -> None:
        self.service.accept(word)
        self.host.show_message(f"“{word}” is in the desk dictionary; it reaches the desk "
                               "with the next sync")


def _toggle(host: WindowHost, service: SpellService) -> QAction:
    from ui.window.prefs import open_settings

    action = QAction("Check Spelling", cast(QObject, host))
    action.setObjectName("toggleSpelling")
    action.setCheckable(True)
    prefs = open_settings()
    action.setChecked(str(prefs.value(PREF_KEY, "true")).lower() not in ("false", "0"))
    service.set_enabled(action.isChecked())

    def toggled(on: bool) -> None:
        service.set_enabled(on)
        open_settings().setValue(PREF_KEY, on)

    action.toggled.connect(toggled)
    return action


def install(host: WindowHost) -> None:
    """Spellcheck the headline, standfirst and body while typing (see the module docstring)."""
    service = SpellService(cast(QObject, host))
    cast(QObject, host).destroyed.connect(service.worker.stop)
    extension = SpellcheckExtension(host, service)
    host.add_menu_action("Tools", _toggle(host, service))
    host.events.settings_changed.connect(extension.reload)
    host.events.stories_changed.connect(extension.reload)  # a sync may bring desk words
    host.events.story_opened.connect(extension.follow_story)
    host.events.story_changed.connect(extension.follow_story)
    extension.reload()


def spelling_of(host: object) -> SpellcheckExtension | None:
    """The installed spellcheck of a window (tests and benchmarks look at it)."""
    service = next(iter(cast(QObject, host).findChildren(SpellService)), None)
    if service is None:
        return None
    return next(iter(service.findChildren(SpellcheckExtension)), None)

