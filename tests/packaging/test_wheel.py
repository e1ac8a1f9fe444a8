"""The Python wheel and sdist: ``pip install newsroom[postgres]`` is the other way in.

Slow: builds both with ``python -m build`` and installs the wheel, with its
dependencies, into a clean virtual environment (pip takes them from its cache or
index as configured on the machine).
"""

from __future__ import annotations

import email.parser
import os
import subprocess
import sys
import tarfile
import venv
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.packaging.conftest import ROOT, load_build_module, skip_unless_enabled

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """The wheel and the sdist, freshly built from the working tree."""
    skip_unless_enabled()
    out = tmp_path_factory.mktemp("dists")
    result = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
                            capture_output=True, text=True, check=False, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    version = load_build_module().project_version()
    wheel = out / f"newsroom-{version}-py3-none-any.whl"
    sdist = out / f"newsroom-{version}.tar.gz"
    assert wheel.is_file() and sdist.is_file(), sorted(p.name for p in out.iterdir())
    yield wheel, sdist


def _shipped_files(package: str) -> set[str]:
    """Every non-Python file of a package in the working tree (what must reach users)."""
    base = ROOT / package
    return {str(p.relative_to(ROOT)) for p in base.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}


def test_wheel_carries_resources_migrations_and_metadata(dists: tuple[Path, Path]) -> None:
    wheel, _ = dists
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        version = load_build_module().project_version()
        meta = email.parser.Parser().parsestr(
            archive.read(f"newsroom-{version}.dist-info/METADATA").decode("utf-8"))
        entry_points = archive.read(f"newsroom-{version}.dist-info/entry_points.txt").decode()
    missing = (_shipped_files("resources") | _shipped_files("cms/migrations")) - names
    assert not missing, f"files left out of the wheel: {sorted(missing)}"
    assert not [n for n in names if n.startswith(("tests/", "packaging/", "benchmarks/"))]
    assert set(meta.get_all("Provides-Extra") or []) >= {"postgres", "test"}
    requires = meta.get_all("Requires-Dist") or []
    assert any(r.startswith("psycopg[binary]") and 'extra == "postgres"' in r for r in requires)
    assert f"newsroom-{version}.dist-info/licenses/LICENSE" in names
    assert "newsroom = cms.cli:run" in entry_points
    assert "newsroom-app = ui.app:main" in entry_points


def test_sdist_builds_the_same_package_and_keeps_the_tests(dists: tuple[Path, Path]) -> None:
    _, sdist = dists
    version = load_build_module().project_version()
    top = f"newsroom-{version}"
    with tarfile.open(sdist) as archive:
        names = {name.removeprefix(f"{top}/") for name in archive.getnames()}
    for needed in ("pyproject.toml", "README.md", "cms/migrations/script.py.mako",
                   "resources/sample/newsroom.json", "tests/conftest.py",
                   "packaging/newsroom.spec", "packaging/linux/install.sh", "Makefile"):
        assert needed in names, needed
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_wheel_installs_into_a_clean_venv_and_works(dists: tuple[Path, Path],
                                                    tmp_path: Path) -> None:
    wheel, _ = dists
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         f"newsroom[postgres] @ {wheel.as_uri()}"],
        capture_output=True, text=True, env=env, check=False, timeout=900)
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]

    newsroom = env_dir / "bin" / "newsroom"
    version = subprocess.run([str(newsroom), "--version"], capture_output=True, text=True,
                             env=env, check=False, timeout=60)
    assert version.stdout.strip() == f"newsroom {load_build_module().project_version()}"
    launcher = subprocess.run([str(env_dir / "bin" / "newsroom-app"), "--help"],
                              capture_output=True, text=True, env=env, check=False, timeout=60)
    assert launcher.returncode == 0 and "--store" in launcher.stdout, launcher.stderr
    store = tmp_path / "desk.db"
    init = subprocess.run([str(newsroom), "--store", str(store), "init", "--demo"],
                          capture_output=True, text=True, env=env, check=False, timeout=120)
    assert init.returncode == 0, init.stderr
    assert "sample newsroom: added 6 stories" in init.stdout
    # Every module imports with only the declared dependencies (an undeclared
    # import fails here, not on an editor's machine), PostgreSQL's driver included.
    script = (
        "import importlib, pkgutil, cms, ui, resources, psycopg\n"
        "for pkg in (cms, ui):\n"
        "    for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        if '.migrations.' not in info.name and not info.name.endswith('__main__'):\n"
        "            importlib.import_module(info.name)\n"
        "print('ok', cms.__file__)\n"
    )
    imported = subprocess.run([str(python), "-c", script], capture_output=True, text=True,
                              env=env, check=False, timeout=120, cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr[-3000:]
    assert str(env_dir) in imported.stdout, "the module must come from the installed wheel"
