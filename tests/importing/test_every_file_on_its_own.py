"""Every file on its own: one bad file is reported by name and the rest are imported; nothing
a file holds can hang, exhaust or escape the import."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from cms.importers import import_tree
from cms.people import Actor
from cms.store import Store
from tests.importing.conftest import story
from tests.importing.sites import write

BOMB = ("---\ntitle: Bomb\na: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        + "".join(f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n"
                  for p, n in zip("abcdefgh", "bcdefghi", strict=True))
        + "tags: *i\n---\nBody\n")


@pytest.fixture
def hostile(site_dir: Path, tmp_path: Path) -> Path:
    """A Jekyll-style tree of good and hostile files."""
    write(site_dir / "_posts" / "2024-01-02-good.md", "---\ntitle: Good\n---\nFine.\n")
    write(site_dir / "_posts" / "2024-02-30-impossible-name.md", "---\ntitle: Name\n---\nx\n")
    write(site_dir / "impossible.md", "---\ntitle: Leap\ndate: 2024-02-30\n---\nx\n")
    write(site_dir / "deep-yaml.md", "---\ntitle: Deep\nx: " + "[" * 5000 + "]" * 5000
          + "\n---\nx\n")
    write(site_dir / "deep-toml.md", "+++\ntitle = \"Deep\"\nx = " + "[" * 5000 + "]" * 5000
          + "\n+++\nx\n")
    write(site_dir / "bomb.md", BOMB)
    write(site_dir / "huge.md", b"---\ntitle: Huge\n---\n" + b"x" * (30 * 1024 * 1024))
    secret = write(tmp_path / "private" / "secret.md", "---\ntitle: Private notes\n---\nNo.\n")
    os.symlink(secret, site_dir / "leak.md")
    os.symlink(site_dir / "_posts" / "2024-01-02-good.md", site_dir / "same.md")
    if sys.platform != "win32":
        os.symlink("/dev/zero", site_dir / "zero.md")
        os.mkfifo(site_dir / "pipe.md")
    write(site_dir / "latin1.md", "---\ntitle: Caf\xe9\n---\nx\n".encode("latin-1"))
    write(site_dir / "deep-body.md", "---\ntitle: Deep body\n---\n" + "> " * 3000 + "quote\n")
    return site_dir


def test_bad_files_are_reported_and_the_rest_imported(
    store: Store, actor: Actor, hostile: Path
) -> None:
    report = import_tree(store, actor, hostile)
    failed, skipped = dict(report.failed), dict(report.skipped)
    assert "bad date" in failed["impossible.md"] and "2024-02-30" in failed["impossible.md"]
    assert "2024-02-30" in failed["_posts/2024-02-30-impossible-name.md"]
    assert "nest" in failed["deep-yaml.md"]
    assert "nest" in failed["deep-toml.md"]
    assert "aliases" in failed["bomb.md"] or "values" in failed["bomb.md"]
    assert "larger than 20 MB" in failed["huge.md"]
    assert "UTF-8" in failed["latin1.md"]
    assert "outside" in skipped["leak.md"]
    assert "same file" in skipped["same.md"]
    if sys.platform != "win32":
        assert "outside" in skipped["zero.md"]
        assert "regular file" in skipped["pipe.md"]
    assert sorted(report.created) == ["_posts/2024-01-02-good.md", "deep-body.md"]
    assert story(store, "good").body == "Fine.\n"


def test_a_private_file_behind_a_symlink_is_never_read(
    store: Store, actor: Actor, hostile: Path
) -> None:
    import_tree(store, actor, hostile)
    with store.reading() as session:
        from cms import stories

        assert all(row.headline != "Private notes" for row in stories.list_stories(session))


def test_a_symlink_inside_the_tree_is_followed_once(
    store: Store, actor: Actor, site_dir: Path
) -> None:
    real = write(site_dir / "real" / "story.md", "Title: Linked\n\nBody.\n")
    os.symlink(real, site_dir / "alias.md")
    report = import_tree(store, actor, site_dir)
    assert report.created == ["real/story.md"] and "same file" in dict(report.skipped)["alias.md"]
