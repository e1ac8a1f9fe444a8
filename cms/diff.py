"""Readable differences between two revisions of a story: field by field, body line by line."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from cms.document import StoryDocument

SCALAR_FIELDS = (
    "headline", "standfirst", "byline", "dateline", "section", "tags", "status", "publish_at",
    "embargo_until", "slug", "correction", "language", "deleted",
)


@dataclass(frozen=True)
class FieldChange:
    """One field whose value differs."""

    name: str
    old: Any
    new: Any


@dataclass(frozen=True)
class ItemChange:
    """A photo placement or "Read next" link added, removed or changed (keyed by id)."""

    kind: str  # "photo" or "link"
    change: str  # "added", "removed", "changed", "moved"
    id: str
    old: dict[str, Any] | None
    new: dict[str, Any] | None


@dataclass(frozen=True)
class StoryDiff:
    """Everything that differs between two documents."""

    fields: list[FieldChange] = field(default_factory=list)
    body: list[str] = field(default_factory=list)  # unified diff lines
    items: list[ItemChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True when the two documents are the same."""
        return not (self.fields or self.body or self.items)


def _items(kind: str, old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[ItemChange]:
    old_by_id = {item["id"]: (pos, item) for pos, item in enumerate(old)}
    new_by_id = {item["id"]: (pos, item) for pos, item in enumerate(new)}
    changes: list[ItemChange] = []
    for item_id, (_, item) in old_by_id.items():
        if item_id not in new_by_id:
            changes.append(ItemChange(kind, "removed", item_id, item, None))
    for item_id, (pos, item) in new_by_id.items():
        if item_id not in old_by_id:
            changes.append(ItemChange(kind, "added", item_id, None, item))
            continue
        old_pos, old_item = old_by_id[item_id]
        if old_item != item:
            changes.append(ItemChange(kind, "changed", item_id, old_item, item))
        elif old_pos != pos:
            changes.append(ItemChange(kind, "moved", item_id, old_item, item))
    return changes


def diff_documents(old: StoryDocument, new: StoryDocument, *, context: int = 3) -> StoryDiff:
    """Compare two documents."""
    a, b = old.canonical(), new.canonical()
    fields = [FieldChange(name, a.get(name, ""), b.get(name, "")) for name in SCALAR_FIELDS
              if a.get(name, "") != b.get(name, "")]  # language: absent when empty
    body = list(
        difflib.unified_diff(
            a["body"].splitlines(), b["body"].splitlines(),
            fromfile="body (old)", tofile="body (new)", lineterm="", n=context,
        )
    )
    items = _items("photo", a["photos"], b["photos"]) + _items("link", a["related"], b["related"])
    return StoryDiff(fields=fields, body=body, items=items)


def changed_fields(old: StoryDocument | None, new: StoryDocument) -> list[str]:
    """Names of what changed, for a one-line history summary."""
    if old is None:
        return ["created"]
    diff = diff_documents(old, new, context=0)
    names = [change.name for change in diff.fields]
    if diff.body:
        names.append("body")
    if any(item.kind == "photo" for item in diff.items):
        names.append("photos")
    if any(item.kind == "link" for item in diff.items):
        names.append("related")
    return names


def format_diff(diff: StoryDiff) -> str:
    """The diff as plain text, for the CLI."""
    if diff.empty:
        return "no differences"
    lines: list[str] = []
    for change in diff.fields:
        lines.append(f"{change.name}:")
        lines.append(f"  - {change.old!r}")
        lines.append(f"  + {change.new!r}")
    for item in diff.items:
        what = item.new or item.old or {}
        label = what.get("caption") or what.get("label") or what.get("url") or item.id
        lines.append(f"{item.kind} {item.change}: {label}")
        if item.change == "changed" and item.old and item.new:
            for key in sorted(item.new):
                if item.old.get(key) != item.new.get(key):
                    lines.append(f"  {key}: {item.old.get(key)!r} -> {item.new.get(key)!r}")
    lines.extend(diff.body)
    return "\n".join(lines)
