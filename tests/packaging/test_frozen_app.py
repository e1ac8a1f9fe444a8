"""The built (PyInstaller) application, run the way an editor would run it.

Slow: needs ``make package`` first (``make test-package`` does both).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import tarfile
from pathlib import Path

import pytest

from cms.store import SCHEMA_HEAD
from tests.packaging.conftest import (
    Built,
    XDisplay,
    clean_env,
    error_lines,
    load_build_module,
    run,
    running_app,
    wait_until,
)

pytestmark = pytest.mark.slow

SAMPLE_STORIES = 6
MIGRATIONS = sorted((Path(__file__).resolve().parents[2] / "cms" / "migrations" / "versions")
                    .glob("*.py"))


def _stories(built: Built, store: Path, env: dict[str, str]) -> list[dict[str, object]]:
    result = run(built.exe, ["--store", str(store), "story", "list", "--json"], env)
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    assert isinstance(listed, list)
    return listed


def test_version_comes_from_the_package_metadata(built: Built, tmp_path: Path) -> None:
    version = load_build_module().project_version()
    result = run(built.exe, ["--version"], clean_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"newsroom {version}"


def test_init_demo_and_the_command_line_work(built: Built, tmp_path: Path) -> None:
    env = clean_env(tmp_path / "home")
    store = tmp_path / "desk.db"
    result = run(built.exe, ["--store", str(store), "init", "--demo"], env)
    assert result.returncode == 0, result.stderr
    assert "sample newsroom: added 6 stories" in result.stdout
    stories = _stories(built, store, env)
    assert len(stories) == SAMPLE_STORIES
    # Full-text search needs FTS5 in the SQLite the app carries.
    found = run(built.exe, ["--store", str(store), "search", "goat", "--json"], env)
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout), "the sample JCS story mentions the goat"
    # The store says which version made it, for support.
    with sqlite3.connect(store) as db:
        meta = dict(db.execute("SELECT key, value FROM store_meta").fetchall())
    assert meta["created_by_version"] == load_build_module().project_version()


def test_first_run_makes_the_store_in_the_user_data_folder(built: Built, tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = clean_env(home)
    default = home / ".local" / "share" / "newsroom" / "newsroom.db"
    with running_app([str(built.exe), "app"], env, tmp_path / "logs") as app:
        # The first start creates the store and installs the sample newsroom.
        assert wait_until(lambda: default.exists() and _count(default) == SAMPLE_STORIES, 60), \
            app.stderr()
        assert wait_until(lambda: not app.alive(), 3) is False, "the window closed by itself"
        assert error_lines(app.stderr()) == []


def _count(store: Path) -> int:
    try:
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=5) as db:
            return int(db.execute("SELECT count(*) FROM stories").fetchone()[0])
    except sqlite3.Error:
        return -1


def test_the_window_opens_on_a_real_screen(built: Built, tmp_path: Path,
                                           xdisplay: XDisplay) -> None:
    env = clean_env(tmp_path / "home", QT_QPA_PLATFORM="xcb", DISPLAY=xdisplay.name)
    store = tmp_path / "desk.db"
    with running_app([str(built.exe), "--store", str(store), "app"], env,
                     tmp_path / "logs") as app:
        # The main window's title is "<desk name> — Newsroom"; a start-up error box
        # would be titled just "Newsroom".
        assert wait_until(lambda: any(n.endswith("— Newsroom") for n in xdisplay.window_names()),
                          60), (xdisplay.window_names(), app.stderr())
        assert app.alive()
        assert error_lines(app.stderr()) == []


@pytest.mark.parametrize("problem", ["data folder blocked", "newer store"])
def test_the_window_reports_a_store_it_cannot_use(built: Built, tmp_path: Path,
                                                 xdisplay: XDisplay, problem: str) -> None:
    env = clean_env(tmp_path / "home", QT_QPA_PLATFORM="xcb", DISPLAY=xdisplay.name)
    args = [str(built.exe), "app"]
    if problem == "data folder blocked":
        blocker = tmp_path / "not-a-folder"
        blocker.write_text("a file where the data folder should go\n")
        env["XDG_DATA_HOME"] = str(blocker)
    else:
        store = tmp_path / "desk.db"
        assert run(built.exe, ["--store", str(store), "init"], env).returncode == 0
        with sqlite3.connect(store) as db:
            db.execute("UPDATE alembic_version SET version_num = ?",
                       (f"{int(SCHEMA_HEAD) + 1:04d}",))
        args = [str(built.exe), "--store", str(store), "app"]
    with running_app(args, env, tmp_path / "logs") as app:
        # A message box titled "Newsroom" (the main window would be "… — Newsroom").
        assert wait_until(lambda: "Newsroom" in xdisplay.window_names(), 60), app.stderr()
        assert not any(n.endswith("— Newsroom") for n in xdisplay.window_names())
        assert app.alive(), "the message waits for the user"
        assert "Traceback" not in app.stderr()


def _tree(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder with its size and modification time."""
    found = {}
    for path in [folder, *folder.rglob("*")]:
        info = path.lstat()
        found[str(path.relative_to(folder))] = (info.st_size, info.st_mtime_ns)
    return found


