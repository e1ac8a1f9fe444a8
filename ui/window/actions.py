"""The main window's actions, menus and toolbar, with their keyboard shortcuts.

Every shortcut is given once, here (extensions add a few of their own); a test
asserts that no two active actions share one. Menu items use title case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QToolBar

from ui.window import prefs
from ui.window.theme import icon

Key = QKeySequence.StandardKey
Shortcut = Key | str | list[str] | None
MENU_TITLES = ("File", "Edit", "View", "Format", "Story", "Tools", "Help")
FILE_TAIL = "fileTail"  # the separator before Settings and Quit; extensions go above it


@dataclass
class Actions:
    """Every window action, by purpose."""

    new_story: QAction
    save: QAction
    import_folder: QAction
    settings: QAction
    quit: QAction
    undo: QAction
    redo: QAction
    cut: QAction
    copy: QAction
    paste: QAction
    select_all: QAction
    find: QAction
    replace: QAction
    find_next: QAction
    find_previous: QAction
    search_stories: QAction
    toggle_preview: QAction
    focus_mode: QAction
    toggle_story_list: QAction
    toggle_inspector: QAction
    zoom_in: QAction
    zoom_out: QAction
    zoom_reset: QAction
    bold: QAction
    italic: QAction
    link: QAction
    heading_1: QAction
    heading_2: QAction
    heading_3: QAction
    paragraph: QAction
    quote: QAction
    bullet_list: QAction
    numbered_list: QAction
    next_story: QAction
    previous_story: QAction
    history: QAction
    theme_system: QAction
    theme_light: QAction
    theme_dark: QAction
    shortcuts: QAction
    about: QAction


ICONS = {"new_story": "new", "save": "save", "import_folder": "import", "settings": "settings",
         "find": "find", "search_stories": "search-stories", "toggle_preview": "preview",
         "next_story": "next", "previous_story": "previous", "history": "history"}

# Handled by the focused text field itself (Qt's standard keys): the window's
# action shows the key in the menu but never competes with a panel's own paste.
TEXT_FIELD_KEYS = ("cut", "copy", "paste", "select_all", "undo", "redo")

SPEC: dict[str, tuple[str, Shortcut, str]] = {
    "new_story": ("&New Story", Key.New, "Start a new story"),
    "save": ("&Save", Key.Save, "Save the story now (it also saves itself)"),
    "import_folder": ("&Import Folder…", "Ctrl+Shift+I",
                      "Import Markdown files (Pelican, Hugo, Jekyll)"),
    "settings": ("Se&ttings…", ["Ctrl+,"], "Store, desk time zone, user and sync"),
    "quit": ("&Quit", Key.Quit, "Save and close Newsroom"),
    "undo": ("&Undo", Key.Undo, "Undo the last change"),
    "redo": ("&Redo", Key.Redo, "Redo"),
    "cut": ("Cu&t", Key.Cut, "Cut the selection"),
    "copy": ("&Copy", Key.Copy, "Copy the selection"),
    "paste": ("&Paste", Key.Paste, "Paste"),
    "select_all": ("Select &All", Key.SelectAll, "Select all the text of the field"),
    "find": ("&Find…", Key.Find, "Find in the story"),
    "replace": ("R&eplace…", "Ctrl+H", "Find and replace in the story"),
    "find_next": ("Find &Next", Key.FindNext, "Find the next match"),
    "find_previous": ("Find Pre&vious", Key.FindPrevious, "Find the previous match"),
    "search_stories": ("Searc&h Stories", ["Ctrl+Shift+K", "Ctrl+Shift+F"],
                       "Search all stories"),
    "toggle_preview": ("&Preview", "Ctrl+E", "Show or hide the live preview"),
    "toggle_story_list": ("Story &List", "Ctrl+Alt+L", "Show or hide the story list"),
    "toggle_inspector": ("&Inspector", "Ctrl+Alt+I", "Show or hide the story's details"),
    "focus_mode": ("&Focus Mode", "F11", "The editor alone, full screen (F11 or Esc leaves)"),
    "zoom_in": ("Zoom &In", ["Ctrl++", "Ctrl+="], "Larger editor text"),
    "zoom_out": ("Zoom &Out", "Ctrl+-", "Smaller editor text"),
    "zoom_reset": ("&Actual Size", "Ctrl+0", "Editor text at its normal size"),
    "bold": ("&Bold", "Ctrl+B", "**Bold** the selection"),
    "italic": ("&Italic", "Ctrl+I", "*Italic* the selection"),
    "link": ("Insert &Link…", "Ctrl+K", "Make the selection a link"),
    "heading_1": ("Heading &1", "Ctrl+Alt+1", "Make the line a level-1 heading"),
    "heading_2": ("Heading &2", "Ctrl+Alt+2", "Make the line a level-2 heading"),
    "heading_3": ("Heading &3", "Ctrl+Alt+3", "Make the line a level-3 heading"),
    "paragraph": ("P&aragraph", "Ctrl+Alt+0", "Make the line a plain paragraph"),
    "quote": ("&Quote", "Ctrl+Shift+9", "Quote the selected lines"),
    "bullet_list": ("B&ulleted List", "Ctrl+Shift+8", "A bulleted list of the selected lines"),
    "numbered_list": ("&Numbered List", "Ctrl+Shift+7", "Number the selected lines"),
    "next_story": ("N&ext Story", ["Ctrl+PgDown", "Alt+Down"], "Open the next story"),
    "previous_story": ("Pre&vious Story", ["Ctrl+PgUp", "Alt+Up"],
                       "Open the previous story"),
    "history": ("&History…", "Ctrl+Shift+H", "Revisions, differences and restore"),
    "theme_system": ("Follow the &System", None, "Use the desktop's colours"),
    "theme_light": ("&Light", None, "Light colours"),
    "theme_dark": ("&Dark", None, "Dark colours"),
    "shortcuts": ("&Keyboard Shortcuts", ["F1", "Ctrl+/"], "Every key the window knows"),
    "about": ("&About Newsroom", None, "Version and licence"),
}


def _action(window: QMainWindow, text: str, shortcut: Shortcut,
            tip: str, slot: Callable[[], object], name: str) -> QAction:
    action = QAction(text, window)
    action.setObjectName(name)
    if isinstance(shortcut, list):
        action.setShortcuts([QKeySequence(s) for s in shortcut])
    elif shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    shown = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    action.setToolTip(f"{tip} ({shown})" if shown else tip)
    action.setStatusTip(tip)
    action.triggered.connect(lambda _checked=False: slot())
    window.addAction(action)  # shortcuts work even when menus are hidden
    return action


def build_actions(window: QMainWindow, slots: dict[str, Callable[[], object]]) -> Actions:
    """Create the actions, wired to ``slots`` (one callable per Actions field)."""
    made = {name: _action(window, text, key, tip, slots[name], name)
            for name, (text, key, tip) in SPEC.items()}
    actions = Actions(**made)
    for name in TEXT_FIELD_KEYS:
        # Active only if the window itself had focus (never): text fields keep their keys.
        getattr(actions, name).setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
    actions.toggle_preview.setCheckable(True)
    actions.toggle_preview.setChecked(prefs.get_bool("view/preview", True))
    actions.focus_mode.setCheckable(True)
    group = QActionGroup(window)
    for name in ("theme_system", "theme_light", "theme_dark"):
        action = getattr(actions, name)
        action.setCheckable(True)
        action.setChecked(name == f"theme_{prefs.theme()}")
        group.addAction(action)
    retint(actions)
    return actions


def retint(actions: Actions) -> None:
    """Redraw the icons in the current palette's colours."""
    for f in fields(actions):
        name = ICONS.get(f.name)
        if name:
            getattr(actions, f.name).setIcon(icon(name))


