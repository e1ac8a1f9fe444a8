"""Who is editing now: two windows on two copies of a PostgreSQL desk see each other live."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from cms.config import set_setting
from cms.desk import notes
from cms.desk.presence import editing
from cms.people import Actor
from cms.store import Store
from cms.sync.replication import sync
from tests.gui.desk_helpers import desk_window
from tests.sync.helpers import desk_store, make_central
from ui.desk.presence import PresenceWatcher
from ui.window.main_window import MainWindow

pytestmark = pytest.mark.gui

SHORT_LEASE = timedelta(seconds=3)


def watcher_of(window: MainWindow) -> PresenceWatcher:
    found = window.editor.findChild(PresenceWatcher)
    assert isinstance(found, PresenceWatcher)
    return found


def _notes_to(store: Store, story_id: str, person: str) -> list[str]:
    with store.reading() as session:
        return [n.text for n in notes.list_notes(session, story_id) if person in n.to]


@pytest.mark.pg
def test_two_windows_see_each_other_and_a_dead_window_s_lease_runs_out(
        qtbot: QtBot, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ui.desk.presence.LEASE", SHORT_LEASE)
    monkeypatch.setattr("ui.desk.presence.POLL_MS", 500)
    central = make_central(pg_url)
    ana, ana_actor = desk_store(tmp_path / "ana.db", central, "ana", sample=True)
    bo, bo_actor = desk_store(tmp_path / "bo.db", central, "bo", sample=False)
    sync(ana, central, author="ana")
    sync(bo, central, author="bo")
    stores = [ana, bo]
    watchers: list[PresenceWatcher] = []
    try:
        win_a = desk_window(qtbot, ana, ana_actor)
        win_b = desk_window(qtbot, bo, bo_actor)
        watchers = [watcher_of(win_a), watcher_of(win_b)]
        story = win_a.editing.story_id  # type: ignore[union-attr]
        win_b.show_story_by_id(story)
        qtbot.waitUntil(lambda: watchers[0].text() != "" and watchers[1].text() != "",
                        timeout=10_000)
        assert re.match(r"bo is editing \(since \d\d:\d\d\)", watchers[0].text())
        assert re.match(r"ana is editing \(since \d\d:\d\d\)", watchers[1].text())
        # …and on the story in the list, live, from the same poll.
        qtbot.waitUntil(lambda: any(m.startswith("bo is editing (since ")
                                    for m in win_a.model.marks(story)), timeout=10_000)
        assert watchers[0].online and watchers[0].banner.isVisible()
        watchers[0].banner.watch.click()  # ana watches while bo edits
        assert win_a.editor.body.isReadOnly() and "Watching while bo" in \
            win_a.editor.locked.text()
        assert watchers[0].banner.watch.text() == "Edit anyway"
        watchers[0].banner.hand_over.click()  # ana asks bo to hand over: a note to him
        qtbot.waitUntil(lambda: _notes_to(ana, story, "bo") != [], timeout=10_000)
        assert _notes_to(ana, story, "bo") == ["ana asks you to hand this story over."]

        other = next(s for row in range(3) if (s := win_b.model.story_id(row)) not in (story, None))
        assert other is not None
        win_b.show_story_by_id(other)  # bo moves on: ana stops seeing him (released)
        qtbot.waitUntil(lambda: watchers[0].text() == "", timeout=10_000)
        assert not win_a.editor.body.isReadOnly()  # and writes again
        qtbot.waitUntil(lambda: win_a.model.marks(story) == [], timeout=10_000)
        win_b.show_story_by_id(story)
        qtbot.waitUntil(lambda: watchers[0].text() != "", timeout=10_000)

        watchers[1].stop(release_story=False)  # bo's copy dies: nothing says goodbye
        qtbot.waitUntil(lambda: watchers[0].text() == "", timeout=10_000)
        with Store.open(central) as central_store:
            assert [e.person for e in editing(central_store, [story])[story]] == ["ana"]
    finally:
        for watcher in watchers:
            watcher.stop()
        qtbot.waitUntil(lambda: not any(w.link.connected() for w in watchers), timeout=10_000)
        for store in stores:
            store.close()


def test_offline_the_window_announces_nothing(qtbot: QtBot, gui_store: Store,
                                               gui_actor: Actor) -> None:
    with gui_store.session() as session:
        set_setting(session, "central_url", "postgresql://nobody@127.0.0.1:9/none",
                    username="tester")
    window = desk_window(qtbot, gui_store, gui_actor)
    watcher = watcher_of(window)
    with qtbot.waitSignal(watcher.seen, timeout=10_000) as seen:
        watcher.poll()
    assert seen.args is not None and not seen.args[0].online
    assert watcher.text() == "" and window.editor.body.isEnabled()
