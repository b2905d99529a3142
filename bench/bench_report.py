"""`tinycrm report` over 100k contacts, 1M timeline events and 1M follow-ups.

Target: under 1 s. Baseline, measured in the same run on the same file: a
naive query per figure (GROUP BY over strftime, a correlated subquery per
contact for conversion, rows pulled into Python for follow-ups, compliance
and surveys), which is how the report would be written without care.

    python bench/bench_report.py           # 100k contacts, 1M events, 1M follow-ups
    python bench/bench_report.py --quick   # 10k, 100k, 100k

The database is built once from the cached demo database (bench/common.py)
by adding events (calls, emails, meetings, notes, surveys with scores, stage
moves) and follow-ups (done on time, done late, overdue, open, cancelled; a
fifth made by rules) until each table holds the target count; then cached.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import CACHE, _schema_key, command_time, demo_db, median_time, report, tinycrm_cmd  # noqa: E402

BUILD_VERSION = "r1"
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=timezone.utc)
OWNERS = ("alice", "bob", "carol")
RULES = ("new-lead", "complaint", "vip-silence")
STAGE_MOVES = (("lead", "qualified"), ("qualified", "customer"), ("lead", "customer"),
               ("lead", "lost"), ("customer", "churned"))


def stamp(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def report_db(contacts: int, events: int, followups: int) -> Path:
    from tinycrm.store import Store

    path = CACHE / f"report-{contacts}-{events}-{followups}-{_schema_key()}-{BUILD_VERSION}.db"
    if path.exists():
        return path
    base = demo_db(contacts)
    tmp = path.with_suffix(".building")
    for suffix in ("", "-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    tmp.write_bytes(base.read_bytes())
    started = time.perf_counter()
    rng = random.Random(6)
    with Store(tmp, user="alice", clock=lambda: NOW) as store, store.write() as conn:
        contacts_created = [(r[0], datetime.fromisoformat(r[1].replace("Z", "+00:00")))
                            for r in conn.execute("SELECT id, created_at FROM contacts")]
        have_events = conn.execute("SELECT count(*) FROM events").fetchone()[0]
        have_followups = conn.execute("SELECT count(*) FROM followups").fetchone()[0]
        chunk = 50_000
        todo = events - have_events
        while todo > 0:
            rows = []
            for _ in range(min(chunk, todo)):
                cid, created = rng.choice(contacts_created)
                at = stamp(created + (NOW - created) * rng.random())
                pick = rng.random()
                score = data = None
                if pick < 0.25:
                    kind = "call"
                elif pick < 0.50:
                    kind = "email"
                elif pick < 0.60:
                    kind = "meeting"
                elif pick < 0.85:
                    kind = "note"
                elif pick < 0.90:
                    kind, score = "survey", rng.randint(0, 10)
                else:
                    kind = "stage"
                    frm, to = rng.choice(STAGE_MOVES)
                    data = json.dumps({"from": frm, "to": to})
                rows.append((cid, kind, f"{kind} text", at, rng.choice(OWNERS), score, data, at))
            conn.executemany(
                "INSERT INTO events (contact_id, kind, text, at, author, score, data, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
            todo -= len(rows)
        todo = followups - have_followups
        while todo > 0:
            rows = []
            for _ in range(min(chunk, todo)):
                cid = rng.choice(contacts_created)[0]
                due = NOW + timedelta(days=rng.uniform(-365, 60))
                created = due - timedelta(days=rng.uniform(1, 30))
                status, done = "open", None
                if due < NOW:
                    pick = rng.random()
                    if pick < 0.80:
                        status = "done"
                        done = due + timedelta(hours=rng.uniform(-48, 24) if rng.random() < 0.7
                                               else rng.uniform(1, 240))
                    elif pick < 0.95:
                        status = "open"
                    else:
                        status = "cancelled"
                elif rng.random() < 0.05:
                    status, done = "done", NOW - timedelta(hours=rng.uniform(0, 48))
                rule = rng.choice(RULES) if rng.random() < 0.2 else None
                rows.append((cid, stamp(due), "follow up", rng.choice(OWNERS), status, rule,
                             stamp(created), stamp(done or created), stamp(done) if done else None))
            conn.executemany(
                "INSERT INTO followups (contact_id, due_at, note, owner, status, rule, created_at,"
                " updated_at, done_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            todo -= len(rows)
    with Store(tmp, user="alice") as store:
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    tmp.rename(path)
    print(f"# built {path.name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


# -- the naive baseline: one straightforward query per figure ------------------------


def cpu_time(fn, *, repeat: int = 5) -> float:
    """Median CPU seconds of this process for fn(): steadier than wall time
    when other work shares the machine (both are printed)."""
    fn()
    times = []
    for _ in range(repeat):
        started = time.process_time()
        fn()
        times.append(time.process_time() - started)
    return statistics.median(times)


def child_cpu(cmd, *, repeat: int = 5, env=None) -> float:
    """Median user+sys CPU seconds of a whole child process."""
    import resource
    import subprocess

    times = []
    for _ in range(repeat + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(times[1:])


def naive_report(conn, now: datetime, idle_days: int = 30) -> dict:
    out: dict = {}
    out["by_stage"] = dict(conn.execute("SELECT stage, count(*) FROM contacts GROUP BY stage"))
    out["by_tier"] = dict(conn.execute("SELECT tier, count(*) FROM contacts GROUP BY tier"))
    out["new_per_month"] = dict(conn.execute(
        "SELECT strftime('%Y-%m', created_at, 'localtime') AS m, count(*) FROM contacts GROUP BY m"))
    was_lead: set[int] = set()
    won: dict[int, str] = {}
    for cid, at, data in conn.execute("SELECT contact_id, at, data FROM events WHERE kind = 'stage'"):
        moved = json.loads(data)
        if moved["from"] == "lead":
            was_lead.add(cid)
        if moved["to"] == "customer" and (cid not in won or at < won[cid]):
            won[cid] = at
    leads, days = 0, []
    for cid, created, stage in conn.execute("SELECT id, created_at, stage FROM contacts"):
        if stage == "lead" or cid in was_lead:
            leads += 1
            if cid in won:
                days.append((datetime.fromisoformat(won[cid].replace("Z", "+00:00"))
                             - datetime.fromisoformat(created.replace("Z", "+00:00"))).total_seconds() / 86400)
    out["conversion"] = (leads, len(days), statistics.median(days) if days else None)
    now_s = stamp(now)
    per_owner: dict = {}
    for owner, status, due, done in conn.execute("SELECT owner, status, due_at, done_at FROM followups"):
        row = per_owner.setdefault(owner, [0, 0, 0, 0])
        if status == "done":
            row[0 if done <= due else 1] += 1
        elif status == "open":
            row[2 if due < now_s else 3] += 1
    out["followups"] = per_owner
    rules: dict = {}
    for rule, status, due, done in conn.execute(
            "SELECT rule, status, due_at, done_at FROM followups WHERE rule IS NOT NULL"):
        row = rules.setdefault(rule, [0, 0, 0, 0])
        if status == "done":
            row[0 if done <= due else 1] += 1
        elif status == "open":
            row[2 if due < now_s else 3] += 1
    out["compliance"] = rules
    out["interactions"] = conn.execute(
        "SELECT kind, strftime('%Y-%m', at, 'localtime') AS m, count(*) FROM events"
        " WHERE kind IN ('call', 'email', 'meeting') GROUP BY kind, m").fetchall()
    cutoff = stamp(now - timedelta(days=idle_days))
    out["not_contacted"] = conn.execute(
        "SELECT count(*) FROM contacts WHERE coalesce(last_contacted_at, created_at) < ?", [cutoff]
    ).fetchone()[0]
    scores = [r[0] for r in conn.execute("SELECT score FROM events WHERE kind = 'survey' AND score IS NOT NULL")]
    out["satisfaction"] = (len(scores), sum(scores) / len(scores) if scores else None,
                           sum(s >= 9 for s in scores), sum(s <= 6 for s in scores))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k contacts, 100k events and follow-ups")
    args = parser.parse_args()
    contacts, rows = (10_000, 100_000) if args.quick else (100_000, 1_000_000)
    path = report_db(contacts, rows, rows)

    from tinycrm.store import Store
    from tinycrm.store.reports import build

    with Store(path, user="alice", clock=lambda: NOW) as store:
        counts = {t: store.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("contacts", "events", "followups")}
        print(f"# {path.name}: " + ", ".join(f"{n:,} {t}" for t, n in counts.items()))
        fast = build(store, now=NOW)
        naive = naive_report(store.conn, NOW)
        # The two ways must agree before their times are compared.
        assert dict(fast.by_stage) == {k: v for k, v in naive["by_stage"].items()} | {
            k: 0 for k in dict(fast.by_stage) if k not in naive["by_stage"]}
        assert (fast.conversion.leads, fast.conversion.converted) == naive["conversion"][:2]
        assert fast.followups_total.overdue == sum(r[2] for r in naive["followups"].values())
        assert fast.compliance_total.met == sum(r[0] for r in naive["compliance"].values())
        assert fast.satisfaction.responses == naive["satisfaction"][0]
        assert fast.not_contacted.contacts == naive["not_contacted"]

        naive_s = median_time(lambda: naive_report(store.conn, NOW), repeat=3)
        fast_s = median_time(lambda: build(store, now=NOW), repeat=5)
        owner_s = median_time(lambda: build(store, now=NOW, owner="bob"), repeat=3)
        since = NOW - timedelta(days=90)
        period_s = median_time(lambda: build(store, now=NOW, since=since), repeat=5)
        report("report (store, all time, all owners)", fast_s, "s", baseline=naive_s,
               baseline_label="of naive query per figure", target="< 1 s")
        report("report --owner bob (store)", owner_s, "s", baseline=naive_s,
               baseline_label="of naive query per figure")
        report("report --since 90d (store)", period_s, "s", baseline=naive_s,
               baseline_label="of naive query per figure")
        report("naive query per figure (baseline)", naive_s, "s")
        naive_cpu = cpu_time(lambda: naive_report(store.conn, NOW), repeat=3)
        fast_cpu = cpu_time(lambda: build(store, now=NOW))
        report("report (store), CPU time", fast_cpu, "s", baseline=naive_cpu,
               baseline_label="of naive, CPU time", target="< 1 s")
        report("naive query per figure, CPU time", naive_cpu, "s")
    env = {"TINYCRM_NOW": "2026-11-23T09:30:00Z", "PATH": "/usr/bin:/bin", "HOME": str(CACHE),
           "PYTHONPATH": os.environ["PYTHONPATH"],  # this checkout's code (common.py)
           "TINYCRM_CONFIG": str(CACHE / "no-config.toml")}
    whole = command_time(tinycrm_cmd("--db", str(path), "report", "-f", "json"), repeat=5, env=env)
    show = command_time(tinycrm_cmd("--db", str(path), "show", "1", "-f", "json"), repeat=5, env=env)
    floor = command_time([sys.executable, "-c", "import sqlite3"], repeat=5, env=env)
    report("tinycrm report -f json (whole process)", whole, "s", baseline=naive_s,
           baseline_label="of naive query per figure", target="< 1 s")
    report("tinycrm show 1 -f json (CLI startup, same file)", show, "s")
    report("report's own share of the process", whole - show, "s", baseline=naive_s,
           baseline_label="of naive query per figure")
    report("python -c 'import sqlite3' (process floor)", floor, "s")
    whole_cpu = child_cpu(tinycrm_cmd("--db", str(path), "report", "-f", "json"), env=env)
    show_cpu = child_cpu(tinycrm_cmd("--db", str(path), "show", "1", "-f", "json"), env=env)
    report("tinycrm report -f json, CPU time", whole_cpu, "s", target="< 1 s")
    report("tinycrm show 1 -f json, CPU time", show_cpu, "s")


if __name__ == "__main__":
    main()