def build_menus(window: QMainWindow, actions: Actions) -> dict[str, QMenu]:
    """The menu bar (File, Edit, View, Format, Story, Tools, Help) and the toolbar."""
    bar = window.menuBar()
    menus = {title: bar.addMenu(f"&{title}") for title in MENU_TITLES}
    a = actions
    layout: dict[str, tuple[QAction | None, ...]] = {
        "File": (a.new_story, a.save, None, a.import_folder),
        "Edit": (a.undo, a.redo, None, a.cut, a.copy, a.paste, a.select_all, None,
                 a.find, a.find_next, a.find_previous, a.replace),
        "View": (a.search_stories, None, a.toggle_story_list, a.toggle_preview,
                 a.toggle_inspector, a.focus_mode, None,
                 a.zoom_in, a.zoom_out, a.zoom_reset, None),
        "Format": (a.bold, a.italic, a.link, None, a.heading_1, a.heading_2, a.heading_3,
                   a.paragraph, None, a.quote, a.bullet_list, a.numbered_list),
        "Story": (a.previous_story, a.next_story, None, a.history),
        "Help": (a.shortcuts, None, a.about),
    }
    for title, items in layout.items():
        for action in items:
            _add(menus[title], action)
    tail = menus["File"].addSeparator()
    tail.setObjectName(FILE_TAIL)
    for action in (a.settings, None, a.quit):
        _add(menus["File"], action)
    theme = menus["View"].addMenu("&Theme")
    theme.setIcon(icon("theme"))
    for action in (a.theme_system, a.theme_light, a.theme_dark):
        theme.addAction(action)
    menus["View"].addSeparator()
    toolbar = QToolBar("Main", window)
    toolbar.setObjectName("mainToolbar")
    toolbar.setMovable(False)
    for action in (a.new_story, a.save, None, a.previous_story, a.next_story, None,
                   a.search_stories, a.find, a.toggle_preview, a.history, None,
                   a.import_folder, a.settings):
        if action is None:
            toolbar.addSeparator()
        else:
            toolbar.addAction(action)
    window.addToolBar(toolbar)
    return menus


def add_to_menu(menu: QMenu, action: QAction) -> None:
    """Add an extension's action: File's go above Settings and Quit, others at the end."""
    tail = next((item for item in menu.actions() if item.objectName() == FILE_TAIL), None)
    if tail is None:
        menu.addAction(action)
    else:
        menu.insertAction(tail, action)


def _add(menu: QMenu, action: QAction | None) -> None:
    if action is None:
        menu.addSeparator()
    else:
        menu.addAction(action)
