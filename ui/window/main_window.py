"""The main window: composes the story list, editor, preview and inspector.

It owns no data and no database session. Panels talk through signals; the
open story's edits live in an :class:`~ui.editor.editing.EditingSession`; long work
runs as :class:`~ui.ops.Op`; extensions plug in through :mod:`ui.window.extensions`
(this class implements its ``WindowHost``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QGuiApplication,
    QIcon,
    QPaintEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QLabel,
    QMainWindow,
    QSplitter,
    QWidget,
)

from cms import stories, workflow
from cms.document import StoryDocument
from cms.people import Actor
from cms.rules import with_article
from cms.store import Store, describe
from ui.editor.editing import EditingSession, SaveState
from ui.editor.editor import EditorPanel, reading_minutes, word_count
from ui.editor.journal import Recovered, RecoveryJournal, journal_folder, remove_unless_locked
from ui.editor.preview import PageFacts, PreviewPane
from ui.inspector.inspector import Inspector, StoryFieldsPane
from ui.inspector.readonly_panes import PhotosPane, ReadNextPane
from ui.ops import Latest, Op, OpContext, QueryOp, show_error
from ui.stories.model import StoryListModel
from ui.stories.story_list import StoryListPanel
from ui.window import prefs
from ui.window.accessibility import name_controls
from ui.window.actions import add_to_menu, build_actions, build_menus
from ui.window.commands import WindowCommands
from ui.window.extensions import MENUS, OpenStory, WindowEvents, install_extensions
from ui.window.focus_mode import FocusMode
from ui.window.panel_layout import (
    CENTRE_MIN_HEIGHT,
    EDITOR_MIN,
    PREVIEW_MIN,
    PanelLayout,
    centre_minimum,
    first_geometry,
)
from ui.window.reads import Choices, DeskFacts, existing_story, read_choices, read_desk
from ui.window.theme import icon

T = TypeVar("T")
WORD_COUNT_DELAY_MS = 250
DOCK_MIN_HEIGHT = 160  # the least a dock above or below the editor opens at


class MainWindow(QMainWindow):
    """Newsroom's window; see the module docstring.

    It reads the store only through :mod:`ui.ops` (never on the GUI thread): the
    desk's name, zone and choices arrive just after start-up (``started``), then
    the story the user had open opens.
    """

    started = Signal()

    def __init__(self, store: Store, actor: Actor) -> None:
        super().__init__()
        self.store = store
        self.actor = actor
        self.events = WindowEvents(self)
        self.write_pool = QThreadPool(self)
        self.write_pool.setMaxThreadCount(1)  # saves reach the store in the order made
        self.journal_dir = journal_folder(prefs.data_dir(), describe(store.url))
        self.editing: EditingSession | None = None
        self.close_guards: list[Callable[[], bool]] = []  # asked before the window closes
        self._extensions_installed = False
        self._docks: dict[str, QDockWidget] = {}
        self._retiring: dict[str, EditingSession] = {}
        self._permissions: dict[str, workflow.Permissions] = {}
        self._zone = ZoneInfo("UTC")  # the desk's zone arrives with the start-up read
        self._started = False
        self._desk_in = False
        self._holds = 0  # lookups (recovery) the first story waits for
        self._held_story: str | None = None  # asked for while held: opens once released
        self._opening = Latest()  # the story asked for last is the one that opens
        self._heads = Latest()
        self.setWindowTitle("Newsroom")
        self.setWindowIcon(QIcon(icon("newsroom")))

        self.model = StoryListModel(store, self._zone, self)
        self.story_list = StoryListPanel(self.model, self)
        self.editor = EditorPanel(self)
        self.preview = PreviewPane(store, self)
        self.inspector = Inspector(self)
        self.fields = StoryFieldsPane(self)
        self.inspector.add_tab("story", "Story", self.fields)
        self.inspector.add_tab("photos", "Photos", PhotosPane(store, self))
        self.inspector.add_tab("related", "Read next", ReadNextPane(store, self))

        self.centre = QSplitter(Qt.Orientation.Horizontal, self)
        self.centre.setObjectName("centreSplitter")
        self.centre.addWidget(self.editor)
        self.centre.addWidget(self.preview)
        self.main_split = QSplitter(Qt.Orientation.Horizontal, self)
        self.main_split.setObjectName("mainSplitter")
        self.main_split.addWidget(self.story_list)
        self.main_split.addWidget(self.centre)
        self.main_split.addWidget(self.inspector)
        self.editor.setMinimumWidth(EDITOR_MIN)
        self.preview.setMinimumWidth(PREVIEW_MIN)
        for index in (0, 1):
            self.centre.setCollapsible(index, False)
        self.setCentralWidget(self.main_split)

        self.commands = WindowCommands(self)
        # Named ``acts``: ``actions`` is QWidget.actions(), which Qt itself calls.
        self.acts = build_actions(self, self.commands.slots())
        self.menus = build_menus(self, self.acts)
        name_controls(self)
        self.focus = FocusMode(self, self.editor.body,
                               [self.story_list, self.inspector, self.preview])
        self.focus.leave_key.activated.connect(lambda: self.acts.focus_mode.setChecked(False))
        self.editor.body.zoomIn(prefs.get_int("view/zoom", 0))
        self.panels = PanelLayout(
            self.main_split, (self.story_list, self.centre, self.inspector),
            (self.acts.toggle_story_list, self.acts.toggle_inspector),
            preview_shown=self.acts.toggle_preview.isChecked,
            suspended=lambda: self.focus.active)
        self.save_label = QLabel(self)
        self.save_label.setObjectName("saveState")
        self.words_label = QLabel(self)
        self.words_label.setObjectName("wordCount")
        self.zone_label = QLabel(self)
        bar = self.statusBar()
        bar.addPermanentWidget(self.words_label)
        bar.addPermanentWidget(self.save_label)
        bar.addPermanentWidget(self.zone_label)
        self._update_zone_label()

        self._word_timer = QTimer(self)
        self._word_timer.setSingleShot(True)
        self._word_timer.setInterval(WORD_COUNT_DELAY_MS)
        self._word_timer.timeout.connect(self._update_word_count)

        self.story_list.story_selected.connect(self.show_story_by_id)
        self.editor.headline_edited.connect(lambda text: self.change_story(headline=text))
        self.editor.standfirst_edited.connect(lambda text: self.change_story(standfirst=text))
        self.editor.body_edited.connect(self._body_edited)
        self.fields.changed.connect(self._fields_changed)
        self.fields.workflow_requested.connect(self._show_workflow_tab)
        self.events.stories_changed.connect(self._stories_changed)
        self.events.story_marks.connect(self.model.set_marks)
        self.editor.body.verticalScrollBar().valueChanged.connect(self._editor_scrolled)
        self.preview.setVisible(self.acts.toggle_preview.isChecked())

        self._restore_layout()
        self._painted = False
        self._splitters_restored = False
        self.model.reload()  # the first page, read inside the reset
        self._set_save_label(None)
        QueryOp(self, store, lambda session: read_desk(session, actor)).success(
            self._desk_read).failure(self._start_failed).run()
        reason = prefs.fallback_reason()
        if reason:
            self.show_message(reason[0].upper() + reason[1:] + ".", 30000)

    def ready(self) -> bool:
        """True once the start-up read is in (the desk's zone, name and choices)."""
        return self._started

    def _desk_read(self, desk: DeskFacts) -> None:
        self.setWindowTitle(f"{desk.desk_name} — Newsroom")
        self._apply_choices(desk.choices)
        if desk.zone != self._zone:
            self._zone = desk.zone
            self.model.set_zone(desk.zone)
            self._update_zone_label()
            self.inspector.show_story(self.open_story())
        self._desk_in = True
        if not self._holds:
            self._open_first_story()

    def hold_stories(self, op: Op[Any]) -> None:
        """Open no story for editing until ``op`` has delivered.

        The recovery lookup holds them: a crash's journal must be read before its
        story can open and be typed into. A story asked for meanwhile opens then.
        """
        if self._started or self._desk_in or self.editing is not None:
            return  # too late to hold: a new session never empties a journal anyway
        self._holds += 1
        op.finished.connect(self._hold_released)

    def _hold_released(self) -> None:
        self._holds -= 1
        if self._holds:
            return
        held, self._held_story = self._held_story, None
        if held is not None:
            self.show_story_by_id(held)
            if self.editing is not None:  # it was open already (recovered meanwhile)
                self._mark_started()
        elif self._desk_in:
            self._open_first_story()

    def _start_failed(self, error: BaseException) -> None:
        show_error(self, "Cannot read the desk", error)
        self._mark_started()

    def _mark_started(self) -> None:
        if not self._started:
            self._started = True
            self.started.emit()

    def _open_first_story(self) -> None:
        """Reopen the story the user had open last time, else the newest one."""
        last = prefs.get_str("window/lastStory")
        if self.editing is not None:  # the user opened one meanwhile
            self.events.decide_start(True)
            self._mark_started()
        elif last and self.model.row_of(last) is not None:
            self.events.decide_start(True)
            self.show_story_by_id(last)
        elif last:
            QueryOp(self, self.store, lambda session: existing_story(session, last)).success(
                self._restore).failure(lambda _error: self._restore(None)).run()
        else:
            self._restore(None)

    def _restore(self, story_id: str | None) -> None:
        """Reopen ``story_id`` (the last one), or start afresh: the newest, and the start page."""
        self.events.decide_start(story_id is not None)
        self._open_first(story_id)

    def _after_rows(self, then: Callable[[], object]) -> None:
        """Call ``then`` once the story list's rows are in (now, if they are)."""
        if not self.model.loading():
            then()
            return

        def once() -> None:
            self.model.page_loaded.disconnect(once)
            then()

        self.model.page_loaded.connect(once)

    def _open_first(self, story_id: str | None) -> None:
        if story_id is None and self.model.loading():
            self._after_rows(lambda: self._open_first(None))  # the newest, once listed
            return
        if self.editing is None:
            if story_id:
                self.show_story_by_id(story_id)
            elif self.model.rowCount():
                self.story_list.view.selectRow(0)
        if self.editing is not None or not self._opening.pending():
            self._mark_started()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            # Extensions load right after the first paint: the window appears sooner
            # and a slow or broken panel never delays it.
            self._painted = True
            QTimer.singleShot(0, self.install_extensions)

    def install_extensions(self) -> list[str]:
        """Plug in the feature panels listed in ``ui.window.extensions`` (once)."""
        if self._extensions_installed:
            return []
        self._extensions_installed = True
        return install_extensions(self, report=lambda text: self.show_message(text, 10000))

    # WindowHost -----------------------------------------------------------------------

    def zone(self) -> ZoneInfo:
        """The desk time zone."""
        return self._zone

    def open_story(self) -> OpenStory | None:
        """The open story with the user's unsaved edits."""
        if self.editing is None:
            return None
        return OpenStory(self.editing.document, self.editing.base_revision or "", self._zone,
                         self.editing.saved_document)

    def change_story(self, **fields: Any) -> None:
        """Apply the user's edit to the open story (journalled, autosaved)."""
        if self.editing is None:
            return
        self.editing.update(**fields)
        if set(fields) - {"body"}:  # the body's own edits ask for it as they are typed
            self.request_preview()
        self.events.story_changed.emit(self.open_story())

    def add_inspector_tab(self, key: str, title: str, pane: QWidget) -> None:
        """Add or replace an inspector tab (see ``ui.window.extensions``)."""
        self.inspector.add_tab(key, title, pane)
        show = getattr(pane, "show_story", None)
        if show is not None:
            show(self.open_story())

    def add_dock(self, key: str, title: str, widget: QWidget,
                 area: Qt.DockWidgetArea = Qt.DockWidgetArea.BottomDockWidgetArea) -> None:
        """Add a dock window; its toggle goes into the View menu.

        A dock starts hidden the first time (writing space comes first) and then
        opens where the user left it; :meth:`show_dock` brings it up on demand.
        """
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{key}")
        dock.setWidget(widget)
        for view in widget.findChildren(QAbstractItemView):
            if not view.accessibleName():  # a panel's unnamed list is read as the panel
                view.setAccessibleName(title)
        self.addDockWidget(area, dock)
        self._docks[key] = dock
        self.menus["View"].addAction(dock.toggleViewAction())
        if not self.restoreDockWidget(dock):
            dock.hide()
        dock.visibilityChanged.connect(
            lambda shown: shown and QTimer.singleShot(0, lambda: self._keep_editor_room(dock)))

    def _keep_editor_room(self, dock: QDockWidget) -> None:
        """A docked panel that leaves the editor too little room becomes its own window."""
        if dock.isFloating() or not dock.isVisible() or self.focus.active:
            return
        central = self.main_split
        vertical = self.dockWidgetArea(dock) in (Qt.DockWidgetArea.TopDockWidgetArea,
                                                  Qt.DockWidgetArea.BottomDockWidgetArea)
        needed = (CENTRE_MIN_HEIGHT if vertical
                  else centre_minimum(self.acts.toggle_preview.isChecked()))
        if (central.height() if vertical else central.width()) >= needed:
            return
        frame = self.geometry()
        dock.setFloating(True)
        dock.resize(min(560, max(frame.width() // 2, 360)), max(frame.height() * 4 // 5, 360))
        dock.move(frame.right() - dock.width(), frame.top() + 40)

    def show_dock(self, key: str) -> None:
        """Show and raise the dock added under ``key``."""
        dock = self._docks.get(key)
        if dock is None:
            raise KeyError(f"no dock {key!r}")
        appearing = not dock.isVisible() and not dock.isFloating()
        if appearing:
            self._tab_with_neighbour(dock)
        dock.show()
        dock.raise_()
        if appearing and self.dockWidgetArea(dock) in (Qt.DockWidgetArea.TopDockWidgetArea,
                                                       Qt.DockWidgetArea.BottomDockWidgetArea):
            # A dock above or below the editor opens at a quarter of the height at most:
            # now, and again once the window has laid it out (at start it may not have).
            def fit() -> None:
                self.resizeDocks([dock], [max(DOCK_MIN_HEIGHT, self.height() // 4)],
                                 Qt.Orientation.Vertical)

            fit()
            QTimer.singleShot(0, self, fit)

    def _tab_with_neighbour(self, dock: QDockWidget) -> None:
        """Put ``dock`` in a tab beside a dock already open in its area (side by side, two
        docks would widen the window past a small screen)."""
        area = self.dockWidgetArea(dock)
        for other in self._docks.values():
            if (other is not dock and other.isVisible() and not other.isFloating()
                    and self.dockWidgetArea(other) == area):
                self.tabifyDockWidget(other, dock)
                return

    def add_menu_action(self, menu: str, action: QAction) -> None:
        """Add an action to one of the window's menus."""
        if menu not in MENUS:
            raise ValueError(f"unknown menu {menu!r}: use one of {', '.join(MENUS)}")
        add_to_menu(self.menus[menu], action)
        self.addAction(action)

    def add_status_widget(self, widget: QWidget) -> None:
        """A permanent widget in the status bar."""
        self.statusBar().addPermanentWidget(widget)

    def run_op(self, work: Callable[[OpContext], T], *, title: str | None = None,
               cancellable: bool = True) -> Op[T]:
        """Long work on a worker thread (call ``.success(...).run()`` on the result)."""
        return Op(self, work, title=title, cancellable=cancellable)

    def show_message(self, text: str, timeout_ms: int = 5000) -> None:
        """A short note in the status bar."""
        self.statusBar().showMessage(text, timeout_ms)

    def add_close_guard(self, guard: Callable[[], bool]) -> None:
        """Ask ``guard()`` before closing (an extension holding typed text refuses or asks)."""
        self.close_guards.append(guard)

    # stories --------------------------------------------------------------------------

    def _stories_changed(self) -> None:
        """Stories changed behind the window (sync pull, import): reload what it shows.

        The open story is reloaded when it changed and has no unsaved edits; the
        user's unsaved text is never replaced (its save then offers the conflict).
        """
        self.model.reload()
        current = self.editing
        if current is None:
            return
        story_id = current.story_id
        self._after_rows(lambda: self.story_list.select_story(story_id))
        self._heads.run(
            QueryOp(self, self.store, lambda session: stories.head_revision(session, story_id)),
            lambda head: self._head_read(current, head),
            lambda _error: None)  # deleted or unreadable: the next save says so

    def _head_read(self, current: EditingSession, head: str | None) -> None:
        if current is not self.editing:
            return  # another story opened meanwhile
        if head == current.base_revision or current.saving():
            return
        if current.dirty or current.state is SaveState.CONFLICT:
            self.show_message("This story was changed elsewhere; your unsaved text is kept "
                              "and saving it will ask what to keep.", 15000)
            return
        self.reload_current()
        self.show_message("This story was changed elsewhere; showing the new version.")

    def _show_workflow_tab(self) -> None:
        try:
            self.inspector.show_tab("workflow")
        except KeyError:
            self.show_message("The Workflow panel is not loaded")

    def refresh_choices(self) -> None:
        """Reload statuses and sections for the filters and the inspector."""
        actor = self.actor
        QueryOp(self, self.store, lambda session: read_choices(session, actor)).success(
            self._apply_choices).run()

    def _apply_choices(self, choices: Choices) -> None:
        self._permissions = choices.permissions
        self.fields.set_permissions(choices.permissions)
        self.story_list.set_choices(choices.statuses, choices.sections)
        self.fields.set_choices(choices.statuses, choices.sections)
        if self.editing is not None:
            self._lock_editor(self.editing.document)

    def show_story_by_id(self, story_id: str) -> None:
        """Open a story in the editor, putting the current one away (saved)."""
        if self._holds:
            self._held_story = story_id  # after the recovery lookup
            return
        if self.editing is not None and self.editing.story_id == story_id:
            self._opening.forget()  # a story asked for earlier must not open over this one
            return
        adopted = self._retiring.pop(story_id, None)
        if adopted is not None:
            adopted.wait()
        if adopted is not None and (adopted.dirty or adopted.state is SaveState.CONFLICT):
            adopted.retired = False  # its save failed: keep editing the unsaved text
            self._opening.forget()
            self._install_session(adopted)
            return
        self._opening.run(
            QueryOp(self, self.store, lambda session: stories.get(session, story_id)),
            lambda got: self._story_read(story_id, *got),
            lambda error: self._story_failed("Cannot open the story", error))

    def show_document(self, document: StoryDocument, head: str | None) -> None:
        """Open a story the window has just stored (``head``: its revision)."""
        self._opening.forget()
        self._story_read(document.story_id, document, head)

    def _story_read(self, story_id: str, document: StoryDocument, head: str | None) -> None:
        if self.editing is not None and self.editing.story_id == story_id:
            self._mark_started()
            return
        journal = RecoveryJournal(self.journal_dir / f"{story_id}.journal")
        self._install_session(self._new_session(document, head, journal))
        self._mark_started()

    def _story_failed(self, title: str, error: BaseException) -> None:
        show_error(self, title, error)
        self._mark_started()

    def _new_session(self, document: StoryDocument, base: str | None,
                     journal: RecoveryJournal,
                     saved: StoryDocument | None = None) -> EditingSession:
        session = EditingSession(self.store, self.actor, document, base, journal,
                                 self.write_pool, self, saved_document=saved)
        session.state_changed.connect(self._session_state_changed)
        session.saved.connect(self._session_saved)
        session.conflict.connect(self._session_conflict)
        session.retire_done.connect(self._session_retired)
        return session

    def _install_session(self, session: EditingSession) -> None:
        self._put_away_current()
        self.editing = session
        doc = session.document
        self.editor.load(doc.headline, doc.standfirst, doc.body)
        self._lock_editor(doc)
        opened = self.open_story()
        self.inspector.show_story(opened)
        self.request_preview(now=True)
        self._update_word_count()
        self._set_save_label(session)
        self.story_list.select_story(session.story_id)
        self.events.story_opened.emit(opened)

    def relock_editor(self) -> None:
        """Make the text writable again, as far as the open story's status allows."""
        if self.editing is None:
            self.editor.set_locked("")
        else:
            self._lock_editor(self.editing.document)

    def _lock_editor(self, doc: StoryDocument) -> None:
        allowed = self._permissions.get(doc.status)
        self.editor.set_locked(
            "" if allowed is None or allowed.content else
            f"This story is {doc.status}: only {with_article(allowed.content_role)} or above "
            f"may change it (you are {with_article(self.actor.role)}).")

    def open_recovered(self, recovered: Recovered, stored: StoryDocument | None) -> None:
        """Continue editing text recovered from a journal; it is saved straight away.

        The save is based on the revision the lost edits started from, so if the
        story changed elsewhere since, the user gets the conflict choice.
        """
        self._retiring.pop(recovered.story_id, None)
        if self.editing is not None and self.editing.story_id == recovered.story_id:
            self.editing.finish()
            self.editing = None
        # The recovered text goes into a journal of this session's own before the
        # crash's file is deleted, so no moment exists when no file holds it.
        journal = RecoveryJournal(self.journal_dir / f"{recovered.story_id}.journal")
        base = recovered.base_revision if stored is not None else None
        session = self._new_session(recovered.document, base, journal, saved=stored)
        journal.start(recovered.document, base)
        if journal.path != recovered.path:
            remove_unless_locked(recovered.path)
        session.state = SaveState.UNSAVED
        self._install_session(session)
        session.save()
        self.model.story_updated(recovered.story_id)

    def pending_sessions(self) -> list[EditingSession]:
        """The open story's session and those still saving after a switch."""
        return list(self._retiring.values()) + ([self.editing] if self.editing else [])

    def _put_away_current(self) -> None:
        current = self.editing
        if current is None:
            return
        self.editing = None
        self._retiring[current.story_id] = current
        current.retire()

    def _session_retired(self, session: EditingSession) -> None:
        if self._retiring.get(session.story_id) is session:
            del self._retiring[session.story_id]
            session.deleteLater()

    def reload_current(self) -> None:
        """Show the open story as stored now (after a restore)."""
        if self.editing is None:
            return
        story_id = self.editing.story_id
        self.editing.finish()
        self.editing.deleteLater()
        self.editing = None
        self.show_story_by_id(story_id)

    def _body_edited(self) -> None:
        if self.editing is None:
            return
        self.change_story(body=self.editor.body_text())
        self.request_preview()
        self._word_timer.start()

    def _fields_changed(self, changes: dict[str, Any]) -> None:
        self.change_story(**changes)
        self.inspector.show_story(self.open_story())

    def request_preview(self, *, now: bool = False) -> None:
        """Render the open story's page in the preview (after a typing pause unless ``now``)."""
        if self.editing is not None:
            doc = self.editing.document
            self.preview.request(doc.headline, doc.standfirst, doc.body, doc.photos, now=now,
                                 facts=PageFacts(doc, self._zone))

    def _editor_scrolled(self, value: int) -> None:
        bar = self.editor.body.verticalScrollBar()
        self.preview.follow(value / bar.maximum() if bar.maximum() else 0.0)

    def _update_word_count(self) -> None:
        words = word_count(self.editor.body_text()) if self.editing else 0
        minutes = reading_minutes(words)
        self.words_label.setText(f"{words:,} words · {minutes} min read" if self.editing
                                 else "")

    def _update_zone_label(self) -> None:
        self.zone_label.setText(f"{self._zone.key} · {describe(self.store.url)}")
        self.zone_label.setToolTip("Desk time zone and store")

    def set_zone(self, zone: ZoneInfo) -> None:
        """The desk time zone changed (settings)."""
        self._zone = zone
        self.model.set_zone(zone)
        self._update_zone_label()
        self.inspector.show_story(self.open_story())
        self.events.settings_changed.emit()

    # save state -----------------------------------------------------------------------

    def _session_state_changed(self, _state: SaveState, _detail: str) -> None:
        self._set_save_label(self.editing)

    def _set_save_label(self, session: EditingSession | None) -> None:
        if session is None:
            self.save_label.setText("No story open")
            return
        texts = {
            SaveState.SAVED: "Saved",
            SaveState.UNSAVED: "Edited",
            SaveState.SAVING: "Saving…",
            SaveState.FAILED: "Not saved — will retry",
            SaveState.CONFLICT: "Not saved — changed elsewhere",
        }
        self.save_label.setText(texts[session.state])
        self.save_label.setToolTip(session.last_error)

    def _session_saved(self, story_id: str, revision_id: str) -> None:
        self.model.story_updated(story_id)
        self.events.story_saved.emit(story_id, revision_id)
        if self.editing is not None and self.editing.story_id == story_id:
            self.fields.show_revision(revision_id)

    def _session_conflict(self, message: str) -> None:
        self.commands.resolve_conflict(self.sender(), message)

    # layout and closing ---------------------------------------------------------------

    def _restore_layout(self) -> None:
        geometry = prefs.get_bytes("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            screen = self.screen() or QGuiApplication.primaryScreen()
            self.setGeometry(first_geometry(screen.availableGeometry()))
        state = prefs.get_bytes("window/state")
        if state is not None:
            self.restoreState(state)
        self.story_list.restore_columns(prefs.get_bytes("window/storyColumns"))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._splitters_restored:
            # Splitter sizes only mean something once the window has its real size.
            self._splitters_restored = True
            restored = False
            for splitter in (self.main_split, self.centre):
                saved = prefs.get_bytes(f"window/{splitter.objectName()}")
                if saved is not None:
                    restored = splitter.restoreState(saved) or restored
            self.panels.fit(force=not restored)  # a first start gets the planned widths

    def save_layout(self) -> None:
        """Remember geometry, docks and splitters for the next start."""
        prefs.set_bytes("window/geometry", self.saveGeometry())
        prefs.set_bytes("window/state", self.saveState())
        for splitter in (self.main_split, self.centre):
            prefs.set_bytes(f"window/{splitter.objectName()}", splitter.saveState())
        prefs.set_bool("view/preview", self.acts.toggle_preview.isChecked())
        prefs.set_bytes("window/storyColumns", self.story_list.column_state())
        if self.editing is not None:
            prefs.set_str("window/lastStory", self.editing.story_id)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.commands.confirm_close():
            event.ignore()
            return
        self.save_layout()
        self.preview.wait_idle()
        self.write_pool.waitForDone()
        event.accept()
