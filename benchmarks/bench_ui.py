"""Desktop window figures: cold start, keystroke latency, scrolling, opening a story.

Every measurement runs in a child process of its own (``python -m
benchmarks.bench_ui MODE STORE``), so start-up is really cold for Python and
Qt, peak memory belongs to that measurement alone, and window preferences come
from an empty temporary home. The OS file cache is warm (dropping it needs root
and would slow everyone else on the machine).

The 100,000-story store is the shared corpus store (``benchmarks.stores``),
copied once to ``bench-data/ui-store-N.db`` because opening it in the window
records a first-run marker and the acting person.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.stores import DATA, corpus_store
from benchmarks.timing import median, ms, own_peak_mb, percentile

TYPING_WORDS = 5_000
KEYSTROKES = 600


def _ui_store(count: int) -> Path:
    target = DATA / f"ui-store-{count}.db"
    if not target.exists():
        source = corpus_store(count)
        partial = target.with_suffix(".partial")
        shutil.copyfile(source, partial)
        partial.rename(target)
    return target


def _child(mode: str, store: Path, home: Path) -> dict[str, Any]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(home),
               XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local/share"),
               NEWSROOM_USER="bench")
    env.pop("NEWSROOM_STORE", None)
    started = time.time()
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_ui", mode, str(store), repr(started)],
        capture_output=True, text=True, env=env, check=False, timeout=1800,
        cwd=str(Path(__file__).resolve().parent.parent),
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench_ui {mode} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def run(quick: bool) -> list[tuple[str, str, str]]:
    """Every window figure (``quick``: a 10,000-story store and fewer repeats)."""
    count = 10_000 if quick else 100_000
    store = _ui_store(count)
    label = f"{count // 1000}k"
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        starts = [_child("start", store, home / f"start{n}")["painted_s"]
                  for n in range(2 if quick else 3)]
        rows.append((f"cold start to painted window ({label} stories, median of {len(starts)})",
                     f"{median(starts):.2f} s", "< 1.5 s"))
        rows.extend(_typing_rows(store, home))
        scroll = _child("scroll", store, home / "scroll")
        rows.append((f"scroll the whole {label} list: worst frame ({scroll['frames']} frames)",
                     ms(scroll["max"]), "< 50 ms"))
        rows.append((f"scroll the whole {label} list: p95 frame", ms(scroll["p95"]), "-"))
        rows.append(("rows loaded after scrolling to the end", f"{scroll['rows']:,}", "-"))
        rows.append(("process memory after scrolling (peak RSS)",
                     f"{scroll['rss_mb']:.0f} MB", "< 300 MB"))
        opened = _child("open", store, home / "open")
        rows.append((f"open a story from the list ({label}): median", ms(opened["median"]),
                     "< 50 ms"))
        rows.append((f"open a story from the list ({label}): p95", ms(opened["p95"]), "-"))
    return rows


def _typing_rows(store: Path, home: Path) -> list[tuple[str, str, str]]:
    """Keystroke latency with the preview on, then with the preview and spellcheck on."""
    rows: list[tuple[str, str, str]] = []
    for mode, what in (("typing-nospell", "preview on"),
                       ("typing", "preview and spellcheck on"),
                       ("typing-prose", "preview and spellcheck on, news prose")):
        typing = _child(mode, store, home / mode)  # it types into a store of its own
        rows.append((f"keystroke, {what}, {TYPING_WORDS:,}-word story: p50",
                     ms(typing["p50"]), "-"))
        rows.append((f"keystroke, {what}, {TYPING_WORDS:,}-word story: p99",
                     ms(typing["p99"]), "< 16 ms"))
        rows.append((f"keystroke, {what}: worst of {typing['keys']}", ms(typing["max"]), "-"))
        rows.append(("preview renders during typing (debounced, off the GUI thread)",
                     str(typing["renders"]), "-"))
        if "spell_first_s" in typing:
            rows.append((f"spellcheck of the opened {TYPING_WORDS:,}-word story, dictionary "
                         "load included (off the GUI thread)",
                         f"{typing['spell_first_s']:.2f} s", "-"))
            rows.append(("misspelled words underlined after typing",
                         f"{typing['underlined']:,}", "-"))
    return rows


# Child side ---------------------------------------------------------------------------


def _window(store_path: str) -> Any:
    from ui.app import application, open_store, show_window
    from ui.window.main_window import MainWindow

    application()
    store, actor = open_store(store_path, None)
    window = MainWindow(store, actor)
    window.resize(1440, 860)
    show_window(window)  # as ``ui.app.run`` does
    return window


def _child_start(store_path: str, started: float) -> dict[str, Any]:
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    painted: list[float] = []

    class PaintWatch(QObject):
        def eventFilter(self, _obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and not painted:
                painted.append(time.time())
            return False

    window = _window(store_path)
    watch = PaintWatch()
    window.story_list.view.viewport().installEventFilter(watch)
    app = QApplication.instance()
    while not painted:
        app.processEvents()  # type: ignore[union-attr]
    rows = window.model.rowCount()
    window.close()
    return {"painted_s": painted[0] - started, "rows": rows}


def _wait_for_spelling(window: Any, app: Any) -> tuple[float, int]:
    """Wait until the open story is spellchecked; seconds taken and words underlined."""
    from PySide6.QtGui import QTextCharFormat

    from ui.editor.spelling import spelling_of

    started = time.perf_counter()
    spelling = spelling_of(window)
    assert spelling is not None, "spellcheck not installed"
    while not spelling.service.idle():
        app.processEvents()
        time.sleep(0.001)
    taken = time.perf_counter() - started
    wavy = QTextCharFormat.UnderlineStyle.SpellCheckUnderline
    underlined = 0
    block = window.editor.body.document().firstBlock()
    while block.isValid():
        layout = block.layout()
        underlined += sum(1 for r in layout.formats() if r.format.underlineStyle() == wavy)
        block = block.next()
    return taken, underlined


def _corpus_words(corpus: Any) -> list[str]:
    """The benchmark corpus' words: made-up, so about half of them are "misspelled"."""
    words: list[str] = []
    for story in corpus.stories(200):
        words.extend(story.body.split(" "))
        if len(words) >= TYPING_WORDS:
            break
    return words


