"""Accessible names for the window's own controls (screen readers announce these).

Controls inside panels name themselves where they are made; the editor's
fields are named here so the writing area's module stays about writing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ui.window.main_window import MainWindow


def name_controls(window: MainWindow) -> None:
    """Give the window's main controls the names a screen reader announces."""
    editor, stories = window.editor, window.story_list
    for widget, name, description in (
        (editor.headline, "Headline", "The story's headline"),
        (editor.standfirst, "Standfirst", "One or two sentences under the headline"),
        (editor.body, "Story body", "The story's text in Markdown"),
        (stories.search_box, "Search stories", "Search every story's text"),
        (stories.status_filter, "Status filter", "Show stories in one status"),
        (stories.section_filter, "Section filter", "Show stories of one section"),
        (stories.view, "Stories", "The stories; Enter or the arrows open one"),
        (window.preview, "Preview", "The story as the published page shows it"),
        (window.inspector, "Story details", "The open story's fields, photos and links"),
    ):
        widget.setAccessibleName(name)
        widget.setAccessibleDescription(description)
