"""File ▸ Export Site…: the published site (or the open story) as a static bundle.

The dialog gathers the options, runs :func:`cms.export.export_site` on a worker
thread (:class:`ui.ops.Op`), shows its progress in place, lets the user cancel
(the export then changes nothing), and offers to open the result in the
browser. The core decides everything; the dialog only asks and shows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cms.config import get_setting
from cms.errors import NewsroomError, UsageError
from cms.export import ExportCancelled, ExportOptions, ExportReport, export_site
from cms.store import Store
from ui.inspector.time_entry import desk_time, from_utc, make_editor, to_naive
from ui.ops import Op, OpContext, QueryOp, describe_error
from ui.window.extensions import WindowHost
from ui.window.theme import is_dark


class _Relay(QObject):
    """Carries progress from the worker thread to the dialog (queued across threads)."""

    progressed = Signal(int, int, str)


ERROR_LIGHT, ERROR_DARK = "#b3261e", "#ff8a80"


class ExportDialog(QDialog):
    """Options, progress, cancel and "open the result" for one export at a time."""

    def __init__(
        self,
        store: Store,
        zone: ZoneInfo,
        *,
        story_id: str | None = None,
        story_title: str = "",
        parent: QWidget | None = None,
        open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export Site")
        self.store = store
        self.zone = zone
        self.story_id = story_id
        self._open_url = open_url
        self._op: Op[ExportReport] | None = None
        self.report: ExportReport | None = None
        self._relay = _Relay(self)
        self._relay.progressed.connect(self._on_progress)

        self.out_edit = QLineEdit(str(Path.home() / "newsroom-site"), self)
        self.out_edit.setObjectName("exportFolder")
        browse = QPushButton("Choose…", self)
        browse.clicked.connect(self.choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.out_edit, 1)
        folder_row.addWidget(browse)
        self.zip_box = QCheckBox("Also write a zip file beside the folder", self)
        self.zip_box.setObjectName("exportZip")
        self.story_box = QCheckBox("Only the open story, with its photos (for partners)", self)
        self.story_box.setObjectName("exportStoryOnly")
        if story_title:  # a long headline would set the dialog's width: it goes in the tip
            self.story_box.setToolTip(story_title)
            self.story_box.setAccessibleDescription(story_title)
        self.story_box.setEnabled(story_id is not None)
        self.as_of_box = QCheckBox("Publish as of:", self)
        self.as_of_box.setObjectName("exportAsOfEnabled")
        self.as_of_edit = make_editor(self, "exportAsOf")
        self.as_of_edit.setDateTime(from_utc(None, zone))
        self.as_of_edit.setEnabled(False)
        self.as_of_box.toggled.connect(self.as_of_edit.setEnabled)
        as_of_row = QHBoxLayout()
        as_of_row.addWidget(self.as_of_box)
        as_of_row.addWidget(self.as_of_edit, 1)
        self.base_edit = QLineEdit(self)
        self.base_edit.setObjectName("exportBaseUrl")
        # The desk's own address, shown as the default once read (on a worker).
        QueryOp(self, store, lambda session: get_setting(session, "base_url")).success(
            self.base_edit.setPlaceholderText).run()

        form = QFormLayout()
        form.addRow("Folder:", folder_row)
        form.addRow("", self.zip_box)
        form.addRow("", self.story_box)
        form.addRow("Time:", as_of_row)
        form.addRow("Site address:", self.base_edit)

        self.progress = QProgressBar(self)
        self.progress.setObjectName("exportProgress")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status = QLabel("Published stories as of now (or the time above) are exported; "
                             "exporting again rewrites only what changed.", self)
        self.status.setObjectName("exportStatus")
        self.status.setWordWrap(True)

        self.export_button = QPushButton("Export", self)
        self.export_button.setObjectName("exportStart")
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel Export", self)
        self.cancel_button.setObjectName("exportCancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.open_button = QPushButton("Open in Browser", self)
        self.open_button.setObjectName("exportOpen")
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self.open_result)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.resize(560, self.sizeHint().height())

    # Options -------------------------------------------------------------------

    @Slot()
    def choose_folder(self) -> None:
        """Ask for the output folder."""
        folder = QFileDialog.getExistingDirectory(self, "Export into folder",
                                                  self.out_edit.text())
        if folder:
            self.out_edit.setText(folder)

    def options(self) -> ExportOptions:
        """The export options the dialog shows (raises UsageError for bad input)."""
        text = self.out_edit.text().strip()
        if not text:
            raise UsageError("choose a folder to export into")
        out = Path(text).expanduser()
        as_of: datetime | None = None
        if self.as_of_box.isChecked():
            as_of = desk_time(self, to_naive(self.as_of_edit.dateTime()), self.zone)
            if as_of is None:
                raise ExportCancelled("export not started")
        return ExportOptions(
            out=out,
            zip_path=out.with_name(out.name + ".zip") if self.zip_box.isChecked() else None,
            as_of=as_of,
            story=self.story_id if self.story_box.isChecked() else None,
            base_url=self.base_edit.text().strip() or None,
        )

    # Running -------------------------------------------------------------------

    @Slot()
    def start(self) -> None:
        """Start the export on a worker thread."""
        if self._op is not None:
            return
        try:
            options = self.options()
        except NewsroomError as exc:
            self._show_status(str(exc), error=not isinstance(exc, ExportCancelled))
            return
        store, relay = self.store, self._relay

        def work(ctx: OpContext) -> ExportReport:
            return export_site(store, options, progress=relay.progressed.emit,
                               cancelled=ctx.cancelled)

        self.report = None
        self.progress.setRange(0, 0)  # busy until the first report
        self._show_status("Exporting…")
        self._set_running(True)
        self._op = Op(self, work).success(self._on_success).failure(self._on_failure)
        self._op.finished.connect(self._on_finished)
        self._op.run()

    @Slot()
    def cancel(self) -> None:
        """Ask the running export to stop; it then changes nothing."""
        if self._op is not None:
            self._op.cancel()
            self.cancel_button.setEnabled(False)
            self._show_status("Cancelling…")

    def is_running(self) -> bool:
        """True while an export runs."""
        return self._op is not None

    def _set_running(self, running: bool) -> None:
        self.export_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.open_button.setEnabled(not running and self.report is not None
                                    and self.report.out is not None)
        for widget in (self.out_edit, self.zip_box, self.as_of_box, self.base_edit):
            widget.setEnabled(not running)
        self.story_box.setEnabled(not running and self.story_id is not None)
        self.as_of_edit.setEnabled(not running and self.as_of_box.isChecked())

    @Slot(int, int, str)
    def _on_progress(self, done: int, total: int, message: str) -> None:
        if self._op is None:
            return
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, max(total, 1)))
        if message:
            self.status.setText(f"Exporting… {message}")

    def _on_success(self, report: ExportReport) -> None:
        self.report = report
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        text = report.summary() + "."
        if report.skipped:
            text += f" Skipped {len(report.skipped)}: " + "; ".join(
                f"{name} ({why})" for name, why in report.skipped[:3])
        self._show_status(text)

    def _on_failure(self, exc: BaseException) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        if isinstance(exc, ExportCancelled):
            self._show_status("Export cancelled; nothing was changed.")
        else:
            self._show_status(f"Export failed: {describe_error(exc)}", error=True)

    @Slot()
    def _on_finished(self) -> None:
        self._op = None
        self._set_running(False)

    def _show_status(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text[:1].upper() + text[1:])
        self.status.setProperty("error", error)
        # Error red readable on either theme's background (≥ 4.5:1).
        colour = ERROR_DARK if is_dark(self.palette()) else ERROR_LIGHT
        self.status.setStyleSheet(f"color: {colour};" if error else "")

    @Slot()
    def open_result(self) -> None:
        """Open the exported front page (or story) in the default browser."""
        if self.report is None or self.report.out is None:
            return
        self._open_url(QUrl.fromLocalFile(str(self.report.out / "index.html")))

    def reject(self) -> None:
        """Closing while an export runs cancels it first (nothing half-written stays)."""
        if self._op is not None:
            self.cancel()
            return
        super().reject()


def install(host: WindowHost) -> None:
    """File ▸ Export Site… in the main window."""
    parent = host if isinstance(host, QWidget) else None
    action = QAction("Export Site…", parent)
    action.setObjectName("exportSiteAction")
    action.setShortcut(QKeySequence("Ctrl+Shift+E"))

    def show() -> None:
        story = host.open_story()
        dialog = ExportDialog(
            host.store, host.zone(),
            story_id=story.document.story_id if story is not None else None,
            story_title=story.document.headline if story is not None else "",
            parent=parent,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setModal(False)
        dialog.show()

    action.triggered.connect(show)
    host.add_menu_action("File", action)
