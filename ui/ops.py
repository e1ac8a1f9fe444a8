"""Long work on a worker thread, with progress, cancel and one result on the GUI thread.

Modelled on Anki's ``CollectionOp``: the work is a plain function that receives
an :class:`OpContext` (report progress, ask whether to stop) and opens its own
``store.session()``; it never touches widgets. The result or the exception is
delivered back on the GUI thread to the ``success``/``failure`` callbacks.

    Op(window, lambda ctx: import_tree(store, actor, root, progress=ctx.progress,
                                       cancelled=ctx.cancelled),
       title="Importing stories").success(show_report).run()

Ops without a title run silently (autosave); with a title they show a progress
dialog with a Cancel button after a short delay, so quick work never flashes one.

:class:`QueryOp` is the read-only kind, as Anki's ``QueryOp``: ``query(session)``
runs inside ``store.reading()`` on a worker thread (never the SQLite write lock).

    QueryOp(window, store, lambda session: stories.get(session, story_id)
            ).success(open_story).run()

Every store call the window makes goes through one of the two: the GUI thread
never waits on a database (a test fails when it does: ``tests/gui/threadguard.py``).
A result whose parent widget (or ``owner``) was destroyed meanwhile is dropped. :class:`Latest`
keeps one purpose's newest request: an older result that arrives after a newer
request was made is dropped unseen.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget
from shiboken6 import isValid

from cms.errors import NewsroomError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from cms.store import Store

T = TypeVar("T")
PROGRESS_DIALOG_DELAY_MS = 400

_running: set[Op[Any]] = set()


class OpCancelled(Exception):
    """Raised inside work that chooses to stop when asked to cancel."""


class OpContext:
    """What the work function may do: report progress and check for a cancel request."""

    def __init__(self, emit: Callable[[int, int, str], None], cancel: threading.Event) -> None:
        self._emit = emit
        self._cancel = cancel

    def progress(self, done: int, total: int, label: str = "") -> None:
        """Report ``done`` of ``total`` steps (thread-safe; the dialog updates later)."""
        self._emit(done, total, label)

    def cancelled(self) -> bool:
        """True once the user pressed Cancel."""
        return self._cancel.is_set()

    def is_set(self) -> bool:
        """The same as :meth:`cancelled`: a context is a cancel flag for the core's loops."""
        return self._cancel.is_set()

    def check(self) -> None:
        """Raise :class:`OpCancelled` if the user pressed Cancel."""
        if self._cancel.is_set():
            raise OpCancelled


class _Bridge(QObject):
    """Lives on the GUI thread; worker emits are queued across to it."""

    progressed = Signal(int, int, str)
    done = Signal(object, object)  # result, exception


class _Task(QRunnable):
    def __init__(self, work: Callable[[OpContext], Any], bridge: _Bridge,
                 cancel: threading.Event) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._work = work
        self._bridge = bridge
        self._cancel = cancel
        self.let_go = threading.Event()  # set once this thread holds no reference to the op

    def run(self) -> None:
        bridge, work = self._bridge, self._work
        try:
            context = OpContext(bridge.progressed.emit, self._cancel)
            try:
                result = work(context)
            except BaseException as exc:  # delivered to the GUI thread, never swallowed
                exc.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
                bridge.done.emit(None, exc)
            else:
                bridge.done.emit(result, None)
            del context, bridge, work
            self._bridge = self._work = None  # type: ignore[assignment]
        finally:
            # Only now may the GUI thread let go of the op: the last reference to the
            # bridge (a QObject of the GUI thread) and to the work's closure must never
            # be dropped here, on the worker, where destroying them crashes Qt.
            self.let_go.set()


def describe_error(exc: BaseException) -> str:
    """A message a person can act on: the core's own text, else the exception's type."""
    if isinstance(exc, NewsroomError):
        return str(exc)
    from sqlalchemy.exc import SQLAlchemyError

    if isinstance(exc, SQLAlchemyError):
        from cms.store import db_error_message

        return db_error_message(exc)
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc} ({exc.filename})" if exc.filename else str(exc)
    return f"unexpected error: {type(exc).__name__}: {exc}"


