"""``newsroom export`` end to end."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from cms.cli import main
from cms.store import Store
from tests.export.bundle_check import check_manifest, internal_targets, parse_html, resolve
from tests.export.conftest import JCS_SLUG

AS_OF = "2024-12-30 12:00"  # desk time (Asia/Seoul)


def _export(store: Store, *args: str) -> int:
    return main(["--store", str(store.url.database), "export", "--quiet", *args])


def test_export_and_reexport(sample_store: Store, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "site"
    cache = str(tmp_path / "cache")
    assert _export(sample_store, "--out", str(out), "--as-of", AS_OF, "--cache-dir", cache) == 0
    first = capsys.readouterr().out
    assert first.startswith(f"exported 6 stories to {out}:")
    assert _export(sample_store, "--out", str(out), "--as-of", AS_OF, "--cache-dir", cache) == 0
    assert "wrote 0, deleted 0" in capsys.readouterr().out
    check_manifest(out)


def test_single_story_bundle_is_self_contained(sample_store: Store, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "one"
    assert _export(sample_store, "--out", str(out), "--zip", str(tmp_path / "one.zip"),
                   "--story", JCS_SLUG, "--as-of", AS_OF,
                   "--base-url", "https://news.example.com/desk") == 0
    assert "exported 1 stories" in capsys.readouterr().out
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert "index.html" in names and "ninjs.json" in names and "manifest.json" in names
    assert not any(n.startswith(("stories/", "sections/", "tags/")) for n in names)
    page = out / "index.html"
    tree = parse_html(page.read_bytes())
    for link in internal_targets(page, tree):
        assert resolve(out, page, link).is_file(), link
    hrefs = [a.get("href") for a in tree.iter("a")]
    assert "https://news.example.com/desk/sections/north-korea.html" in hrefs
    assert sum(1 for h in hrefs if h and h.startswith("https://news.example.com/desk/stories/")
               ) == 5  # the Read next list points at the site
    ninjs = json.loads((out / "ninjs.json").read_text())
    assert ninjs["uri"] == f"https://news.example.com/desk/stories/{JCS_SLUG}.html"
    with zipfile.ZipFile(tmp_path / "one.zip") as zf:
        assert sorted(zf.namelist()) == names


def test_zip_only(sample_store: Store, tmp_path: Path) -> None:
    target = tmp_path / "site.zip"
    assert _export(sample_store, "--zip", str(target), "--as-of", AS_OF, "--no-cache") == 0
    with zipfile.ZipFile(target) as zf:
        assert "index.html" in zf.namelist()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "say where to export"),
        (("--out", "{tmp}/x", "--as-of", "yesterday"), "invalid time"),
        (("--out", "{tmp}/x", "--base-url", "ftp://x"), "invalid site URL"),
        (("--out", "{tmp}/x", "--story", "no-such-story"), "no story"),
        (("--out", "{tmp}/missing/x",), "does not exist"),
        (("--zip", "{tmp}/x/site.zip",), "does not exist"),  # no folder made for it
        (("--zip", "{tmp}",), "is a folder"),
        (("--out", "{tmp}/x", "--story", JCS_SLUG, "--as-of", "2024-12-01"),
         "is not published as of"),
    ],
)
def test_bad_input_gives_one_clear_line(sample_store: Store, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str],
                                        args: tuple[str, ...], message: str) -> None:
    code = _export(sample_store, *(a.format(tmp=tmp_path) for a in args))
    err = capsys.readouterr().err
    assert code in (1, 2)
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists()


def test_a_photo_that_cannot_be_read_is_left_out_not_the_site(
    sample_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A damaged agency photo in the store: the export goes on without it and says so."""
    import sqlalchemy as sa

    from cms.models import Blob, PhotoPlacement

    with sample_store.session() as session:
        lead = session.scalars(sa.select(PhotoPlacement).where(
            PhotoPlacement.role == "lead")).one()
        session.execute(sa.update(Blob).where(Blob.sha256 == lead.sha256)
                        .values(data=b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"))
        lead_id = lead.id
    out = tmp_path / "site"
    assert _export(sample_store, "--out", str(out), "--as-of", AS_OF, "--no-cache") == 0
    captured = capsys.readouterr()
    assert f"skipped: {JCS_SLUG}: photo {lead_id[:8]} left out: cannot be read" in captured.err
    page = (out / "stories" / f"{JCS_SLUG}.html").read_text()
    tree = parse_html(page.encode())
    images = tree.findall(".//img")
    assert len(images) == 1  # the inline photo is still there, the damaged lead is not
    assert "missing" not in page.lower()
    check_manifest(out)
    page_path = out / "stories" / f"{JCS_SLUG}.html"
    for link in internal_targets(page_path, tree):
        assert resolve(out, page_path, link).exists(), link
