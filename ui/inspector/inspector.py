"""The inspector: the open story's fields, plus tabs that extensions add or replace.

Times are shown and entered in the desk time zone; entry goes through
``cms.timeutil.parse_time``, so a time inside a daylight-saving gap or overlap
is refused with the core's explanation instead of being guessed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cms.document import normalise_tags
from cms.errors import NewsroomError
from cms.schedule import future_time
from cms.slugs import validate_slug
from cms.timeutil import format_local, parse_time, utcnow
from cms.validate import check_language
from cms.workflow import Permissions
from ui.window.extensions import OpenStory

TIME_FORMAT = "%Y-%m-%d %H:%M"
DESK_DEFAULT = "Desk default"
# The Language field's choices (any other BCP 47 tag may be typed).
LANGUAGES = (("en", "English"), ("en-GB", "English, British"), ("en-US", "English, American"),
             ("ko", "Korean"), ("fr", "French"), ("de", "German"), ("es", "Spanish"),
             ("ja", "Japanese"), ("zh", "Chinese"))


def language_entered(text: str) -> str:
    """The tag a Language field's text stands for: '' for the desk's, else its first word
    ("ko — Korean" is ``ko``), checked (:class:`UsageError` for a malformed one)."""
    clean = text.strip()
    if not clean or clean.casefold() == DESK_DEFAULT.casefold():
        return ""
    return check_language(clean.split()[0])


class _ErrorLabel(QLabel):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.WindowText, Qt.GlobalColor.red)
        self.setPalette(palette)
        self.hide()

    def show_error(self, text: str) -> None:
        self.setText(text)
        self.setVisible(bool(text))


class StoryFieldsPane(QWidget):
    """Byline, dateline, section, tags, language, status, publication time, embargo, slug."""

    changed = Signal(dict)  # field name -> new value, as the user entered it
    workflow_requested = Signal()  # the user followed the status hint's link

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._story: OpenStory | None = None
        self._loading = False
        self.byline = QLineEdit(self)
        self.byline.setObjectName("bylineEdit")
        self.dateline = QLineEdit(self)
        self.dateline.setObjectName("datelineEdit")
        self.section = QComboBox(self)
        self.section.setObjectName("sectionCombo")
        self.tags = QLineEdit(self)
        self.tags.setObjectName("tagsEdit")
        self.tags.setPlaceholderText("comma, separated, tags")
        self.language = QComboBox(self)
        self.language.setObjectName("languageCombo")
        self.language.setEditable(True)
        self.language.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        # As narrow as the other fields: its long items must not make the row wrap.
        self.language.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.language.setMinimumContentsLength(8)
        self.language.setAccessibleName("Language")
        self.language.setToolTip("The story's language (a tag such as en-GB or ko): the page "
                                 "says it to readers and browsers, and spelling is checked "
                                 "in it. Desk default: the desk's language.")
        self.language.addItem(DESK_DEFAULT, "")
        for tag, name in LANGUAGES:
            self.language.addItem(f"{tag} — {name}", tag)
        # Read-only: status moves are role-checked, recorded acts made in the Workflow tab.
        self.status = QComboBox(self)
        self.status.setObjectName("statusCombo")
        self.status.setEnabled(False)
        self.status.setToolTip("Change the status in the Workflow tab")
        self.status_hint = QLabel('<a href="#workflow">Change it in the Workflow tab</a>', self)
        self.status_hint.setObjectName("statusHint")
        self.status_hint.setWordWrap(True)
        self.status_hint.linkActivated.connect(lambda _link: self.workflow_requested.emit())
        self._permissions: Mapping[str, Permissions] = {}
        self.publish_at = QLineEdit(self)
        self.publish_at.setObjectName("publishAtEdit")
        self.embargo = QLineEdit(self)
        self.embargo.setObjectName("embargoEdit")
        self.slug = QLineEdit(self)
        self.slug.setObjectName("slugEdit")
        self.error = _ErrorLabel(self)
        self.error.setObjectName("fieldError")
        self.info = QLabel(self)
        self.info.setObjectName("storyInfo")
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.info.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)  # narrow: label above
        form.addRow("Byline", self.byline)
        form.addRow("Dateline", self.dateline)
        form.addRow("Section", self.section)
        form.addRow("Tags", self.tags)
        form.addRow("Language", self.language)
        form.addRow("Status", self.status)
        form.addRow("", self.status_hint)
        self._publish_label = QLabel("Publish at", self)
        form.addRow(self._publish_label, self.publish_at)
        form.addRow("Embargo until", self.embargo)
        form.addRow("Slug", self.slug)
        form.addRow(self.error)
        form.addRow(self.info)
        self.byline.editingFinished.connect(lambda: self._emit("byline", self.byline.text()))
        self.dateline.editingFinished.connect(
            lambda: self._emit("dateline", self.dateline.text()))
        self.tags.editingFinished.connect(self._tags_done)
        self.slug.editingFinished.connect(self._slug_done)
        self.publish_at.editingFinished.connect(
            lambda: self._time_done("publish_at", self.publish_at))
        self.embargo.editingFinished.connect(
            lambda: self._time_done("embargo_until", self.embargo))
        self.section.currentIndexChanged.connect(
            lambda _i: self._emit("section", self.section.currentData()))
        self.language.activated.connect(lambda _i: self._language_done())
        line = self.language.lineEdit()
        if line is not None:
            line.editingFinished.connect(self._language_done)
        self.setEnabled(False)

    def set_permissions(self, permissions: Mapping[str, Permissions]) -> None:
        """What the user's role may change on a story in each status (from the core)."""
        self._permissions = dict(permissions)
        if self._story is not None:
            self.show_story(self._story)

    def set_choices(self, statuses: list[str], sections: list[tuple[str, str]]) -> None:
        """The statuses and (slug, name) sections to choose from."""
        self._loading = True
        try:
            self.status.clear()
            for name in statuses:
                self.status.addItem(name, name)
            self.section.clear()
            self.section.addItem("(no section)", None)
            for slug, name in sections:
                self.section.addItem(name, slug)
        finally:
            self._loading = False
        if self._story is not None:
            self.show_story(self._story)

    def show_story(self, story: OpenStory | None) -> None:
        """Show the open story's fields (no change signals while loading)."""
        self._story = story
        self._loading = True
        try:
            self.error.show_error("")
            if story is None:
                for edit in (self.byline, self.dateline, self.tags, self.publish_at,
                             self.embargo, self.slug):
                    edit.clear()
                self.language.setCurrentIndex(0)
                self.info.clear()
                self.setEnabled(False)
                return
            doc, zone = story.document, story.zone
            self._set_text(self.byline, doc.byline)
            self._set_text(self.dateline, doc.dateline)
            self._set_text(self.tags, ", ".join(doc.tags))
            self._show_language(doc.language)
            self._set_text(self.slug, doc.slug)
            self._set_text(self.publish_at, format_local(doc.publish_at, zone, TIME_FORMAT))
            self._set_text(self.embargo, format_local(doc.embargo_until, zone, TIME_FORMAT))
            hint = f"YYYY-MM-DD HH:MM in {zone.key}"
            self.publish_at.setPlaceholderText(hint)
            self.embargo.setPlaceholderText(hint)
            self._publish_label.setToolTip(f"Times are in the desk time zone, {zone.key}")
            self.section.setCurrentIndex(max(self.section.findData(doc.section), 0))
            status = self.status.findData(doc.status)
            if status < 0:
                self.status.addItem(doc.status, doc.status)
                status = self.status.findData(doc.status)
            self.status.setCurrentIndex(status)
            allowed = self._permissions.get(doc.status)
            content = allowed is None or allowed.content
            for edit, editable in ((self.publish_at, allowed is None or allowed.publish_at),
                                   (self.embargo, allowed is None or allowed.embargo),
                                   (self.byline, content), (self.dateline, content),
                                   (self.tags, content), (self.slug, content)):
                edit.setReadOnly(not editable)
                edit.setToolTip("" if editable else
                                f"Your role may not change this on a {doc.status} story")
            self.section.setEnabled(content)
            self.language.setEnabled(content)
            self.info.setText(
                f"Story {doc.story_id[:8]} · revision {story.revision_id[:12]}\n"
                f"Times in {zone.key}"
            )
            self.setEnabled(True)
        finally:
            self._loading = False

    def show_revision(self, revision_id: str) -> None:
        """The open story was saved as ``revision_id`` (fields being typed stay as they are)."""
        if self._story is None:
            return
        self._story = OpenStory(self._story.document, revision_id, self._story.zone)
        doc = self._story.document
        self.info.setText(
            f"Story {doc.story_id[:8]} · revision {revision_id[:12]}\n"
            f"Times in {self._story.zone.key}"
        )

    @staticmethod
    def _set_text(edit: QLineEdit, text: str) -> None:
        if edit.text() != text:
            edit.setText(text)
            edit.setCursorPosition(0)

    def _emit(self, name: str, value: Any) -> None:
        if self._loading or self._story is None:
            return
        if getattr(self._story.document, name) == value:
            return
        self.error.show_error("")
        self.changed.emit({name: value})

    def _show_language(self, tag: str) -> None:
        index = self.language.findData(tag)
        if index >= 0:
            self.language.setCurrentIndex(index)
        else:
            self.language.setCurrentIndex(-1)
            self.language.setEditText(tag)

    def _language_done(self) -> None:
        if self._loading or self._story is None:
            return
        text = self.language.currentText()
        if self._checked("language", lambda: language_entered(text)):
            self._show_language(self._story.document.language)

    def _tags_done(self) -> None:
        self._emit("tags", normalise_tags(self.tags.text().split(",")))

    def _slug_done(self) -> None:
        if self._loading or self._story is None:
            return
        text = self.slug.text().strip()
        self._checked("slug", lambda: validate_slug(text))

    def _time_done(self, name: str, edit: QLineEdit) -> None:
        if self._loading or self._story is None or edit.isReadOnly():
            return
        text = edit.text().strip()
        zone = self._story.zone
        before = getattr(self._story.document, name)

        def parse() -> datetime | None:
            value = parse_time(text, zone) if text else None
            if value is not None and value != before:
                # Every time a person enters lies ahead (the CLI refuses the same).
                what = "publication time" if name == "publish_at" else "embargo end"
                future_time(value, utcnow(), what, zone)
            return value

        if self._checked(name, parse):
            value = getattr(self._story.document, name)
            self._set_text(edit, format_local(value, zone, TIME_FORMAT))

    def _checked(self, name: str, produce: Callable[[], Any]) -> bool:
        try:
            value = produce()
        except NewsroomError as exc:
            self.error.show_error(f"{name.replace('_', ' ')}: {exc}")
            return False
        self._emit(name, value)
        return True


