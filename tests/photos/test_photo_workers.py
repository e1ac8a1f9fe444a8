"""Photo work in helper processes: results and errors come back, a dead helper is replaced."""

from __future__ import annotations

import os
from concurrent.futures.process import BrokenProcessPool

import pytest

from cms.media import BadImage, inspect_image, thumbnail
from tests.photos.imaging import encode, picture
from ui.photo_workers import run_isolated, shutdown


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
    from ui.photo_workers import is_warm, warm_up

    assert not is_warm()
    warm_up().join(timeout=60)
    assert is_warm()
