"""Fixtures for the packaging tests: the built app, a clean environment, running windows.

The slow tests (marked ``slow``) need a built application. They run when

* ``NEWSROOM_PACKAGE_DIR`` names a built folder (``make test-package`` builds
  ``dist/newsroom`` first and sets it), or
* ``NEWSROOM_TEST_PACKAGE=1``, which builds the app (and the wheel) into a
  temporary folder for this session;

otherwise they are skipped, so that ``make test`` stays fast.
"""

from __future__ import annotations

import ctypes.util
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
PACKAGE_DIR_ENV = "NEWSROOM_PACKAGE_DIR"
BUILD_ENV = "NEWSROOM_TEST_PACKAGE"
# Qt's offscreen platform says this once per window; it is not an error of ours.
QT_OFFSCREEN_NOISE = ("This plugin does not support",)


def load_build_module() -> ModuleType:
    """``packaging/build.py`` as a module (``packaging`` is also a PyPI package's name)."""
    spec = importlib.util.spec_from_file_location("newsroom_build", PACKAGING / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("newsroom_build", module)
    spec.loader.exec_module(module)
    return module


def package_tests_enabled() -> bool:
    """Whether the slow packaging tests were asked for."""
    return bool(os.environ.get(PACKAGE_DIR_ENV)) or os.environ.get(BUILD_ENV) == "1"


def skip_unless_enabled() -> None:
    """Skip the calling test unless the packaging tests were asked for."""
    if not package_tests_enabled():
        pytest.skip(f"packaging tests run with `make test-package` (or {BUILD_ENV}=1)")


@dataclass(frozen=True)
class Built:
    """A built application folder and, where it was made, its archive."""

    folder: Path
    archive: Path | None

    @property
    def exe(self) -> Path:
        """The ``newsroom`` executable."""
        return self.folder / ("newsroom.exe" if sys.platform == "win32" else "newsroom")


@pytest.fixture(scope="session")
def built() -> Built:
    """The built application: from ``NEWSROOM_PACKAGE_DIR`` or built now."""
    skip_unless_enabled()
    build = load_build_module()
    given = os.environ.get(PACKAGE_DIR_ENV)
    if given:
        folder = Path(given).resolve()
        if not (folder / "newsroom").exists():
            pytest.fail(f"{PACKAGE_DIR_ENV}={given} holds no built app: run `make package`")
        archive = folder.parent / f"{build.archive_name(build.project_version())}.tar.gz"
        return Built(folder, archive if archive.exists() else None)
    out = Path(os.environ.get("TMPDIR", "/tmp")) / f"newsroom-package-test-{os.getpid()}"
    shutil.rmtree(out, ignore_errors=True)
    folder, archive = build.build(out / "dist", out / "work", archive=True)
    return Built(folder, archive)


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """An environment like a user's: own HOME, no Python or Newsroom variables, offscreen Qt."""
    env = {
        "HOME": str(home),
        "PATH": "/usr/local/bin:/usr/bin:/bin",  # not the venv: the app must need no Python
        "LANG": os.environ.get("LANG", "C.UTF-8"),
        "QT_QPA_PLATFORM": "offscreen",
        "NEWSROOM_USER": "editor",
        "TMPDIR": os.environ.get("TMPDIR", "/tmp"),
    }
    env.update(extra)
    return env


def run(exe: Path | str, args: Sequence[str], env: dict[str, str],
        timeout: float = 120, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run a program to its end and capture what it prints."""
    return subprocess.run([str(exe), *args], env=env, capture_output=True, text=True,
                          timeout=timeout, check=False, cwd=cwd)


def error_lines(text: str) -> list[str]:
    """Lines of a program's stderr that are not known harmless Qt notes."""
    return [line for line in text.splitlines()
            if line.strip() and not line.startswith(QT_OFFSCREEN_NOISE)]


class RunningApp:
    """A started ``newsroom app`` process whose output goes to files."""

    def __init__(self, args: Sequence[str], env: dict[str, str], logs: Path) -> None:
        logs.mkdir(parents=True, exist_ok=True)
        self.stdout_path = logs / "stdout.txt"
        self.stderr_path = logs / "stderr.txt"
        with self.stdout_path.open("w") as out, self.stderr_path.open("w") as err:
            self.process = subprocess.Popen(list(args), env=env, stdout=out, stderr=err,
                                            stdin=subprocess.DEVNULL)

    def alive(self) -> bool:
        """Whether the process still runs."""
        return self.process.poll() is None

    def stderr(self) -> str:
        """Everything it printed on stderr so far."""
        return self.stderr_path.read_text(errors="replace")

    def stop(self) -> int | None:
        """End it (it has no unsaved work in these tests); its exit status."""
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        return self.process.returncode


@contextmanager
def running_app(args: Sequence[str], env: dict[str, str], logs: Path) -> Iterator[RunningApp]:
    """Start the app, hand it over, always stop it."""
    app = RunningApp(args, env, logs)
    try:
        yield app
    finally:
        app.stop()


def wait_until(predicate: Callable[[], object], timeout: float, interval: float = 0.1) -> bool:
    """Poll ``predicate()`` until it is true or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


@dataclass(frozen=True)
class XDisplay:
    """A virtual X screen (Xvfb) to run the real xcb platform on."""

    name: str

    def window_names(self) -> list[str]:
        """Titles of the visible top-level windows."""
        found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "."],
                               env={"DISPLAY": self.name}, capture_output=True, text=True,
                               check=False)
        names = []
        for wid in found.stdout.split():
            name = subprocess.run(["xdotool", "getwindowname", wid], env={"DISPLAY": self.name},
                                  capture_output=True, text=True, check=False).stdout.strip()
            if name:
                names.append(name)
        return names


def load_measure_module() -> ModuleType:
    """``packaging/measure_startup.py`` as a module (it knows how to start Xvfb)."""
    spec = importlib.util.spec_from_file_location("newsroom_measure_startup",
                                                  PACKAGING / "measure_startup.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("newsroom_measure_startup", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def xdisplay(built: Built) -> Iterator[XDisplay]:
    """An Xvfb screen for the session (skips where the app cannot use one here)."""
    skip_unless_enabled()
    missing = load_build_module().missing_x11_libraries(built.folder)
    absent = [name for name in missing
              if ctypes.util.find_library(name.removeprefix("lib").split(".so")[0]) is None]
    if absent:
        pytest.skip(f"Qt's X11 plugin needs {', '.join(absent)}, neither bundled nor installed")
    measure = load_measure_module()
    try:
        with measure.virtual_screen("1280x800") as name:
            yield XDisplay(name)
    except measure.CannotMeasure as exc:
        pytest.skip(str(exc))
