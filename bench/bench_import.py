"""Import speed and memory: `tinycrm import` of a 100k-row and a 1M-row
Google Contacts CSV into an empty database (layout mapping, duplicate
matching and the search index all on; response-time rules off with
--no-rules, as they are not part of the import), against, in the same run:

- `sqlite3 db ".import --csv file t"`: the floor (one table, no checks);
- `sqlite-utils insert db contacts file --csv`: target at least 4x faster.

Also: re-importing the same 100k file (every row matches; target no slower
than 2x the first import), peak memory of the 1M import (target < 150 MiB),
and how much of the import is the search-index write (search.index_rows).

    python bench/bench_import.py [--quick]      # --quick: 100k only
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import CACHE, REPO, report, tinycrm_cmd

SQLITE3 = shutil.which("sqlite3")
SQLITE_UTILS = str(Path(sys.executable).with_name("sqlite-utils"))
HEADER = [
    "First Name", "Middle Name", "Last Name", "Nickname", "Organization Name",
    "Organization Title", "Birthday", "Notes", "Labels", "E-mail 1 - Label", "E-mail 1 - Value",
    "Phone 1 - Label", "Phone 1 - Value", "Website 1 - Label", "Website 1 - Value",
]


def google_csv(rows: int) -> Path:
    """A Google Contacts export with ``rows`` distinct people (cached)."""
    from tinycrm.store.demo import COMPANIES, FIRST, LAST, TAGS, TITLES

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"google-{rows}.csv"
    if path.exists():
        return path
    rng = random.Random(rows)
    tmp = path.with_suffix(".part")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(HEADER)
        for i in range(rows):
            first, last, company = rng.choice(FIRST), rng.choice(LAST), rng.choice(COMPANIES)
            labels = " ::: ".join(["* myContacts", *rng.sample(TAGS, rng.choice((0, 1, 1, 2)))])
            website = f"https://{company.lower()}.example/{i}" if rng.random() < 0.2 else ""
            out.writerow([
                first, "", last, "", f"{company} Inc", rng.choice(TITLES),
                f"19{rng.randint(50, 99)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                if rng.random() < 0.1 else "", "", labels, "* Work",
                f"{first}.{last}.{i}@{company.lower()}.example".lower(), "Mobile",
                f"+1 {200 + i // 1_000_000:03d} {i // 1000 % 1000:03d} {i % 1000:04d}",
                "Work" if website else "", website,
            ])
    tmp.rename(path)
    return path


def fresh(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return path


def timed(cmd: list[str], *, repeat: int = 1, before=None) -> float:
    times = []
    for _ in range(repeat):
        if before:
            before()
        started = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                       stdin=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    times.sort()
    return times[len(times) // 2]


def import_and_peak(db: Path, csv_path: Path) -> tuple[float, float]:
    """Wall time and peak RSS (MiB) of one `tinycrm import` process."""
    fresh(db)
    cmd = tinycrm_cmd("--db", str(db), "--no-rules", "import", str(csv_path))
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL)
    _, err = proc.communicate()
    elapsed = time.perf_counter() - started
    if proc.returncode:
        raise SystemExit(f"import failed: {err.decode()[-2000:]}")
    import resource

    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return elapsed, peak


def index_share(db: Path, csv_path: Path) -> tuple[float, float]:
    """(seconds in search.index_rows, total seconds) for one in-process import."""
    from tinycrm.store import Store, bulk, importer

    spent = [0.0]
    original = bulk.index_rows

    def counting(conn, entries):
        started = time.perf_counter()
        try:
            return original(conn, entries)
        finally:
            spent[0] += time.perf_counter() - started

    bulk.index_rows = counting
    importer.index_rows = counting
    try:
        with Store(fresh(db), user="bench", apply_rules=False) as store, open(csv_path, "rb") as raw:
            started = time.perf_counter()
            importer.import_contacts(store, raw, name=csv_path.name)
            total = time.perf_counter() - started
    finally:
        bulk.index_rows = original
        importer.index_rows = original
    return spent[0], total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100k rows only")
    args = parser.parse_args()
    if not SQLITE3:
        raise SystemExit("needs the sqlite3 CLI: apt-get install -y sqlite3")
    sizes = [100_000] if args.quick else [100_000, 1_000_000]
    work = Path(tempfile.mkdtemp(prefix="tinycrm-bench-import-"))
    try:
        files = {n: google_csv(n) for n in sizes}
        db = work / "crm.db"
        peak = None
        if 1_000_000 in files:
            # First child process, so its peak RSS is the one measured.
            big_time, peak = import_and_peak(db, files[1_000_000])
        for rows, path in files.items():
            label = f"{rows // 1000}k" if rows < 1_000_000 else f"{rows // 1_000_000}M"
            mib = path.stat().st_size / 2**20
            print(f"# {label} rows, {mib:.0f} MiB ({path.name})", flush=True)
            repeat = 3 if rows <= 100_000 else 1
            floor = timed([SQLITE3, str(work / "floor.db"), f".import --csv {path} t"],
                          repeat=repeat, before=lambda: fresh(work / "floor.db"))
            report(f"sqlite3 .import ({label})", floor, "s")
            utils = timed([SQLITE_UTILS, "insert", str(work / "su.db"), "contacts", str(path), "--csv"],
                          repeat=repeat if rows <= 100_000 else 1,
                          before=lambda: fresh(work / "su.db"))
            report(f"sqlite-utils insert --csv ({label})", utils, "s", baseline=floor,
                   baseline_label="sqlite3")
            if rows == 1_000_000:
                ours = big_time
            else:
                ours = timed(tinycrm_cmd("--db", str(db), "--no-rules", "import", str(path)),
                             repeat=repeat, before=lambda: fresh(db))
            report(f"tinycrm import ({label})", ours, "s", baseline=utils,
                   baseline_label="sqlite-utils", target="<= 0.25x sqlite-utils")
            report(f"tinycrm import ({label}) vs the floor", ours, "s", baseline=floor,
                   baseline_label="sqlite3", target="<= 5x sqlite3 (goal)")
            if rows == 100_000:
                again = timed(tinycrm_cmd("--db", str(db), "--no-rules", "import", str(path)),
                              repeat=1)
                report("re-import, every row matches (100k)", again, "s", baseline=ours,
                       baseline_label="first import", target="<= 2x first import")
                spent, total = index_share(db, path)
                report("search.index_rows during import (100k)", spent, "s", baseline=total,
                       baseline_label="of the in-process import")
        if peak is not None:
            report("peak RSS, import of 1M rows", peak, "MiB", target="< 150 MiB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
