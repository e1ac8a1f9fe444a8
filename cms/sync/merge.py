"""Three-way merge of two versions of a story against their common ancestor.

Rules (each side compared with the base, field by field):

- A field only one side changed takes that side's value; a field both changed
  to the same value is no conflict (identical edits); both changed differently
  is a conflict on that field.
- The body merges paragraph by paragraph (diff3 over paragraphs split at
  blank lines); only overlapping changes to the same paragraphs conflict.
  Texts are compared after newline normalisation, so CRLF and LF are the same.
- Tags merge as a set (additions and removals from both sides).
- Photo placements and "Read next" links merge as sets keyed by id; the same
  photo (same SHA-256) or the same link target added on both sides is one entry.
- Publication time, embargo and status follow the scalar rule: never merged
  automatically when both sides changed them.
- Delete against edit is a conflict; delete against no change is a delete.

The result is symmetric in the two sides (they are ordered by revision id by
the caller), so every replica merging the same heads writes the same revision.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from cms.document import LinkRef, PhotoRef, StoryDocument
from cms.sync.diff3 import merge_groups

SCALAR_FIELDS = ("slug", "headline", "standfirst", "byline", "dateline", "section", "correction",
                 "language")
SCHEDULE_FIELDS = ("status", "publish_at", "embargo_until")
PARAGRAPH_BREAK = "\n\n"

T = TypeVar("T")


@dataclass(frozen=True)
class MergeResult:
    """The merged document (conflicting fields hold side ``a``'s values) and the clashes."""

    document: StoryDocument
    conflicts: tuple[str, ...]

    @property
    def clean(self) -> bool:
        """True when nothing clashed."""
        return not self.conflicts


def _scalar(base: T, a: T, b: T) -> tuple[T, bool]:
    if a == b:
        return a, False
    if a == base:
        return b, False
    if b == base:
        return a, False
    return a, True


def merge_body(base: str, a: str, b: str) -> tuple[str, bool]:
    """Merge two bodies paragraph by paragraph; returns ``(text, conflicted)``."""
    if a == b:
        return a, False
    if a == base:
        return b, False
    if b == base:
        return a, False
    groups = merge_groups(
        base.split(PARAGRAPH_BREAK), a.split(PARAGRAPH_BREAK), b.split(PARAGRAPH_BREAK)
    )
    out: list[str] = []
    for group in groups:
        kind = group[0]
        if kind in ("unchanged", "a", "same") or kind == "b":
            out.extend(group[1])
        else:  # "conflict": both sides changed the same paragraphs differently
            return a, True
    return PARAGRAPH_BREAK.join(out), False


def merge_tags(base: Sequence[str], a: Sequence[str], b: Sequence[str]) -> tuple[str, ...]:
    """Tags as a set: whatever either side added, minus whatever either side removed."""
    removed = (set(base) - set(a)) | (set(base) - set(b))
    result: dict[str, None] = {}
    for tag in (*a, *b):
        if tag not in removed:
            result.setdefault(tag, None)
    return tuple(result)


def _merge_keyed(
    base: Sequence[Any], a: Sequence[Any], b: Sequence[Any], same_thing: Callable[[Any], str]
) -> tuple[tuple[Any, ...], bool]:
    """Merge lists of records keyed by ``id``; returns ``(records, conflicted)``.

    Records both sides added for the same thing (``same_thing`` key, e.g. the
    photo's hash) under different ids count as one, kept under the smaller id.
    """
    base_by = {item.id: item for item in base}
    a_by = {item.id: item for item in a}
    b_by = {item.id: item for item in b}
    # Pair up independent additions of the same thing.
    a_new = {same_thing(i): i for i in a if i.id not in base_by and i.id not in b_by}
    alias: dict[str, str] = {}
    conflicted = False
    for item in b:
        if item.id in base_by or item.id in a_by:
            continue
        twin = a_new.get(same_thing(item))
        if twin is not None:
            keep = min(twin.id, item.id)
            alias[twin.id] = alias[item.id] = keep
            if _without_id(twin) != _without_id(item):
                conflicted = True
    merged: dict[str, Any] = {}
    ids = list(dict.fromkeys([*(i.id for i in a), *(i.id for i in b), *base_by]))
    for item_id in ids:
        key = alias.get(item_id, item_id)
        if key in merged:
            continue
        if item_id in alias:
            source = a_by.get(item_id) or b_by[item_id]
            merged[key] = _with_id(source, key)
            continue
        value, clash = _scalar(base_by.get(item_id), a_by.get(item_id), b_by.get(item_id))
        conflicted |= clash
        if value is not None:
            merged[key] = value
    order = [alias.get(i.id, i.id) for i in a] + [alias.get(i.id, i.id) for i in b]
    ordered = [merged[k] for k in dict.fromkeys(order) if k in merged]
    return tuple(ordered), conflicted


def _without_id(item: Any) -> tuple[Any, ...]:
    data = item.canonical()
    data.pop("id")
    return tuple(sorted((k, str(v)) for k, v in data.items()))


def _with_id(item: Any, new_id: str) -> Any:
    from dataclasses import replace

    return replace(item, id=new_id)


def _photo_key(photo: PhotoRef) -> str:
    return photo.sha256


def _link_key(link: LinkRef) -> str:
    return link.target


def merge_documents(
    base: StoryDocument | None, a: StoryDocument, b: StoryDocument
) -> MergeResult:
    """Three-way merge of ``a`` and ``b`` against ``base`` (None: no shared history)."""
    a, b = a.normalised(), b.normalised()
    if a == b:
        return MergeResult(a, ())
    if base is None:
        # No common ancestor: every field the two differ on is a clash, except sets.
        base = a.evolve(
            **{name: None for name in (*SCALAR_FIELDS, *SCHEDULE_FIELDS)
               if getattr(a, name) != getattr(b, name)},
            body="" if a.body != b.body else a.body, tags=(), photos=(), related=(),
        )
    else:
        base = base.normalised()
    conflicts: list[str] = []
    if a.deleted != b.deleted:
        survivor = b if a.deleted else a
        if _content(survivor) != _content(base):
            # Delete against edit: keep both sides whole; nothing is dropped.
            return MergeResult(a, ("deleted",))
        return MergeResult(a if a.deleted else b, ())
    if a.deleted and b.deleted:
        return MergeResult(a, ())
    changes: dict[str, Any] = {}
    for name in (*SCALAR_FIELDS, *SCHEDULE_FIELDS):
        value, clash = _scalar(getattr(base, name), getattr(a, name), getattr(b, name))
        changes[name] = value
        if clash:
            conflicts.append(name)
    body, clash = merge_body(base.body, a.body, b.body)
    changes["body"] = body
    if clash:
        conflicts.append("body")
    changes["tags"] = merge_tags(base.tags, a.tags, b.tags)
    photos, clash = _merge_keyed(base.photos, a.photos, b.photos, _photo_key)
    changes["photos"] = photos
    if clash:
        conflicts.append("photos")
    related, clash = _merge_keyed(base.related, a.related, b.related, _link_key)
    changes["related"] = related
    if clash:
        conflicts.append("related")
    return MergeResult(a.evolve(**changes).normalised(), tuple(conflicts))


def _content(doc: StoryDocument) -> dict[str, Any]:
    data = doc.canonical()
    data.pop("deleted")
    return data
