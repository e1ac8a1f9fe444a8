"""The settings dialog: store location, desk time zone, who you are, central store.

Desk settings (time zone, central store URL) are stored in the store through
``cms.config``, which checks who may change them; the store location and the
user name are this person's own and live in the window preferences (they take
effect at the next start). On a desk with a secured central store the person is
the central store's login and cannot be chosen here; roles are never changed
here (``newsroom people`` or ``newsroom central user``).

The desk's settings are read, and stored, on a worker (:mod:`ui.ops`): the
fields the read fills in and OK are enabled once they are shown, and the dialog
closes once the store took them (Cancel waits, saying "Saving…", meanwhile).
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, available_timezones

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from cms.config import change_setting, desk_zone, get_setting
from cms.people import Actor, bound_identity_source, list_people, validate_username
from cms.rules import with_article
from cms.store import Store, describe, parse_store_url
from ui.ops import Op, OpContext, QueryOp, describe_error
from ui.window import prefs


class SettingsDialog(QDialog):
    """Edit the settings; nothing is stored unless every value is valid."""

    zone_changed = Signal(object)  # ZoneInfo

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Settings")
        self.setMinimumWidth(560)
        self._store = store
        self._actor = actor
        self._facts: _DeskSettings | None = None
        self._saving = False
        self.store_location = QLineEdit(prefs.get_str("store/location"), self)
        self.store_location.setObjectName("storeLocation")
        self.store_location.setAccessibleName("Store location")
        self.store_location.setPlaceholderText(f"default: {describe(store.url)}")
        self.time_zone = QComboBox(self)
        self.time_zone.setObjectName("timeZone")
        self.time_zone.setAccessibleName("Desk time zone")
        self.time_zone.setEditable(True)
        self.time_zone.addItems(sorted(available_timezones()))
        self.user_name = QLineEdit(prefs.get_str("user/name") or actor.username, self)
        self.user_name.setObjectName("userName")
        self.user_name.setAccessibleName("User name")
        self.role = QLabel(with_article(actor.role).split(" ", 1)[1], self)
        self.role.setObjectName("role")
        self.central_url = QLineEdit(self)
        self.central_url.setObjectName("centralUrl")
        self.central_url.setAccessibleName("Central store")
        self.central_url.setPlaceholderText("postgresql://user@host/newsroom or a shared file")
        self.trust_note = QLabel(self)
        self.trust_note.setObjectName("trustNote")
        self.trust_note.setWordWrap(True)
        self.trust_note.setVisible(False)
        self.error = QLabel(self)
        self.error.setObjectName("settingsError")
        self.error.setWordWrap(True)
        palette = self.error.palette()
        palette.setColor(QPalette.ColorRole.WindowText, Qt.GlobalColor.red)
        self.error.setPalette(palette)
        note = QLabel("The store location and user name take effect the next time Newsroom "
                      "starts. The time zone is shared by the whole desk (desk chiefs and "
                      "admins change it); a password in the central store's address is kept "
                      "in the system keyring, never in the store.", self)
        note.setWordWrap(True)
        note.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        form = QFormLayout()
        browse = QPushButton("Browse…", self)
        browse.setObjectName("browseStore")
        browse.setAccessibleName("Choose the store file")
        browse.clicked.connect(self.browse_store)
        location_row = QHBoxLayout()
        location_row.addWidget(self.store_location, 1)
        location_row.addWidget(browse)
        form.addRow("Store location", location_row)
        form.addRow("Desk time zone", self.time_zone)
        form.addRow("User name", self.user_name)
        form.addRow("Role", self.role)
        form.addRow("Central store", self.central_url)
        form.addRow("", self.trust_note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setEnabled(False)  # until the desk's settings are read
        self.cancel_button = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self._cancel_text = self.cancel_button.text()
        # What the read fills in cannot be typed into before it arrives (it would be
        # overwritten); the form opens for editing once the desk's settings are shown.
        self._read_fields: tuple[QWidget, ...] = (self.time_zone, self.central_url,
                                                  self.user_name)
        for field in self._read_fields:
            field.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        QueryOp(self, store, _read_settings).success(self._show_settings).failure(
            lambda exc: self.error.setText(describe_error(exc))).run()

    def loaded(self) -> bool:
        """True once the desk's settings have been read (the dialog can be accepted)."""
        return self._facts is not None

    def saving(self) -> bool:
        """True while the settings are being stored."""
        return self._saving

    def _show_settings(self, facts: _DeskSettings) -> None:
        self._facts = facts
        self.time_zone.setCurrentText(facts.zone)
        self.central_url.setText(facts.central)
        if facts.bound:
            self.user_name.setText(self._actor.username)
            self.user_name.setReadOnly(True)
            self.user_name.setToolTip(f"You act as the login of {facts.bound}")
        self.role.setToolTip("Roles are changed by an admin: newsroom people role NAME ROLE"
                             if not facts.bound else
                             "Roles are changed by an admin on the central store: "
                             "newsroom central user role NAME ROLE")
        self.trust_note.setText(_trust_note(facts.central, facts.bound, facts.roles))
        self.trust_note.setVisible(bool(self.trust_note.text()))
        for field in self._read_fields:
            field.setEnabled(True)
        self.ok_button.setEnabled(True)

    def browse_store(self) -> None:
        """Choose a store file (an SQLite database) with the system's file dialog."""
        current = self.store_location.text().strip()
        chosen, _filter = QFileDialog.getSaveFileName(
            self, "Store file", current if "://" not in current else "",
            "Newsroom store (*.db *.sqlite);;All files (*)",
            options=QFileDialog.Option.DontConfirmOverwrite)
        if chosen:
            self.store_location.setText(chosen)

    def accept(self) -> None:
        """Check everything, then store it (on a worker); on a bad value show why and store
        nothing. The dialog closes once the store has taken the values."""
        facts = self._facts
        if facts is None or self._saving:
            return
        location = self.store_location.text().strip()
        zone_name = self.time_zone.currentText().strip()
        user = self.user_name.text().strip()
        central = self.central_url.text().strip()
        try:
            if location:
                parse_store_url(location)
            name = validate_username(user)
        except Exception as exc:  # a bad address or name: said plainly, nothing stored
            self.error.setText(describe_error(exc))
            return
        store, actor = self._store, self._actor

        def work(_ctx: OpContext) -> str:
            with store.session() as session:
                tz = facts.zone
                if zone_name != facts.zone:
                    tz, _ = change_setting(session, actor, "timezone", zone_name)
                if central != get_setting(session, "central_url"):
                    change_setting(session, actor, "central_url", central)
            return tz

        def stored(tz: str) -> None:
            self._end_saving()
            prefs.set_str("store/location", location)
            if not facts.bound:
                prefs.set_str("user/name", name if name != self._actor.username else "")
            if tz != facts.zone:
                self.zone_changed.emit(ZoneInfo(tz))
            super(SettingsDialog, self).accept()

        def failed(exc: BaseException) -> None:
            self._end_saving()
            self.error.setText(describe_error(exc))

        self._saving = True
        self.ok_button.setEnabled(False)
        self.cancel_button.setEnabled(False)
        self.cancel_button.setText("Saving…")
        self.error.clear()
        Op(self, work).success(stored).failure(failed).run()

    def _end_saving(self) -> None:
        self._saving = False
        self.ok_button.setEnabled(True)
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText(self._cancel_text)

    def reject(self) -> None:
        """Close without storing; not while storing (the store is taking the values)."""
        if self._saving:
            return
        super().reject()


@dataclass(frozen=True)
class _DeskSettings:
    """The desk's settings as the dialog shows them (read on a worker)."""

    zone: str
    central: str
    bound: str | None
    roles: set[str]


def _read_settings(session: Session) -> _DeskSettings:
    return _DeskSettings(
        desk_zone(session).key, get_setting(session, "central_url"),
        bound_identity_source(session),
        {person.role for person in list_people(session) if person.active})


def _trust_note(central: str, bound: str | None, roles: set[str]) -> str:
    """What the window says about what the central store can enforce."""
    if bound:
        return f"Your identity and role come from the secured central store ({bound})."
    shared_file = (bool(central) and "://" not in central) or central.startswith("sqlite")
    if shared_file and roles - {"admin"}:
        return ("A shared SQLite file cannot enforce roles: whoever can write the file can "
                "do anything. Keep it for a small desk whose people trust one another; a "
                "newsroom uses a secured PostgreSQL central store.")
    return ""
