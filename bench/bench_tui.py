"""The TUI on big databases: first paint, search keystrokes, jumping to the end, memory.

    python bench/bench_tui.py            # 100k and 1M contacts (1M takes minutes to build once)
    python bench/bench_tui.py --quick    # 100k only

First paint is the whole process: `tinycrm --db DB` started in a pseudo-terminal
(100x30), timed until the first contact's name is on the screen, against
`python -c "import textual.app"` in the same run. Search and jump are timed in
process with Textual's headless pilot, from the key press to the first paint
of the new rows (VirtualTable records when it painted). Memory is the peak RSS
(VmHWM) of the real process after painting, searching and jumping to the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import REPO, command_time, demo_db, report

COLS, ROWS = 100, 30
KEYS = {"end": b"\x1b[F", "escape": b"\x1b", "ctrl+q": b"\x11"}


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(HOME=str(home), TINYCRM_CONFIG=str(home / "none.toml"), TERM="xterm-256color",
               TINYCRM_USER="alice", COLUMNS=str(COLS), LINES=str(ROWS))
    env.pop("TINYCRM_NOW", None)
    return env


def first_name(db: Path) -> str:
    from tinycrm.store import ContactFilter, Store
    from tinycrm.store.browse import Browse
    from tinycrm.store.textutil import strip_controls

    with Store(db, user="alice") as store:
        return strip_controls(Browse(store).page(ContactFilter(), "name", limit=1, offset=0)[0].name)


def run_in_pty(db: Path, marker: str, *, after=(), timeout: float = 60) -> tuple[float, float]:
    """(seconds from spawn to ``marker`` on screen, peak RSS MiB after ``after`` keys)."""
    import fcntl
    import termios

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    with tempfile.TemporaryDirectory() as home:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "tinycrm", "--db", str(db)], stdin=slave, stdout=slave,
            stderr=slave, env=_env(Path(home)), cwd=REPO, start_new_session=True,
        )
        os.close(slave)
        seen, elapsed, wanted = b"", None, marker.encode()
        try:
            while time.perf_counter() - started < timeout:
                ready, _, _ = select.select([master], [], [], 0.5)
                if ready:
                    try:
                        seen += os.read(master, 65536)
                    except OSError:
                        break
                    if wanted in seen:
                        elapsed = time.perf_counter() - started
                        break
            if elapsed is None:
                raise RuntimeError(f"never saw {marker!r} on screen; got {seen[-500:]!r}")
            for keys, pause in after:
                os.write(master, keys)
                _drain(master, pause)
            rss = _peak_rss_mib(proc.pid)
        finally:
            try:
                os.write(master, KEYS["ctrl+q"])
                proc.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()
                proc.wait()
            os.close(master)
    return elapsed, rss


def _drain(fd: int, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while (left := end - time.perf_counter()) > 0:
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                os.read(fd, 65536)
            except OSError:
                return


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _in_process(db: Path, queries: list[str]) -> tuple[list[float], list[float]]:
    """Search keystroke latencies and jump-to-end latencies, in seconds."""
    from tinycrm.app import TinyCRMApp
    from tinycrm.store import Store
    from tinycrm.widgets.vtable import VirtualTable

    store = Store(db, user="alice")
    app = TinyCRMApp(store, poll_interval=None)
    keystrokes, jumps = [], []
    async with app.run_test(size=(COLS, ROWS)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one("#contacts", VirtualTable)
        for _ in range(5):
            await pilot.press("home")
            await pilot.pause()
            started = time.perf_counter()
            await pilot.press("end")
            await pilot.pause()
            assert table.cursor == len(table.source) - 1
            jumps.append(table.last_painted - started)
        search = app.screen.query_one("#search")
        for query in queries:
            search.value = ""
            await app.workers.wait_for_complete()
            await pilot.pause()
            search.focus()
            for ch in query:
                generation = table.generation
                started = time.perf_counter()
                await pilot.press(ch)
                await app.workers.wait_for_complete()
                for _ in range(200):
                    if table.generation != generation and table.first_painted[0] == table.generation:
                        break
                    await asyncio.sleep(0.002)
                else:
                    raise RuntimeError(f"no repaint after typing {ch!r} of {query!r}")
                keystrokes.append(table.first_painted[1] - started)
    store.close()
    return keystrokes, jumps


def bench(size: int, baseline: float, *, target_ratio: float, memory: bool) -> None:
    db = demo_db(size)
    marker = first_name(db)
    label = f"{size // 1000}k" if size < 1_000_000 else f"{size // 1_000_000}M"
    run_in_pty(db, marker)  # warm the page cache
    paints, rss = [], float("nan")
    for i in range(5):
        after = ()
        if memory and i == 0:
            after = ((b"/", 0.3), (b"james smith", 1.5), (KEYS["escape"], 0.3), (KEYS["escape"], 0.5),
                     (KEYS["end"], 0.5))
        elapsed, peak = run_in_pty(db, marker, after=after)
        paints.append(elapsed)
        if after:
            rss = peak
    report(f"first paint of the contacts screen, {label}", statistics.median(paints), "s",
           baseline=baseline, baseline_label="import textual.app", target=f"<= {target_ratio}x")
    keystrokes, jumps = asyncio.run(_in_process(db, ["james smith", "acme", "sofia ko", "chen"]))
    report(f"search keystroke to repaint, median, {label}", statistics.median(keystrokes) * 1000, "ms",
           target="< 50 ms")
    report(f"search keystroke to repaint, max, {label}", max(keystrokes) * 1000, "ms")
    report(f"jump to the end, repaint, median, {label}", statistics.median(jumps) * 1000, "ms",
           target="< 50 ms")
    if memory:
        report(f"peak RSS after paint, search and end, {label}", rss, "MiB", target="< 80 MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k contacts only")
    args = parser.parse_args()
    baseline = command_time([sys.executable, "-c", "import textual.app"])
    report("python -c 'import textual.app' (baseline)", baseline, "s")
    bench(100_000, baseline, target_ratio=2.0, memory=True)
    if not args.quick:
        bench(1_000_000, baseline, target_ratio=2.5, memory=True)


if __name__ == "__main__":
    main()
