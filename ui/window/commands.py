"""What the window's menu commands do; kept apart from the layout in ``main_window``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QMessageBox

from cms import stories
from cms.stories import SavedStory
from ui.editor.editing import EditingSession
from ui.ops import Op, OpContext
from ui.window import prefs
from ui.window.actions import retint
from ui.window.theme import apply_theme

if TYPE_CHECKING:
    from cms.importers import ImportReport
    from ui.window.main_window import MainWindow


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
            "find_next": self.find_next, "search_stories": self.w.story_list.focus_search,
            "toggle_preview": self.toggle_preview,
            "next_story": lambda: self.w.story_list.select_relative(1),
            "previous_story": lambda: self.w.story_list.select_relative(-1),
            "history": self.history, "theme_system": lambda: self.set_theme("system"),
            "theme_light": lambda: self.set_theme("light"),
            "theme_dark": lambda: self.set_theme("dark"), "about": self.about,
        }

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

    def find_next(self) -> None:
        """Next match of the find bar's text."""
        bar = self.w.editor.find_bar
        if not bar.find_box.text():
            bar.open_bar()
        else:
            bar.find_next()

    # View ---------------------------------------------------------------------------

    def toggle_preview(self) -> None:
        """Show or hide the preview (hidden, it renders nothing)."""
        visible = self.w.acts.toggle_preview.isChecked()
        self.w.preview.setVisible(visible)
        prefs.set_bool("view/preview", visible)

    def set_theme(self, name: str) -> None:
        """Switch between the system, light and dark palettes."""
        prefs.set_str("view/theme", name)
        app = QApplication.instance()
        if not isinstance(app, QApplication):
            return
        dark = apply_theme(app, name)
        retint(self.w.acts)
        self.w.editor.body.highlighter.set_dark(dark)
        if self.w.editing is not None:
            doc = self.w.editing.document
            self.w.preview.clear_preview()
            self.w.preview.request(doc.headline, doc.standfirst, doc.body, doc.photos, now=True)

    # Story --------------------------------------------------------------------------

    def history(self) -> None:
        """The open story's revisions, differences and restore."""
        from ui.editor.history import HistoryDialog

        w = self.w
        if w.editing is None:
            w.show_message("Open a story to see its history")
            return
        w.editing.save()
        w.editing.wait()
        dialog = HistoryDialog(w.store, w.actor, w.editing.story_id, w.zone(), w)
        dialog.restored.connect(lambda _rev: w.reload_current())
        dialog.open()

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
        """Save everything; if something could not be saved, ask before closing."""
        w = self.w
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

