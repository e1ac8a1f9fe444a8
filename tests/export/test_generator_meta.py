"""Every exported page and feed says which Newsroom wrote it (for support)."""

from __future__ import annotations

from pathlib import Path

from cms import __version__
from cms.export import ExportOptions, export_site
from cms.store import Store


def test_pages_and_feeds_name_the_version(sample_store: Store, tmp_path: Path) -> None:
    out = tmp_path / "site"
    export_site(sample_store, ExportOptions(out=out))
    pages = sorted(out.rglob("*.html"))
    assert pages
    for page in pages:
        assert f'<meta name="generator" content="Newsroom {__version__}">' in page.read_text()
    feed = (out / "feed.atom").read_text()
    assert f'<generator version="{__version__}">Newsroom</generator>' in feed
