"""How panels plug into the main window, without editing it.

A feature module (``ui/photos/panel.py``, ``ui/inspector/related_panel.py``,
``ui/planning/view.py``, ``ui/sync/status.py``, ``ui/sync/conflicts.py``,
``ui/export/dialog.py``) defines one function::

    def install(host: WindowHost) -> None:
        host.add_inspector_tab("photos", "Photos", PhotoPanel(host))
        host.add_menu_action("File", export_action)

and is listed in :data:`EXTENSION_MODULES`. The window imports each listed
module that exists and calls ``install`` once, after its own panels are built.
An inspector tab added under a key that already exists replaces it: that is how
the photo and "Read next" editors take over from the read-only panes.

Inspector tabs (and docks that follow the open story) implement
:class:`StoryPane`: ``show_story`` is called with the open story (or None), and
a pane that edits calls ``host.change_story(field=value)``, which goes through
the same journal, autosave and conflict handling as typing in the editor.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from cms.document import StoryDocument
from cms.people import Actor
from cms.store import Store
from ui.ops import Op, OpContext

if TYPE_CHECKING:
    from ui.editor.editor import EditorPanel

T = TypeVar("T")

EXTENSION_MODULES: tuple[str, ...] = (
    "ui.photos.panel",
    "ui.inspector.related_panel",
    "ui.planning.view",
    "ui.sync.status",
    "ui.sync.conflicts",
    "ui.export.dialog",
    "ui.editor.spelling",
    "ui.desk.notes_panel",
    "ui.desk.assign_panel",
    "ui.desk.updates_panel",
    "ui.desk.presence",
    "ui.desk.my_desk",
    "ui.desk.list_marks",
    "ui.desk.update_mode",
)
MENUS = ("File", "Edit", "View", "Format", "Story", "Tools", "Help")


@dataclass(frozen=True)
class OpenStory:
    """The story the window shows, as panes see it."""

    document: StoryDocument
    revision_id: str  # the stored revision the edits are based on
    zone: ZoneInfo  # the desk time zone for showing and entering times
    stored: StoryDocument | None = None  # what the store holds at ``revision_id`` (no edits)


class StoryPane(Protocol):
    """A widget that follows the open story."""

    def show_story(self, story: OpenStory | None) -> None:
        """Show ``story`` (None when no story is open)."""


class WindowEvents(QObject):
    """What happened in the window; extensions connect to these."""

    story_opened = Signal(object)  # OpenStory | None
    story_changed = Signal(object)  # OpenStory, after any edit (typing included)
    story_saved = Signal(str, str)  # story id, revision id
    stories_changed = Signal()  # the set of stories changed (import, sync): lists reload
    settings_changed = Signal()  # desk settings (time zone …) changed
    desk_changed = Signal()  # notes, assignments or updates changed: desk views reload
    # A kind of mark on stories in the list ("notes", "editing") and its stories, each with
    # its text; the list replaces that kind's marks with these.
    story_marks = Signal(str, object)  # kind, dict[str, str]: story id → text
    # At start: True when the story open last time was reopened, False when there was none
    # to reopen (the start page, "My desk", shows then). Emitted once; ``restored`` keeps
    # the answer for extensions installed after it (None until then).
    start_decided = Signal(bool)
    restored: bool | None = None

    def decide_start(self, restored: bool) -> None:
        """Say (once) whether the window reopened the last story at start."""
        if self.restored is None:
            self.restored = restored
            self.start_decided.emit(restored)


class WindowHost(Protocol):
    """What the main window offers to extensions."""

    store: Store
    actor: Actor
    events: WindowEvents
    editor: EditorPanel  # the writing area: spellcheck hooks into it, notes mark passages

    def zone(self) -> ZoneInfo:
        """The desk time zone."""

    def open_story(self) -> OpenStory | None:
        """The story being edited, with the user's unsaved changes."""

    def change_story(self, **fields: Any) -> None:
        """Change fields of the open story as the user's edit."""

    def show_story_by_id(self, story_id: str) -> None:
        """Open another story in the editor."""

    def reload_current(self) -> None:
        """Show the open story as stored now (after a workflow move or a restore).

        The open edits are saved first; every pane gets ``show_story`` again."""

    def add_inspector_tab(self, key: str, title: str, pane: QWidget) -> None:
        """Add (or replace, by key) a tab in the inspector; ``pane`` is a StoryPane."""

    def add_dock(self, key: str, title: str, widget: QWidget,
                 area: Qt.DockWidgetArea = Qt.DockWidgetArea.BottomDockWidgetArea) -> None:
        """Add a dock window (its visibility toggle goes into the View menu).

        It starts hidden the first time, then reopens as the user left it."""

    def show_dock(self, key: str) -> None:
        """Show and raise a dock (e.g. when a conflict needs attention)."""

    def add_menu_action(self, menu: str, action: QAction) -> None:
        """Add an action to one of :data:`MENUS`."""

    def add_status_widget(self, widget: QWidget) -> None:
        """Add a permanent widget to the status bar (e.g. sync state)."""

    def run_op(self, work: Callable[[OpContext], T], *, title: str | None = None,
               cancellable: bool = True) -> Op[T]:
        """Run long work on a worker thread with progress and cancel (not started yet)."""

    def show_message(self, text: str, timeout_ms: int = 5000) -> None:
        """A short note in the status bar."""

    def add_close_guard(self, guard: Callable[[], bool]) -> None:
        """Ask ``guard()`` before the window closes: False keeps it open (it may ask the user)."""


def install_extensions(host: WindowHost, modules: tuple[str, ...] | None = None,
                       report: Callable[[str], None] | None = None) -> list[str]:
    """Install every listed extension module that exists; returns the installed names.

    A module that is absent is skipped; one that fails is reported (to ``report``
    and stderr) and the window carries on without it.
    """
    installed = []
    for name in EXTENSION_MODULES if modules is None else modules:
        try:
            if importlib.util.find_spec(name) is None:
                continue
            module = importlib.import_module(name)
            install: Any = getattr(module, "install", None)
            if install is None:
                raise AttributeError(f"{name} has no install(host) function")
            install(host)
        except Exception as exc:
            message = f"the {name} panel could not be loaded: {exc}"
            print(f"newsroom: {message}", file=sys.stderr)
            if report is not None:
                report(message)
            continue
        installed.append(name)
    return installed
