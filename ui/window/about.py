"""The About dialog: the version, and the facts support asks for, ready to copy.

One version runs through Newsroom: the package metadata (``cms.__version__``)
is what ``newsroom --version`` prints, what the export writes as its generator,
what the store records as ``created_by_version`` / ``schema_written_by``, and
what this dialog shows. "Copy details" puts those facts on the clipboard, so
that a bug report says which app wrote what.
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cms import __version__
from cms.store import SCHEMA_HEAD, Store, default_store_path, describe

LICENCE = "MIT licence"
SUMMARY = "A desktop content-management system for news desks."


def how_installed() -> str:
    """``packaged app`` (PyInstaller), or ``Python package`` with where it lives."""
    if getattr(sys, "frozen", False):
        return f"packaged app in {Path(sys.executable).resolve().parent}"
    return f"Python package in {Path(__file__).resolve().parent.parent}"


def about_details(store: Store | None) -> list[tuple[str, str]]:
    """The facts the dialog shows (and copies), as label/value pairs."""
    rows = [
        ("Version", __version__),
        ("Installed as", how_installed()),
    ]
    if store is not None:
        rows += [
            ("Store", describe(store.url)),
            ("Store schema", SCHEMA_HEAD),
            ("Store created by", store.meta.get("created_by_version", "unknown")),
            ("Schema written by", store.meta.get("schema_written_by", "unknown")),
            ("Replica", store.replica_id),
        ]
    rows += [
        ("Default store", str(default_store_path())),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()})"),
        ("Qt", f"{qVersion()} (PySide6 {PySide6.__version__})"),
        ("System", platform.platform(terse=True)),
    ]
    return rows


def details_text(store: Store | None) -> str:
    """The details as plain text, one ``label: value`` per line."""
    return "\n".join(f"{label}: {value}" for label, value in
                     [("Newsroom", __version__), *about_details(store)[1:]])


class AboutDialog(QDialog):
    """Name, version, licence and support details, with a button to copy them."""

    def __init__(self, store: Store | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle("About Newsroom")
        self._store = store

        icon = QLabel(self)
        app = QGuiApplication.instance()
        window_icon = app.windowIcon() if isinstance(app, QGuiApplication) else None
        if window_icon is not None and not window_icon.isNull():
            icon.setPixmap(window_icon.pixmap(64, 64))
        title = QLabel(f"<b style='font-size:15pt'>Newsroom</b><br>Version {__version__}", self)
        title.setObjectName("aboutVersion")
        title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        header = QHBoxLayout()
        header.addWidget(icon)
        header.addWidget(title, 1)

        summary = QLabel(f"{SUMMARY}<br>{LICENCE}.", self)
        summary.setWordWrap(True)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for label, value in about_details(store):
            field = QLabel(value, self)
            field.setObjectName(f"about{label.replace(' ', '')}")
            field.setWordWrap(True)
            field.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(f"{label}:", field)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.copy_button = QPushButton("Copy details", self)
        self.copy_button.setObjectName("copyDetails")
        self.copy_button.setToolTip("Copy the version and store details for a support request")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_details)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(summary)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)

    def copy_details(self) -> None:
        """Put the details on the clipboard and say so on the button."""
        clipboard = QGuiApplication.clipboard()
        clipboard.setText(details_text(self._store))
        self.copy_button.setText("Copied")


def show_about(parent: QWidget | None, store: Store | None) -> AboutDialog:
    """Open the About dialog (window-modal, not blocking); returns it."""
    dialog = AboutDialog(store, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
