"""Shared bench helpers: cached demo databases, timing, memory, and the
one-line report format every bench script prints.

Run a bench as ``python bench/<name>.py``. Every figure is printed next to a
baseline measured in the same run, so a slow or busy machine slows both.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
# Commands (``tinycrm_cmd``) run this checkout's code too, as the in-process
# figures do, not whatever tinycrm is installed (`pip install .` copies it).
os.environ["PYTHONPATH"] = os.pathsep.join(
    filter(None, (str(REPO), os.environ.get("PYTHONPATH"))))
CACHE = Path(os.environ.get("TINYCRM_BENCH_CACHE", "/tmp/tinycrm-bench"))


def _schema_key() -> str:
    """Cached databases are rebuilt when the code that shapes them changes."""
    digest = hashlib.sha256()
    for name in ("migrations.py", "bulk.py", "search.py", "demo.py", "textutil.py"):
        digest.update((REPO / "tinycrm" / "store" / name).read_bytes())
    return digest.hexdigest()[:12]


def demo_db(contacts: int, *, seed: int = 1) -> Path:
    """A database filled by ``tinycrm demo`` with this many contacts (and about
    as many follow-ups and timeline events), built once and cached."""
    from tinycrm.store import Store

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"demo-{contacts}-{seed}-{_schema_key()}.db"
    with open(CACHE / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            tmp = path.with_suffix(".building")
            for suffix in ("", "-wal", "-shm"):
                Path(str(tmp) + suffix).unlink(missing_ok=True)
            started = time.perf_counter()
            with Store(tmp, user="alice") as store:
                from tinycrm.store.demo import fill

                fill(store, contacts, seed=seed)
                store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            tmp.rename(path)
            print(f"# built {path.name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


def copy_db(source: Path, dest: Path) -> Path:
    """A private copy of a cached database, for benches that write."""
    shutil.copyfile(source, dest)
    return dest


def median_time(fn: Callable[[], object], *, repeat: int = 5, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def command_time(cmd: Sequence[str], *, repeat: int = 7, env: dict | None = None) -> float:
    """Median wall time of a whole process, output discarded."""
    def run() -> None:
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                       env=env, stdin=subprocess.DEVNULL)

    return median_time(run, repeat=repeat)


def peak_rss_mib(cmd: Sequence[str], *, env: dict | None = None, stdin=None) -> float:
    """Peak resident memory of a child process, from the kernel's accounting."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                   env=env, stdin=stdin)
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if after <= before:
        print("# warning: peak RSS not above an earlier child's; run this measure first", file=sys.stderr)
    return after / 1024


def tinycrm_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "tinycrm", *args]


def report(label: str, value: float, unit: str, *, baseline: float | None = None,
           baseline_label: str = "", target: str = "") -> None:
    """``label  value unit  (ratio× baseline_label)  target``, one line."""
    line = f"{label:<48} {value:10.3f} {unit}"
    if baseline:
        line += f"   {value / baseline:6.2f}x {baseline_label}"
    if target:
        line += f"   target: {target}"
    print(line, flush=True)
