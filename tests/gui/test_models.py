"""Every model under Qt's QAbstractItemModelTester, plus paging and search behaviour."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.modeltest import ModelTester

from cms import stories
from cms.people import Actor
from cms.revisions import story_revisions
from cms.store import Store
from ui.editor.history import RevisionsModel
from ui.stories.model import ListQuery, SnippetRole, StoryIdRole, StoryListModel

SEOUL = ZoneInfo("Asia/Seoul")


def _fetch_all(model: StoryListModel) -> None:
    model.settle()
    while model.canFetchMore():
        model.fetchMore()
        model.settle()


def _shown(model: StoryListModel, row: int, column: int) -> str:
    """What the view shows once the row's block is read (it shows "…" meanwhile)."""
    model.index(row, column).data()
    model.settle()
    return str(model.index(row, column).data())


def test_story_list_model_pages_ids_on_demand(qapp: QApplication, qtmodeltester: ModelTester,
                                              gui_store: Store, gui_actor: Actor) -> None:
    with gui_store.session() as session:
        for n in range(25):
            stories.create(session, gui_actor, headline=f"Paged story {n}", section="local")
    model = StoryListModel(gui_store, SEOUL, page_size=10)
    assert model.rowCount() == 0 and model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == 0 and model.loading()  # the page is read on a worker
    model.settle()
    assert model.rowCount() == 10
    _fetch_all(model)
    assert model.rowCount() == 31
    assert not model.canFetchMore()
    ids = [model.index(r, 0).data(StoryIdRole) for r in range(model.rowCount())]
    with gui_store.reading() as session:
        assert ids == stories.story_ids(session)
    assert model.index(0, 0).data() in ("…", "Paged story 24")
    assert _shown(model, 0, 0) == "Paged story 24"  # newest change first
    assert _shown(model, 0, 1) == "Local"
    qtmodeltester.check(model)
    fresh = StoryListModel(gui_store, SEOUL, page_size=3)
    fresh.reload()
    fresh.settle()  # the first page
    assert fresh.rowCount() == 3
    fresh.fetchMore()
    fresh.settle()
    fresh.fetchMore()  # page by page, then ten pages read ahead
    fresh.wait_for_prefetch()
    fresh.fetchMore()  # from what was read ahead: no query
    assert fresh.rowCount() == 12
    fresh.fetchMore()  # read-ahead still in flight: its overlapping ids must not duplicate
    _fetch_all(fresh)
    fresh.wait_for_prefetch()
    _fetch_all(fresh)
    assert [fresh.index(r, 0).data(StoryIdRole) for r in range(fresh.rowCount())] == ids


def test_story_list_model_filters_sorts_and_searches(qapp: QApplication,
                                                     qtmodeltester: ModelTester,
                                                     gui_store: Store) -> None:
    model = StoryListModel(gui_store, SEOUL)
    model.set_query(ListQuery(section="politics"))
    _fetch_all(model)
    qtmodeltester.check(model)
    assert model.rowCount() == 5
    assert {_shown(model, r, 1) for r in range(5)} == {"Politics"}
    model.sort(0, Qt.SortOrder.AscendingOrder)
    _fetch_all(model)
    headlines = [_shown(model, r, 0) for r in range(model.rowCount())]
    assert headlines == sorted(headlines)
    model.set_query(ListQuery(text="impeach"))  # prefix search as the user types
    _fetch_all(model)
    qtmodeltester.check(model)
    assert model.rowCount() >= 1
    snippets = [model.index(r, 0).data(SnippetRole) for r in range(model.rowCount())]
    assert all("<mark>" in s.lower() for s in snippets)
    assert model.index(0, 1).data(SnippetRole) is None  # snippets live in the headline column
    model.set_query(ListQuery(text="impeach", section="north-korea"))
    _fetch_all(model)
    assert model.rowCount() <= 1
    model.set_query(ListQuery(text="zzzznothing"))
    _fetch_all(model)
    assert model.rowCount() == 0


def test_story_list_model_shows_times_in_the_desk_zone(qapp: QApplication,
                                                       gui_store: Store) -> None:
    model = StoryListModel(gui_store, SEOUL)
    _fetch_all(model)
    with gui_store.reading() as session:
        summary = stories.summaries(session, [model.story_id(0) or ""])[0]
    assert summary.publish_at is not None
    shown = _shown(model, 0, 4)
    assert shown == summary.publish_at.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M")
    model.set_zone(ZoneInfo("UTC"))
    assert _shown(model, 0, 4) == summary.publish_at.strftime("%Y-%m-%d %H:%M")


def test_revisions_model(qtmodeltester: ModelTester, gui_store: Store, gui_actor: Actor) -> None:
    with gui_store.session() as session:
        story_id = stories.story_ids(session)[0]
        stories.edit(session, gui_actor, story_id, standfirst="A new standfirst.")
    with gui_store.reading() as session:
        revisions = story_revisions(session, story_id)
    model = RevisionsModel(SEOUL)
    qtmodeltester.check(model)
    model.set_revisions([(info, "standfirst") for info in revisions])
    qtmodeltester.check(model)
    assert model.rowCount() == 2
    assert model.index(0, 1).data() == "tester"
    assert model.index(0, 4).data() == revisions[0].short
