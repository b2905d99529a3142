"""The TUI on big databases: first paint, search keystrokes, jumping to the end, memory.

    python bench/bench_tui.py            # 100k and 1M contacts (1M takes minutes to build once)
    python bench/bench_tui.py --quick    # 100k only

Everything is measured on the real program, `tinycrm --db DB`, run in a
pseudo-terminal of 100x30 and read the way a terminal would:

- first paint: from spawning the process until the first contact's name is on
  screen, against `python -c "import textual.app"` in the same run;
- a search keystroke: from writing the key to the pty until the list for the
  new text is on screen (the title line says "matching 'TEXT'" in the same
  frame as the rows);
- jumping to the end: from writing End until the last contact's name is on screen;
- memory: the process's peak RSS (VmHWM) after all of that.

First paint is also given in CPU time (steadier than wall time when other
work shares the machine), and beside it the CLI alone (`tinycrm list -n 1`).
"""

from __future__ import annotations

import argparse
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
HOME, END, ESCAPE, CTRL_Q = b"\x1b[H", b"\x1b[F", b"\x1b", b"\x11"
QUERIES = ["james smith", "acme", "sofia ko", "chen"]


def ends(db: Path) -> tuple[str, str]:
    """The names of the first and the last contact, in the list's order."""
    from tinycrm.store import ContactFilter, Store
    from tinycrm.store.browse import Browse
    from tinycrm.store.textutil import strip_controls

    with Store(db, user="alice") as store:
        browse = Browse(store)
        first = browse.page(ContactFilter(), "name", limit=1, offset=0)[0].name
        last = browse.page(ContactFilter(), "name", descending=True, limit=1, offset=0)[0].name
    return strip_controls(first), strip_controls(last)


class Terminal:
    """tinycrm in a pseudo-terminal; ``send`` keys, ``wait`` for text on screen."""

    def __init__(self, db: Path) -> None:
        import fcntl
        import termios

        self.home = tempfile.TemporaryDirectory()
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        env = dict(os.environ)
        env.update(HOME=self.home.name, TINYCRM_CONFIG=str(Path(self.home.name) / "none.toml"),
                   TERM="xterm-256color", TINYCRM_USER="alice")
        env.pop("TINYCRM_NOW", None)
        cmd = [sys.executable, "-m", "tinycrm", "--db", str(db)]
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     cwd=REPO, start_new_session=True)
        os.close(slave)
        self.fd = master
        self.seen = b""

    def send(self, keys: bytes) -> float:
        self.seen = b""
        os.write(self.fd, keys)
        return time.perf_counter()

    def wait(self, text: str, timeout: float = 30) -> float:
        """Read output until ``text`` appears; returns the time it did."""
        wanted, deadline = text.encode(), time.perf_counter() + timeout
        while wanted not in self.seen:
            left = deadline - time.perf_counter()
            ready, _, _ = select.select([self.fd], [], [], max(0.0, left))
            if not ready:
                raise RuntimeError(f"{text!r} never appeared; last output {self.seen[-300:]!r}")
            self.seen += os.read(self.fd, 1 << 16)
        return time.perf_counter()

    def settle(self, quiet: float = 0.3) -> None:
        """Read until nothing more arrives for ``quiet`` seconds."""
        while select.select([self.fd], [], [], quiet)[0]:
            try:
                os.read(self.fd, 1 << 16)
            except OSError:
                return

    def cpu_seconds(self) -> float:
        """CPU time (user + system, all threads) the process has used so far."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_mib(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def close(self) -> None:
        try:
            os.write(self.fd, CTRL_Q)
            self.proc.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        os.close(self.fd)
        self.home.cleanup()


def first_paint(db: Path, first: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds) from spawning to the first contact on screen."""
    term = Terminal(db)
    try:
        return term.wait(first) - term.started, term.cpu_seconds()
    finally:
        term.close()


def cpu_time(cmd: list[str], *, repeat: int = 7) -> float:
    """Median CPU time (user + system) of a whole process: robust on a busy machine."""
    import resource

    times = []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(times)


def session(db: Path, first: str, last: str) -> tuple[list[float], list[float], float]:
    """Search keystroke latencies, jump-to-end latencies (seconds), peak RSS (MiB)."""
    term = Terminal(db)
    keystrokes, jumps = [], []
    try:
        term.wait(first)
        term.settle()
        for _ in range(5):
            sent = term.send(END)
            jumps.append(term.wait(last) - sent)
            term.send(HOME)
            term.wait(first)
            term.settle(0.2)
        for query in QUERIES:
            term.send(b"/")
            term.settle(0.2)
            for i in range(1, len(query) + 1):
                sent = term.send(query[i - 1].encode())
                if query[i - 1] == " ":  # the same search as before: nothing to wait for
                    term.settle(0.15)
                    continue
                keystrokes.append(term.wait(f"matching {query[:i]!r}") - sent)
                term.settle(0.15)  # a person types about 5 keys a second
            term.send(ESCAPE + ESCAPE)  # to the list, then clear the search
            term.wait("by name")
            term.settle(0.2)
        return keystrokes, jumps, term.peak_rss_mib()
    finally:
        term.close()


def bench(size: int, baseline: float, baseline_cpu: float, *, target_ratio: float) -> None:
    db = demo_db(size)
    first, last = ends(db)
    label = f"{size // 1000}k" if size < 1_000_000 else f"{size // 1_000_000}M"
    first_paint(db, first)  # warm the page cache
    paints = [first_paint(db, first) for _ in range(5)]
    report(f"first paint of the contacts screen, {label}", statistics.median(p[0] for p in paints), "s",
           baseline=baseline, baseline_label="import textual.app", target=f"<= {target_ratio}x")
    report(f"  the same in CPU time, {label}", statistics.median(p[1] for p in paints), "s",
           baseline=baseline_cpu, baseline_label="import textual.app (CPU)", target=f"<= {target_ratio}x")
    # The CLI's own share: the same process start without the app.
    cli = command_time([sys.executable, "-m", "tinycrm", "--db", str(db), "list", "-n", "1"], repeat=5)
    report(f"  `tinycrm list -n 1` (the CLI alone), {label}", cli, "s",
           baseline=baseline, baseline_label="import textual.app")
    keystrokes, jumps, rss = session(db, first, last)
    report(f"search keystroke to list on screen, median, {label}", statistics.median(keystrokes) * 1000,
           "ms", target="< 50 ms")
    report(f"search keystroke to list on screen, p90, {label}",
           statistics.quantiles(keystrokes, n=10)[-1] * 1000, "ms")
    report(f"jump to the end to last row on screen, median, {label}", statistics.median(jumps) * 1000,
           "ms", target="< 50 ms")
    report(f"peak RSS after paint, jumps and searches, {label}", rss, "MiB", target="< 80 MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k contacts only")
    args = parser.parse_args()
    baseline = command_time([sys.executable, "-c", "import textual.app"])
    report("python -c 'import textual.app' (baseline)", baseline, "s")
    baseline_cpu = cpu_time([sys.executable, "-c", "import textual.app"])
    report("python -c 'import textual.app' (baseline), CPU", baseline_cpu, "s")
    bench(100_000, baseline, baseline_cpu, target_ratio=2.0)
    if not args.quick:
        bench(1_000_000, baseline, baseline_cpu, target_ratio=2.5)


if __name__ == "__main__":
    main()
