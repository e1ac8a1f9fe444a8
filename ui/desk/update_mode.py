"""Saving changes to a live story as a pending update, from the window.

When the open story is out (a public status), a banner above the editor says so:
an editor's changes there go live when saved; a reporter may not change it, and
their changes go in as a **pending update** instead. "Save as update…" (the banner's
button, or Story ▸ Save as Update…) opens the story's text in a dialog; what is
saved there becomes a pending update (:func:`cms.desk.updates.propose`, the same
call as ``newsroom story edit ID … --as-update [--at TIME]``), optionally with the
time it goes live and a correction note. The live story is unchanged until a desk
chief approves it; the Updates dock then shows it beside the live version, with
its diff.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cms import workflow
from cms.desk import updates
from cms.rules import load_rules
from cms.schedule import parse_desk_time
from ui.ops import Op, QueryOp, describe_error
from ui.window.extensions import OpenStory, WindowHost
from ui.window.theme import banner_style

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from cms.people import Actor

SAVED = "Saved as a pending update; the live story is unchanged."
STILL_SAVING = "Still saving the update: wait until it is stored."
TEXT_FIELDS = ("headline", "standfirst", "body")


@dataclass(frozen=True)
class LiveRules:
    """What the window needs to know about live stories: which statuses, and my right."""

    public: frozenset[str]
    changeable: frozenset[str]  # the public statuses whose text my role may change directly
    approver: str  # the role that approves updates


@dataclass(frozen=True)
class UpdateDraft:
    """What the dialog sends: the fields the person changed, on the revision they saw."""

    story_id: str
    base: str  # the stored revision the dialog's text came from
    correction: str
    message: str
    at: str  # as typed: a desk time or ISO 8601; empty: when approved
    changes: dict[str, str] = field(default_factory=dict)  # only the fields changed


def read_live_rules(session: Session, actor: Actor) -> LiveRules:
    """The public statuses and where ``actor`` may change a live story (on a worker)."""
    rules = load_rules(session)
    changeable = frozenset(status for status in rules.public
                           if workflow.permissions(session, actor, status).content)
    return LiveRules(rules.public, changeable, rules.publish_role)


def save_as_update(host: WindowHost, draft: UpdateDraft) -> str:
    """Store ``draft`` as a pending update (on a worker); returns its id.

    It is recorded on the revision the dialog started from, so a change made live
    meanwhile (a correction, a sync) is kept when the update goes live."""
    with host.store.session() as session:
        at = parse_desk_time(session, draft.at) if draft.at.strip() else None
        return updates.propose(session, host.actor, draft.story_id, dict(draft.changes),
                               base=draft.base or None, message=draft.message, at=at,
                               correction=draft.correction)


class UpdateDialog(QDialog):
    """The open story's text, to be saved as a pending update (never straight to live).

    It starts from the stored revision (not the editor's unsaved edits) and sends
    only the fields changed here. While saving it cannot be closed; closing it with
    changed text asks first, so typed text is never dropped silently."""

    saved = Signal(str)  # the update's id

    def __init__(self, host: WindowHost, story: OpenStory,
                 submit: Callable[[UpdateDialog, UpdateDraft], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("updateDialog")
        self.setWindowTitle("Save as update")
        self._host = host
        self._submit = submit
        self._story_id = story.document.story_id
        self._base = story.revision_id
        self._busy = False
        self._done = False  # saved, or the user chose to discard: close without asking
        doc = story.stored or story.document
        self._start = {"headline": doc.headline, "standfirst": doc.standfirst,
                       "body": doc.body}
        intro = QLabel("Readers keep seeing the live story until this update goes live: at "
                       "the time below once approved, or when a desk chief approves it.", self)
        intro.setWordWrap(True)
        self.headline = QLineEdit(doc.headline, self)
        self.headline.setObjectName("updateHeadline")
        self.standfirst = QPlainTextEdit(doc.standfirst, self)
        self.standfirst.setObjectName("updateStandfirst")
        self.standfirst.setMaximumHeight(70)
        self.body = QPlainTextEdit(doc.body, self)
        self.body.setObjectName("updateBody")
        self.correction = QLineEdit(self)
        self.correction.setObjectName("updateCorrection")
        self.correction.setPlaceholderText("Optional: a correction note shown with the story")
        self.note = QLineEdit(self)
        self.note.setObjectName("updateMessage")
        self.note.setPlaceholderText("Optional: what the update changes, for the desk")
        self.at = QLineEdit(self)
        self.at.setObjectName("updateAt")
        self.at.setPlaceholderText("Optional, desk time: 2026-12-03 18:00 (empty: when approved)")
        self.message = QLabel(self)
        self.message.setObjectName("updateDialogMessage")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        form = QFormLayout()
        form.addRow("Headline", self.headline)
        form.addRow("Standfirst", self.standfirst)
        form.addRow("Text", self.body)
        form.addRow("Correction", self.correction)
        form.addRow("Goes live at", self.at)
        form.addRow("Message", self.note)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.save_button = self.buttons.addButton("Save as Update",
                                                  QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("saveAsUpdate")
        self.buttons.rejected.connect(self.reject)
        self.save_button.clicked.connect(self.save)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(720, 620)

    def texts(self) -> dict[str, str]:
        """The story's fields as the dialog shows them now."""
        return {"headline": self.headline.text(), "standfirst": self.standfirst.toPlainText(),
                "body": self.body.toPlainText()}

    def draft(self) -> UpdateDraft:
        """What the dialog holds now: only the fields changed here count as changes."""
        changes = {name: value for name, value in self.texts().items()
                   if value != self._start[name]}
        return UpdateDraft(self._story_id, self._base, self.correction.text(),
                           self.note.text(), self.at.text(), changes)

    def changed(self) -> bool:
        """True when the dialog holds something typed (that closing would drop)."""
        draft = self.draft()
        return bool(draft.changes or draft.correction.strip() or draft.message.strip()
                    or draft.at.strip())

    def busy(self) -> bool:
        """True while the update is being saved."""
        return self._busy

    def save(self) -> None:
        """Save as a pending update (on a worker); a refusal is shown and the text kept."""
        if self._busy:
            return
        self._busy = True
        self.save_button.setEnabled(False)
        self.message.setText("Saving…")
        self._submit(self, self.draft())

    def finish_saving(self, update_id: str) -> None:
        """The update is stored: say so and close."""
        self._busy = False
        self._done = True
        self.saved.emit(update_id)
        self.accept()

    def saving_failed(self, error: BaseException) -> None:
        """The update was refused: say why; the typed text stays."""
        self._busy = False
        self.save_button.setEnabled(True)
        self.message.setText(f"Not saved: {describe_error(error)}")

    def discard(self) -> None:
        """Close without asking (the user chose to drop the text)."""
        self._done = True
        self.reject()

    def may_close(self) -> bool:
        """Refuse while saving; ask before dropping changed text. True: it may close."""
        if self._busy:
            self.message.setText(STILL_SAVING)
            return False
        if self._done or not self.changed():
            return True
        box = QMessageBox(QMessageBox.Icon.Question, "Discard the update?",
                          "The update typed here is not saved. Discard it?", parent=self)
        box.setObjectName("discardUpdateBox")
        keep = box.addButton("Keep editing", QMessageBox.ButtonRole.RejectRole)
        box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(keep)
        box.exec()
        if box.clickedButton() is keep:
            return False
        self._done = True
        return True

    def reject(self) -> None:
        """Cancel, Esc or the close button: never while saving, and asks about typed text."""
        if self.may_close():
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._busy:  # QDialog's own close calls reject(); this guards any other path
            self.message.setText(STILL_SAVING)
            event.ignore()
            return
        super().closeEvent(event)


class LiveBanner(QFrame):
    """"This story is live …" above the editor, with "Save as Update…"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("liveBanner")
        self.setStyleSheet(banner_style("liveBanner", "info"))
        self.label = QLabel(self)
        self.label.setObjectName("liveText")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.button = QPushButton("Save as Update…", self)
        self.button.setObjectName("openUpdateDialog")
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        row.addWidget(self.label, 1)
        row.addWidget(self.button)
        self.hide()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        style = banner_style("liveBanner", "info")  # the application's theme
        if event.type() == QEvent.Type.PaletteChange and style != self.styleSheet():
            self.setStyleSheet(style)  # the theme switched (setting it changes the palette)


class UpdateMode(QObject):
    """Follows the open story: the banner when it is live, the dialog on request."""

    def __init__(self, host: WindowHost, banner: LiveBanner, action: QAction) -> None:
        super().__init__(host.editor)
        self._host = host
        self.banner = banner
        self.action = action
        self.rules: LiveRules | None = None
        self.dialog: UpdateDialog | None = None
        self._story: OpenStory | None = None
        self.last_saved: str | None = None
        banner.button.clicked.connect(self.open_dialog)
        action.triggered.connect(self.open_dialog)

    def load_rules(self) -> None:
        """Read which statuses are live and my right to change them (on a worker)."""
        store, actor = self._host.store, self._host.actor
        QueryOp(None, store, lambda session: read_live_rules(session, actor),
                owner=self).success(self._rules_read).failure(
            lambda error: self._host.show_message(
                f"Live stories: {describe_error(error)}", 5000)).run()

    def _rules_read(self, rules: LiveRules) -> None:
        self.rules = rules
        self._show()

    def show_story(self, story: OpenStory | None) -> None:
        """The editor opened another story (or none)."""
        if (story is None or self._story is None
                or story.document.story_id != self._story.document.story_id):
            self.last_saved = None
        self._story = story
        self._show()

    def is_live(self) -> bool:
        """True when the open story is out (readers see it)."""
        return (self._story is not None and self.rules is not None
                and self._story.document.status in self.rules.public)

    def _show(self) -> None:
        live = self.is_live()
        self.action.setEnabled(live)
        if not live or self.rules is None:
            self.banner.hide()
            return
        approver = self.rules.approver.replace("_", " ")
        if self._story is not None and self._story.document.status in self.rules.changeable:
            text = ("This story is live: what you change here goes live when it is saved. "
                    "To prepare changes that go live later, or after approval, save them "
                    "as an update.")
        else:
            text = (f"This story is live: you may not change it directly. Save your changes "
                    f"as an update instead; it goes live when {approver}s approve it, and "
                    "the live story is unchanged until then.")
        if self.last_saved:
            text = SAVED + " It waits in the Updates panel."
        self.banner.label.setText(text)
        self.banner.show()

    def open_dialog(self) -> UpdateDialog | None:
        """Open the "Save as update" dialog on the open story (when it is live)."""
        if self.dialog is not None:  # one at a time: typed text is never replaced
            self.dialog.raise_()
            self.dialog.activateWindow()
            return self.dialog
        story = self._host.open_story()
        if story is None or not self.is_live():
            self._host.show_message("Updates are for live stories: edit this one directly.")
            return None
        dialog = UpdateDialog(self._host, story, self._submit, self._host.editor.window())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _result: self._closed(dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _submit(self, dialog: UpdateDialog, draft: UpdateDraft) -> None:
        """Save ``draft`` on a worker; the answer comes here (the mode outlives the dialog)."""
        host = self._host
        Op(host.editor.window(), lambda _ctx: save_as_update(host, draft), owner=self).success(
            lambda update_id: self._saved(dialog, update_id)).failure(
            lambda error: self._failed(dialog, error)).run()

    def _closed(self, dialog: UpdateDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None  # it deletes itself on closing

    def _saved(self, dialog: UpdateDialog, update_id: str) -> None:
        self.last_saved = update_id
        self._host.show_message(SAVED, 15000)
        self._host.events.desk_changed.emit()  # the Updates dock shows it beside live
        self._show()
        if self.dialog is dialog:
            dialog.finish_saving(update_id)

    def _failed(self, dialog: UpdateDialog, error: BaseException) -> None:
        if self.dialog is dialog:
            dialog.saving_failed(error)
        else:
            self._host.show_message(f"Update not saved: {describe_error(error)}", 15000)

    def may_close_window(self) -> bool:
        """Asked before the window closes: an update being saved or typed keeps it open."""
        dialog = self.dialog
        if dialog is None:
            return True
        dialog.raise_()
        if dialog.busy():
            dialog.message.setText(STILL_SAVING)
            self._host.show_message(STILL_SAVING, 5000)
            return False
        if not dialog.may_close():
            return False
        dialog.discard()
        return True


def install(host: WindowHost) -> None:
    """Put the live-story banner above the editor and "Save as Update…" in the Story menu."""
    banner = LiveBanner(host.editor)
    layout = host.editor.layout()
    if isinstance(layout, QVBoxLayout):
        layout.insertWidget(0, banner)
    action = QAction("Save as Update…", host.editor)
    action.setObjectName("saveAsUpdateAction")
    action.setShortcut(QKeySequence("Ctrl+Alt+U"))
    action.setStatusTip("Save changes to a live story as a pending update (the live story "
                        "is unchanged until it is approved)")
    host.add_menu_action("Story", action)
    mode = UpdateMode(host, banner, action)
    host.events.story_opened.connect(mode.show_story)
    host.events.settings_changed.connect(mode.load_rules)
    host.add_close_guard(mode.may_close_window)
    mode.show_story(host.open_story())
    mode.load_rules()
