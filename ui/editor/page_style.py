"""The exported theme's colours and type, as the preview's (Qt rich text) style sheet.

The values come from the export's own ``site.css`` (its custom properties, light
and dark), so the preview and the published page share one source; only the
selectors Qt's rich text understands are written here.
"""

from __future__ import annotations

import re
from functools import cache

from cms.resources import resource

_BLOCK = re.compile(r":root\s*\{(?P<body>[^}]*)\}")
_PROPERTY = re.compile(r"--(?P<name>[\w-]+)\s*:\s*(?P<value>[^;]+);")
_DARK = re.compile(r"@media\s*\(prefers-color-scheme:\s*dark\)\s*\{")


@cache
def theme_colours(dark: bool) -> dict[str, str]:
    """The site theme's custom properties (``bg``, ``text``, ``muted``, ``accent``…)."""
    css = resource("static", "site", "site.css").read_text(encoding="utf-8")
    marker = _DARK.search(css)
    light_part = css[:marker.start()] if marker else css
    values: dict[str, str] = {}
    for block in _BLOCK.finditer(light_part):
        values.update(_properties(block.group("body")))
    if dark and marker is not None:
        dark_block = _BLOCK.search(css, marker.end())
        if dark_block is not None:
            values.update(_properties(dark_block.group("body")))
    return values


def _properties(text: str) -> dict[str, str]:
    return {m.group("name"): m.group("value").strip() for m in _PROPERTY.finditer(text)}


def page_css(dark: bool, warning_class: str) -> str:
    """The preview's style sheet in the site's light or dark colours."""
    c = theme_colours(dark)
    serif, sans = c.get("serif", "serif"), c.get("sans", "sans-serif")
    return (
        f"body {{ color: {c['text']}; background-color: {c['bg']}; font-family: {serif}; }}"
        f" a {{ color: {c['link']}; }}"
        f" h1 {{ font-size: x-large; font-weight: 700; margin-bottom: 6px; }}"
        f" h2 {{ font-size: large; }} h3 {{ font-size: medium; }}"
        f" .kicker {{ color: {c['accent']}; font-family: {sans}; font-size: small;"
        f" font-weight: 700; text-transform: uppercase; }}"
        f" .standfirst {{ color: {c['muted']}; font-size: large; }}"
        f" .byline, .times {{ color: {c['muted']}; font-family: {sans}; font-size: small; }}"
        f" .dateline {{ font-family: {sans}; font-weight: 700; text-transform: uppercase; }}"
        f" figcaption, .figure-warning {{ color: {c['muted']}; font-family: {sans};"
        f" font-size: small; }}"
        f" blockquote {{ color: {c['muted']}; }}"
        f" .read-next-title {{ color: {c['muted']}; font-family: {sans}; font-size: small;"
        f" font-weight: 700; text-transform: uppercase; }}"
        f" .read-next a {{ font-weight: 700; text-decoration: none; }}"
        f" .{warning_class} {{ color: {c['text']}; background-color: {c['note-bg']}; }}"
    )