def show_error(parent: QWidget | None, title: str, exc: BaseException) -> None:
    """The standard error box: one clear line, the traceback only for unexpected errors."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, describe_error(exc),
                      QMessageBox.StandardButton.Ok, parent)
    if not isinstance(exc, NewsroomError):
        box.setDetailedText(getattr(exc, "__traceback_text__", "") or repr(exc))
    box.open()


class Op(QObject, Generic[T]):
    """One unit of background work; see the module docstring."""

    finished = Signal()

    def __init__(
        self,
        parent: QWidget | None,
        work: Callable[[OpContext], T],
        *,
        title: str | None = None,
        cancellable: bool = True,
        pool: QThreadPool | None = None,
        owner: QObject | None = None,
    ) -> None:
        super().__init__(None)
        self._parent = parent
        self._owner = owner  # its result is dropped once this object is destroyed
        self._work = work
        self._title = title
        self._cancellable = cancellable
        self._pool = pool or QThreadPool.globalInstance()
        self._cancel = threading.Event()
        self._bridge = _Bridge()
        self._bridge.progressed.connect(self._on_progress)
        self._bridge.done.connect(self._on_done)
        self._on_success: Callable[[T], None] | None = None
        self._on_failure: Callable[[BaseException], None] | None = None
        self._on_progress_report: Callable[[int, int, str], None] | None = None
        self._dialog: QProgressDialog | None = None
        self._dialog_timer: QTimer | None = None
        self.result: T | None = None
        self.error: BaseException | None = None
        self.delivered = False  # True once the result (or error) has come back
        self._task_let_go = threading.Event()

    @property
    def parent_widget(self) -> QWidget | None:
        """The widget the op reports to."""
        return self._parent

    @property
    def title(self) -> str | None:
        """The progress dialog's title (None: the op runs silently)."""
        return self._title

    def success(self, callback: Callable[[T], None]) -> Op[T]:
        """Call ``callback(result)`` on the GUI thread when the work returns."""
        self._on_success = callback
        return self

    def progress(self, callback: Callable[[int, int, str], None]) -> Op[T]:
        """Call ``callback(done, total, label)`` on the GUI thread as the work reports."""
        self._on_progress_report = callback
        return self

    def failure(self, callback: Callable[[BaseException], None]) -> Op[T]:
        """Call ``callback(exception)`` on the GUI thread when the work raises."""
        self._on_failure = callback
        return self

    def cancel(self) -> None:
        """Ask the work to stop (it checks :meth:`OpContext.cancelled`)."""
        self._cancel.set()

    def run(self) -> Op[T]:
        """Start the work; returns self so callers may keep a handle."""
        _running.add(self)
        if self._title:
            self._dialog_timer = QTimer(self)
            self._dialog_timer.setSingleShot(True)
            self._dialog_timer.timeout.connect(self._show_dialog)
            self._dialog_timer.start(PROGRESS_DIALOG_DELAY_MS)
        task = _Task(self._work, self._bridge, self._cancel)
        self._task_let_go = task.let_go
        self._pool.start(task)
        return self

    @Slot()
    def _show_dialog(self) -> None:
        dialog = QProgressDialog(self._title or "", "Cancel" if self._cancellable else "",
                                 0, 0, self._parent)
        dialog.setWindowTitle(self._title or "")
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        if self._cancellable:
            dialog.canceled.connect(self._on_cancel_pressed)
        else:
            dialog.setCancelButton(None)
        dialog.show()
        self._dialog = dialog

    @Slot()
    def _on_cancel_pressed(self) -> None:
        self.cancel()
        if self._dialog is not None:
            self._dialog.setLabelText("Cancelling…")

    @Slot(int, int, str)
    def _on_progress(self, done: int, total: int, label: str) -> None:
        if self._on_progress_report is not None and not self._cancel.is_set():
            self._on_progress_report(done, total, label)
        if self._dialog is None or self._cancel.is_set():
            return
        self._dialog.setMaximum(max(total, 0))
        self._dialog.setValue(min(done, total) if total else 0)
        if label:
            self._dialog.setLabelText(f"{self._title}\n{label}")

    @Slot(object, object)
    def _on_done(self, result: Any, error: BaseException | None) -> None:
        if self._dialog_timer is not None:
            self._dialog_timer.stop()
        if self._dialog is not None:
            self._dialog.close()
            self._dialog.deleteLater()
            self._dialog = None
        try:
            if any(who is not None and not isValid(who) for who in (self._parent, self._owner)):
                pass  # the object that asked is gone: nobody to show the result to
            elif error is None:
                self.result = result
                if self._on_success is not None:
                    self._on_success(result)
            elif isinstance(error, OpCancelled):
                pass  # the user asked for it; the caller's state is unchanged
            else:
                self.error = error
                if self._on_failure is not None:
                    self._on_failure(error)
                else:
                    show_error(self._parent, self._title or "Newsroom", error)
        finally:
            self.delivered = True
            self.finished.emit()
            # Let go of this op only once the queued signal that called us has been
            # delivered (dropping the last reference here would destroy the bridge
            # inside its own emission) and the worker has dropped its own references.
            QTimer.singleShot(0, self._release)

    def _release(self) -> None:
        if self._task_let_go.is_set():
            _running.discard(self)
        else:  # the worker is between its last emit and the end of its run
            QTimer.singleShot(5, self._release)


def running_ops() -> int:
    """How many ops have not delivered their result yet."""
    return len(_running)


class QueryOp(Op[T]):
    """Read-only store work: ``query(session)`` in ``store.reading()`` on a worker thread.

    As Anki's ``QueryOp``: the result comes back on the GUI thread to ``success``;
    an error goes to ``failure``, else to the standard error box.
    """

    def __init__(
        self,
        parent: QWidget | None,
        store: Store,
        query: Callable[[Session], T],
        *,
        title: str | None = None,
        pool: QThreadPool | None = None,
        owner: QObject | None = None,
    ) -> None:
        def work(_context: OpContext) -> T:
            with store.reading() as session:
                return query(session)

        super().__init__(parent, work, title=title, cancellable=False, pool=pool, owner=owner)


class Latest:
    """The newest of one purpose's ops: results of ops started before it are dropped.

    For reads that follow the user (the open story, a filter): the story read
    last is the one shown, however the reads finish.
    """

    def __init__(self) -> None:
        self._serial = 0
        self._delivered = 0
        self.dropped = 0  # results overtaken by a newer request, never delivered

    def run(self, op: Op[T], success: Callable[[T], None],
            failure: Callable[[BaseException], None] | None = None) -> Op[T]:
        """Start ``op``; ``success`` (or ``failure``, else the error box) runs only if
        no newer op was started meanwhile."""
        self._serial += 1
        serial = self._serial

        def current() -> bool:
            if serial != self._serial:
                self.dropped += 1
                return False
            self._delivered = serial
            return True

        def deliver(result: T) -> None:
            if current():
                success(result)

        def failed(error: BaseException) -> None:
            if not current():
                return
            if failure is not None:
                failure(error)
            else:
                show_error(op.parent_widget, op.title or "Newsroom", error)

        return op.success(deliver).failure(failed).run()

    def pending(self) -> bool:
        """True while the newest op has not delivered."""
        return self._serial != self._delivered

    def forget(self) -> None:
        """Drop the result of every op started so far."""
        self._serial += 1
        self._delivered = self._serial
