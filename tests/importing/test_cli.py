"""``newsroom import DIR [--dry-run] [--status S] [--section S] [--quiet]`` end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from cms.cli import main
from tests.importing.sites import jekyll_site, write


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def test_dry_run_names_every_file_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = str(tmp_path / "desk.db")
    assert _run(capsys, "--store", store, "init")[0] == 0
    root = jekyll_site(tmp_path / "site")
    status, out, _err = _run(capsys, "--store", store, "import", str(root), "--dry-run")
    assert status == 0
    lines = out.splitlines()
    assert "new: _posts/2022-12-21-jekyll-sass-converter-3.0-released.markdown" in lines
    assert "skipped: README.md: no front matter: Jekyll copies it as a file, not a page" in lines
    assert lines[-1].startswith("would import 6 new, 0 updated, 0 unchanged, 0 colliding, "
                                "2 skipped (1 not Markdown: .html 1), 0 failed")
    assert _run(capsys, "--store", store, "story", "list")[1].strip() == ""
    status, out, err = _run(capsys, "--store", store, "import", str(root), "--quiet")
    assert status == 0 and err == "" and out.startswith("imported 6 new")
    status, out, _err = _run(capsys, "--store", store, "import", str(root), "--dry-run")
    assert out.splitlines()[-1].startswith("would import 0 new, 0 updated, 6 unchanged")


def test_a_bad_file_is_named_and_the_exit_status_is_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = str(tmp_path / "desk.db")
    _run(capsys, "--store", store, "init")
    write(tmp_path / "site" / "good.md", "Title: Good\nDate: 2024-01-02\n\nFine.\n")
    write(tmp_path / "site" / "bad.md", "Title: Bad\nDate: 2024-02-30\n\nx\n")
    status, out, err = _run(capsys, "--store", store, "import", str(tmp_path / "site"),
                            "--quiet", "--status", "draft", "--section", "Archive")
    assert status == 1
    assert "failed: bad.md: Date: bad date '2024-02-30'" in err
    assert out.startswith("imported 1 new")
    listed = _run(capsys, "--store", store, "story", "list", "--section", "Archive")[1]
    assert "Good" in listed and "draft" in listed
