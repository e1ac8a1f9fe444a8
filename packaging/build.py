"""Build the Newsroom desktop application: PyInstaller folder, desktop files, archive.

``make package`` runs this. It

1. checks that the installed package metadata carries the version in
   ``pyproject.toml`` (the frozen app reads its version from that metadata),
2. runs PyInstaller on ``packaging/newsroom.spec``,
3. on Linux, adds the desktop entry, AppStream metadata, icons, the per-user
   install script and a short README to the folder,
4. adds the licence texts of everything bundled (``licenses/``), and
5. packs the folder as ``newsroom-VERSION-PLATFORM-MACHINE.tar.gz`` (a ``.zip``
   on Windows and macOS), then prints the sizes.

Usage: ``python packaging/build.py [--dist DIR] [--work DIR] [--no-archive]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path
from types import ModuleType

PACKAGING = Path(__file__).resolve().parent
ROOT = PACKAGING.parent
APP_ID = "org.newsroom.Newsroom"
FOLDER = "newsroom"  # the name of the built folder inside the dist directory


def _licences() -> ModuleType:
    # packaging/licences.py, loaded by path: `packaging` is also a PyPI package's name.
    spec = importlib.util.spec_from_file_location("newsroom_licences", PACKAGING / "licences.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildError(Exception):
    """A build step failed; the message says which and what to do."""


def project_version() -> str:
    """The version declared in pyproject.toml."""
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


def check_version() -> str:
    """The version, after checking that the installed metadata agrees with pyproject.toml."""
    declared = project_version()
    try:
        installed = metadata.version("newsroom")
    except metadata.PackageNotFoundError:
        raise BuildError(
            "newsroom is not installed in this Python: run `make venv` first"
        ) from None
    if installed != declared:
        raise BuildError(
            f"pyproject.toml says {declared} but the installed metadata says {installed}: "
            "reinstall (`pip install -e .`) so that the app reports the right version"
        )
    return declared


def run_pyinstaller(dist: Path, work: Path) -> Path:
    """Run PyInstaller on the spec; returns the built folder."""
    command = [
        sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
        "--distpath", str(dist), "--workpath", str(work), str(PACKAGING / "newsroom.spec"),
    ]
    # Run from the packaging folder, so that nothing in the working directory
    # (a stale *.egg-info in the repository root, say) is mistaken for the package.
    result = subprocess.run(command, cwd=PACKAGING, check=False)
    if result.returncode != 0:
        raise BuildError(f"PyInstaller failed (exit status {result.returncode})")
    folder = dist / FOLDER
    if not folder.is_dir():
        raise BuildError(f"PyInstaller finished but {folder} is missing")
    return folder


def add_desktop_files(folder: Path) -> None:
    """Put the freedesktop files and the install script into the built folder (Linux)."""
    share = folder / "share"
    if share.exists():
        shutil.rmtree(share)
    linux = PACKAGING / "linux"
    (share / "applications").mkdir(parents=True)
    shutil.copy2(linux / f"{APP_ID}.desktop", share / "applications" / f"{APP_ID}.desktop")
    (share / "metainfo").mkdir()
    shutil.copy2(linux / f"{APP_ID}.metainfo.xml", share / "metainfo" / f"{APP_ID}.metainfo.xml")
    icons = PACKAGING / "icons"
    for png in sorted((icons / "hicolor").glob("*/apps/newsroom.png")):
        target = share / "icons" / "hicolor" / png.parent.parent.name / "apps" / f"{APP_ID}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(png, target)
    scalable = share / "icons" / "hicolor" / "scalable" / "apps"
    scalable.mkdir(parents=True)
    shutil.copy2(icons / "newsroom.svg", scalable / f"{APP_ID}.svg")
    shutil.copy2(linux / "install.sh", folder / "install.sh")
    (folder / "install.sh").chmod(0o755)
    shutil.copy2(linux / "README.txt", folder / "README.txt")


# Libraries Qt's X11 platform plugin needs that many desktops lack; PyInstaller
# bundles them only if the build machine has them (packaging/README.md).
XCB_LIBRARIES = ("libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-image.so.0",
                 "libxcb-keysyms.so.1", "libxcb-render-util.so.0", "libxkbcommon-x11.so.0")


def missing_x11_libraries(folder: Path) -> list[str]:
    """Qt X11 libraries that did not make it into the folder (Linux)."""
    internal = folder / "_internal"
    return [name for name in XCB_LIBRARIES if not (internal / name).exists()]


def archive_name(version: str) -> str:
    """``newsroom-VERSION-PLATFORM-MACHINE`` (without extension)."""
    system = {"win32": "windows", "darwin": "macos"}.get(sys.platform, sys.platform)
    return f"newsroom-{version}-{system}-{platform.machine().lower()}"


def make_archive(folder: Path, version: str) -> Path:
    """Pack the folder (or the macOS app bundle) next to it; returns the archive."""
    stem = archive_name(version)
    if sys.platform.startswith("linux"):
        target = folder.parent / f"{stem}.tar.gz"
        partial = target.with_name(target.name + ".part")
        # Level 6: within a few percent of 9 on these binaries, at half the time.
        with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
            tar.add(folder, arcname=stem)
        partial.replace(target)
        return target
    source = folder.parent / "Newsroom.app" if sys.platform == "darwin" else folder
    target = folder.parent / f"{stem}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(source.rglob("*")):
            archive.write(path, Path(stem) / path.relative_to(source))
    return target


def folder_size(folder: Path) -> int:
    """Bytes in all files under ``folder`` (symlinks not followed)."""
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def build(dist: Path, work: Path, *, archive: bool = True) -> tuple[Path, Path | None]:
    """The whole build; returns the built folder and the archive (if made)."""
    version = check_version()
    started = time.monotonic()
    folder = run_pyinstaller(dist, work)
    if sys.platform.startswith("linux"):
        add_desktop_files(folder)
        missing = missing_x11_libraries(folder)
        if missing:
            print(f"build: warning: not bundled, so users' machines must have them: "
                  f"{', '.join(missing)} (install them here and build again: "
                  "see packaging/README.md)", file=sys.stderr)
    licences = _licences()
    licences.write_licences(folder, ROOT / "LICENSE")
    if sys.platform == "darwin":
        resources = dist / "Newsroom.app" / "Contents" / "Resources"
        licences.write_licences(resources, ROOT / "LICENSE")
    packed = make_archive(folder, version) if archive else None
    elapsed = time.monotonic() - started
    print(f"built Newsroom {version} in {elapsed:.0f} s")
    print(f"  folder   {folder}  {folder_size(folder) / 1e6:.0f} MB")
    if packed is not None:
        print(f"  archive  {packed}  {packed.stat().st_size / 1e6:.0f} MB")
    return folder, packed


def main(argv: list[str] | None = None) -> int:
    """Command line of the build."""
    parser = argparse.ArgumentParser(description="Build the Newsroom desktop application.")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller",
                        help="PyInstaller's work folder (kept between builds to save time)")
    parser.add_argument("--no-archive", action="store_true", help="skip the .tar.gz/.zip")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # hooks import Qt to find plugins
    try:
        build(args.dist.resolve(), args.work.resolve(), archive=not args.no_archive)
    except BuildError as exc:
        print(f"build: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
