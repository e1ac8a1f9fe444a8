"""Offering text recovered from journals after a crash."""

from __future__ import annotations

from html import escape
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
from ui.editor.history import diff_html
from ui.editor.journal import Recovered, is_locked, journals, read_journal, remove_unless_locked

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


def pending_recoveries(window: MainWindow) -> list[tuple[Recovered, StoryDocument | None]]:
    """Journals whose text the store does not hold; journals that hold nothing new go.

    A journal locked by a live window (this one, another one, another process)
    is not a crash's leftover: it is skipped, never offered nor deleted.
    """
    found = []
    for path in journals(window.journal_dir):
        if is_locked(path):
            continue
        recovered = read_journal(path)
        if recovered is None:
            continue  # no usable start line: nothing was typed into it
        try:
            with window.store.reading() as session:
                stored, _head = stories.get(session, recovered.story_id)
        except NotFound:
            stored = None
        if stored is not None and stored.normalised() == recovered.document.normalised():
            remove_unless_locked(path)
            continue
        found.append((recovered, stored))
    return found


def offer_recoveries(window: MainWindow) -> int:
    """Ask, story by story, whether to recover journalled text; returns how many asked."""
    queue = pending_recoveries(window)

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

    count = len(queue)
    next_one()
    return count
