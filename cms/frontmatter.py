"""Metadata headers of Markdown files as static-site generators write them, read with bounds.

Four forms are read: YAML front matter between ``---`` lines (Jekyll, Hugo), TOML
between ``+++`` lines (Hugo), a JSON object opening the file (Hugo), and
Pelican's ``Key: value`` lines up to the first blank line, where indented lines
continue the value above (Python-Markdown's meta-data rules). Keys come back
lower-cased.

Nothing a file says can exhaust the importer: YAML aliases and nesting are
counted from the parser's events before anything is built (an alias bomb or a
value nested thousands deep is refused with a message, not a RecursionError or
gigabytes of lists), TOML and JSON values are checked the same way after a
bounded parse, and dates stay text here (``date: 2024-02-30`` is a bad date for
the date parser to report, not a YAML error that hides every other field).
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from typing import Any

import yaml

from cms.errors import UsageError

MAX_DEPTH = 20
MAX_ALIASES = 50
MAX_NODES = 20_000
_PELICAN_KEY = re.compile(r"^[ ]{0,3}([A-Za-z0-9_-]+):\s*(.*)$")
_PELICAN_MORE = re.compile(r"^(?:[ ]{4,}|\t)(.*)$")
# Keys Pelican (and its common plugins) know: a first line such as "Update: the minister
# resigned." is prose, not a header, unless the block names one of these.
PELICAN_KEYS = frozenset({
    "title", "date", "modified", "category", "tags", "slug", "author", "authors", "summary",
    "status", "lang", "translation", "url", "save_as", "template", "keywords", "description",
    "series", "subtitle", "og_image", "image", "cover",
})
_BASE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BASE_LOADER):  # type: ignore[valid-type,misc]
    """Safe YAML without implicit timestamps: dates are read by :mod:`cms.importing.dates`."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BASE_LOADER.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class ParsedFile:
    """A Markdown file split into its metadata and its body."""

    meta: dict[str, Any]
    body: str
    style: str = "none"  # yaml, toml, json, pelican or none


def _fenced(text: str, fence: str) -> tuple[str, str] | None:
    """``(header, body)`` of text opening with ``fence`` on a line of its own."""
    if not text.startswith(fence):
        return None
    first_end = text.find("\n")
    if (text[:first_end] if first_end >= 0 else text).strip() != fence:
        return None
    if first_end < 0:
        raise UsageError(f"the front matter opened with {fence} is never closed")
    closers = r"(?:---|\.\.\.)" if fence == "---" else re.escape(fence)
    match = re.compile(r"^[ \t]*" + closers + r"[ \t]*$", re.MULTILINE).search(
        text, first_end + 1)
    if match is None:
        raise UsageError(f"the front matter opened with {fence} is never closed")
    header = text[first_end + 1 : match.start()].rstrip("\n")
    newline = text.find("\n", match.end())
    body = text[newline + 1 :] if newline >= 0 else ""
    return header, body


