"""Import speed and memory: `tinycrm import` of a 100k-row and a 1M-row
Google Contacts CSV into an empty database (layout mapping, duplicate
matching and the search index all on; response-time rules off with
--no-rules, as they are not part of the import), against, in the same run:

- `sqlite3 db ".import --csv file t"`: the floor (one table, no checks);
- `sqlite-utils insert db contacts file --csv`: target at least 4x faster.

Also: re-importing the same 100k file (every row matches; target no slower
than 2x the first import), peak memory of the 1M import (target < 150 MiB),
and how much of the import's SQL the writer thread ran beside the reading
(and how long the reading waited for it).

"SQLite alone" is how long SQLite takes to write the rows that import left
behind, copied from its database into a fresh one by SQL alone (no Python per
row, the contacts' secondary indexes built after the load): what no importer
with this schema can beat on this machine, whatever its reading costs.

"The import's statements alone" is closer to home: the very statements the
import's writer thread runs (parameters bound, in its order, then the batch's
bookkeeping, the deferred indexes and the commit), replayed one after another
once every row has been read, cleaned and worked out, so that no Python of
the import runs beside them. Against sqlite-utils it is the best ratio this
import's SQL allows were its Python free (process start excluded): above
0.25x, no speed-up of the reading alone can meet the target.

    python bench/bench_import.py [--quick]      # --quick: 100k only
"""

from __future__ import annotations

import argparse
import csv
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


