"""A stand-in for the main window around the photo panel, for panel-only tests.

It keeps the open story like the window does and saves every change at once
with :func:`cms.stories.save`, so tests see real revisions; long work runs on
the real :class:`ui.ops.Op`. The real window is exercised in test_photo_panel's
integration test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from cms import stories
from cms.document import StoryDocument
from cms.people import Actor
from cms.store import Store
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
        self.document = self.document.evolve(**fields)
        with self.store.session() as session:
            saved = stories.save(session, self.actor, self.document, base_revision=self.revision)
        self.document, self.revision = saved.document, saved.revision_id
        self.events.story_changed.emit(self.open_story())

    def stored(self) -> StoryDocument:
        with self.store.reading() as session:
            return stories.get(session, self.document.story_id)[0]

    def show_story_by_id(self, story_id: str) -> None:
        raise NotImplementedError

    def reload_current(self) -> None:
        with self.store.reading() as session:
            self.document, self.revision = stories.get(session, self.document.story_id)
        self.events.story_changed.emit(self.open_story())

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
