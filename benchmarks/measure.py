"""Run one command; record its wall time and its own peak memory.

    python benchmarks/measure.py RESULT.json COMMAND [ARG ...]

The benchmark runner is a big process, and Linux carries a parent's peak
resident size into every child it starts (``ru_maxrss`` survives fork and
exec), so a command started by the runner would report at least the runner's
size. Started from this small process instead, the figure is the command's own
(plus this process's few MB, the floor). The command's output passes through.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    """Run ``argv[1:]``, write ``{seconds, peak_mb, returncode}`` to ``argv[0]``."""
    result, command = argv[0], argv[1:]
    started = time.perf_counter()
    process = subprocess.Popen(command)
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    with open(result, "w", encoding="utf-8") as handle:
        json.dump({"seconds": seconds, "peak_mb": usage.ru_maxrss / 1024,
                   "returncode": os.waitstatus_to_exitcode(status)}, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
