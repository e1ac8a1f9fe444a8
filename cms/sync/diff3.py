"""Three-way merge of sequences (diff3), for paragraph-level merging of story bodies.

The classic algorithm: find the *sync regions* where the base and both sides
agree (the intersections of each side's longest matching blocks with the base),
then classify each stretch between them as changed on one side, changed the
same way on both, or a conflict. It is written here rather than taken from the
``merge3`` package because that one is GPL and Newsroom ships as an MIT
application.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from difflib import SequenceMatcher
from typing import TypeVar

T = TypeVar("T", bound=Hashable)

Group = tuple[str, Sequence[T]] | tuple[str, Sequence[T], Sequence[T], Sequence[T]]


def _sync_regions(
    base: Sequence[T], a: Sequence[T], b: Sequence[T]
) -> list[tuple[int, int, int, int, int, int]]:
    """``(base_start, base_end, a_start, a_end, b_start, b_end)`` where all three agree."""
    a_blocks = SequenceMatcher(None, base, a, autojunk=False).get_matching_blocks()
    b_blocks = SequenceMatcher(None, base, b, autojunk=False).get_matching_blocks()
    regions = []
    ia = ib = 0
    while ia < len(a_blocks) and ib < len(b_blocks):
        a_base, a_match, a_len = a_blocks[ia]
        b_base, b_match, b_len = b_blocks[ib]
        start = max(a_base, b_base)
        end = min(a_base + a_len, b_base + b_len)
        if start < end:
            a_start = a_match + (start - a_base)
            b_start = b_match + (start - b_base)
            length = end - start
            regions.append((start, end, a_start, a_start + length, b_start, b_start + length))
        # Advance whichever block ends first in the base.
        if a_base + a_len < b_base + b_len:
            ia += 1
        else:
            ib += 1
    regions.append((len(base), len(base), len(a), len(a), len(b), len(b)))
    return regions


def merge_groups(base: Sequence[T], a: Sequence[T], b: Sequence[T]) -> Iterator[Group[T]]:
    """Yield the merge as groups, in order.

    ``("unchanged", items)`` all three agree; ``("a", items)`` only side a
    changed; ``("b", items)`` only side b changed; ``("same", items)`` both
    changed identically; ``("conflict", base_items, a_items, b_items)`` both
    changed differently.
    """
    iz = ia = ib = 0
    for z_match, z_end, a_match, a_end, b_match, b_end in _sync_regions(base, a, b):
        if a_match - ia or b_match - ib:
            a_part, b_part, base_part = a[ia:a_match], b[ib:b_match], base[iz:z_match]
            if list(a_part) == list(b_part):
                yield ("same", a_part)
            elif list(a_part) == list(base_part):
                yield ("b", b_part)
            elif list(b_part) == list(base_part):
                yield ("a", a_part)
            else:
                yield ("conflict", base_part, a_part, b_part)
        if z_end > z_match:
            yield ("unchanged", base[z_match:z_end])
            iz, ia, ib = z_end, a_end, b_end
