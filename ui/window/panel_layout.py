"""How the window's panels share its width, from a 1024-pixel laptop to a 4K screen.

The editor (and the preview beside it) come first: the story list and the
inspector have sensible widths and minimums, and when the window is too narrow
for all of them the list folds away first, then the inspector. Both come back
by themselves when there is room again, and each can be shown or hidden by hand
(View ▸ Story List, View ▸ Inspector), which is remembered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, QRect, QSize
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QSplitter, QWidget

from ui.window import prefs

EDITOR_MIN = 360
PREVIEW_MIN = 320
LIST_MIN, LIST_MAX = 260, 460
INSPECTOR_MIN, INSPECTOR_MAX = 290, 420
CENTRE_MIN_HEIGHT = 300
FIRST_LAUNCH_SHARE = 0.85  # of a large screen; smaller screens get all of it
LARGE_SCREEN = QSize(1600, 1000)


@dataclass(frozen=True)
class Widths:
    """The widths of the list, the centre and the inspector (0: folded away)."""

    story_list: int
    centre: int
    inspector: int


def centre_minimum(preview: bool, handle: int = 0) -> int:
    """The narrowest the editor (and the preview, when shown) may get."""
    return EDITOR_MIN + (PREVIEW_MIN + handle if preview else 0)


def _clamp(value: float, least: int, most: int) -> int:
    return max(least, min(most, round(value)))


def plan_widths(total: int, *, preview: bool, story_list: bool = True,
                inspector: bool = True, keep: str = "inspector", handle: int = 6) -> Widths:
    """Share ``total`` pixels: the centre gets its minimum before any side panel.

    ``keep`` names the side panel that stays longest when only one fits.
    """
    wanted = {
        "list": _clamp(total * 0.22, LIST_MIN, LIST_MAX) if story_list else 0,
        "inspector": _clamp(total * 0.2, INSPECTOR_MIN, INSPECTOR_MAX) if inspector else 0,
    }
    need = centre_minimum(preview, handle)
    for drop in ("list", "inspector") if keep == "inspector" else ("inspector", "list"):
        shown = [w for w in wanted.values() if w]
        if total - sum(shown) - handle * len(shown) >= need:
            break
        wanted[drop] = 0
    shown = [w for w in wanted.values() if w]
    centre = total - sum(shown) - handle * len(shown)
    return Widths(wanted["list"], centre, wanted["inspector"])


def first_geometry(available: QRect) -> QRect:
    """Where a first window goes: all of a small screen, most of a large one, centred."""
    if available.width() <= LARGE_SCREEN.width() or available.height() <= LARGE_SCREEN.height():
        return QRect(available)
    size = QSize(round(available.width() * FIRST_LAUNCH_SHARE),
                 round(available.height() * FIRST_LAUNCH_SHARE))
    rect = QRect(available.topLeft(), size)
    rect.moveCenter(available.center())
    return rect


class PanelLayout(QObject):
    """Keeps the main splitter's panels within the window's width (see the module doc)."""

    def __init__(self, split: QSplitter, panels: tuple[QWidget, QWidget, QWidget],
                 toggles: tuple[QAction, QAction], preview_shown: Callable[[], bool],
                 suspended: Callable[[], bool]) -> None:
        super().__init__(split)
        self.split = split
        self.story_list, self.centre, self.inspector = panels
        self.list_action, self.inspector_action = toggles
        self._preview_shown = preview_shown
        self._suspended = suspended
        self.want_list = prefs.get_bool("view/storyList", True)
        self.want_inspector = prefs.get_bool("view/inspector", True)
        self.keep = "inspector"
        self.story_list.setMinimumWidth(LIST_MIN)
        self.inspector.setMinimumWidth(INSPECTOR_MIN)
        self.centre.setMinimumHeight(CENTRE_MIN_HEIGHT)
        # The window may get as narrow as the centre: the side panels fold before that
        # (an explicit minimum overrides the splitter's sum of its children's minimums).
        split.setMinimumWidth(centre_minimum(True, split.handleWidth()))
        for index in range(split.count()):
            split.setCollapsible(index, False)  # folding is the toggles' job, not a drag's
        split.setStretchFactor(1, 1)
        for action in toggles:
            action.setCheckable(True)
        self.list_action.setChecked(self.want_list)
        self.inspector_action.setChecked(self.want_inspector)
        split.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.split and event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def set_list_wanted(self, shown: bool) -> None:
        """The user showed or hid the story list (View ▸ Story List)."""
        self.want_list = shown
        prefs.set_bool("view/storyList", shown)
        if shown:
            self.keep = "list"  # asked for on a narrow window: the inspector makes room
        self.fit(force=True)

    def set_inspector_wanted(self, shown: bool) -> None:
        """The user showed or hid the inspector (View ▸ Inspector)."""
        self.want_inspector = shown
        prefs.set_bool("view/inspector", shown)
        if shown:
            self.keep = "inspector"
        self.fit(force=True)

    def show_list(self) -> None:
        """Bring the story list back (searching needs it), folding the inspector if need be."""
        if not self.story_list.isVisibleTo(self.split):
            self.list_action.setChecked(True)
            self.set_list_wanted(True)

    def fit(self, *, force: bool = False) -> None:
        """Fold or unfold the side panels for the splitter's width; resize if needed."""
        if self._suspended() or self.split.width() <= 0:
            return
        preview = self._preview_shown()
        plan = plan_widths(self.split.width(), preview=preview, story_list=self.want_list,
                           inspector=self.want_inspector, keep=self.keep,
                           handle=self.split.handleWidth())
        changed = False
        for widget, width, action in ((self.story_list, plan.story_list, self.list_action),
                                      (self.inspector, plan.inspector, self.inspector_action)):
            if widget.isVisibleTo(self.split) != bool(width):
                widget.setVisible(bool(width))
                changed = True
            action.setChecked(bool(width))
        sizes = self.split.sizes()
        squeezed = (sizes[1] < centre_minimum(preview, self.split.handleWidth())
                    or 0 < sizes[0] < LIST_MIN or 0 < sizes[2] < INSPECTOR_MIN)
        if force or changed or squeezed:
            self.split.setSizes([plan.story_list, plan.centre, plan.inspector])
