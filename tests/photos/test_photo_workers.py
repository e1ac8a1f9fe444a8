"""Photo work in helper processes: results and errors come back, a dead helper is replaced."""

from __future__ import annotations

import multiprocessing
import os
import select
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import pytest

from cms.media import BadImage, inspect_image, thumbnail
from tests.photos.imaging import encode, picture
from ui.photos.workers import run_isolated, shutdown

P = ParamSpec("P")
T = TypeVar("T")


def test_results_and_errors_cross_the_process_boundary() -> None:
    made = run_isolated(thumbnail, encode(picture((300, 200)), "PNG"), 64)
    assert (made.width, made.height) == (64, 43)
    with pytest.raises(BadImage, match=r"^empty\.jpg: the file is empty$"):
        run_isolated(inspect_image, b"", "empty.jpg")


def test_a_dead_helper_is_replaced() -> None:
    with pytest.raises(BrokenProcessPool):
        run_isolated(os._exit, 3)  # dies twice: reported
    assert run_isolated(len, b"abc") == 3  # and the next call gets a fresh helper
    shutdown()


def test_warm_up_starts_the_helpers_in_the_background() -> None:
    shutdown()
    from ui.photos.workers import is_warm, warm_up

    thread = warm_up()
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert is_warm()


def test_a_warm_up_stopped_by_shutdown_ends_quietly(monkeypatch: pytest.MonkeyPatch) -> None:
    """Closing the window while the helpers start cancels the warm-up; it must not raise.

    An exception in the warm-up thread would surface as pytest's unhandled
    thread exception warning, which this suite turns into a failure.
    """
    from ui.photos import workers as photo_workers

    shutdown()
    with multiprocessing.Manager() as manager:
        gate = manager.Event()
        # Keep the helpers busy until the test opens the gate, so that the warm-up's call is
        # still queued when shutdown() comes: each helper runs one call and the pool queues
        # one more per helper, plus one.
        pool = photo_workers._get_pool()
        for _ in range(2 * photo_workers.WORKERS + 2):
            pool.submit(gate.wait, 120)
        submit = pool.submit
        calls: list[Future[Any]] = []
        queued, cancelled = threading.Event(), threading.Event()

        def tell(future: Future[Any]) -> None:
            if future.cancelled():
                cancelled.set()

        def submit_and_tell(fn: Callable[P, T], /, *args: P.args,
                            **kwargs: P.kwargs) -> Future[T]:
            future = submit(fn, *args, **kwargs)
            calls.append(future)
            future.add_done_callback(tell)
            queued.set()
            return future

        monkeypatch.setattr(pool, "submit", submit_and_tell)
        thread = photo_workers.warm_up()
        assert queued.wait(timeout=60)  # the warm-up's call is queued behind the busy helpers
        stopper = threading.Thread(target=shutdown)  # it waits for the busy calls
        stopper.start()
        assert cancelled.wait(timeout=60)  # the warm-up's queued call was cancelled
        gate.set()
        stopper.join(timeout=60)
        thread.join(timeout=60)
    assert not stopper.is_alive() and not thread.is_alive()
    assert len(calls) == 1 and calls[0].cancelled()
    shutdown()  # a warm-up that came after shutdown() started a fresh pool: stop it too


@pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="waits on a Linux pidfd")
def test_helpers_die_with_a_crashed_app(tmp_path: Path) -> None:
    script = tmp_path / "crash.py"
    script.write_text(
        "import os\n"
        "from ui.photos.workers import run_isolated\n"
        "if __name__ == '__main__':\n"
        "    print(run_isolated(os.getpid), flush=True)\n"
        "    os._exit(9)  # no shutdown, as after a crash or kill -9\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         env=env, timeout=60, check=False)
    helper = int(out.stdout.split()[0])
    _wait_for_exit(helper, timeout=10)
    assert not _alive(helper)


def _wait_for_exit(pid: int, timeout: float) -> None:
    """Until ``pid`` ends: a pidfd becomes readable then (Linux), with no polling."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return  # gone already
    try:
        select.select([fd], [], [], timeout)
    finally:
        os.close(fd)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split()[2] == "Z")  # a zombie is gone
