"""One of the four processes of tests/test_concurrency_slow.py.

    python -m tests.concurrency_worker ROLE DB SECONDS LOG

Runs the real CLI in-process, one command after another (each opens its own
store, as a separate `tinycrm` process would), for SECONDS, and writes to LOG
(JSON) every command it ran with its exit code, stderr and what it wrote, so
the test can account for every write afterwards.

Roles: ``import`` (imports, or adds when there is no import command), ``remind``
(cron's remind, or follow-up listings without it), ``edits`` (edit, tag,
stage, follow-ups, log, stale-checked edits) and ``reads`` (every listing).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from click.testing import CliRunner
from typer.main import get_command

from tinycrm.cli import app

# Built once: typer rebuilds the click command on every invoke otherwise (~0.1 s).
COMMAND = get_command(app)

SHARED = 5          # contacts 1..5: the importer merges into them while the editor tags them
EDITED = range(6, 26)  # contacts only the editor changes


def commands() -> set[str]:
    return set(COMMAND.commands)


class Runner:
    def __init__(self, db: str, user: str) -> None:
        self.db, self.user = db, user
        self.runner = CliRunner()
        self.log: list[dict] = []

    def __call__(self, *args: str, write: dict | None = None) -> tuple[int, str]:
        started = time.perf_counter()
        result = self.runner.invoke(COMMAND, ["--db", self.db, "--user", self.user, *args],
                                    prog_name="tinycrm")
        entry = {"args": list(args), "exit": result.exit_code, "stderr": result.stderr[-500:],
                 "seconds": round(time.perf_counter() - started, 4)}
        if result.exception and not isinstance(result.exception, SystemExit):
            entry["exception"] = repr(result.exception)
        if write is not None and result.exit_code == 0:
            entry["write"] = write
        self.log.append(entry)
        return result.exit_code, result.stdout


def role_import(run: Runner, deadline: float) -> None:
    can_import = "import" in commands()
    folder = Path(tempfile.mkdtemp())
    i = 0
    while time.time() < deadline:
        people = [{"name": f"Imported {i}-{j}", "emails": [f"imp{i}-{j}@ex.org"], "tags": ["imported"]}
                  for j in range(4)]
        shared = {"name": "Shared", "emails": [f"shared{i % SHARED + 1}@ex.org"], "tags": [f"imp{i}"]}
        if can_import:
            path = folder / f"batch{i}.json"
            path.write_text(json.dumps([*people, shared]))
            run("import", str(path), "--format", "json",
                write={"emails": [p["emails"][0] for p in people],
                       "tag": [shared["emails"][0], f"imp{i}"]})
        else:
            for person in people:
                run("add", person["name"], "--email", person["emails"][0], "--tag", "imported",
                    write={"emails": person["emails"]})
            run("tag", shared["emails"][0], f"imp{i}", write={"tag": [shared["emails"][0], f"imp{i}"]})
        i += 1


def role_remind(run: Runner, deadline: float) -> None:
    has_remind = "remind" in commands()
    while time.time() < deadline:
        if has_remind:
            code, out = run("remind", "--all")
            run.log[-1]["delivered"] = [line for line in out.splitlines() if line.strip()]
            run("rules", "run")
        else:
            run("follow-up", "list", "--overdue", "--all", "-f", "json")
        time.sleep(0.05)


def role_edits(run: Runner, deadline: float) -> None:
    i = 0
    stages = ("qualified", "customer", "churned")
    while time.time() < deadline:
        cid = str(EDITED[i % len(EDITED)])
        run("edit", cid, "--set", f"fields.counter={i}", write={"counter": [cid, i]})
        run("tag", cid, f"e{i}", write={"tag": [cid, f"e{i}"]})
        run("tag", f"shared{i % SHARED + 1}@ex.org", f"e{i}",
            write={"tag": [f"shared{i % SHARED + 1}@ex.org", f"e{i}"]})
        run("stage", cid, stages[i % 3], write={"stage": [cid, stages[i % 3]]})
        run("follow-up", "add", cid, "--due", "today", "--note", f"e{i}", write={"followup": f"e{i}"})
        run("log", cid, "--kind", "call", f"call e{i}", write={"call": f"call e{i}"})
        code, out = run("show", cid, "-f", "json")
        if code == 0:
            version = json.loads(out)["version"]
            run("edit", cid, "--set", f"title=T{i}", "--if-version", str(version),
                write={"title": [cid, f"T{i}"]})
        i += 1


def role_reads(run: Runner, deadline: float) -> None:
    i = 0
    while time.time() < deadline:
        for args in (("list", "-f", "json", "--limit", "50"), ("search", "imported", "-f", "json"),
                     ("report", "-f", "json"), ("show", str(EDITED[i % len(EDITED)]), "-f", "json"),
                     ("follow-up", "list", "--all", "-f", "json", "--limit", "50"),
                     ("audit", "-n", "20", "-f", "json"), ("rules", "list", "-f", "json"),
                     ("timeline", str(EDITED[0]), "-f", "json")):
            code, out = run(*args)
            if code == 0:
                try:
                    json.loads(out)
                except ValueError as exc:
                    run.log[-1]["exit"] = -1
                    run.log[-1]["stderr"] = f"unreadable JSON: {exc}"
        i += 1


ROLES = {"import": role_import, "remind": role_remind, "edits": role_edits, "reads": role_reads}


def main() -> None:
    role, db, seconds, log = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
    run = Runner(db, user=f"{role}-user")
    ROLES[role](run, time.time() + seconds)
    Path(log).write_text(json.dumps(run.log))


if __name__ == "__main__":
    main()
