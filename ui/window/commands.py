"""What the window's menu commands do; kept apart from the layout in ``main_window``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QMessageBox, QPlainTextEdit

from cms import stories
from cms.stories import SavedStory
from ui.editor import formatting
from ui.editor.editing import EditingSession
from ui.ops import Op, OpContext
from ui.window import prefs
from ui.window.actions import retint
from ui.window.theme import apply_theme, restyle

MAX_ZOOM = 10

if TYPE_CHECKING:
    from cms.importers import ImportReport
    from ui.window.main_window import MainWindow


def _clipboard_url() -> str:
    """A web address on the clipboard, to fill in a new link."""
    text = QApplication.clipboard().text().strip()
    return text if text.startswith(("https://", "http://")) and " " not in text else ""


class WindowCommands:
    """The handlers behind the window's actions."""

    def __init__(self, window: MainWindow) -> None:
        self.w = window

    def slots(self) -> dict[str, Callable[[], object]]:
        """One callable per action name (see ``ui.window.actions``)."""
        return {
            "new_story": self.new_story, "save": self.save, "import_folder": self.import_folder,
            "settings": self.settings, "quit": self.w.close, "undo": self.undo,
            "redo": self.redo, "find": lambda: self.w.editor.find_bar.open_bar(),
            "replace": lambda: self.w.editor.find_bar.open_bar(replace=True),
            "find_next": self.find_next,
            "find_previous": lambda: self.find_next(backward=True),
            "search_stories": self.search_stories,
            "toggle_preview": self.toggle_preview,
            "next_story": lambda: self.w.story_list.select_relative(1),
            "previous_story": lambda: self.w.story_list.select_relative(-1),
            "history": self.history, "theme_system": lambda: self.set_theme("system"),
            "theme_light": lambda: self.set_theme("light"),
            "theme_dark": lambda: self.set_theme("dark"), "about": self.about,
            "cut": lambda: self._text_command("cut"), "copy": lambda: self._text_command("copy"),
            "paste": lambda: self._text_command("paste"),
            "select_all": lambda: self._text_command("selectAll"),
            "focus_mode": self.toggle_focus_mode, "zoom_in": lambda: self.zoom(1),
            "zoom_out": lambda: self.zoom(-1), "zoom_reset": lambda: self.zoom(0),
            "shortcuts": self.shortcuts, **self._format_slots(),
            "toggle_story_list": lambda: self.w.panels.set_list_wanted(
                self.w.acts.toggle_story_list.isChecked()),
            "toggle_inspector": lambda: self.w.panels.set_inspector_wanted(
                self.w.acts.toggle_inspector.isChecked()),
        }

    def _format_slots(self) -> dict[str, Callable[[], object]]:
        def body(command: Callable[[QPlainTextEdit], None]) -> Callable[[], object]:
            return lambda: self._format(command)

        slots = {
            "bold": body(lambda e: formatting.toggle_inline(e, "**")),
            "italic": body(lambda e: formatting.toggle_inline(e, "*")),
            "link": body(lambda e: formatting.insert_link(e, _clipboard_url())),
            "paragraph": body(lambda e: formatting.set_heading(e, 0)),
            "quote": body(lambda e: formatting.toggle_line_prefix(e, "> ")),
            "bullet_list": body(lambda e: formatting.toggle_line_prefix(e, "- ")),
            "numbered_list": body(lambda e: formatting.toggle_line_prefix(e, "1. ")),
        }
        for level in (1, 2, 3):
            slots[f"heading_{level}"] = body(
                lambda e, n=level: formatting.set_heading(e, n))  # type: ignore[misc]
        return slots

    # File ---------------------------------------------------------------------------

    def new_story(self) -> None:
        """Create an untitled draft and open it with the headline selected."""
        w = self.w
        store, actor = w.store, w.actor

        def work(_ctx: OpContext) -> SavedStory:
            with store.session() as session:
                return stories.create(session, actor, headline="Untitled story",
                                      byline=actor.username)

        def done(saved: SavedStory) -> None:
            w.model.story_added(saved.document.story_id)
            w.show_document(saved.document, saved.revision_id)  # as created: no read
            w.editor.headline.setFocus()
            w.editor.headline.selectAll()
            w.show_message("New story created")

        Op(w, work, title=None, pool=w.write_pool).success(done).run()

    def save(self) -> None:
        """Save the open story now."""
        if self.w.editing is not None:
            self.w.editing.save()

    def import_folder(self, folder: Path | None = None) -> Op[ImportReport] | None:
        """Import a folder of Markdown files on a worker thread, with progress and cancel."""
        from cms.importers import import_tree  # only when asked: YAML and friends load late

        w = self.w
        if folder is None:
            chosen = QFileDialog.getExistingDirectory(w, "Import a folder of Markdown files")
            if not chosen:
                return None
            folder = Path(chosen)
        store, actor = w.store, w.actor

        def work(ctx: OpContext) -> ImportReport:
            return import_tree(store, actor, folder, progress=ctx.progress,
                               cancelled=ctx.cancelled)

        def done(report: ImportReport) -> None:
            w.refresh_choices()
            w.model.reload()
            if w.model.canFetchMore():
                w.model.fetchMore()
            w.events.stories_changed.emit()
            text = report.summary()
            box = QMessageBox(QMessageBox.Icon.Information, "Import finished", text,
                              QMessageBox.StandardButton.Ok, w)
            if report.failed or report.collisions or report.flagged:
                box.setIcon(QMessageBox.Icon.Warning)
            details = report.details()  # colliding, skipped, flagged, warnings, failed
            if details:
                box.setDetailedText("\n".join(details))
            box.setObjectName("importReport")
            box.open()
            w.show_message(text, 10000)

        op = w.run_op(work, title="Importing stories")
        return op.success(done).run()

    def settings(self) -> None:
        """Open the settings dialog."""
        from ui.window.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.w.store, self.w.actor, self.w)
        dialog.zone_changed.connect(self.w.set_zone)
        dialog.open()

    # Edit ---------------------------------------------------------------------------

    def _focused_editable(self) -> QObject | None:
        widget = QApplication.focusWidget()
        return widget if widget is not None and hasattr(widget, "undo") else None

    def undo(self) -> None:
        """Undo in the focused text field (the body by default)."""
        target = self._focused_editable() or self.w.editor.body
        target.undo()  # type: ignore[attr-defined]

    def redo(self) -> None:
        """Redo in the focused text field."""
        target = self._focused_editable() or self.w.editor.body
        target.redo()  # type: ignore[attr-defined]

    def _text_command(self, name: str) -> None:
        """Cut, copy, paste or select all in the focused text field."""
        target = self._focused_editable()
        method = getattr(target, name, None)
        if callable(method):
            method()

    def _format(self, command: Callable[[QPlainTextEdit], None]) -> None:
        """Apply a Markdown formatting command to the body (where Markdown is written)."""
        body = self.w.editor.body
        if not self.w.editor.isEnabled() or body.isReadOnly():
            self.w.show_message("Open a story you may edit to format its text")
            return
        focused = QApplication.focusWidget()
        if focused is not None and focused is not body and hasattr(focused, "undo"):
            self.w.show_message("Formatting applies to the story's body")
            return
        command(body)
        body.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def find_next(self, backward: bool = False) -> None:
        """Next match of the find bar's text (``backward``: the previous one)."""
        bar = self.w.editor.find_bar
        if not bar.find_box.text():
            bar.open_bar()
        elif backward:
            bar.find_previous()
        else:
            bar.find_next()

    # View ---------------------------------------------------------------------------

    def toggle_preview(self) -> None:
        """Show or hide the preview (hidden, it renders nothing)."""
        visible = self.w.acts.toggle_preview.isChecked()
        self.w.preview.setVisible(visible)
        prefs.set_bool("view/preview", visible)
        self.w.panels.fit()

    def search_stories(self) -> None:
        """Show the story list (if folded away) with the cursor in its search box."""
        self.w.panels.show_list()
        self.w.story_list.focus_search()

    def toggle_focus_mode(self) -> None:
        """The editor alone, full screen (or back to the desk)."""
        self.w.focus.toggle()
        self.w.acts.focus_mode.setChecked(self.w.focus.active)

    def zoom(self, step: int) -> None:
        """Editor text one step larger (+1), smaller (-1) or back to normal (0); remembered."""
        steps = prefs.get_int("view/zoom", 0)
        wanted = 0 if step == 0 else max(-MAX_ZOOM, min(MAX_ZOOM, steps + step))
        self.w.editor.body.zoomIn(wanted - steps)  # zoomIn with a negative range zooms out
        prefs.set_str("view/zoom", str(wanted))
        self.w.show_message(f"Editor text {self.w.editor.body.font().pointSizeF():g} pt")

    def set_theme(self, name: str) -> None:
        """Switch between the system, light and dark palettes."""
        prefs.set_str("view/theme", name)
        app = QApplication.instance()
        if not isinstance(app, QApplication):
            return
        dark = apply_theme(app, name)
        restyle(app)
        retint(self.w.acts)
        self.w.editor.body.highlighter.set_dark(dark)
        if self.w.editing is not None:
            self.w.preview.clear_preview()
            self.w.request_preview(now=True)

    # Story --------------------------------------------------------------------------

    def history(self) -> None:
        """The open story's revisions, differences and restore."""
        from ui.editor.history import HistoryDialog

        w = self.w
        if w.editing is None:
            w.show_message("Open a story to see its history")
            return
        session = w.editing
        session.save()
        session.wait()
        if w.editing is not session:
            return  # another story was opened (or this one closed) while it saved
        dialog = HistoryDialog(w.store, w.actor, session.story_id, w.zone(), w)
        dialog.restored.connect(lambda _rev: w.reload_current())
        dialog.open()

    def shortcuts(self) -> QDialog:
        """Help ▸ Keyboard Shortcuts: every key the window knows, by menu."""
        from ui.window.shortcuts_dialog import ShortcutsDialog

        dialog = ShortcutsDialog(self.w.menus, self.w)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def about(self) -> QDialog:
        """The About dialog: version, licence and the details support asks for."""
        from ui.window.about import show_about

        return show_about(self.w, self.w.store)

    # conflicts and closing ------------------------------------------------------------

    def resolve_conflict(self, sender: QObject | None, message: str) -> None:
        """Someone changed the story elsewhere: the user decides; their text is kept."""
        if not isinstance(sender, EditingSession):
            return
        w = self.w
        headline = sender.document.headline
        box = QMessageBox(QMessageBox.Icon.Warning, "The story changed elsewhere",
                          f"“{headline}” was changed by someone else while you edited it. "
                          "Your text is kept. What should happen to it?", parent=w)
        box.setObjectName("conflictBox")
        mine = box.addButton("Save mine over theirs", QMessageBox.ButtonRole.AcceptRole)
        copy = box.addButton("Save mine as a new story", QMessageBox.ButtonRole.ActionRole)
        box.addButton("Decide later", QMessageBox.ButtonRole.RejectRole)
        box.setDetailedText(message)

        def chosen() -> None:
            clicked = box.clickedButton()
            if clicked is mine:
                sender.overwrite_with_mine()
            elif clicked is copy:
                self._save_as_copy(sender)

        box.finished.connect(lambda _r: chosen())
        box.open()

    def _save_as_copy(self, session: EditingSession) -> None:
        w = self.w
        store, actor, doc = w.store, w.actor, session.document

        def work(_ctx: OpContext) -> SavedStory:
            with store.session() as s:
                return stories.create(
                    s, actor, headline=f"{doc.headline} (my version)", body=doc.body,
                    standfirst=doc.standfirst, byline=doc.byline, dateline=doc.dateline,
                    section=doc.section, tags=doc.tags, message="copy of a conflicting edit",
                )

        def done(saved: SavedStory) -> None:
            session.detach_as_copy()
            session.journal.discard()
            w.model.story_added(saved.document.story_id)
            if w.editing is session:
                w.editing = None
                w.show_story_by_id(saved.document.story_id)

        Op(w, work, pool=w.write_pool).success(done).run()

    def confirm_close(self) -> bool:
        """Save everything; if something could not be saved, ask before closing.

        The text is read-only meanwhile: a key typed while the last save is out
        would make a change that closing cannot save.
        """
        w = self.w
        w.editor.set_locked("Saving before closing…")
        closing = self._save_all_before_closing()
        if not closing:
            w.relock_editor()
        return closing

    def _save_all_before_closing(self) -> bool:
        w = self.w
        if not all(guard() for guard in w.close_guards):
            return False  # an extension holds typed text the user chose to keep
        if w.editing is not None:
            w.editing.finish()
        pending = w.pending_sessions()
        for session in pending:
            session.wait()
        unsaved = [s for s in pending if s.dirty]
        if not unsaved:
            for session in pending:
                session.journal.discard()
            return True
        names = "\n".join(f"• {s.document.headline}: {s.last_error or s.state.value}"
                          for s in unsaved)
        box = QMessageBox(QMessageBox.Icon.Warning, "Unsaved changes",
                          "These changes could not be saved to the store:\n\n"
                          f"{names}\n\nThey are kept in the recovery journal and offered "
                          "again at the next start. Close anyway?", parent=w)
        box.setObjectName("unsavedBox")
        keep = box.addButton("Keep editing", QMessageBox.ButtonRole.RejectRole)
        box.addButton("Close, keep for recovery", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(keep)
        box.exec()
        if box.clickedButton() is keep:
            return False
        for session in unsaved:
            session.journal.close()
        return True

