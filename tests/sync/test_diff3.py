"""The three-way merge of paragraph lists used by sync."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cms.sync.diff3 import merge_groups

BASE = ["intro", "troops", "border", "next"]


def merged(base: list[str], a: list[str], b: list[str]) -> list[str] | None:
    out: list[str] = []
    for group in merge_groups(base, a, b):
        if group[0] == "conflict":
            return None
        out.extend(group[1])
    return out


def test_changes_to_different_paragraphs_merge() -> None:
    a = ["intro", "troops (edited)", "border", "next"]
    b = ["intro", "troops", "border", "next", "added at the end"]
    assert merged(BASE, a, b) == ["intro", "troops (edited)", "border", "next",
                                  "added at the end"]


def test_the_same_paragraph_changed_differently_is_a_conflict() -> None:
    a = ["intro", "troops A", "border", "next"]
    b = ["intro", "troops B", "border", "next"]
    groups = list(merge_groups(BASE, a, b))
    assert ("conflict", ["troops"], ["troops A"], ["troops B"]) in [
        (g[0], list(g[1]), list(g[2]), list(g[3]))
        for g in groups if len(g) == 4 and g[0] == "conflict"
    ]


def test_identical_changes_are_no_conflict() -> None:
    a = ["intro", "same edit", "border", "next"]
    assert merged(BASE, a, list(a)) == a


def test_deletion_on_one_side_and_edit_elsewhere() -> None:
    a = ["intro", "border", "next"]
    b = ["intro", "troops", "border", "next (edited)"]
    assert merged(BASE, a, b) == ["intro", "border", "next (edited)"]


words = st.lists(st.sampled_from(["p1", "p2", "p3", "p4", "p5", "p6"]), max_size=8)


@settings(max_examples=300, deadline=None)
@given(words, words, words)
def test_merge_laws(base: list[str], a: list[str], b: list[str]) -> None:
    assert merged(base, base, b) == b
    assert merged(base, a, base) == a
    assert merged(base, a, a) == a
    result = merged(base, a, b)
    flipped = merged(base, b, a)
    assert (result is None) == (flipped is None)
