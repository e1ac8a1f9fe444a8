"""Metadata headers of Markdown files as static-site generators write them.

Three forms are read: YAML front matter between ``---`` lines (Jekyll, Hugo),
TOML between ``+++`` lines (Hugo), and Pelican's ``Key: value`` lines up to the
first blank line. Keys come back lower-cased; values as parsed.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from typing import Any

import yaml

from cms.errors import UsageError

_PELICAN_KEY = re.compile(r"^([A-Za-z][A-Za-z0-9_ -]{0,40}):\s*(.*)$")


@dataclass(frozen=True)
class ParsedFile:
    """A Markdown file split into its metadata and its body."""

    meta: dict[str, Any]
    body: str


def _fenced(text: str, fence: str) -> tuple[str, str] | None:
    lines = text.split("\n")
    if not lines or lines[0].strip() != fence:
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() == fence or (fence == "---" and lines[index].strip() == "..."):
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :])
    raise UsageError(f"the front matter opened with {fence} is never closed")


def parse_markdown_file(text: str) -> ParsedFile:
    """Split ``text`` into metadata and body; malformed headers raise :class:`UsageError`."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    yaml_part = _fenced(text, "---")
    if yaml_part is not None:
        header, body = yaml_part
        try:
            data = yaml.safe_load(header) if header.strip() else {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 2}" if mark is not None else ""
            raise UsageError(f"invalid YAML front matter{where}") from None
        if not isinstance(data, dict):
            raise UsageError("the YAML front matter is not a set of key: value pairs")
        return ParsedFile({str(k).lower(): v for k, v in data.items()}, body.lstrip("\n"))
    toml_part = _fenced(text, "+++")
    if toml_part is not None:
        header, body = toml_part
        try:
            data = tomllib.loads(header)
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(f"invalid TOML front matter: {exc}") from None
        return ParsedFile({k.lower(): v for k, v in data.items()}, body.lstrip("\n"))
    return _pelican(text)


def _pelican(text: str) -> ParsedFile:
    meta: dict[str, Any] = {}
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            break
        match = _PELICAN_KEY.match(line)
        if match is None:
            if meta:
                break
            return ParsedFile({}, text)
        meta[match.group(1).strip().lower()] = match.group(2).strip()
        index += 1
    if not meta:
        return ParsedFile({}, text)
    return ParsedFile(meta, "\n".join(lines[index:]).lstrip("\n"))


def as_list(value: Any) -> list[str]:
    """A tag or author value as a list: YAML lists, or comma-separated text."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(item).strip() for item in value if str(item).strip()]
    return [part.strip() for part in str(value).split(",") if part.strip()]


def as_bool(value: Any) -> bool:
    """``true``/``yes``/``1`` (any case) or a real boolean."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "yes", "1", "on")
