"""A PostgreSQL store that stops answering never freezes the window.

The store is reached through :class:`~tests.gui.silent_proxy.SilentProxy`; when
it falls silent, every new connection waits the whole connect timeout (5 s), as
behind a dead network link. The window asks the store on worker threads
(:mod:`ui.ops`), so it keeps handling events meanwhile and then says what went
wrong; once the store answers again, the same action works.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QThreadPool, QTimer
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy.engine import make_url

from cms.people import Actor, actor_for
from cms.sample import first_run
from cms.store import Store
from tests.gui.conftest import open_story, open_window, type_text
from tests.gui.silent_proxy import SilentProxy


@pytest.fixture
def proxy(pg_url: str) -> Iterator[SilentProxy]:
    """A forwarder to the test database's server."""
    server = make_url(pg_url)
    with SilentProxy(server.host or "127.0.0.1", server.port or 5432) as forwarder:
        yield forwarder


@pytest.fixture
def pg_store(pg_url: str, proxy: SilentProxy) -> Iterator[tuple[Store, Actor]]:
    """The sample newsroom in PostgreSQL, reached through the proxy."""
    store = Store.open(make_url(pg_url).set(port=proxy.port), create=True)
    try:
        with store.session() as session:
            actor = actor_for(session, "tester", store.replica_id)
        first_run(store, actor)
        yield store, actor
    finally:
        # Reads the closed window started may still hold connections (through the proxy,
        # which answers again by now): closing the store under them would leave their
        # connections to be collected unclosed later, in whichever test runs then (a
        # ResourceWarning that failed another test in a loaded suite run).
        QThreadPool.globalInstance().waitForDone(30_000)
        store.close()


def _error_boxes(parent: QWidget) -> list[QMessageBox]:
    return [box for box in parent.findChildren(QMessageBox) if box.isVisible()]


def test_a_silent_postgresql_store_never_freezes_the_window(
        qtbot: QtBot, pg_store: tuple[Store, Actor], proxy: SilentProxy) -> None:
    store, actor = pg_store
    window = open_window(qtbot, store, actor)
    assert window.editing is not None
    first = window.editing.story_id
    other = next(story_id for row in range(window.model.rowCount())
                 if (story_id := window.model.story_id(row)) not in (None, first))

    proxy.fall_silent()
    window.show_story_by_id(other)  # returns at once: the read waits on a worker
    ticked: list[bool] = []
    QTimer.singleShot(0, lambda: ticked.append(True))
    qtbot.waitUntil(lambda: bool(ticked), timeout=2_000)
    # The GUI thread ran the timer while the read still waits for the silent store.
    assert not [(box.windowTitle(), box.text()) for box in _error_boxes(window)]
    assert window.editing is not None and window.editing.story_id == first
    window.editor.focus_body()
    type_text(qtbot, window.editor.body, "typed meanwhile")
    assert "typed meanwhile" in window.editor.body_text()

    # After the connect timeout the window says so, and keeps the open story.
    qtbot.waitUntil(lambda: bool(_error_boxes(window)), timeout=30_000)
    box = _error_boxes(window)[0]
    assert box.windowTitle() == "Cannot open the story"
    assert box.text()
    box.close()
    assert window.editing is not None and window.editing.story_id == first

    # As after a sync pull: the list reloads. Its old rows stay while the store is
    # silent; then the list says why it is empty.
    rows = window.model.rowCount()
    window.events.stories_changed.emit()
    ticked.clear()
    QTimer.singleShot(0, lambda: ticked.append(True))
    qtbot.waitUntil(lambda: bool(ticked), timeout=2_000)
    assert window.model.loading() and window.model.rowCount() == rows
    qtbot.waitUntil(lambda: not window.model.loading(), timeout=30_000)
    assert window.model.last_error
    assert window.story_list.status_line.text() == window.model.last_error

    proxy.answer()
    window.model.reload()
    qtbot.waitUntil(lambda: window.model.rowCount() == rows, timeout=10_000)
    open_story(qtbot, window, other)
    window.close()
