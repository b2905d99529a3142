"""Follow-up and reminder figures on a demo database of 1M contacts and about
1M follow-ups (a third of them overdue):

- cold start of `tinycrm remind` with nothing due, against `sqlite-utils
  --version` (target: within 1.5x). "Nothing due" is the steady state of a
  cron job: every overdue follow-up was reminded by an earlier run (which is
  timed too), so the run must find that out without touching them all.
- `follow-up list --overdue`: the query plan (it must search an index, not
  scan the table), the ranking query against the same query forced to scan
  the table, and the whole command.

Run: ``python bench/bench_followups.py [--quick]`` (--quick: 100k contacts).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from common import command_time, copy_db, demo_db, median_time, report, tinycrm_cmd

from tinycrm.store import Store
from tinycrm.store.timeutil import to_db
from tinycrm.store.urgency import julian_day, urgency_sql
from tinycrm.store.when import start_of_day


def paired(cmd: list[str], base: list[str], env: dict, repeat: int = 9) -> dict[str, float]:
    """Run the command and the baseline alternately, so that a busy moment
    hits both; wall and CPU (user + system) times, medians and ratios."""
    import resource

    def once(c: list[str]) -> tuple[float, float]:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(c, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env,
                       stdin=subprocess.DEVNULL)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

    once(cmd), once(base)
    runs = [(once(cmd), once(base)) for _ in range(repeat)]
    med = statistics.median
    return {
        "wall": med(a[0] for a, _ in runs), "base_wall": med(b[0] for _, b in runs),
        "wall_ratio": med(a[0] / b[0] for a, b in runs),
        "cpu": med(a[1] for a, _ in runs), "base_cpu": med(b[1] for _, b in runs),
        "cpu_ratio": med(a[1] / b[1] for a, b in runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100k contacts, not 1M")
    # (As the other benches: --help, or a mistyped option, must not start a
    # 1M-contact build that takes the machine's cores for many minutes.)
    contacts = 100_000 if parser.parse_args().quick else 1_000_000
    source = demo_db(contacts)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    env = {
        **os.environ,
        "TINYCRM_NOW": now.isoformat(),  # no follow-up comes due while we measure
        "TINYCRM_USER": "alice",
        "TINYCRM_CONFIG": "/nonexistent/tinycrm-bench/config.toml",
    }
    with Store(source, user="alice") as store:
        total = store.conn.execute("SELECT count(*) FROM followups").fetchone()[0]
        overdue = store.followups.counts(now=now)["overdue"]
        plan = store.followups.explain(view="overdue", now=now)
        params = {"now": to_db(now), "now_jd": julian_day(now),
                  "today_start": to_db(start_of_day(now))}
        score = urgency_sql(store.settings, params)

        today = store.followups.counts(now=now)["today"]
        params["day_start"] = to_db(start_of_day(now))
        params["day_end"] = to_db(start_of_day(now, 1))

        def ranked(hint: str, where: str = "f.due_at < :now") -> None:
            store.conn.execute(
                f"SELECT f.id, {score} AS u FROM followups f {hint}"
                f" WHERE f.status = 'open' AND {where} ORDER BY u DESC, f.due_at, f.id LIMIT 50",
                params,
            ).fetchall()

        indexed = median_time(lambda: ranked("INDEXED BY followups_rank"), repeat=3)
        scanned = median_time(lambda: ranked("NOT INDEXED"), repeat=3)
        day = "f.due_at >= :day_start AND f.due_at < :day_end"
        today_indexed = median_time(lambda: ranked("INDEXED BY followups_rank", day), repeat=3)
        today_scanned = median_time(lambda: ranked("NOT INDEXED", day), repeat=3)
    print(f"# {contacts:,} contacts, {total:,} follow-ups, {overdue:,} overdue (open, due before now)")
    print("# EXPLAIN QUERY PLAN  follow-up list --overdue (ranking step):")
    for line in plan:
        print(f"#   {line}")
    assert plan[0].startswith("SEARCH f USING COVERING INDEX"), plan

    sqlite_utils = str(Path(sys.executable).with_name("sqlite-utils"))
    baseline = command_time([sqlite_utils, "--version"], env=env)
    report("sqlite-utils --version (baseline)", baseline, "s")

    with tempfile.TemporaryDirectory(prefix="tinycrm-bench-") as tmp:
        db = copy_db(source, Path(tmp) / "remind.db")
        started = time.perf_counter()
        first = subprocess.run(tinycrm_cmd("--db", str(db), "remind", "--all"), env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True)
        backlog = time.perf_counter() - started
        lines = first.stdout.count(b"\n")
        report(f"remind --all, first run: {lines:,} overdue items", backlog, "s")
        again = subprocess.run(tinycrm_cmd("--db", str(db), "remind", "--all"), env=env,
                               capture_output=True, check=True)
        assert again.stdout == b"" and again.stderr == b"", "the second run should print nothing"
        for args, label in ((["remind"], "remind, nothing due (cold start)"),
                            (["remind", "--all"], "remind --all, nothing due (cold start)")):
            t = command_time(tinycrm_cmd("--db", str(db), *args), env=env)
            report(label, t, "s", baseline=baseline, baseline_label="sqlite-utils --version",
                   target="<= 1.5x")
            m = paired(tinycrm_cmd("--db", str(db), *args), [sqlite_utils, "--version"], env)
            report(f"  wall, paired run by run (baseline {m['base_wall']:.3f} s)", m["wall"], "s")
            print(f"{'    median of the per-run ratios':<48} {m['wall_ratio']:10.2f} x", flush=True)
            report(f"  CPU time, paired (baseline {m['base_cpu']:.3f} s)", m["cpu"], "s")
            print(f"{'    median of the per-run ratios':<48} {m['cpu_ratio']:10.2f} x   target: <= 1.5x",
                  flush=True)
        m = paired(tinycrm_cmd("--db", str(db), "db", "path"), [sqlite_utils, "--version"], env)
        report("for scale: `tinycrm db path` (no database work), CPU", m["cpu"], "s",
               baseline=m["base_cpu"], baseline_label="sqlite-utils --version, CPU")

    report(f"overdue ranking, top 50 of {overdue:,}, index", indexed, "s", baseline=scanned,
           baseline_label="same query, table scan (NOT INDEXED)")
    report(f"due-today ranking, top 50 of {today:,}, index", today_indexed, "s", baseline=today_scanned,
           baseline_label="same query, table scan (NOT INDEXED)")
    t = command_time(tinycrm_cmd("--db", str(source), "follow-up", "list", "--overdue", "--limit", "20"),
                     env=env, repeat=3)
    report("follow-up list --overdue --limit 20", t, "s", baseline=baseline,
           baseline_label="sqlite-utils --version")
    t = command_time(tinycrm_cmd("--db", str(source), "follow-up", "list", "--overdue", "-f", "ndjson"),
                     env=env, repeat=3)
    report(f"follow-up list --overdue -f ndjson ({overdue:,} rows)", t, "s", baseline=baseline,
           baseline_label="sqlite-utils --version")
    t = command_time(tinycrm_cmd("--db", str(source), "follow-up", "queue", "--mine", "--limit", "20"),
                     env=env, repeat=3)
    report("follow-up queue --mine --limit 20", t, "s", baseline=baseline,
           baseline_label="sqlite-utils --version")


if __name__ == "__main__":
    main()
