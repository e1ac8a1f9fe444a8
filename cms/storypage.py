"""What a story page shows around its body, shared by the export and the window's preview.

Plain functions with light imports: the preview calls them on every render
without loading the export machinery.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup

_HEADING = re.compile(r"<(/?)h([1-6])\b", re.IGNORECASE)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def normalise_headings(html: str, top: int = 2) -> str:
    """Shift body headings so they start at ``top`` and never skip a level.

    Pasted or imported bodies often start at ``#`` (a second ``h1`` under the
    headline) or jump from ``##`` to ``####``; screen-reader users navigate by
    heading level, so the outline must stay in order.
    """
    levels = [int(m.group(2)) for m in _HEADING.finditer(html) if not m.group(1)]
    if not levels:
        return html
    outputs: list[int] = []
    stack: list[tuple[int, int]] = []  # (source level, output level) of open sections
    for level in levels:
        while stack and stack[-1][0] >= level:
            stack.pop()
        out = min(stack[-1][1] + 1 if stack else top, 6)
        stack.append((level, out))
        outputs.append(out)
    result: list[str] = []
    position = 0
    opened: list[int] = []
    index = 0
    for match in _HEADING.finditer(html):
        result.append(html[position : match.start()])
        if match.group(1):
            level = opened.pop() if opened else int(match.group(2))
            result.append(f"</h{level}")
        else:
            level = outputs[index]
            index += 1
            opened.append(level)
            result.append(f"<h{level}")
        position = match.end()
    result.append(html[position:])
    return "".join(result)


def page_language(story_language: str, desk_language: str) -> str:
    """The ``<html lang>`` of a story's page: the story's own language, else the desk's."""
    return story_language or desk_language


def with_dateline(html: str, dateline: str) -> str:
    """Put the dateline (``SEOUL —``) at the start of the first paragraph."""
    if not dateline:
        return html
    lead = Markup('<span class="dateline">{}</span> — ').format(dateline)
    if html.startswith("<p>"):
        return "<p>" + str(lead) + html[3:]
    return f"<p>{lead}</p>\n{html}"


def local_time(value: datetime, tz: ZoneInfo) -> str:
    """``23 December 2024, 15:20`` in the desk zone (fixed English month names, no locale)."""
    local = value.astimezone(tz)
    return f"{local.day} {MONTHS[local.month - 1]} {local.year}, {local:%H:%M}"
