"""The story list panel: search box, status and section filters, and the paged table."""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import (
    QByteArray,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRectF,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QFont,
    QFontMetrics,
    QPainter,
    QPalette,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.stories.model import COLUMNS, ListQuery, SnippetRole, StoryListModel

SEARCH_DEBOUNCE_MS = 250
HEADLINE_MIN = 200  # narrower than this, less important columns fold away
AUTO_HIDE = (1, 4, 2)  # section, publication, status: folded in this order
UPDATED_COLUMN = next(n for n, c in enumerate(COLUMNS) if c.key == "updated_at")


class SnippetDelegate(QStyledItemDelegate):
    """Draws a headline with its search snippet below, matches highlighted."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        snippet = index.data(SnippetRole)
        if not snippet:
            super().paint(painter, option, index)
            return
        self.initStyleOption(option, index)
        style = option.widget.style() if option.widget else None
        headline = option.text
        option.text = ""
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter,
                              option.widget)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        group = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        colour = option.palette.color(group).name()
        mark = option.palette.color(QPalette.ColorRole.Link).name()
        doc = QTextDocument()
        doc.setDefaultFont(option.font)
        doc.setDocumentMargin(2)
        bold = QFont(option.font)
        bold.setBold(True)
        # One line of headline, elided; the snippet gets the remaining lines.
        shown = QFontMetrics(bold).elidedText(headline, Qt.TextElideMode.ElideRight,
                                              option.rect.width() - 6)
        doc.setHtml(
            f"<div style='color:{colour}'><b>{escape(shown)}</b><br>"
            f"<span style='font-size:small'>{snippet}</span></div>"
            .replace("<mark>", f"<b style='color:{mark}'>").replace("</mark>", "</b>")
        )
        doc.setTextWidth(option.rect.width())
        painter.save()
        painter.translate(option.rect.topLeft())
        painter.setClipRect(QRectF(0, 0, option.rect.width(), option.rect.height()))
        context = QAbstractTextDocumentLayout.PaintContext()
        doc.documentLayout().draw(painter, context)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        if index.data(SnippetRole):
            return QSize(size.width(), size.height() * 3)
        return size


class StoryListPanel(QWidget):
    """Finds and picks stories; emits :attr:`story_selected` with the chosen id."""

    story_selected = Signal(str)

    def __init__(self, model: StoryListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.search_box = QLineEdit(self)
        self.search_box.setObjectName("storySearch")
        self.search_box.setPlaceholderText("Search stories")
        self.search_box.setClearButtonEnabled(True)
        self.status_filter = QComboBox(self)
        self.status_filter.setObjectName("statusFilter")
        self.section_filter = QComboBox(self)
        self.section_filter.setObjectName("sectionFilter")
        self.view = QTableView(self)
        self.view.setObjectName("storyTable")
        self.view.setModel(model)
        self.view.setTabKeyNavigation(False)  # Tab leaves the list; arrows move within it
        self._snippet_delegate = SnippetDelegate(self.view)
        self._plain_delegate = QStyledItemDelegate(self.view)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(len(COLUMNS) - 1, Qt.SortOrder.DescendingOrder)
        self.view.setAlternatingRowColors(True)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        vertical = self.view.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self._row_height = self.fontMetrics().height() + 8
        vertical.setDefaultSectionSize(self._row_height)
        header = self.view.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column, width in ((1, 88), (2, 72), (3, 110), (4, 124), (5, 124)):
            header.resizeSection(column, width)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)
        header.setSectionsMovable(True)
        header.sortIndicatorChanged.connect(lambda _c, _o: self.fit_columns())
        self._auto_hidden: set[int] = set()
        self._auto_shown: set[int] = set()
        self._open_story: str | None = None
        self._following = False  # selecting the open story, not a choice of the user's
        self.view.viewport().installEventFilter(self)
        self.status_line = QLabel(self)
        self.status_line.setObjectName("listStatus")
        self.status_line.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        filters = QHBoxLayout()
        filters.setContentsMargins(0, 0, 0, 0)
        filters.addWidget(self.status_filter, 1)
        filters.addWidget(self.section_filter, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 0, 6)
        layout.setSpacing(6)
        layout.addWidget(self.search_box)
        layout.addLayout(filters)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status_line)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DEBOUNCE_MS)
        self._search_timer.timeout.connect(self.apply_filters)
        self.search_box.textChanged.connect(lambda _t: self._search_timer.start())
        self.search_box.returnPressed.connect(self.apply_filters)
        self.status_filter.currentIndexChanged.connect(lambda _i: self.apply_filters())
        self.section_filter.currentIndexChanged.connect(lambda _i: self.apply_filters())
        self.view.selectionModel().currentRowChanged.connect(self._on_current_changed)
        model.modelReset.connect(self._update_status_line)
        model.modelReset.connect(self._follow_open_story)
        model.page_loaded.connect(self._update_status_line)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.view.viewport() and event.type() == QEvent.Type.Resize:
            self.fit_columns()
        return False

    def fit_columns(self) -> None:
        """Give the headline the spare width: show "Updated" when the list is sorted by
        it, and fold less important columns while the headline would be too narrow."""
        header = self.view.horizontalHeader()
        by = header.sortIndicatorSection() if self.view.isSortingEnabled() else -1
        for column in self._auto_hidden:
            header.setSectionHidden(column, False)
        self._auto_hidden.clear()
        if by == UPDATED_COLUMN and header.isSectionHidden(by):
            header.setSectionHidden(by, False)
            self._auto_shown.add(by)
        elif by != UPDATED_COLUMN and UPDATED_COLUMN in self._auto_shown:
            header.setSectionHidden(UPDATED_COLUMN, True)
            self._auto_shown.discard(UPDATED_COLUMN)
        room = self.view.viewport().width()
        for column in AUTO_HIDE:
            others = sum(header.sectionSize(c) for c in range(1, len(COLUMNS))
                         if not header.isSectionHidden(c))
            if room - others >= HEADLINE_MIN:
                break
            if column != by and not header.isSectionHidden(column):
                header.setSectionHidden(column, True)
                self._auto_hidden.add(column)

    def _header_menu(self, position: QPoint) -> None:
        header = self.view.horizontalHeader()
        menu = QMenu(self)
        for column, spec in enumerate(COLUMNS):
            if column == 0:
                continue
            action = menu.addAction(spec.title)
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(column))
            action.toggled.connect(lambda shown, c=column: self._choose_column(c, shown))
        menu.popup(header.mapToGlobal(position))

    def _choose_column(self, column: int, shown: bool) -> None:
        """The user showed or hid a column: that choice is theirs, not the fitting's."""
        self._auto_hidden.discard(column)
        self._auto_shown.discard(column)
        self.view.horizontalHeader().setSectionHidden(column, not shown)
        self.fit_columns()

    def restore_columns(self, state: QByteArray | None) -> None:
        """Column order, widths and visibility as saved (byline and last change hidden
        by default, so the headline has room)."""
        header = self.view.horizontalHeader()
        if state is None or not header.restoreState(state):
            header.setSectionHidden(3, True)
            header.setSectionHidden(5, True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.fit_columns()

    def column_state(self) -> QByteArray:
        """The header state to save: the user's choice of columns, not the fitted one."""
        header = self.view.horizontalHeader()
        for column in self._auto_hidden:
            header.setSectionHidden(column, False)
        for column in self._auto_shown:
            header.setSectionHidden(column, True)
        self._auto_hidden.clear()
        self._auto_shown.clear()
        state = header.saveState()
        self.fit_columns()
        return state

    def set_choices(self, statuses: list[str], sections: list[tuple[str, str]]) -> None:
        """Fill the filters: workflow statuses and (slug, name) sections."""
        for combo, everything, items in (
            (self.status_filter, "All statuses", [(s, s) for s in statuses]),
            (self.section_filter, "All sections", sections),
        ):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(everything, None)
            for value, label in items:
                combo.addItem(label, value)
            found = combo.findData(current)
            combo.setCurrentIndex(max(found, 0))
            combo.blockSignals(False)

    def apply_filters(self) -> None:
        """Show what the search box and filters ask for."""
        self._search_timer.stop()
        old = self.model.query
        query = ListQuery(
            status=self.status_filter.currentData(),
            section=self.section_filter.currentData(),
            text=self.search_box.text().strip(),
            sort=old.sort,
            descending=old.descending,
        )
        if query == old:
            return
        searching = bool(query.text)
        self.view.verticalHeader().setDefaultSectionSize(
            self._row_height * 3 - 4 if searching else self._row_height
        )
        self.view.setSortingEnabled(not searching)
        # The snippet painter only while searching: plain rows paint without Python.
        self.view.setItemDelegateForColumn(
            0, self._snippet_delegate if searching else self._plain_delegate)
        self.model.set_query(query)

    def _update_status_line(self, *_args: Any) -> None:
        if self.model.last_error:
            self.status_line.setText(self.model.last_error)
            return
        rows = self.model.rowCount()
        more = "+" if self.model.canFetchMore() else ""
        what = "matches" if self.model.query.text else "stories"
        self.status_line.setText(f"{rows:,}{more} {what}")

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        story_id = self.model.story_id(current.row()) if current.isValid() else None
        if story_id and not self._following:
            self.story_selected.emit(story_id)

    def current_story(self) -> str | None:
        """The id of the selected story."""
        index = self.view.currentIndex()
        return self.model.story_id(index.row()) if index.isValid() else None

    def _follow_open_story(self) -> None:
        """After a search or a filter changes the rows, highlight the open story again."""
        if self._open_story is not None:
            self.select_story(self._open_story)

    def select_story(self, story_id: str) -> bool:
        """Select ``story_id`` (the open story) if the list shows it (emitting nothing new)."""
        self._open_story = story_id
        row = self.model.row_of(story_id)
        if row is None:
            return False
        if self.current_story() != story_id:
            # Showing the open story is no choice of the user's: it must not cancel
            # a story they asked for that is still loading.
            self._following = True
            try:
                self.view.selectRow(row)
            finally:
                self._following = False
        self.view.scrollTo(self.model.index(row, 0))
        return True

    def select_relative(self, step: int) -> None:
        """Move to the next (+1) or previous (-1) story."""
        row = self.view.currentIndex().row()
        target = 0 if row < 0 else row + step
        if target >= self.model.rowCount() and self.model.canFetchMore():
            self.model.fetchMore()
        if 0 <= target < self.model.rowCount():
            self.view.selectRow(target)

    def focus_search(self) -> None:
        """Put the cursor in the search box, text selected."""
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()