def run_once(cmd: list[str], before=None) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system) of one process."""
    import resource

    if before:
        before()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                   stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)


def rounds(commands: dict[str, tuple[list[str], object]], repeat: int) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) per command, the commands taking turns round by
    round so that a change in the machine's load touches all of them alike."""
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, (cmd, before) in commands.items():
            results[name].append(run_once(cmd, before))
    medians = {}
    for name, runs in results.items():
        walls = sorted(w for w, _ in runs)
        cpus = sorted(c for _, c in runs)
        medians[name] = (walls[len(walls) // 2], cpus[len(cpus) // 2])
    return medians


def import_and_peak(db: Path, csv_path: Path) -> tuple[tuple[float, float], float]:
    """(wall, CPU) and peak RSS (MiB) of one `tinycrm import` process."""
    import resource

    cmd = tinycrm_cmd("--db", str(db), "--no-rules", "import", str(csv_path))
    times = run_once(cmd, lambda: fresh(db))
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return times, peak


def writer_share(db: Path, csv_path: Path) -> tuple[float, float, float]:
    """(seconds the writer thread spent writing new contacts, seconds the
    main thread waited for it, total seconds) of one in-process import: how
    much of the SQL ran beside the reading of the next rows."""
    import threading
    from concurrent.futures import Future

    from tinycrm.store import Store, import_writer, importer

    spent = {"job": 0.0, "wait": 0.0}
    job, result = import_writer.ChunkWriter._run, Future.result
    main_thread = threading.main_thread()

    def run(*args):
        started = time.perf_counter()
        try:
            return job(*args)
        finally:
            spent["job"] += time.perf_counter() - started

    def waited(self, timeout=None):
        # The main thread waits for the writer only here (ChunkWriter.wait
        # and a plain chunk's lookup); the writer reads its own futures too.
        started = time.perf_counter()
        try:
            return result(self, timeout)
        finally:
            if threading.current_thread() is main_thread:
                spent["wait"] += time.perf_counter() - started

    import_writer.ChunkWriter._run = run
    Future.result = waited
    try:
        with Store(fresh(db), user="bench", apply_rules=False) as store, open(csv_path, "rb") as raw:
            started = time.perf_counter()
            importer.import_contacts(store, raw, name=csv_path.name)
            total = time.perf_counter() - started
    finally:
        import_writer.ChunkWriter._run = job
        Future.result = result
    return spent["job"], spent["wait"], total


def statements_alone(db: Path, csv_path: Path) -> tuple[float, float]:
    """(wall, CPU) of the writer thread's statements of one in-process
    import, run after all its reading and in its order, with what follows
    them (the deferred indexes rebuilt, the batch recorded, the commit)."""
    from concurrent.futures import Future

    from tinycrm.store import Store, import_writer, importer

    spent: dict[str, float] = {}

    class Replay(import_writer.ChunkWriter):
        """Keeps every job until the import closes its writer, then runs them."""

        def ask(self, job, *args, unless=None):
            self._kept = getattr(self, "_kept", [])
            self._kept.append((job, args))
            done: Future = Future()
            done.set_result(None)  # (a fresh database: no lookup finds anyone)
            return done

        def wait(self) -> None:
            pass

        def close(self, *, unwinding: bool = False) -> None:
            spent["wall"], spent["cpu"] = time.perf_counter(), time.process_time()
            for job, args in getattr(self, "_kept", ()):
                job(*args)
            super().close(unwinding=unwinding)

    importer.ChunkWriter = Replay
    try:
        with Store(fresh(db), user="bench", apply_rules=False) as store, open(csv_path, "rb") as raw:
            importer.import_contacts(store, raw, name=csv_path.name)
            return time.perf_counter() - spent["wall"], time.process_time() - spent["cpu"]
    finally:
        importer.ChunkWriter = import_writer.ChunkWriter


def rows_alone(imported: Path, work: Path) -> tuple[float, float]:
    """(wall, CPU) of SQLite writing the rows of ``imported`` into a fresh
    database with the same schema, in one transaction, commit included."""
    import sqlite3

    from tinycrm.store import Store
    from tinycrm.store.importer import IMPORT_CACHE_KIB

    target = fresh(work / "alone.db")
    with Store(target, user="bench", apply_rules=False):
        pass  # the schema, migrated
    src = sqlite3.connect(imported)
    counts = {name: src.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for (name,) in src.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%'"
        " AND name NOT LIKE 'sqlite%' AND name NOT LIKE '%_fts_%'"
        " AND name <> '_sqlite_migrations'")}
    src.close()
    conn = sqlite3.connect(target, isolation_level=None)
    conn.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
    conn.execute("ATTACH ? AS src", [str(imported)])
    # (Tables the migrations fill, one-row marks such as contact_id_mark, are
    # the fresh database's already: no import writes them.)
    filled = {name for name in counts
              if conn.execute(f'SELECT 1 FROM main."{name}" LIMIT 1').fetchone()}
    started, cpu = time.perf_counter(), time.process_time()
    conn.execute("BEGIN IMMEDIATE")
    indexes = conn.execute(
        "SELECT name, sql FROM main.sqlite_master WHERE type = 'index' AND tbl_name = 'contacts'"
        " AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'").fetchall()
    for name, _ in indexes:
        conn.execute(f'DROP INDEX main."{name}"')
    for name, count in counts.items():
        if count and name not in filled:
            # WHERE true: a plain SELECT * into an empty table would copy the
            # records as they are (SQLite's transfer optimisation), which no
            # import can do.
            conn.execute(f'INSERT INTO main."{name}" SELECT * FROM src."{name}" WHERE true')
    conn.execute("INSERT INTO main.contact_search_fts (rowid, haystack)"
                 " SELECT contact_id, haystack FROM src.contact_search")
    for _, sql in indexes:
        conn.execute(sql)
    conn.execute("COMMIT")
    times = time.perf_counter() - started, time.process_time() - cpu
    conn.close()
    fresh(target)
    return times


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
        alone = {}
        if 1_000_000 in files:
            # First child process, so its peak RSS is the one measured.
            big, peak = import_and_peak(db, files[1_000_000])
            alone[1_000_000] = rows_alone(db, work)
        for rows, path in files.items():
            label = f"{rows // 1000}k" if rows < 1_000_000 else f"{rows // 1_000_000}M"
            mib = path.stat().st_size / 2**20
            print(f"# {label} rows, {mib:.0f} MiB ({path.name}); wall time, then CPU time"
                  " (user + system, steadier when the machine is busy)", flush=True)
            commands = {
                "floor": ([SQLITE3, str(work / "floor.db"), f".import --csv {path} t"],
                          lambda: fresh(work / "floor.db")),
                "utils": ([SQLITE_UTILS, "insert", str(work / "su.db"), "contacts", str(path), "--csv"],
                          lambda: fresh(work / "su.db")),
            }
            if rows < 1_000_000:
                commands["ours"] = (tinycrm_cmd("--db", str(db), "--no-rules", "import", str(path)),
                                    lambda: fresh(db))
            got = rounds(commands, 3 if rows < 1_000_000 else 1)
            if rows == 1_000_000:
                got["ours"] = big
            for i, unit in ((0, "s"), (1, "s CPU")):
                floor, utils, ours = got["floor"][i], got["utils"][i], got["ours"][i]
                report(f"sqlite3 .import ({label})", floor, unit)
                report(f"sqlite-utils insert --csv ({label})", utils, unit, baseline=floor,
                       baseline_label="sqlite3")
                report(f"tinycrm import ({label})", ours, unit, baseline=utils,
                       baseline_label="sqlite-utils", target="<= 0.25x sqlite-utils")
                report(f"tinycrm import ({label}) vs the floor", ours, unit, baseline=floor,
                       baseline_label="sqlite3", target="<= 5x sqlite3 (goal)")
            if rows == 100_000:
                alone[rows] = rows_alone(db, work)
            report(f"SQLite alone, the import's rows ({label})", alone[rows][0], "s",
                   baseline=got["utils"][0], baseline_label="sqlite-utils")
            report(f"SQLite alone, the import's rows ({label})", alone[rows][1],
                   "s CPU", baseline=got["utils"][1], baseline_label="sqlite-utils")
            if rows == 100_000:
                again = run_once(tinycrm_cmd("--db", str(db), "--no-rules", "import", str(path)))
                for i, unit in ((0, "s"), (1, "s CPU")):
                    report("re-import, every row matches (100k)", again[i], unit,
                           baseline=got["ours"][i], baseline_label="first import",
                           target="<= 2x first import")
                replayed = statements_alone(db, path)
                for i, unit in ((0, "s"), (1, "s CPU")):
                    report("the import's statements alone (100k)", replayed[i], unit,
                           baseline=got["utils"][i], baseline_label="sqlite-utils")
                job, waited, total = writer_share(db, path)
                report("writer thread: new contacts' SQL (100k)", job, "s", baseline=total,
                       baseline_label="of the in-process import")
                report("main thread waiting for the writer (100k)", waited, "s", baseline=total,
                       baseline_label="of the in-process import")
        if peak is not None:
            report("peak RSS, import of 1M rows", peak, "MiB", target="< 150 MiB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
