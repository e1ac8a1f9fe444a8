"""The packaging sources themselves: desktop entry, AppStream data, icons, spec, dependencies.

Fast (no build): these run with ``make test`` and catch the slips that would
otherwise only show in a package build.
"""

from __future__ import annotations

import ast
import configparser
import re
import shutil
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from importlib import metadata
from pathlib import Path

import pytest
from PIL import Image

from tests.packaging.conftest import PACKAGING, ROOT, load_build_module

LINUX = PACKAGING / "linux"


def _app_id() -> str:
    return str(load_build_module().APP_ID)


def _desktop_entry() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(LINUX / f"{_app_id()}.desktop", encoding="utf-8")
    return parser


def test_desktop_entry_starts_the_app_with_its_icon() -> None:
    entry = _desktop_entry()["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Exec"] == "newsroom app"
    assert entry["Icon"] == _app_id()
    assert entry["Terminal"] == "false"
    if shutil.which("desktop-file-validate"):
        result = subprocess.run(["desktop-file-validate", str(LINUX / f"{_app_id()}.desktop")],
                                capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr


def test_appstream_metadata_is_valid_and_names_this_version() -> None:
    path = LINUX / f"{_app_id()}.metainfo.xml"
    root = ET.parse(path).getroot()
    assert root.findtext("id") == _app_id()
    assert root.findtext("launchable") == f"{_app_id()}.desktop"
    with (ROOT / "pyproject.toml").open("rb") as handle:
        project = tomllib.load(handle)["project"]
    newest = root.find("releases/release")
    assert newest is not None and newest.get("version") == project["version"], \
        "add a <release> for the version in pyproject.toml"
    assert root.findtext("project_license") == project["license"]
    if shutil.which("appstreamcli"):
        result = subprocess.run(["appstreamcli", "validate", "--no-net", str(path)],
                                capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr


def test_one_application_id_everywhere() -> None:
    app_id = _app_id()
    assert f'bundle_identifier="{app_id}"' in (PACKAGING / "newsroom.spec").read_text()
    assert f"APP_ID={app_id}\n" in (LINUX / "install.sh").read_text()


@pytest.mark.parametrize("size", [16, 24, 32, 48, 64, 128, 256, 512])
def test_icon_pngs_have_their_sizes(size: int) -> None:
    with Image.open(PACKAGING / "icons" / "hicolor" / f"{size}x{size}" / "apps"
                    / "newsroom.png") as image:
        assert image.size == (size, size)
        assert image.mode == "RGBA"
        # The corners are transparent (a rounded square), the centre is not.
        corner, centre = image.getpixel((0, 0)), image.getpixel((size // 2, size // 2))
        assert isinstance(corner, tuple) and isinstance(centre, tuple)
        assert corner[3] == 0 and centre[3] == 255


def test_windows_and_macos_icons_exist() -> None:
    with Image.open(PACKAGING / "icons" / "newsroom.ico") as ico:
        assert (256, 256) in ico.info["sizes"] and (16, 16) in ico.info["sizes"]
    with Image.open(PACKAGING / "icons" / "newsroom.icns") as icns:
        assert icns.size[0] >= 512
    ET.parse(PACKAGING / "icons" / "newsroom.svg")


def test_install_script_is_valid_shell() -> None:
    result = subprocess.run(["sh", "-n", str(LINUX / "install.sh")], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stderr


def _python_files() -> list[Path]:
    return [p for folder in ("cms", "ui") for p in (ROOT / folder).rglob("*.py")
            if "migrations" not in p.parts]


def test_modules_that_read_their_source_ship_it_in_the_frozen_app() -> None:
    # inspect.getsource(module) fails in a frozen app unless the spec collects
    # that module's .py file too (SOURCE_READ_MODULES in packaging/newsroom.spec).
    spec = (PACKAGING / "newsroom.spec").read_text(encoding="utf-8")
    match = re.search(r"SOURCE_READ_MODULES = \(([^)]*)\)", spec)
    assert match is not None
    shipped = set(re.findall(r'"([\w.]+)"', match.group(1)))
    needed: set[str] = set()
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    imported[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "getsource" and node.args
                    and isinstance(node.args[0], ast.Name)):
                needed.add(imported.get(node.args[0].id, node.args[0].id))
    assert needed <= shipped, f"add {sorted(needed - shipped)} to SOURCE_READ_MODULES"


def test_every_third_party_import_is_a_declared_dependency() -> None:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        declared_specs = tomllib.load(handle)["project"]["dependencies"]
    declared = {re.split(r"[<>=!~\[; ]", spec, maxsplit=1)[0].lower() for spec in declared_specs}
    # What a declared dependency itself requires is present too (markupsafe via Jinja2).
    allowed = set(declared)
    for name in declared:
        for requirement in metadata.requires(name) or []:
            if "extra ==" not in requirement:
                allowed.add(re.split(r"[<>=!~\[; (]", requirement, maxsplit=1)[0].lower())
    allowed = {name.replace("_", "-") for name in allowed}
    providers = metadata.packages_distributions()
    undeclared = {}
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0
                     and node.module else [])
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in ("cms", "ui", "resources"):
                    continue
                # psycopg is the optional PostgreSQL driver (the `postgres` extra).
                dists = {d.lower().replace("_", "-") for d in providers.get(top, [top])}
                if top != "psycopg" and not dists & allowed:
                    undeclared[top] = str(path.relative_to(ROOT))
    assert not undeclared, f"imported but not in pyproject dependencies: {undeclared}"
