"""The story list model: row ids paged in on demand, rows loaded for what is shown.

It holds only story ids (``canFetchMore``/``fetchMore`` add a page at a time)
and a bounded cache of row summaries loaded in small blocks when the view asks
for them, so 100,000 stories cost a few megabytes and no query reads them all.
In search mode the ids come from the full-text search, best first, each with a
highlighted snippet.

Every read runs on a worker (:class:`ui.ops.QueryOp`), never on the GUI thread: a
reload keeps showing the old rows until the first new page is in (no empty
flash), a page arrives a moment after ``fetchMore``, and a row not read yet shows
"…" until its block is in. ``loading()`` says whether rows are on their way,
``busy()`` whether any read is; ``settle()`` waits for all of them (tests and
benchmarks).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QThreadPool,
    Signal,
)

from cms import search as cms_search
from cms import stories
from cms.publish import WAITING
from cms.store import Store
from cms.stories import StorySummary
from cms.timeutil import format_local, utcnow
from ui.ops import QueryOp, describe_error

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

ID_PAGE = 1000
READ_AHEAD_PAGES = 10
READ_AHEAD_AFTER_PAGES = 3
ROW_BLOCK = 50
CACHE_ROWS = 4000
SEARCH_PAGE = 100
SnippetRole = Qt.ItemDataRole.UserRole + 1
StoryIdRole = Qt.ItemDataRole.UserRole + 2

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    """A list column: its title and the core sort key behind it."""

    key: str
    title: str
    sort: str | None


COLUMNS = (
    Column("headline", "Headline", "headline"),
    Column("section", "Section", "section"),
    Column("status", "Status", "status"),
    Column("byline", "Byline", "byline"),
    Column("publish_at", "Publication", "publish_at"),
    Column("updated_at", "Updated", "updated"),
)

STATUS_COLUMN = next(n for n, c in enumerate(COLUMNS) if c.key == "status")
CONFLICT_TAG = "conflict"
LATE_TAG = "late"
LATE_TIP = ("Its publication time has passed and it is still waiting: "
            "see the late stories under View ▸ Planning")


def is_late(summary: StorySummary, now: datetime | None = None) -> bool:
    """Waiting (ready or scheduled) past its publication time, as the planning view says."""
    return (summary.status in WAITING and summary.publish_at is not None
            and summary.publish_at <= (now or utcnow()))
CONFLICT_TIP = ("Changed on two computers at once: open the Conflicts panel "
                "(View menu) to choose what to keep")


@dataclass(frozen=True)
class ListQuery:
    """What the list shows: filters, sort, or a full-text search."""

    status: str | None = None
    section: str | None = None
    text: str = ""
    sort: str = "updated"
    descending: bool = True


def read_ids(session: Session, query: ListQuery, offset: int, limit: int) -> list[str]:
    """The ordered ids of ``query`` from ``offset`` (the read-ahead's work)."""
    return stories.story_ids(session, status=query.status, section=query.section,
                             offset=offset, limit=limit, sort=query.sort,
                             descending=query.descending)


@dataclass(frozen=True)
class Page:
    """One page of rows as read on a worker."""

    ids: list[str]
    snippets: dict[str, str]  # search mode: the highlighted match of each story
    consumed: int  # source rows read (search hits of other sections are left out)
    last: bool  # the source has nothing after it


@dataclass(frozen=True)
class FirstPage:
    """What a reload reads: the first page, the section names, the conflicted stories."""

    page: Page
    section_names: dict[str, str]
    conflicted: set[str]


def read_page(session: Session, query: ListQuery, offset: int, size: int) -> Page:
    """The page of ``query`` from source row ``offset``."""
    if query.text.strip():
        size = min(size, SEARCH_PAGE)
        hits = cms_search.search(session, query.text, limit=size, offset=offset,
                                 prefix=True, status=query.status)
        wanted = [h for h in hits if not query.section or h.section == query.section]
        return Page([h.story_id for h in wanted],
                    {h.story_id: h.snippet_html() for h in wanted}, len(hits),
                    len(hits) < size)
    ids = read_ids(session, query, offset, size)
    return Page(ids, {}, len(ids), len(ids) < size)


def read_first(session: Session, query: ListQuery, size: int) -> FirstPage:
    """A reload's reads, in one transaction."""
    from cms.sync.conflicts import conflicted_story_ids

    page = read_page(session, query, 0, size)
    names = {s.slug: s.name for s in stories.sections(session)}
    try:
        conflicted = conflicted_story_ids(session)  # last: its failure spoils nothing
    except Exception:
        conflicted = set()  # the badge is a hint; the list still shows
    return FirstPage(page, names, conflicted)


class StoryListModel(QAbstractTableModel):
    """Stories as rows; see the module docstring."""

    page_loaded = Signal()  # after every fetchMore, even one that found nothing

    def __init__(self, store: Store, zone: ZoneInfo, parent: Any = None, *,
                 page_size: int = ID_PAGE) -> None:
        super().__init__(parent)
        self._page = page_size
        self._store = store
        self._zone = zone
        self._query = ListQuery()
        self._ids: list[str] = []
        self._fetched = 0  # source rows consumed (search hits may be filtered out)
        self._known: set[str] = set()
        self._snippets: dict[str, str] = {}
        self._exhausted = False
        self._cache: OrderedDict[str, StorySummary] = OrderedDict()
        self._conflicted: set[str] = set()  # stories with an open sync conflict
        self._marks: dict[str, dict[str, str]] = {}  # kind → story id → its text
        self.section_names: dict[str, str] = {}
        self.last_error: str = ""
        # Once the user pages past the first page, the next ids are read ahead in
        # chunks on a worker thread, so paging on costs no query on the GUI thread.
        self._generation = 0
        self._buffer: list[str] = []  # ids read ahead, not yet rows
        self._reading_ahead = False
        self._source_done = False
        self._rows_generation = 0  # a reset makes older pages stale
        self._loading = False  # a reload's first page is on its way
        self._fetching = False  # a page is on its way
        self._blocks: set[int] = set()  # rows whose summaries are on their way (block starts)
        self._cache_epoch = 0  # summaries read before a change are dropped
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(2)  # a block of rows never waits behind a read-ahead

    @property
    def query(self) -> ListQuery:
        """The filters, sort and search currently shown."""
        return self._query

    def set_query(self, query: ListQuery) -> None:
        """Show another selection of stories (resets the rows)."""
        self._query = query
        self.reload()

    def set_zone(self, zone: ZoneInfo) -> None:
        """Show times in another desk time zone."""
        self._zone = zone
        if self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1,
                                                               len(COLUMNS) - 1))

    def reload(self) -> None:
        """Read the first page again (filters, sorting, imports); the rows reset when it is in.

        Until then the old rows stay, so views never show an empty flash.
        """
        self._rows_generation += 1
        self._generation += 1  # a read-ahead under way is for the old rows
        generation, query, size = self._rows_generation, self._query, self._page
        self._loading, self._fetching, self._reading_ahead = True, False, False
        QueryOp(None, self._store, lambda session: read_first(session, query, size),
                pool=self._pool, owner=self).success(
            lambda first: self._first_read(generation, first)).failure(
            lambda error: self._first_failed(generation, error)).run()

    def _reset_rows(self) -> None:
        self._ids = []
        self._fetched = 0
        self._known = set()
        self._snippets = {}
        self._cache.clear()
        self._cache_epoch += 1
        self._exhausted = False
        self.last_error = ""
        self._buffer = []
        self._source_done = False
        self._loading = False

    def _first_read(self, generation: int, first: FirstPage) -> None:
        if generation != self._rows_generation:
            return  # another reload is on its way
        self.beginResetModel()
        self._reset_rows()
        self.section_names = first.section_names
        self._conflicted = first.conflicted
        self._add_page(first.page)
        self.endResetModel()
        self.page_loaded.emit()

    def _first_failed(self, generation: int, error: BaseException) -> None:
        if generation != self._rows_generation:
            return
        self.beginResetModel()
        self._reset_rows()
        self.last_error = describe_error(error)
        self._exhausted = True
        self.endResetModel()
        self.page_loaded.emit()

    def _add_page(self, page: Page) -> list[str]:
        """Take ``page`` into the rows' state; returns its new ids (inserted by the caller)."""
        self._fetched += page.consumed
        if page.last:
            self._exhausted = True
        self._snippets.update(page.snippets)
        fresh = [i for i in dict.fromkeys(page.ids) if i not in self._known]
        self._ids.extend(fresh)
        self._known.update(fresh)
        return fresh

    def loading(self) -> bool:
        """True while rows are on their way (a reload's first page, or the next page)."""
        return self._loading or self._fetching

    def busy(self) -> bool:
        """True while any read is on its way (rows, a block of summaries, a read-ahead)."""
        return self.loading() or bool(self._blocks) or self._reading_ahead

    def settle(self) -> None:
        """Block until every read is in and applied (tests and benchmarks only)."""
        from PySide6.QtCore import QCoreApplication

        while True:
            self._pool.waitForDone()
            QCoreApplication.processEvents()  # the ops' results, queued to this thread
            if not self.busy():
                return

    def is_conflicted(self, story_id: str) -> bool:
        """True when the story has an open sync conflict (shown with a badge)."""
        return story_id in self._conflicted

    def _read_ahead(self) -> None:
        # Views ask for a second page on their own while laying out; reading ahead
        # starts only once the user really pages on, so start-up has the GIL alone.
        if (len(self._ids) < READ_AHEAD_AFTER_PAGES * self._page
                or self._reading_ahead or self._source_done or self._exhausted
                or self._query.text.strip()  # search stays paged: ranking is per page
                or len(self._buffer) >= 2 * self._page):
            return
        self._reading_ahead = True
        query, generation = self._query, self._generation
        offset, limit = self._fetched + len(self._buffer), READ_AHEAD_PAGES * self._page
        # A failed read-ahead is dropped: the model falls back to reading page by page.
        QueryOp(None, self._store, lambda session: read_ids(session, query, offset, limit),
                pool=self._pool, owner=self).success(
            lambda ids: self._prefetch_done(generation, ids)).failure(
            lambda error: self._prefetch_done(generation, error)).run()

    def _prefetch_done(self, generation: int, result: object) -> None:
        if generation != self._generation:
            return  # the list was reset meanwhile
        self._reading_ahead = False
        if isinstance(result, list):
            self._buffer.extend(result)
            if len(result) < READ_AHEAD_PAGES * self._page:
                self._source_done = True

    def wait_for_prefetch(self) -> None:
        """Block until the background reads are in (benchmarks and tests)."""
        self.settle()

    # Qt model interface -------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self._exhausted or self._loading or self._fetching:
            return
        if not self._fetched and not self._ids:
            self.reload()  # the first page comes with the section names and conflicts
            return
        query = self._query
        if not query.text.strip() and (self._buffer or self._source_done):
            self._insert(self._page_from_buffer())  # read ahead already: no query
            return
        if self._reading_ahead:  # its ids would overlap this page: drop them
            self._generation += 1
            self._reading_ahead = False
        self._fetching = True
        generation, offset, size = self._rows_generation, self._fetched, self._page
        QueryOp(None, self._store, lambda session: read_page(session, query, offset, size),
                pool=self._pool, owner=self).success(
            lambda page: self._page_read(generation, page)).failure(
            lambda error: self._page_failed(generation, error)).run()

    def _page_from_buffer(self) -> Page:
        ids, self._buffer = self._buffer[:self._page], self._buffer[self._page:]
        last = not self._buffer and self._source_done and (len(ids) < self._page or not ids)
        return Page(ids, {}, len(ids), last)

    def _page_read(self, generation: int, page: Page) -> None:
        if generation != self._rows_generation:
            return  # the rows were reset meanwhile
        self._fetching = False
        self._insert(page)

    def _page_failed(self, generation: int, error: BaseException) -> None:
        if generation != self._rows_generation:
            return
        self._fetching = False  # shown in the list's status line; the list stays usable
        self.last_error = describe_error(error)
        self._exhausted = True
        self.page_loaded.emit()

    def _insert(self, page: Page) -> None:
        first = len(self._ids)
        fresh = [i for i in dict.fromkeys(page.ids) if i not in self._known]
        if fresh:
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
        self._add_page(page)
        if fresh:
            self.endInsertRows()
        self.page_loaded.emit()
        self._read_ahead()

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(COLUMNS)):
            return COLUMNS[section].title
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._ids):
            return None
        if role == Qt.ItemDataRole.DisplayRole:  # the hot path while scrolling
            summary = self._summary(index.row())
            if summary is None:
                return "…"
            text = self._display(summary, COLUMNS[index.column()].key)
            if index.column() == STATUS_COLUMN:
                return " · ".join([text, *self._badges(summary)])
            return text
        story_id = self._ids[index.row()]
        if index.column() == STATUS_COLUMN:
            return self._status_extra(index.row(), story_id, role)
        if role == StoryIdRole:
            return story_id
        if role == SnippetRole:
            return self._snippets.get(story_id) if index.column() == 0 else None
        if index.column() == 0 and role in (Qt.ItemDataRole.ToolTipRole,
                                            Qt.ItemDataRole.DecorationRole):
            return self._headline_extra(index.row(), story_id, role)
        return None

    def _headline_extra(self, row: int, story_id: str, role: int) -> Any:
        """The headline's icon and tooltip: the status column folds away on a narrow list,
        so a conflict, lateness, a note to me or someone editing shows here too."""
        summary = self._summary(row)
        badges = self._badges(summary) if summary is not None else []
        if role == Qt.ItemDataRole.ToolTipRole:
            if summary is None:
                return None
            return "\n".join([summary.headline, *badges]) if badges else summary.headline
        if not badges:
            return None
        from PySide6.QtWidgets import QApplication, QStyle

        warn = badges[0] in (LATE_TAG, CONFLICT_TAG)
        return QApplication.style().standardIcon(
            QStyle.StandardPixmap.SP_MessageBoxWarning if warn
            else QStyle.StandardPixmap.SP_MessageBoxInformation)

    def _status_extra(self, row: int, story_id: str, role: int) -> Any:
        """The status cell's warning icon and tooltip: conflicts first, then lateness."""
        conflicted = story_id in self._conflicted
        if role == Qt.ItemDataRole.DecorationRole and conflicted:
            from PySide6.QtWidgets import QApplication, QStyle

            return QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        if role == Qt.ItemDataRole.ToolTipRole:
            # The marks in full (a long "… is editing" is elided in the narrow column).
            marks = [text for marks in self._marks.values() if (text := marks.get(story_id))]
            summary = self._summary(row)
            tips = [CONFLICT_TIP] if conflicted else (
                [LATE_TIP] if summary is not None and is_late(summary) else [])
            return "\n".join([*tips, *marks]) or None
        if role == StoryIdRole:
            return story_id
        return None

    def _badges(self, summary: StorySummary) -> list[str]:
        badges = [LATE_TAG] if is_late(summary) else []
        if summary.id in self._conflicted:
            badges.append(CONFLICT_TAG)
        for marks in self._marks.values():
            text = marks.get(summary.id)
            if text:
                badges.append(text)
        return badges

    def set_marks(self, kind: str, marks: dict[str, str]) -> None:
        """Mark stories with a text of one ``kind`` (notes to me, who is editing).

        Replaces that kind's marks. Looked up per row while drawing, so it costs nothing
        per story in the store; a change redraws the status column (the view repaints
        only the rows it shows), never searching the rows for the stories.
        """
        if self._marks.get(kind, {}) == marks:
            return
        self._marks[kind] = dict(marks)
        if self._ids:
            self.dataChanged.emit(self.index(0, STATUS_COLUMN),
                                  self.index(len(self._ids) - 1, STATUS_COLUMN))

    def marks(self, story_id: str) -> list[str]:
        """The marks shown on ``story_id`` (notes to me, who is editing)."""
        return [m[story_id] for m in self._marks.values() if story_id in m]

    def _display(self, summary: StorySummary, key: str) -> str:
        if key == "headline":
            return summary.headline
        if key == "section":
            return self.section_names.get(summary.section or "", summary.section or "")
        if key == "status":
            return summary.status
        if key == "byline":
            return summary.byline
        if key == "publish_at":
            return format_local(summary.publish_at, self._zone)
        return format_local(summary.updated_at, self._zone)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS) or COLUMNS[column].sort is None:
            return
        wanted = ListQuery(
            status=self._query.status, section=self._query.section, text=self._query.text,
            sort=COLUMNS[column].sort or "updated",
            descending=order == Qt.SortOrder.DescendingOrder,
        )
        if wanted != self._query:
            self.set_query(wanted)

    # rows -------------------------------------------------------------------------

    def _summary(self, row: int) -> StorySummary | None:
        story_id = self._ids[row]
        cached = self._cache.get(story_id)
        if cached is not None:
            return cached
        start = row - row % ROW_BLOCK
        if start not in self._blocks:
            block = [i for i in self._ids[start: start + ROW_BLOCK] if i not in self._cache]
            self._blocks.add(start)
            epoch = self._cache_epoch
            QueryOp(None, self._store, lambda session: stories.summaries(session, block),
                    pool=self._pool, owner=self).success(
                lambda loaded: self._block_read(start, epoch, loaded)).failure(
                lambda error: self._block_failed(start, error)).run()
        return None  # shown as "…" until its block is in

    def _block_read(self, start: int, epoch: int, loaded: list[StorySummary]) -> None:
        self._blocks.discard(start)
        if epoch == self._cache_epoch:  # else a story changed meanwhile: asked again
            for summary in loaded:
                self._cache[summary.id] = summary
            while len(self._cache) > CACHE_ROWS:
                self._cache.popitem(last=False)
        if self._ids:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self._ids) - 1, len(COLUMNS) - 1))

    def _block_failed(self, start: int, error: BaseException) -> None:
        self._blocks.discard(start)
        self.last_error = describe_error(error)  # the rows stay "…"; scrolling asks again

    def story_id(self, row: int) -> str | None:
        """The id shown in ``row``."""
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, story_id: str) -> int | None:
        """The row showing ``story_id``, if it is loaded."""
        if story_id not in self._known:
            return None
        return self._ids.index(story_id)

    def story_updated(self, story_id: str) -> None:
        """A story changed: drop its cached row so the view shows the new values."""
        self._cache.pop(story_id, None)
        self._cache_epoch += 1
        row = self.row_of(story_id)
        if row is not None:
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def story_added(self, story_id: str) -> None:
        """A new story: show it first (where the default sort would put it)."""
        if story_id in self._known:
            self.story_updated(story_id)
            return
        self.beginInsertRows(QModelIndex(), 0, 0)
        self._ids.insert(0, story_id)
        self._known.add(story_id)
        self.endInsertRows()
