"""Start-up time of the packaged app against ``make run`` (the venv's ``newsroom app``).

Each run starts the app on a virtual X screen (Xvfb) and stops the clock when
its main window (titled "… — Newsroom") is visible; both programs open a copy
of the same sample store, with a fresh home folder, one warm-up run each first.
Needs Xvfb and xdotool. ``benchmarks/bench_packaging.py`` reports the result in
``make bench``; run it alone with::

    .venv/bin/python packaging/measure_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGED = ROOT / "dist" / "newsroom" / "newsroom"
VENV = ROOT / ".venv" / "bin" / "newsroom"
WINDOW_SUFFIX = "— Newsroom"


class CannotMeasure(Exception):
    """Something needed for the measurement is missing."""


@contextmanager
def virtual_screen(size: str = "1440x900") -> Iterator[str]:
    """An Xvfb display for the duration of the block.

    The display number is picked at random from a high range (and retried),
    because several people's Xvfb servers may be starting on this machine at
    once and ``-displayfd`` races between them for the lowest free number.
    """
    if shutil.which("Xvfb") is None or shutil.which("xdotool") is None:
        raise CannotMeasure("Xvfb and xdotool are needed")
    rng = random.Random()
    for _attempt in range(10):
        number = rng.randrange(200, 900)
        if Path(f"/tmp/.X{number}-lock").exists():
            continue
        # -noreset: by default the server resets when its last client leaves, and
        # the next app to connect during the reset fails to find a display.
        server = subprocess.Popen(
            ["Xvfb", f":{number}", "-screen", "0", f"{size}x24", "-nolisten", "tcp",
             "-noreset"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        socket = Path(f"/tmp/.X11-unix/X{number}")
        deadline = time.monotonic() + 10
        while server.poll() is None and not socket.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        if server.poll() is None and socket.exists():
            break
        server.kill()
        server.wait()
    else:
        raise CannotMeasure("Xvfb did not start")
    try:
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(10)


def _window_visible(display: str) -> bool:
    found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", WINDOW_SUFFIX],
                           env={"DISPLAY": display}, capture_output=True, text=True, check=False)
    return bool(found.stdout.split())


def time_to_window(command: Sequence[str], display: str, home: Path,
                   timeout: float = 60.0) -> float:
    """Seconds from starting ``command`` until its main window is visible."""
    env = {"HOME": str(home), "PATH": "/usr/local/bin:/usr/bin:/bin", "DISPLAY": display,
           "QT_QPA_PLATFORM": "xcb", "NEWSROOM_USER": "editor",
           "LANG": os.environ.get("LANG", "C.UTF-8")}
    log = home / "stderr.txt"
    started = time.perf_counter()
    with log.open("w") as errors:
        process = subprocess.Popen(list(command), env=env, stdout=subprocess.DEVNULL,
                                   stderr=errors, stdin=subprocess.DEVNULL)
    try:
        while time.perf_counter() - started < timeout:
            if _window_visible(display):
                return time.perf_counter() - started
            if process.poll() is not None:
                said = log.read_text(errors="replace").strip().splitlines()[:4]
                raise CannotMeasure(f"{command[0]} exited with status {process.returncode}: "
                                    + " / ".join(said))
            time.sleep(0.01)
        raise CannotMeasure(f"no window from {command[0]} within {timeout:.0f} s")
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def measure(runs: int = 5) -> dict[str, list[float]]:
    """Start-up times (seconds) of each program, ``runs`` each after one warm-up."""
    programs = {"packaged": PACKAGED, "make run": VENV}
    for name, path in programs.items():
        if not path.exists():
            raise CannotMeasure(f"{name}: {path} is missing")
    results: dict[str, list[float]] = {name: [] for name in programs}
    with tempfile.TemporaryDirectory(prefix="newsroom-startup-") as scratch, \
            virtual_screen() as display:
        base = Path(scratch)
        seed = base / "seed.db"
        made = subprocess.run([str(VENV), "--store", str(seed), "init", "--demo"],
                              capture_output=True, text=True, check=False,
                              env={**os.environ, "HOME": str(base / "seed-home")})
        if made.returncode != 0:
            raise CannotMeasure(f"could not make the sample store: {made.stderr.strip()}")
        # Interleaved, so that a busy moment on the machine hits both alike.
        for index in range(runs + 1):
            for name, path in programs.items():
                slug = f"{name.replace(' ', '-')}-{index}"
                store = base / f"{slug}.db"
                shutil.copy2(seed, store)
                home = base / f"home-{slug}"
                home.mkdir()
                seconds = time_to_window([str(path), "--store", str(store), "app"], display, home)
                if index > 0:  # the first run only warms the page cache
                    results[name].append(seconds)
    return results


def main(argv: list[str] | None = None) -> int:
    """Print the medians and ranges."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    try:
        results = measure(args.runs)
    except CannotMeasure as exc:
        print(f"measure_startup: {exc}", file=sys.stderr)
        return 1
    for name, values in results.items():
        print(f"{name:10s} median {statistics.median(values):.2f} s "
              f"(min {min(values):.2f}, max {max(values):.2f}, {len(values)} runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