def _check_yaml(header: str) -> None:
    """Refuse YAML that nests too deep, aliases too much or is too large once its aliases
    are expanded (a "billion laughs" bomb), from its events, before anything is built."""
    depth = aliases = 0
    nodes = 0  # values counted as if every alias were written out
    sizes: dict[str, int] = {}  # anchor → the expanded size of its value
    open_anchors: list[tuple[str | None, int]] = []
    for event in yaml.parse(header, Loader=_Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            nodes += 1
            open_anchors.append((event.anchor, nodes))
            if depth > MAX_DEPTH:
                raise UsageError(f"the front matter nests deeper than {MAX_DEPTH} levels")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
            anchor, start = open_anchors.pop()
            if anchor is not None:
                sizes[anchor] = nodes - start + 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            nodes += sizes.get(event.anchor or "", 1)
            if aliases > MAX_ALIASES:
                raise UsageError(
                    f"the front matter uses more than {MAX_ALIASES} YAML aliases (*name)")
        elif isinstance(event, yaml.ScalarEvent):
            nodes += 1
            if event.anchor is not None:
                sizes[event.anchor] = 1
        if nodes > MAX_NODES:
            raise UsageError(f"the front matter holds more than {MAX_NODES} values "
                             "(with its YAML aliases written out)")


def check_bounds(value: Any) -> None:
    """Refuse a parsed value nested deeper than :data:`MAX_DEPTH` or with too many parts."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    nodes = 0
    while stack:
        item, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise UsageError(f"the front matter holds more than {MAX_NODES} values")
        if isinstance(item, dict | list):
            if depth >= MAX_DEPTH:
                raise UsageError(f"the front matter nests deeper than {MAX_DEPTH} levels")
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


def load_yaml_mapping(header: str) -> dict[str, Any]:
    """YAML text (front matter or a site's config) as a mapping, with the bounds above."""
    return _yaml(header)


def load_toml_mapping(text: str) -> dict[str, Any]:
    """TOML text as a mapping, with the bounds above."""
    return _toml(text)


def _yaml(header: str) -> dict[str, Any]:
    if not header.strip():
        return {}
    try:
        if "*" in header:  # aliases: count what they expand to before building anything
            _check_yaml(header)
        data = yaml.load(header, Loader=_Loader)  # a safe loader: plain data only
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None)
        raise UsageError(f"invalid YAML front matter{where}"
                         + (f": {problem}" if problem else "")) from None
    except (ValueError, TypeError, OverflowError) as exc:  # a constructor refused a value
        raise UsageError(f"invalid YAML front matter: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UsageError("the YAML front matter is not a set of key: value pairs")
    check_bounds(data)  # without aliases, the values built are the values written
    return data


def _toml(header: str) -> dict[str, Any]:
    try:
        data = tomllib.loads(header)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"invalid TOML front matter: {exc}") from None
    except RecursionError:
        raise UsageError(f"the front matter nests deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # e.g. an impossible date
        raise UsageError(f"invalid TOML front matter: {exc}") from None
    check_bounds(data)
    return data


def _json(text: str) -> tuple[dict[str, Any], str] | None:
    """Hugo's JSON front matter: an object opening the file, closed by ``}`` on its own line."""
    if not text.startswith("{"):
        return None
    match = re.search(r"^}[ \t]*$", text, re.MULTILINE)
    if match is None:
        return None
    try:
        data = json.loads(text[: match.end()])
    except RecursionError:
        raise UsageError(f"the front matter nests deeper than {MAX_DEPTH} levels") from None
    except ValueError:
        return None  # not front matter: a body that starts with a brace
    if not isinstance(data, dict):
        return None
    check_bounds(data)
    return data, text[match.end() :]


def _lower(data: dict[Any, Any]) -> dict[str, Any]:
    return {str(key).lower(): value for key, value in data.items()}


def parse_markdown_file(text: str) -> ParsedFile:
    """Split ``text`` into metadata and body; malformed headers raise :class:`UsageError`."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    yaml_part = _fenced(text, "---")
    if yaml_part is not None:
        header, body = yaml_part
        return ParsedFile(_lower(_yaml(header)), body.lstrip("\n"), "yaml")
    toml_part = _fenced(text, "+++")
    if toml_part is not None:
        header, body = toml_part
        return ParsedFile(_lower(_toml(header)), body.lstrip("\n"), "toml")
    json_part = _json(text)
    if json_part is not None:
        data, body = json_part
        return ParsedFile(_lower(data), body.lstrip("\n"), "json")
    return _pelican(text)


def _pelican(text: str) -> ParsedFile:
    """``Key: value`` lines; an indented line continues the value above it."""
    meta: dict[str, str] = {}
    lines = text.split("\n")
    index = 0
    key: str | None = None
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            break
        match = _PELICAN_KEY.match(line)
        more = _PELICAN_MORE.match(line) if key is not None else None
        if more is not None:
            assert key is not None
            meta[key] = (meta[key] + "\n" + more.group(1).strip()).strip("\n")
        elif match is not None:
            key = match.group(1).lower()
            value = match.group(2).strip()
            # A key given twice: Python-Markdown keeps every line.
            meta[key] = f"{meta[key]}\n{value}" if key in meta and value else value
        else:
            break
        index += 1
    if (not meta or (index < len(lines) and lines[index].strip())
            or PELICAN_KEYS.isdisjoint(meta)):
        return ParsedFile({}, text)  # the first lines are prose, not a header
    return ParsedFile(dict(meta), "\n".join(lines[index:]).lstrip("\n"), "pelican")


def as_list(value: Any) -> list[str]:
    """A tag or author value as a list: YAML lists, or comma-separated text."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(item).strip() for item in value if _scalar(item) and str(item).strip()]
    if not _scalar(value):
        return []
    return [part.strip() for part in str(value).split(",") if part.strip()]


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


def as_text(value: Any) -> str:
    """A scalar metadata value as text ('' for nothing, lists and mappings)."""
    if value is None or not _scalar(value):
        return ""
    return str(value).strip()


def as_bool(value: Any) -> bool:
    """``true``/``yes``/``1`` (any case) or a real boolean."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "yes", "1", "on")