class Inspector(QTabWidget):
    """Tabs keyed by name; ``add_tab`` with an existing key replaces that tab."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inspector")
        self.setDocumentMode(True)
        self._panes: dict[str, QWidget] = {}
        self._story: OpenStory | None = None

    def add_tab(self, key: str, title: str, pane: QWidget) -> None:
        """Add a pane (any widget with ``show_story``), replacing one with the same key."""
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        holder = QWidget(scroll)
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(pane)
        layout.addStretch(1)
        scroll.setWidget(holder)
        scroll.setObjectName(f"inspectorTab_{key}")
        old = self._panes.get(key)
        if old is not None:
            position = self.indexOf(self._tab_of(old))
            self.removeTab(position)
            old.deleteLater()
            self.insertTab(position, scroll, title)
        else:
            self.addTab(scroll, title)
        self._panes[key] = pane
        show = getattr(pane, "show_story", None)
        if show is not None:
            show(self._story)

    def _tab_of(self, pane: QWidget) -> QWidget:
        for position in range(self.count()):
            tab = self.widget(position)
            if tab is not None and tab.isAncestorOf(pane):
                return tab
        raise KeyError("pane not in the inspector")

    def show_tab(self, key: str) -> None:
        """Bring the tab added under ``key`` to the front."""
        pane = self._panes.get(key)
        if pane is None:
            raise KeyError(f"no inspector tab {key!r}")
        self.setCurrentWidget(self._tab_of(pane))

    def pane(self, key: str) -> QWidget | None:
        """The pane added under ``key``."""
        return self._panes.get(key)

    def show_story(self, story: OpenStory | None) -> None:
        """Tell every pane about the open story."""
        self._story = story
        for pane in self._panes.values():
            show = getattr(pane, "show_story", None)
            if show is not None:
                show(story)
