"""Folders of Markdown files without a site config: each file read by the conventions its
header shows; metadata, drafts, idempotence, bad files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from cms import stories
from cms.config import set_setting
from cms.importers import import_tree
from cms.models import Revision
from cms.people import Actor
from cms.revisions import story_revisions
from cms.store import Store


def write(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    write(root / "politics" / "pelican.md", (
        "Title: Parliament votes\nDate: 2024-12-14 17:00\nCategory: Politics\n"
        "Tags: impeachment, yoon\nSlug: parliament-votes\nAuthors: Kim Min-jun, Anna Lee\n"
        "Summary: The vote passed.\n\nThe assembly voted.\n"
    ))
    write(root / "world" / "hugo.md", (
        "---\ntitle: \"Hugo: drones\"\ndate: 2024-12-23T15:20:00+09:00\n"
        "tags: [drones, russia]\ndescription: A standfirst\ndraft: true\n---\nBody text.\n"
    ))
    write(root / "world" / "toml.md", (
        "+++\ntitle = \"TOML story\"\ndate = 2024-12-01T10:00:00Z\nsection = \"Science\"\n+++\n"
        "Science body.\n"
    ))
    write(root / "_posts" / "2024-12-04-lee-calls.markdown", (
        "---\nlayout: post\ntitle: Lee calls for impeachment\npublished: true\n"
        "categories: [politics, korea]\n---\nLee spoke.\n"
    ))
    write(root / "pelican-draft.md", "Title: Not yet\nStatus: draft\nDate: 2024-12-01\n\nDraft.\n")
    return root


def test_import_reads_every_dialect(store: Store, actor: Actor, tree: Path) -> None:
    with store.session() as session:
        set_setting(session, "timezone", "Asia/Seoul", username="tester")
    report = import_tree(store, actor, tree)
    assert report.failed == [] and len(report.created) == 5
    with store.reading() as session:
        pelican, _ = stories.get(session, "parliament-votes")
        assert pelican.section == "politics"
        assert pelican.tags == ("impeachment", "yoon")
        assert pelican.byline == "Kim Min-jun and Anna Lee"
        assert pelican.standfirst == "The vote passed."
        assert pelican.status == "published"
        assert pelican.publish_at == datetime(2024, 12, 14, 8, 0, tzinfo=UTC)  # 17:00 KST
        hugo, _ = stories.get(session, "hugo")
        assert hugo.headline == "Hugo: drones" and hugo.status == "draft"
        assert hugo.section == "world"  # from the folder, as Pelican does
        toml, _ = stories.get(session, "toml")
        assert toml.section == "science"
        jekyll, _ = stories.get(session, "lee-calls")
        assert jekyll.publish_at == datetime(2024, 12, 3, 15, 0, tzinfo=UTC)  # from the name
        assert jekyll.section == "politics"
        # Pelican makes a slug from the title when the file gives none.
        assert stories.get(session, "not-yet")[0].status == "draft"


def test_importing_again_updates_and_never_duplicates(
    store: Store, actor: Actor, tree: Path
) -> None:
    import_tree(store, actor, tree)
    again = import_tree(store, actor, tree)
    assert (len(again.created), len(again.updated), len(again.unchanged)) == (0, 0, 5)
    with store.reading() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Revision)) == 5
    path = tree / "politics" / "pelican.md"
    path.write_text(path.read_text().replace("The assembly voted.", "The assembly voted 204-85."))
    third = import_tree(store, actor, tree)
    assert third.updated == ["politics/pelican.md"]
    with store.reading() as session:
        assert stories.count_stories(session) == 5
        story_id = stories.resolve(session, "parliament-votes")
        assert len(story_revisions(session, story_id)) == 2


def test_bad_files_are_reported_by_name_and_the_rest_go_on(
    store: Store, actor: Actor, tree: Path
) -> None:
    write(tree / "latin1.md", "Title: Caf\xe9\n\nBody\n".encode("latin-1"))
    write(tree / "broken-yaml.md", "---\ntitle: [unclosed\n---\nBody\n")
    write(tree / "unclosed.md", "---\ntitle: Never closed\nBody\n")
    write(tree / "bad-date.md", "Title: Bad date\nDate: the day after tomorrow\n\nBody\n")
    write(tree / "binary.md", b"Title: x\n\n\x00\x01\x02")
    write(tree / "empty-title.md", "---\ntitle: \"   \"\n---\nBody\n")
    report = import_tree(store, actor, tree)
    failed = dict(report.failed)
    assert set(failed) == {"latin1.md", "broken-yaml.md", "unclosed.md", "bad-date.md",
                           "binary.md"}
    assert "UTF-8" in failed["latin1.md"]
    assert "YAML" in failed["broken-yaml.md"]
    assert "bad date" in failed["bad-date.md"]
    # A file without a title keeps its words: the headline is its file name.
    assert len(report.created) == 6


def test_a_headline_can_come_from_the_first_heading(
    store: Store, actor: Actor, tmp_path: Path
) -> None:
    write(tmp_path / "plain.md", "# Heading as title\n\nText.\n")
    report = import_tree(store, actor, tmp_path)
    assert report.created == ["plain.md"]
    assert any("modification time" in message for _, message in report.warnings)


def test_progress_and_cancel(store: Store, actor: Actor, tree: Path) -> None:
    seen: list[tuple[int, int]] = []
    import_tree(store, actor, tree, progress=lambda done, total, _name: seen.append((done, total)))
    assert seen[-1] == (5, 5)
    cancelled = import_tree(store, actor, tree, cancelled=lambda: True)
    assert cancelled.cancelled


def test_a_missing_folder_is_a_clear_error(store: Store, actor: Actor, tmp_path: Path) -> None:
    from cms.errors import UsageError

    with pytest.raises(UsageError, match="no such folder"):
        import_tree(store, actor, tmp_path / "nope")


def test_hostile_file_names_are_shown_escaped(store: Store, actor: Actor, tmp_path: Path) -> None:
    write(tmp_path / "ctrl\x1b[31mred.md", "Title: Escape\n\n")
    write(tmp_path / "bad\udcffname.md".encode("utf-8", "surrogateescape").decode(
        "utf-8", "surrogateescape"), "Title: Undecodable\n\n")
    report = import_tree(store, actor, tmp_path)
    names = report.created + [name for name, _ in report.warnings]
    assert "ctrl\\x1b[31mred.md" in names
    assert all("\x1b" not in name and "\udcff" not in name for name in names)
