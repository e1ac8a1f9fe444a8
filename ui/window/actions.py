"""The main window's actions, menus and toolbar, with their keyboard shortcuts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QToolBar

from ui.window import prefs
from ui.window.theme import icon

Key = QKeySequence.StandardKey


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
    find: QAction
    replace: QAction
    find_next: QAction
    search_stories: QAction
    toggle_preview: QAction
    next_story: QAction
    previous_story: QAction
    history: QAction
    theme_system: QAction
    theme_light: QAction
    theme_dark: QAction
    about: QAction


ICONS = {"new_story": "new", "save": "save", "import_folder": "import", "settings": "settings",
         "find": "find", "search_stories": "search-stories", "toggle_preview": "preview",
         "next_story": "next", "previous_story": "previous", "history": "history"}


def _action(window: QMainWindow, text: str, shortcut: Key | str | list[str] | None,
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
    spec: dict[str, tuple[str, Key | str | list[str] | None, str]] = {
        "new_story": ("&New story", Key.New, "Start a new story"),
        "save": ("&Save", Key.Save, "Save the story now (it also saves itself)"),
        "import_folder": ("&Import folder…", "Ctrl+Shift+I",
                          "Import Markdown files (Pelican, Hugo, Jekyll)"),
        "settings": ("Se&ttings…", ["Ctrl+,"], "Store, desk time zone, user and sync"),
        "quit": ("&Quit", Key.Quit, "Save and close Newsroom"),
        "undo": ("&Undo", None, "Undo the last change"),
        "redo": ("&Redo", None, "Redo"),
        "find": ("&Find…", Key.Find, "Find in the story"),
        "replace": ("&Replace…", "Ctrl+H", "Find and replace in the story"),
        "find_next": ("Find &next", Key.FindNext, "Find the next match"),
        "search_stories": ("Searc&h stories", ["Ctrl+K", "Ctrl+Shift+F"],
                           "Search all stories"),
        "toggle_preview": ("&Preview", "Ctrl+Shift+P", "Show or hide the live preview"),
        "next_story": ("N&ext story", ["Ctrl+PgDown", "Alt+Down"], "Open the next story"),
        "previous_story": ("Pre&vious story", ["Ctrl+PgUp", "Alt+Up"],
                           "Open the previous story"),
        "history": ("&History…", "Ctrl+Shift+H", "Revisions, differences and restore"),
        "theme_system": ("Follow the &system", None, "Use the desktop's colours"),
        "theme_light": ("&Light", None, "Light colours"),
        "theme_dark": ("&Dark", None, "Dark colours"),
        "about": ("&About Newsroom", None, "Version and licence"),
    }
    made = {name: _action(window, text, key, tip, slots[name], name)
            for name, (text, key, tip) in spec.items()}
    actions = Actions(**made)
    actions.undo.setShortcut(QKeySequence(Key.Undo))
    actions.redo.setShortcut(QKeySequence(Key.Redo))
    actions.toggle_preview.setCheckable(True)
    actions.toggle_preview.setChecked(prefs.get_bool("view/preview", True))
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
    """The menu bar (File, Edit, View, Story, Tools, Help) and the toolbar."""
    bar = window.menuBar()
    menus: dict[str, QMenu] = {}
    for title in ("File", "Edit", "View", "Story", "Tools", "Help"):
        menus[title] = bar.addMenu(f"&{title}")
    a = actions
    for action in (a.new_story, a.save, None, a.import_folder, None, a.settings, None, a.quit):
        _add(menus["File"], action)
    for action in (a.undo, a.redo, None, a.find, a.replace, a.find_next):
        _add(menus["Edit"], action)
    for action in (a.search_stories, a.toggle_preview, None):
        _add(menus["View"], action)
    theme = menus["View"].addMenu("&Theme")
    theme.setIcon(icon("theme"))
    for action in (a.theme_system, a.theme_light, a.theme_dark):
        theme.addAction(action)
    menus["View"].addSeparator()
    for action in (a.next_story, a.previous_story, None, a.history):
        _add(menus["Story"], action)
    menus["Help"].addAction(a.about)
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


def _add(menu: QMenu, action: QAction | None) -> None:
    if action is None:
        menu.addSeparator()
    else:
        menu.addAction(action)
