"""SLOW (about 35 s): the one long test of the suite; `pytest -k "not slow"` skips it.

Four real processes work on one database file for 30 seconds, as a team
would: imports, cron's remind, CLI edits and reads (tests/concurrency_worker.py).
No command may fail (no "database is locked", no stale-edit conflict where
nobody else edits), and every write must be found afterwards: nothing lost.
"""

import json
import os
import subprocess
import sys
from collections import Counter

from tinycrm.store import Store
from tinycrm.store.demo import fill
from tinycrm.store.maintenance import check

from .concurrency_worker import EDITED, SHARED
from .conftest import REPO

SECONDS = 30


def test_four_processes_for_30_seconds_slow(db_path, tmp_path):
    with Store(db_path, user="setup") as store:
        for k in range(1, SHARED + 1):
            store.contacts.add(f"Shared {k}", emails=[f"shared{k}@ex.org"])
        fill(store, 300, seed=3)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    procs = {
        role: subprocess.Popen(
            [sys.executable, "-m", "tests.concurrency_worker", role, str(db_path), str(SECONDS),
             str(tmp_path / f"{role}.json")],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for role in ("import", "remind", "edits", "reads")
    }
    for role, proc in procs.items():
        out, err = proc.communicate(timeout=SECONDS + 120)
        assert proc.returncode == 0, (role, err[-2000:])
    logs = {role: json.loads((tmp_path / f"{role}.json").read_text()) for role in procs}

    # Zero errors, in every process.
    failures = [(role, e) for role, log in logs.items() for e in log
                if e["exit"] != 0 or "exception" in e]
    assert failures == [], failures[:5]
    ran = {role: len(log) for role, log in logs.items()}
    slowest = {role: max(e["seconds"] for e in log) for role, log in logs.items()}
    print("commands run:", ran, "slowest (s):", slowest)
    assert all(n >= 20 for n in ran.values()), ran

    writes = [e["write"] for log in logs.values() for e in log if "write" in e]
    with Store(db_path, user="checker") as store:
        contacts = store.contacts

        def contact(ref: str):
            return contacts.resolve(ref)

        # Every contact imported or added is there, once.
        emails = [m for w in writes for m in w.get("emails", [])]
        assert len(emails) == len(set(emails))
        for email in emails:
            assert contact(email).email == email
        assert contacts.count() == SHARED + 300 + len(emails)
        # Every tag, from the importer's merges and the editor alike, on the
        # same shared contacts at the same time: no lost update.
        tags = [w["tag"] for w in writes if "tag" in w]
        for ref, tag in tags:
            assert tag in contact(ref).tags, (ref, tag)
        # The last value written is the value kept.
        for key, field in (("counter", None), ("stage", "stage"), ("title", "title")):
            last = {}
            for w in writes:
                if key in w:
                    last[w[key][0]] = w[key][1]
            assert last, key
            for ref, value in last.items():
                found = contact(ref)
                got = found.fields.get("counter") if field is None else getattr(found, field)
                assert str(got) == str(value), (key, ref, got, value)
        # Every follow-up added and every call logged.
        notes = Counter(f.note for f in store.followups.list(view="all", owner="edits-user"))
        for w in writes:
            if "followup" in w:
                assert notes[w["followup"]] == 1, w
        calls = {e.text for cid in EDITED for e in store.timeline.list(cid) if e.kind == "call"}
        assert {w["call"] for w in writes if "call" in w} <= calls
        # Reminders: each delivered once, and each delivery recorded.
        delivered = [line for e in logs["remind"] for line in e.get("delivered", [])]
        if any(e["args"][0] == "remind" for e in logs["remind"]):
            recorded = store.conn.execute(
                "SELECT count(*), count(DISTINCT item || due_at) FROM deliveries WHERE channel = 'stdout'"
            ).fetchone()
            assert recorded[0] == recorded[1] == len(delivered) > 0, (recorded, len(delivered))
        assert check(store).ok
    print("writes accounted for:", Counter(k for w in writes for k in w))
