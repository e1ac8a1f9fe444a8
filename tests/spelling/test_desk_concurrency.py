"""Two desk chiefs adding to the desk dictionary at once on one PostgreSQL store."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from cms.people import actor_for
from cms.spelling_words import add_desk_word, desk_words
from cms.store import Store


def waiting_on_a_lock(store: Store) -> bool:
    with store.engine.connect() as conn:
        return bool(conn.scalar(sa.text(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'")))


@pytest.mark.pg
def test_concurrent_desk_words_are_both_kept(pg_url: str) -> None:
    store = Store.open(pg_url, create=True)
    try:
        with store.session() as session:
            chief = actor_for(session, "tester", store.replica_id)
            add_desk_word(session, chief, "JCS")
        errors: list[BaseException] = []

        def second_chief() -> None:
            try:
                with store.session() as other:
                    add_desk_word(other, chief, "Han Duck-soo")
            except BaseException as exc:  # reported by the test thread
                errors.append(exc)

        with store.session() as session:
            add_desk_word(session, chief, "Yoon Suk Yeol")
            thread = threading.Thread(target=second_chief)
            thread.start()
            # The second add waits for the first one's transaction (its row lock).
            deadline = time.monotonic() + 30
            while not waiting_on_a_lock(store):  # polled, like qtbot.waitUntil
                assert time.monotonic() < deadline and thread.is_alive(), errors
                thread.join(0.02)
        thread.join(30)
        assert not thread.is_alive() and not errors
        with store.reading() as session:
            assert desk_words(session) == ["Han Duck-soo", "JCS", "Yoon Suk Yeol"]
    finally:
        store.close()
