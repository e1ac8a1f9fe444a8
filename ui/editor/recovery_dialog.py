"""Offering text recovered from journals after a crash."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from cms import stories
from cms.diff import diff_documents
from cms.document import StoryDocument
from cms.errors import NotFound
from cms.store import Store
from ui.editor.history import diff_html
from ui.editor.journal import Recovered, is_locked, journals, read_journal, remove_unless_locked
from ui.ops import Op

if TYPE_CHECKING:
    from ui.window.main_window import MainWindow


class RecoveryDialog(QDialog):
    """One recovered story: what differs from the store; recover it or discard it."""

    def __init__(self, recovered: Recovered, stored: StoryDocument | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recoveryDialog")
        self.setWindowTitle("Recover unsaved text")
        self.resize(760, 520)
        self.recovered = recovered
        headline = escape(recovered.document.headline)
        intro = QLabel(
            f"Newsroom stopped before your changes to <b>{headline}</b> were saved. "
            "They were kept in the recovery journal. Recover them to continue editing, or "
            "discard them to keep the stored version.", self)
        intro.setWordWrap(True)
        view = QTextBrowser(self)
        view.setObjectName("recoveryDiff")
        if stored is None:
            view.setPlainText(recovered.document.body)
        else:
            view.setHtml(diff_html(diff_documents(stored, recovered.document)))
        buttons = QDialogButtonBox(self)
        self.recover_button = QPushButton("Recover my text", self)
        self.recover_button.setObjectName("recoverButton")
        self.discard_button = QPushButton("Discard it", self)
        self.discard_button.setObjectName("discardButton")
        buttons.addButton(self.recover_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.discard_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        self.recover_button.clicked.connect(self.accept)
        self.discard_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(view, 1)
        layout.addWidget(buttons)
        self.recover_button.setDefault(True)


Pending = list[tuple[Recovered, StoryDocument | None]]


def pending_recoveries(store: Store, journal_dir: Path) -> Pending:
    """Journals whose text the store does not hold; journals that hold nothing new go.

    A journal locked by a live window (this one, another one, another process)
    is not a crash's leftover: it is skipped, never offered nor deleted. Reads
    files and the store: run it on a worker (:func:`find_recoveries`).
    """
    found = []
    for path in journals(journal_dir):
        if is_locked(path):
            continue
        recovered = read_journal(path)
        if recovered is None:
            continue  # no usable start line: nothing was typed into it
        try:
            with store.reading() as session:
                stored, _head = stories.get(session, recovered.story_id)
        except NotFound:
            stored = None
        if stored is not None and stored.normalised() == recovered.document.normalised():
            remove_unless_locked(path)
            continue
        found.append((recovered, stored))
    return found


def find_recoveries(window: MainWindow) -> Op[Pending]:
    """Start looking for recoverable text on a worker; the op's result is what was found.

    Started before the window's first story opens, it holds that story until the
    journals are read (:meth:`MainWindow.hold_stories`).
    """
    store, journal_dir = window.store, window.journal_dir
    op: Op[Pending] = Op(window, lambda _ctx: pending_recoveries(store, journal_dir))
    window.hold_stories(op)
    return op.run()


def offer_recoveries(window: MainWindow) -> Op[Pending]:
    """Ask, story by story, whether to recover journalled text.

    The journals and the store are read on a worker; the questions follow on the
    GUI thread. The op's result is what was offered.
    """
    op = find_recoveries(window)
    op.success(lambda found: _ask(window, list(found)))
    return op


def _ask(window: MainWindow, queue: Pending) -> None:
    def next_one() -> None:
        if not queue:
            return
        recovered, stored = queue.pop(0)
        dialog = RecoveryDialog(recovered, stored, window)

        def decided(result: int) -> None:
            if result == QDialog.DialogCode.Accepted:
                window.open_recovered(recovered, stored)
            elif not remove_unless_locked(recovered.path):
                window.show_message("That text is being edited in another window now; "
                                    "it was kept.", 8000)
            dialog.deleteLater()
            next_one()

        dialog.finished.connect(decided)
        dialog.open()

    next_one()
