"""`newsroom desk` loads only what it reads: not the story rules, Markdown, Pillow or exports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cms.cli import main

NOT_FOR_THE_DESK = ("markdown", "PIL", "jinja2", "alembic", "cms.stories", "cms.workflow",
                    "cms.figures", "cms.export", "cms.sync.merge", "cms.desk.updates")


def test_newsroom_desk_imports_none_of_the_heavy_modules(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = str(tmp_path / "s.db")
    assert main(["--store", store, "init"]) == 0
    capsys.readouterr()
    code = (
        "import json, sys\n"
        "from cms.cli import main\n"
        f"status = main(['--store', {store!r}, 'desk', '--json'])\n"
        f"loaded = sorted(m for m in sys.modules if m.split('.')[0] in {NOT_FOR_THE_DESK!r}\n"
        f"                or m in {NOT_FOR_THE_DESK!r})\n"
        "print(json.dumps({'status': status, 'loaded': loaded}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, env=dict(os.environ))
    desk, _, said = result.stdout.strip().rpartition("\n")
    assert json.loads(said) == {"status": 0, "loaded": []}
    assert json.loads(desk)["person"] == "tester"
