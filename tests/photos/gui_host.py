"""A stand-in for the main window around the photo panel, for panel-only tests.

It keeps the open story like the window does: an edit is the open story at once
and is saved with :func:`cms.stories.save` on a one-thread write pool (in order,
off the GUI thread, as the window's autosave), so tests see real revisions
(:meth:`PanelHost.stored` waits for the saves); long work runs on the real
:class:`ui.ops.Op`. The real window is exercised in test_photo_panel's
integration test.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QThreadPool
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from cms import stories
from cms.document import StoryDocument
from cms.people import Actor
from cms.store import Store
from cms.stories import SavedStory
from ui.editor.editor import EditorPanel
from ui.ops import Op, OpContext
from ui.window.extensions import OpenStory, WindowEvents

T = TypeVar("T")


class PanelHost:
    """Implements :class:`ui.window.extensions.WindowHost` for one story."""

    def __init__(self, store: Store, actor: Actor, story_id: str) -> None:
        self.store = store
        self.actor = actor
        self.events = WindowEvents()
        self.messages: list[str] = []
        self.tabs: dict[str, QWidget] = {}
        self.actions: list[tuple[str, QAction]] = []
        self._editor: EditorPanel | None = None
        self._pool = QThreadPool()
        self._pool.setMaxThreadCount(1)  # one story's saves stay in order
        self._saving = False
        self.errors: list[BaseException] = []
        with store.reading() as session:
            self.document, self.revision = stories.get(session, story_id)

    @property
    def editor(self) -> EditorPanel:
        """A writing area, made when a panel first asks (the Qt application exists then)."""
        if self._editor is None:
            self._editor = EditorPanel()
        return self._editor

    @editor.setter
    def editor(self, editor: EditorPanel) -> None:
        self._editor = editor

    def zone(self) -> ZoneInfo:
        return ZoneInfo("Asia/Seoul")

    def open_story(self) -> OpenStory | None:
        return OpenStory(self.document, self.revision, self.zone())

    def change_story(self, **fields: Any) -> None:
        """The edit becomes the open story at once; it is saved on the write thread, in order."""
        self.document = self.document.evolve(**fields)
        self.events.story_changed.emit(self.open_story())
        self._save()

    def _save(self) -> None:
        if self._saving:
            return  # saved when the save in flight is in
        store, actor, document, base = self.store, self.actor, self.document, self.revision

        def work(_ctx: OpContext) -> SavedStory:
            with store.session() as session:
                return stories.save(session, actor, document, base_revision=base)

        def done(saved: SavedStory) -> None:
            self._saving = False
            self.revision = saved.revision_id
            if self.document.normalised() != saved.document:
                self._save()  # edited while it saved: save the newest too

        def failed(exc: BaseException) -> None:
            self._saving = False
            self.errors.append(exc)

        self._saving = True
        Op(None, work, pool=self._pool).success(done).failure(failed).run()

    def close(self) -> None:
        """Wait for the saves still on the write thread (before the store closes)."""
        self._pool.waitForDone()

    def stored(self) -> StoryDocument:
        """What the store holds once every edit made so far is saved."""
        deadline = time.monotonic() + 10
        while self._saving and time.monotonic() < deadline:
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        assert not self._saving, "the save did not finish"
        assert not self.errors, self.errors
        with self.store.reading() as session:
            return stories.get(session, self.document.story_id)[0]

    def show_story_by_id(self, story_id: str) -> None:
        raise NotImplementedError

    def reload_current(self) -> None:
        raise NotImplementedError

    def add_inspector_tab(self, key: str, title: str, pane: QWidget) -> None:
        self.tabs[key] = pane

    def add_dock(self, key: str, title: str, widget: QWidget,
                 area: Qt.DockWidgetArea = Qt.DockWidgetArea.BottomDockWidgetArea) -> None:
        raise NotImplementedError

    def show_dock(self, key: str) -> None:
        raise NotImplementedError

    def add_menu_action(self, menu: str, action: QAction) -> None:
        self.actions.append((menu, action))

    def add_status_widget(self, widget: QWidget) -> None:
        raise NotImplementedError

    def run_op(self, work: Callable[[OpContext], T], *, title: str | None = None,
               cancellable: bool = True) -> Op[T]:
        return Op(None, work, title=title, cancellable=cancellable)

    def show_message(self, text: str, timeout_ms: int = 5000) -> None:
        self.messages.append(text)

    def add_close_guard(self, guard: Callable[[], bool]) -> None:
        pass
