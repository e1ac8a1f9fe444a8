"""An export killed at any point (``kill -9``) leaves only what the next export removes:
its own marked staging folder. Folders that merely look like one are left alone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from cms import stories
from cms.export.staging import MARK, SIGNATURE, Staging, remove_leftovers
from cms.export.state import State
from cms.people import Actor
from cms.store import Store
from tests.export.bundle_check import tree_bytes
from tests.export.conftest import AS_OF, JCS_SLUG, RunExport

# Runs `newsroom export` with one step of the export replaced by a SIGKILL of itself.
KILLER = textwrap.dedent("""
    import os, signal, sys, time, zipfile
    from cms.cli import main
    from cms.export import build, folder, parallel, staging

    def die(*_args, **_kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    def after(calls, real):
        done = []
        def step(*args, **kwargs):
            if len(done) == calls:
                die()
            done.append(1)
            return real(*args, **kwargs)
        return step

    def half_a_swap(stage, out):
        stage.flush()
        os.rename(out, stage.previous)  # the first of the two renames where there is no
        die()                           # exchange: the folder is missing until the next

    def kill_the_export_then_render(bounds):  # in a page worker
        if bounds[0] == 0:
            os.kill(os.getppid(), signal.SIGKILL)
            time.sleep(10)  # a slow slice: a worker outliving the export would write after
        return render_slice(bounds)

    point = sys.argv[1]
    render_slice = parallel._render_slice
    if point == "while page workers render":
        parallel.THRESHOLD, parallel.SLICE = 1, 2
        parallel._render_slice = kill_the_export_then_render
    elif point == "while staging":
        staging.Staging.write = after(3, staging.Staging.write)
    elif point == "before the swap":
        build.swap_in = die
    elif point == "between the two renames":
        build.swap_in = half_a_swap
    elif point == "half-way through the renames":
        folder.OutputFolder.put = after(3, folder.OutputFolder.put)
    elif point == "before the state":
        put = folder.OutputFolder.put
        def put_unless_state(self, source, path):
            if path == ".newsroom-export.sqlite":
                die()
            put(self, source, path)
        folder.OutputFolder.put = put_unless_state
    elif point == "before the staging folder goes":
        staging.Staging.discard = die
    elif point == "writing the zip":
        zipfile.ZipFile.writestr = after(3, zipfile.ZipFile.writestr)
    sys.exit(main(sys.argv[2:]))
""")

# point: (is there an export in the folder before, edit before the killed export, options)
POINTS = {
    "while page workers render": (False, False, []),
    "while staging": (False, False, []),
    "before the swap": (True, True, ["--full"]),
    "between the two renames": (True, True, ["--full"]),
    "half-way through the renames": (True, True, []),
    "before the state": (True, True, []),
    "before the staging folder goes": (True, True, []),
    "writing the zip": (True, False, ["--zip", "site.zip"]),
}


def _processes_running(command: list[str]) -> list[int]:
    """The processes (Linux) still running ``command``, forked page workers included."""
    if not Path("/proc/self").is_dir():
        return []
    wanted = "\0".join(command).encode()
    found: list[int] = []
    for _attempt in range(30):  # the system takes a moment to end them
        found = []
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and (entry / "cmdline").read_bytes().startswith(wanted):
                    found.append(int(entry.name))
            except OSError:
                continue
        if not found:
            break
        time.sleep(0.1)
    return found


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".export-" in p.name or ".tmp" in p.name)


@pytest.mark.parametrize("point", POINTS, ids=list(POINTS))
def test_an_export_killed_at_any_point_is_finished_by_the_next(
        sample_store: Store, sample_actor: Actor, run_export: RunExport, tmp_path: Path,
        cache_dir: Path, point: str) -> None:
    before, edit, options = POINTS[point]
    out = tmp_path / "site"
    if before:
        run_export(out)
    if edit:
        with sample_store.session() as session:
            stories.edit(session, sample_actor, JCS_SLUG, headline="Troops, drones, a goat")
    command = [sys.executable, "-c", KILLER, point, "--store", str(sample_store.url.database),
               "export", "--quiet", "--out", str(out), "--as-of", AS_OF.isoformat(),
               "--cache-dir", str(cache_dir), *options]
    # Output to a file, not a pipe: a pipe would make this wait for every process
    # holding it, page workers included.
    with open(tmp_path / "killed.log", "wb") as log:
        killed = subprocess.run(command, cwd=tmp_path, stdout=log, stderr=log, timeout=300)
    assert killed.returncode == -signal.SIGKILL, (tmp_path / "killed.log").read_text()
    assert _leftovers(tmp_path) != []  # the killed export's staging folder
    assert _processes_running(command) == []  # forked page workers end with the export

    report = run_export(out, zip_path=tmp_path / "site.zip" if "--zip" in options else None)
    assert _leftovers(tmp_path) == []
    run_export(tmp_path / "fresh", cache_dir=None)
    assert tree_bytes(out) == tree_bytes(tmp_path / "fresh")
    assert State.load(out) == State.load(tmp_path / "fresh")
    if point == "between the two renames":
        assert report.incremental  # the old bundle was put back, then brought up to date


# A process that makes a staging folder, says where, and waits to be killed.
HOLDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from cms.export.staging import Staging
    staging = Staging(Path(sys.argv[1]))
    (staging.root / "page.html").write_bytes(b"half an export")
    print(staging.folder, flush=True)
    time.sleep(600)
""")


def test_only_marked_folders_of_dead_exports_are_removed(tmp_path: Path) -> None:
    out = tmp_path / "site"
    out.mkdir()
    lookalikes = {
        ".site.export-0123456789ab": None,  # our name, no mark: someone else's
        ".site.export-0123456789ac": b"not our signature\n",
        ".site.export-0123456789ad": SIGNATURE + b"and more\n",
        ".site.export-0123456789zz": SIGNATURE,  # not a name an export makes
        ".site.export-old": SIGNATURE,
        ".other.export-0123456789ab": SIGNATURE,  # beside another folder
    }
    for name, mark in lookalikes.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "keep.txt").write_bytes(b"keep")
        if mark is not None:
            (tmp_path / name / MARK).write_bytes(mark)
    linked = tmp_path / ".site.export-0123456789ae"  # a mark that is a link
    linked.mkdir()
    (linked / "keep.txt").write_bytes(b"keep")
    (linked / MARK).symlink_to(tmp_path / ".other.export-0123456789ab" / MARK)

    with subprocess.Popen([sys.executable, "-c", HOLDER, str(out)], stdout=subprocess.PIPE,
                          text=True) as holder:
        try:
            assert holder.stdout is not None
            running = Path(holder.stdout.readline().strip())
            assert remove_leftovers(out) == []  # locked by a running export: left alone
            assert (running / "bundle" / "page.html").exists()
        finally:
            holder.send_signal(signal.SIGKILL)
    assert remove_leftovers(out) == [running]
    assert not running.exists()
    for name in [*lookalikes, linked.name]:
        assert (tmp_path / name / "keep.txt").read_bytes() == b"keep", name


def test_this_process_s_own_running_staging_folder_is_not_removed(tmp_path: Path) -> None:
    """A lock taken again by the process holding it is granted: the process knows its
    own staging folders instead (the window may run an export while another starts)."""
    out = tmp_path / "site"
    staging = Staging(out)
    try:
        assert remove_leftovers(out) == []
        assert staging.root.is_dir()
    finally:
        staging.discard()
    assert os.listdir(tmp_path) == []
