"""Starting the desktop app: open the store, register the user, show the window.

``newsroom app`` calls :func:`run`; the ``newsroom-app`` launcher calls
:func:`main`. A store that cannot be opened (unreachable PostgreSQL, a corrupt
file, a schema from a newer Newsroom) gets a clear message box, not a traceback.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from sqlalchemy.exc import SQLAlchemyError

from cms.errors import NewsroomError
from cms.people import Actor, acting_actor
from cms.store import Store, db_error_message
from ui.window import prefs
from ui.window.theme import apply_theme, icon

APP_TITLE = "Newsroom"
DESKTOP_FILE_NAME = "org.newsroom.Newsroom"
FIRST_RUN_KEY = "first_run_done"
GIL_SWITCH_S = 0.001  # cms.sample.FIRST_RUN_KEY, read from store.meta


def application() -> QApplication:
    """The QApplication (made once), themed from the preferences."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    # Workers (preview, saves, imports) run Python too; a short GIL switch interval
    # keeps the GUI thread from waiting 5 ms for its turn on every keystroke.
    sys.setswitchinterval(GIL_SWITCH_S)
    app.setApplicationName(APP_TITLE)
    app.setApplicationDisplayName(APP_TITLE)
    # Matches packaging/linux/org.newsroom.Newsroom.desktop, so Wayland docks find its icon.
    app.setDesktopFileName(DESKTOP_FILE_NAME)
    apply_theme(app, prefs.theme())
    app.setWindowIcon(icon("newsroom"))
    return app


def store_location(explicit: str | None) -> str | None:
    """``--store`` > ``NEWSROOM_STORE`` > the location chosen in Settings > the default."""
    if explicit:
        return explicit
    if os.environ.get("NEWSROOM_STORE"):
        return None  # Store.open reads it itself
    return prefs.get_str("store/location") or None


def open_store(location: str | None, user: str | None) -> tuple[Store, Actor]:
    """Open (or create) the store and register who acts; raises NewsroomError."""
    store = Store.open(location, create=True)
    try:
        with store.session() as session:
            actor = acting_actor(session, store.replica_id, user,
                                 preferred=prefs.get_str("user/name") or None)
        if FIRST_RUN_KEY not in store.meta:
            # Only a brand-new store needs the sample module (and Pillow): load it then.
            from cms.sample import first_run

            first_run(store, actor)
    except SQLAlchemyError as exc:
        store.close()
        raise NewsroomError(db_error_message(exc, store.url)) from exc
    except BaseException:
        store.close()
        raise
    return store, actor


def show_fatal(message: str) -> None:
    """A modal message for problems that stop the app from starting."""
    box = QMessageBox(QMessageBox.Icon.Critical, APP_TITLE,
                      f"Newsroom cannot start.\n\n{message}", QMessageBox.StandardButton.Ok)
    box.setObjectName("startupError")
    box.exec()


def show_window(window: QWidget) -> None:
    """Show the window, then move start-up's objects out of the garbage collector's way.

    Everything alive after start-up (SQLAlchemy, Qt wrappers, modules) stays alive;
    freezing it keeps full collections from scanning it again, which would
    otherwise pause scrolling or typing for a tenth of a second now and then.
    """
    window.show()
    QTimer.singleShot(0, gc.freeze)


def run(store: str | None = None, user: str | None = None) -> int:
    """Show the window on the chosen store; the exit status when it closes."""
    app = application()
    try:
        opened, actor = open_store(store_location(store), user)
    except NewsroomError as exc:
        show_fatal(str(exc))
        return 1
    from ui.editor.recovery_dialog import offer_recoveries
    from ui.window.main_window import MainWindow

    try:
        window = MainWindow(opened, actor)
    except (NewsroomError, SQLAlchemyError) as exc:
        opened.close()
        show_fatal(str(exc) if isinstance(exc, NewsroomError) else db_error_message(exc))
        return 1
    offer_recoveries(window)  # before the first story can open: see hold_stories
    show_window(window)
    try:
        return int(app.exec())
    finally:
        opened.close()


def main(argv: Sequence[str] | None = None) -> None:
    """The ``newsroom-app`` launcher."""
    parser = argparse.ArgumentParser(prog="newsroom-app", description="Open Newsroom.")
    parser.add_argument("--store", help="store file path or database URL")
    parser.add_argument("--user", help="act as this user")
    args = parser.parse_args(argv)
    sys.exit(run(store=args.store, user=args.user))


if __name__ == "__main__":
    main()