def _prose_words() -> list[str]:
    """Real news prose: the sample stories' bodies, repeated to the story's length."""
    folder = Path(__file__).resolve().parent.parent / "resources" / "sample" / "stories"
    words: list[str] = []
    for path in sorted(folder.glob("*.md")):
        body = path.read_text(encoding="utf-8").split("---", 2)[-1]
        words.extend(body.split())
    return (words * (TYPING_WORDS // len(words) + 1))[:TYPING_WORDS]


def _child_typing(store_path: str, spell: bool = True, prose: bool = False) -> dict[str, Any]:
    from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, Qt, QTimer
    from PySide6.QtGui import QKeyEvent, QTextCursor

    from benchmarks.corpus import Corpus
    from cms import stories
    from cms.people import actor_for
    from cms.store import Store
    from ui.editor.spelling import PREF_KEY
    from ui.window.prefs import open_settings

    folder = Path(tempfile.mkdtemp())
    small = folder / "typing.db"
    store = Store.open(str(small), create=True)
    words = _prose_words() if prose else _corpus_words(Corpus(7))
    paragraphs = [" ".join(words[i:i + 120]) for i in range(0, TYPING_WORDS, 120)]
    with store.session() as session:
        actor = actor_for(session, "bench", store.replica_id)
        stories.create(session, actor, headline="A very long story",
                       body="\n\n".join(paragraphs))
    store.close()
    open_settings().setValue(PREF_KEY, spell)
    window = _window(str(small))
    app = QCoreApplication.instance()
    assert app is not None
    settle = QEventLoop()
    QTimer.singleShot(1000, settle.quit)
    settle.exec()  # the first render of the story, as on opening it
    spell_first = _wait_for_spelling(window, app)[0] + 1.0 if spell else 0.0
    body = window.editor.body
    body.setFocus()
    cursor = body.textCursor()
    cursor.setPosition(len(body.toPlainText()) // 2)
    body.setTextCursor(cursor)
    body.moveCursor(QTextCursor.MoveOperation.EndOfLine)
    handled: list[float] = []
    body.textChanged.connect(lambda: handled.append(time.perf_counter()))
    latencies: list[float] = []
    renders_before = window.preview.renders
    text = "the quick brown fox jumps over the lazy dog "
    loop = QEventLoop()
    state = {"n": 0, "words": 0, "posted": 0.0, "count": 0}

    def post_key() -> None:
        # Posted, not sent: the key waits behind whatever the event loop is doing,
        # such as applying a finished preview, as a real keystroke would.
        char = text[state["n"] % len(text)]
        state["count"] = len(handled)
        state["posted"] = time.perf_counter()
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QCoreApplication.postEvent(body, QKeyEvent(kind, Qt.Key.Key_A,
                                                       Qt.KeyboardModifier.NoModifier, char))
        QTimer.singleShot(0, check_handled)

    def check_handled() -> None:
        if len(handled) == state["count"]:
            QTimer.singleShot(0, check_handled)
            return
        latencies.append(handled[state["count"]] - state["posted"])
        char = text[state["n"] % len(text)]
        state["n"] += 1
        state["words"] += char == " "
        if state["n"] >= KEYSTROKES:
            QTimer.singleShot(800, loop.quit)
            return
        # A fast typist (~120 ms a key, 100 words a minute) who pauses after every
        # fifth word: the preview renders in the pauses and may land mid-word.
        pause = 700 if char == " " and state["words"] % 5 == 0 else 120
        QTimer.singleShot(pause, post_key)

    # The real event loop (QTest.qWait would keep the GIL from the preview worker).
    QTimer.singleShot(0, post_key)
    loop.exec()
    renders = window.preview.renders - renders_before
    result = {"p50": median(latencies), "p99": percentile(latencies, 0.99),
              "max": max(latencies), "keys": len(latencies), "renders": renders}
    if spell:
        result["spell_first_s"] = spell_first
        result["underlined"] = _wait_for_spelling(window, app)[1]
    window.close()
    return result


def _run_frames(step: Any, interval_ms: int = 16) -> list[float]:
    """Call ``step()`` once per frame from a timer in a real event loop (as a user's
    scrolling or clicking would be), until it returns False; each call's duration."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    durations: list[float] = []

    def frame() -> None:
        start = time.perf_counter()
        more = step()
        durations.append(time.perf_counter() - start)
        if more:
            QTimer.singleShot(interval_ms, frame)
        else:
            loop.quit()

    QTimer.singleShot(500, frame)  # after the window's first paint and extensions
    loop.exec()
    return durations


def _child_scroll(store_path: str) -> dict[str, Any]:
    window = _window(store_path)
    view = window.story_list.view
    bar = view.verticalScrollBar()
    model = window.model
    flick = view.viewport().height() * 6  # a fast flick: six screens a frame

    def step() -> bool:
        bar.setValue(min(bar.value() + flick, bar.maximum()))  # may page in more ids
        view.viewport().repaint()  # paint now: loads the rows it shows
        return not (bar.value() >= bar.maximum() and not model.canFetchMore())

    frames = _run_frames(step)
    rows = model.rowCount()
    window.close()
    return {"max": max(frames), "p95": percentile(frames, 0.95), "frames": len(frames),
            "rows": rows, "rss_mb": own_peak_mb()}


def _child_open(store_path: str) -> dict[str, Any]:
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    window = _window(store_path)
    rows = iter(range(7, 7 * 61, 7))
    deadline = time.perf_counter() + 30
    while window.model.story_id(7 * 60) is None:  # the list's first page is read on a worker
        if time.perf_counter() > deadline:
            raise RuntimeError("the story list did not fill within 30 s")
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 5)

    def step() -> bool:
        row = next(rows, None)
        if row is None:
            return False
        wanted = window.model.story_id(row)
        window.story_list.view.selectRow(row)  # opens the story: its read runs on a worker
        deadline = time.perf_counter() + 10
        while window.editing is None or window.editing.story_id != wanted:
            if time.perf_counter() > deadline:
                raise RuntimeError(f"story {wanted} did not open within 10 s")
            QApplication.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 5)
        window.repaint()  # list, editor, inspector painted with the new story
        return True

    timings = _run_frames(step, interval_ms=200)
    window.close()
    return {"median": median(timings), "p95": percentile(timings, 0.95)}


def _child_main(argv: list[str]) -> None:
    mode, store_path, started = argv[0], argv[1], float(argv[2])
    from PySide6.QtWidgets import QApplication

    QApplication(sys.argv[:1])
    if mode == "start":
        result = _child_start(store_path, started)
    elif mode in ("typing", "typing-nospell", "typing-prose"):
        result = _child_typing(store_path, spell=mode != "typing-nospell",
                               prose=mode == "typing-prose")
    elif mode == "scroll":
        result = _child_scroll(store_path)
    elif mode == "open":
        result = _child_open(store_path)
    else:
        raise SystemExit(f"unknown mode {mode}")
    print(json.dumps(result))


if __name__ == "__main__":
    _child_main(sys.argv[1:])
