"""The settings dialog: store location, desk time zone, user name and role, central store.

Desk settings (time zone, central store URL) are stored in the store through
``cms.config``, so every copy of the desk shares them; the store location and
the user name are this person's own and live in the window preferences (they
take effect at the next start).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, available_timezones

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from cms.config import desk_zone, get_setting, set_setting
from cms.errors import NewsroomError
from cms.people import ROLES, Actor, set_role, validate_username
from cms.store import Store, describe, parse_store_url
from ui import prefs


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
        with store.reading() as session:
            self._zone = desk_zone(session)
            central = get_setting(session, "central_url")
        self.store_location = QLineEdit(prefs.get_str("store/location"), self)
        self.store_location.setObjectName("storeLocation")
        self.store_location.setPlaceholderText(f"default: {describe(store.url)}")
        self.time_zone = QComboBox(self)
        self.time_zone.setObjectName("timeZone")
        self.time_zone.setEditable(True)
        self.time_zone.addItems(sorted(available_timezones()))
        self.time_zone.setCurrentText(self._zone.key)
        self.user_name = QLineEdit(prefs.get_str("user/name") or actor.username, self)
        self.user_name.setObjectName("userName")
        self.role = QComboBox(self)
        self.role.setObjectName("role")
        self.role.addItems(list(ROLES))
        self.role.setCurrentText(actor.role)
        self.role.setEnabled(actor.role == "admin")
        if actor.role != "admin":
            self.role.setToolTip("Only an admin can change roles")
        self.central_url = QLineEdit(central, self)
        self.central_url.setObjectName("centralUrl")
        self.central_url.setPlaceholderText("postgresql://user@host/newsroom or a shared file")
        self.error = QLabel(self)
        self.error.setObjectName("settingsError")
        self.error.setWordWrap(True)
        palette = self.error.palette()
        palette.setColor(QPalette.ColorRole.WindowText, Qt.GlobalColor.red)
        self.error.setPalette(palette)
        note = QLabel("The store location and user name take effect the next time Newsroom "
                      "starts. The time zone and central store are shared by the whole desk.",
                      self)
        note.setWordWrap(True)
        note.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        form = QFormLayout()
        form.addRow("Store location", self.store_location)
        form.addRow("Desk time zone", self.time_zone)
        form.addRow("User name", self.user_name)
        form.addRow("Role", self.role)
        form.addRow("Central store", self.central_url)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def accept(self) -> None:
        """Check everything, then store it; on a bad value show why and store nothing."""
        location = self.store_location.text().strip()
        zone_name = self.time_zone.currentText().strip()
        user = self.user_name.text().strip()
        central = self.central_url.text().strip()
        try:
            if location:
                parse_store_url(location)
            name = validate_username(user)
            with self._store.session() as session:
                tz = set_setting(session, "timezone", zone_name, username=self._actor.username)
                set_setting(session, "central_url", central, username=self._actor.username)
                if self.role.isEnabled() and self.role.currentText() != self._actor.role:
                    set_role(session, self._actor.username, self.role.currentText())
        except NewsroomError as exc:
            self.error.setText(str(exc))
            return
        except Exception as exc:
            from ui.ops import describe_error

            self.error.setText(describe_error(exc))
            return
        prefs.set_str("store/location", location)
        prefs.set_str("user/name", name if name != self._actor.username else "")
        if tz != self._zone.key:
            self.zone_changed.emit(ZoneInfo(tz))
        super().accept()