def _make_read_only(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        if not path.is_symlink():
            mode = path.lstat().st_mode
            path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def _make_writable(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.lstat().st_mode | stat.S_IWUSR)


def test_never_writes_inside_its_read_only_installation(built: Built, tmp_path: Path) -> None:
    installed = tmp_path / "opt" / "newsroom"
    shutil.copytree(built.folder, installed, symlinks=True)
    _make_read_only(installed)
    # root ignores permission bits, so compare the whole tree before and after too.
    before = _tree(installed)
    exe = installed / "newsroom"
    env = clean_env(tmp_path / "home")
    store = tmp_path / "desk.db"
    try:
        assert run(exe, ["--version"], env).returncode == 0
        result = run(exe, ["--store", str(store), "init", "--demo"], env, cwd=installed)
        assert result.returncode == 0, result.stderr
        out = tmp_path / "site"
        exported = run(exe, ["--store", str(store), "export", "--out", str(out), "--quiet"], env,
                       cwd=installed)
        assert exported.returncode == 0, exported.stderr
        with running_app([str(exe), "app"], env, tmp_path / "logs") as app:
            home_store = tmp_path / "home" / ".local" / "share" / "newsroom" / "newsroom.db"
            assert wait_until(lambda: _count(home_store) == SAMPLE_STORIES, 60), app.stderr()
            assert app.alive()
            assert error_lines(app.stderr()) == []
        assert _tree(installed) == before
    finally:
        _make_writable(installed)


def test_a_user_data_folder_that_cannot_be_made_is_reported(built: Built, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should go\n")
    env = clean_env(tmp_path / "home", XDG_DATA_HOME=str(blocker))
    result = run(built.exe, ["init"], env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("newsroom: cannot create the folder for the store")
    assert str(blocker) in lines[0]
    assert "Traceback" not in result.stderr


def test_a_store_from_a_newer_version_is_refused(built: Built, tmp_path: Path) -> None:
    env = clean_env(tmp_path / "home")
    store = tmp_path / "desk.db"
    assert run(built.exe, ["--store", str(store), "init"], env).returncode == 0
    newer = f"{int(SCHEMA_HEAD) + 1:04d}"
    with sqlite3.connect(store) as db:
        db.execute("UPDATE alembic_version SET version_num = ?", (newer,))
    before = _dump(store)
    result = run(built.exe, ["--store", str(store), "story", "list"], env)
    assert result.returncode == 1
    assert "written by a newer Newsroom" in result.stderr
    assert f"schema {newer}" in result.stderr
    assert "Traceback" not in result.stderr
    assert _dump(store) == before, "a refused store must stay untouched"


def _dump(store: Path) -> list[str]:
    # The content, not the bytes: opening a WAL store may checkpoint it into the file.
    with sqlite3.connect(store) as db:
        return list(db.iterdump())


def test_two_instances_on_one_store_both_work(built: Built, tmp_path: Path) -> None:
    env = clean_env(tmp_path / "home")
    store = tmp_path / "desk.db"
    assert run(built.exe, ["--store", str(store), "init", "--demo"], env).returncode == 0
    args = [str(built.exe), "--store", str(store), "app"]
    with running_app(args, env, tmp_path / "one") as one, \
            running_app(args, env, tmp_path / "two") as two:
        # While both windows are open, two command-line writers save at once too.
        writers = [
            subprocess.Popen(
                ["sh", "-c", " && ".join(
                    f"'{built.exe}' --store '{store}' story new --headline 'Writer {w} story {i}'"
                    for i in range(4))],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            for w in (1, 2)
        ]
        for writer in writers:
            _, err = writer.communicate(timeout=120)
            assert writer.returncode == 0, err
        assert one.alive() and two.alive()
        assert error_lines(one.stderr()) == []
        assert error_lines(two.stderr()) == []
    assert len(_stories(built, store, env)) == SAMPLE_STORIES + 8


def test_two_first_starts_at_once_make_one_store(built: Built, tmp_path: Path) -> None:
    # Both find no store, both create and migrate it, both run the first-run
    # sample install: the store's write lock must turn that into one store with
    # one sample newsroom, and both windows must come up.
    home = tmp_path / "home"
    env = clean_env(home)
    default = home / ".local" / "share" / "newsroom" / "newsroom.db"
    with running_app([str(built.exe), "app"], env, tmp_path / "one") as one, \
            running_app([str(built.exe), "app"], env, tmp_path / "two") as two:
        assert wait_until(lambda: _count(default) == SAMPLE_STORIES, 60), \
            one.stderr() + two.stderr()
        assert wait_until(lambda: not (one.alive() and two.alive()), 5) is False, \
            one.stderr() + two.stderr()
        assert error_lines(one.stderr()) == []
        assert error_lines(two.stderr()) == []
    assert _count(default) == SAMPLE_STORIES
    with sqlite3.connect(default) as db:
        assert db.execute("SELECT count(*) FROM alembic_version").fetchone()[0] == 1
        assert db.execute("SELECT count(*) FROM store_meta WHERE key = 'replica_id'"
                          ).fetchone()[0] == 1


def test_export_runs_its_worker_processes_in_the_frozen_app(built: Built, tmp_path: Path) -> None:
    # Above 400 stories the export renders bodies in spawned worker processes,
    # which re-run the frozen executable: that only works with freeze_support().
    env = clean_env(tmp_path / "home")
    store = tmp_path / "desk.db"
    assert run(built.exe, ["--store", str(store), "init"], env).returncode == 0
    source = tmp_path / "import"
    source.mkdir()
    for index in range(420):
        (source / f"story-{index:03d}.md").write_text(
            f"Title: Council report number {index}\nDate: 2024-03-{index % 28 + 1:02d} 09:00\n"
            f"Category: Local\n\nThe council met for the {index}th time and **agreed** on the "
            "budget.\n", encoding="utf-8")
    imported = run(built.exe, ["--store", str(store), "import", str(source)], env, timeout=300)
    assert imported.returncode == 0, imported.stderr
    out = tmp_path / "site"
    exported = run(built.exe, ["--store", str(store), "export", "--out", str(out), "--quiet"],
                   env, timeout=300)
    assert exported.returncode == 0, exported.stderr
    pages = list(out.rglob("*.html"))
    assert len(pages) > 420
    assert any("<strong>agreed</strong>" in p.read_text(encoding="utf-8") for p in pages)


def test_the_archive_holds_the_app_and_its_desktop_files(built: Built) -> None:
    if built.archive is None:
        pytest.skip("no archive next to the built folder (make package makes one)")
    build = load_build_module()
    top = build.archive_name(build.project_version())
    with tarfile.open(built.archive) as tar:
        members = {m.name: m for m in tar.getmembers()}
    exe = members[f"{top}/newsroom"]
    assert exe.mode & 0o111, "the program must stay executable"
    assert members[f"{top}/install.sh"].mode & 0o111
    for name in (f"share/applications/{build.APP_ID}.desktop",
                 f"share/metainfo/{build.APP_ID}.metainfo.xml",
                 f"share/icons/hicolor/scalable/apps/{build.APP_ID}.svg",
                 f"share/icons/hicolor/256x256/apps/{build.APP_ID}.png",
                 "_internal/resources/sample/newsroom.json",
                 "_internal/cms/migrations/script.py.mako",
                 *(f"_internal/cms/migrations/versions/{p.name}" for p in MIGRATIONS)):
        assert f"{top}/{name}" in members, name
    assert not any("__pycache__" in name for name in members)
    # Licence texts travel with what they cover; Qt's LGPL among them.
    for name in ("licenses/README.txt", "licenses/Newsroom-LICENSE.txt",
                 "licenses/Python/LICENSE.txt"):
        assert f"{top}/{name}" in members, name
    with tarfile.open(built.archive) as tar:
        index = tar.extractfile(f"{top}/licenses/README.txt")
        assert index is not None
        listed = index.read().decode("utf-8")
    for package in ("PySide6_Essentials", "SQLAlchemy", "alembic", "Pillow"):
        assert package.lower() in listed.lower(), package


def test_install_script_installs_and_removes_for_the_user(built: Built, tmp_path: Path) -> None:
    build = load_build_module()
    home = tmp_path / "home"
    env = clean_env(home)
    result = run("sh", [str(built.folder / "install.sh")], env)
    assert result.returncode == 0, result.stderr
    prefix = home / ".local"
    entry = prefix / "share" / "applications" / f"{build.APP_ID}.desktop"
    text = entry.read_text(encoding="utf-8")
    exec_line = next(line for line in text.splitlines() if line.startswith("Exec="))
    program = prefix / "lib" / "newsroom" / "newsroom"
    assert exec_line == f'Exec="{program}" app'
    if shutil.which("desktop-file-validate"):
        checked = run("desktop-file-validate", [str(entry)], env)
        assert checked.returncode == 0, checked.stdout + checked.stderr
    assert (prefix / "share" / "icons" / "hicolor" / "48x48" / "apps"
            / f"{build.APP_ID}.png").is_file()
    assert (prefix / "share" / "metainfo" / f"{build.APP_ID}.metainfo.xml").is_file()
    command = prefix / "bin" / "newsroom"
    assert os.path.realpath(command) == str(program)
    assert run(command, ["--version"], env).stdout.startswith("newsroom ")
    # A store made by the installed app lives in the data folder, not in the installation.
    assert run(command, ["init"], env).returncode == 0
    store = home / ".local" / "share" / "newsroom" / "newsroom.db"
    assert store.is_file()

    removed = run("sh", [str(program.parent / "install.sh"), "--uninstall"], env)
    assert removed.returncode == 0, removed.stderr
    assert not entry.exists() and not command.exists() and not program.parent.exists()
    assert store.is_file(), "uninstalling keeps the user's stories"
