"""Sync in the status bar: Sync now, automatic sync with backoff, progress, last sync, state.

:class:`SyncController` runs :func:`cms.sync.replication.sync` on a worker
thread (the GUI thread never waits on the central store), every
:data:`AUTO_INTERVAL_S` seconds while the central store answers and with
exponential backoff while it does not. :class:`SyncStatusWidget` shows what the
controller reports. ``install(host)`` puts both into the main window.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from cms.config import get_setting
from cms.errors import NewsroomError
from cms.rules import with_article
from cms.store import Store
from cms.sync.conflicts import conflicted_story_ids
from cms.sync.holds import Hold, open_holds
from cms.sync.replication import SyncReport, sync
from cms.timeutil import format_local, utcnow
from ui.ops import Op, OpContext

AUTO_INTERVAL_S = 120
BACKOFF_FIRST_S = 15
BACKOFF_MAX_S = 600


@dataclass(frozen=True)
class SyncStatus:
    """What the status bar shows."""

    state: str = "idle"  # idle | syncing | ok | offline | unconfigured
    message: str = ""
    last_success: datetime | None = None
    done: int = 0
    total: int = 0
    conflicts: int = 0
    retry_in_s: int = 0
    held: tuple[str, ...] = ()  # changes the secured central store refused, one line each
    held_needs: tuple[str, ...] = ()  # the roles they need


def backoff_delay(failures: int) -> int:
    """Seconds to wait after ``failures`` failed syncs in a row (15 s doubling, 10 min cap)."""
    if failures <= 0:
        return AUTO_INTERVAL_S
    return min(BACKOFF_FIRST_S << min(failures - 1, 16), BACKOFF_MAX_S)


SyncOutcome = tuple[SyncReport | None, int, list[Hold]]  # report, conflicts, held changes


def run_sync(store: Store, author: str, context: OpContext) -> SyncOutcome:
    """One sync if a central store is set, then the conflicts and holds (a worker's work)."""
    with store.reading() as session:
        url = get_setting(session, "central_url")
    report: SyncReport | None = None
    if url:
        report = sync(store, url, author=author,
                      progress=lambda stage, done, total: context.progress(done, total, stage),
                      cancel=context)
    with store.reading() as session:
        conflicts = len(conflicted_story_ids(session))
        held = open_holds(session)
    return report, conflicts, held


class SyncController(QObject):
    """Runs syncs (on demand and automatically) and reports their state."""

    status_changed = Signal(object)  # SyncStatus
    synced = Signal(object)  # SyncReport, after a sync that finished

    def __init__(self, store: Store, author: str, *, auto: bool = True,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.author = author
        self.failures = 0
        self._status = SyncStatus()
        self._op: Op[SyncOutcome] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.sync_now)
        self._auto = auto
        if auto:
            self._timer.start(2000)  # first automatic sync shortly after start-up

    @property
    def status(self) -> SyncStatus:
        """The latest state."""
        return self._status

    @property
    def running(self) -> bool:
        """True while a sync is in progress."""
        return self._op is not None

    def sync_now(self) -> None:
        """Start a sync unless one is running."""
        if self._op is not None:
            return
        self._timer.stop()
        self._set(replace(self._status, state="syncing", message="Syncing…", done=0, total=0))
        store, author = self.store, self.author
        self._op = Op(None, lambda context: run_sync(store, author, context),
                      owner=self).progress(
            self._on_progress).success(lambda outcome: self._on_done(outcome, None)).failure(
            lambda error: self._on_done(None, error)).run()

    def stop(self) -> None:
        """Stop automatic syncs and ask a running one to stop."""
        self._auto = False
        self._timer.stop()
        if self._op is not None:
            self._op.cancel()

    def _set(self, status: SyncStatus) -> None:
        self._status = status
        self.status_changed.emit(status)

    def _on_progress(self, done: int, total: int, stage: str) -> None:
        words = {"pull": "Receiving", "push": "Sending", "merge": "Merging"}
        self._set(replace(self._status, message=f"{words.get(stage, stage)}…",
                          done=done, total=total))

    def _on_done(self, result: SyncOutcome | None, error: BaseException | None) -> None:
        self._op = None
        if error is not None:
            self.failures += 1
            delay = backoff_delay(self.failures)
            text = str(error) if isinstance(error, NewsroomError) else (
                f"{type(error).__name__}: {error}")
            self._set(replace(self._status, state="offline", message=text, retry_in_s=delay))
        elif result is not None:
            report, conflicts, held = result
            self.failures = 0
            delay = AUTO_INTERVAL_S
            if report is None:
                self._set(SyncStatus(state="unconfigured", conflicts=conflicts,
                                     message="No central store set (Settings → central_url)"))
            else:
                first = {item.story_id: item for item in reversed(held)}  # one line a story
                lines = tuple(f"{item.headline or item.slug}: {item.reason}"
                              for item in first.values())
                needs = tuple(sorted({item.need_role for item in held if item.need_role}))
                self._set(SyncStatus(state="ok", last_success=utcnow(), conflicts=conflicts,
                                     message="; ".join(report.warnings), held=lines,
                                     held_needs=needs))
                self.synced.emit(report)
        if self._auto:
            self._timer.start(delay * 1000)


def status_text(status: SyncStatus, zone: Any) -> str:
    """The status bar's words for a state."""
    if status.state == "syncing":
        if status.total:
            return f"{status.message} {status.done}/{status.total}"
        return status.message or "Syncing…"
    if status.state == "offline":
        minutes = max(status.retry_in_s // 60, 1)
        return f"Sync failed; retrying in {minutes} min" if status.retry_in_s >= 60 else \
            f"Sync failed; retrying in {status.retry_in_s} s"
    if status.state == "unconfigured":
        return "Not syncing (no central store)"
    if status.state == "ok" and status.last_success is not None:
        text = f"Synced {format_local(status.last_success, zone, '%H:%M')}"
        if status.conflicts:
            text += f" · {status.conflicts} conflict{'s' if status.conflicts != 1 else ''}"
        if status.held:
            count = len(status.held)
            needs = " or ".join(with_article(role) for role in status.held_needs)
            text += f" · {count} change{'s' if count != 1 else ''} held" + (
                f": need{'s' if count == 1 else ''} {needs}" if needs else "")
        return text
    return "Not synced yet"


class SyncStatusWidget(QWidget):
    """Status bar widget: state and last sync, a progress bar while syncing, Sync now."""

    def __init__(self, controller: SyncController, zone: Any,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self._zone = zone
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel("Not synced yet", self)
        self.label.setObjectName("syncState")
        self.progress = QProgressBar(self)
        self.progress.setMaximumWidth(90)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.button = QToolButton(self)
        self.button.setText("Sync now")
        self.button.setToolTip("Send and receive changes with the central store (Ctrl+Shift+S)")
        self.button.clicked.connect(controller.sync_now)
        layout.addWidget(self.label)
        layout.addWidget(self.progress)
        layout.addWidget(self.button)
        controller.status_changed.connect(self.show_status)

    def set_zone(self, zone: Any) -> None:
        """Show times in another desk zone."""
        self._zone = zone
        self.show_status(self.controller.status)

    @Slot(object)
    def show_status(self, status: SyncStatus) -> None:
        """Reflect ``status``."""
        self.label.setText(status_text(status, self._zone))
        self.label.setToolTip("\n".join(
            [status.message or (NOT_SYNCING_HINT if status.state == "unconfigured" else ""),
             *(["Held here, not on the desk:"] if status.held else []), *status.held]).strip())
        syncing = status.state == "syncing"
        self.button.setEnabled(not syncing)
        self.progress.setVisible(syncing)
        self.progress.setRange(0, status.total or 0)
        if status.total:
            self.progress.setValue(min(status.done, status.total))


NOT_SYNCING_HINT = ("This copy works alone. To share stories with the desk, enter the "
                    "central store in File ▸ Settings.")


def install(host: Any) -> None:
    """Put the sync state and a Sync Now action into the main window."""
    controller = SyncController(host.store, host.actor.username)
    widget = SyncStatusWidget(controller, host.zone())
    controller.setParent(widget)
    host.add_status_widget(widget)
    action = QAction("Sync Now", widget)
    action.setShortcut(QKeySequence("Ctrl+Shift+S"))
    action.triggered.connect(controller.sync_now)
    host.add_menu_action("File", action)

    def after_sync(report: SyncReport) -> None:
        if report.pulled_revisions or report.merged or report.conflicts or report.held \
                or report.settled:
            host.events.stories_changed.emit()

    controller.synced.connect(after_sync)
    host.events.settings_changed.connect(lambda: widget.set_zone(host.zone()))
