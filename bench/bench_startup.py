"""Start-up time of the CLI against sqlite-utils, measured in the same run.

    python bench/bench_startup.py            # 25 rounds
    python bench/bench_startup.py --quick    # 9 rounds

Each round runs, one after another so that machine load hits them alike:
``sqlite-utils --version`` (the baseline), ``tinycrm --help`` and
``tinycrm list`` on an empty database, and a bare ``python -c pass`` for the
interpreter's own share. Every program starts the way its console script does
(``from <package>.cli import main``), from this checkout, with the default
paths pointed at a scratch folder (XDG_DATA_HOME, XDG_CONFIG_HOME) and no
overrides, as a user's shell would run it. Targets (issue 2): ``--help``
within 1.2x of the baseline, ``list`` within 1.5x.

It then lists which notable modules each tinycrm command imported.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import REPO, report

SCRIPT = "import sys; from {module} import {func} as main; sys.argv[0] = {name!r}; sys.exit(main())"
NOTABLE = ("typer", "click", "pydantic", "rich", "textual", "keyring", "sqlite_utils", "rapidfuzz",
           "platformdirs", "tomllib", "json", "uuid", "sqlite3", "tinycrm.store.search",
           "tinycrm.commands.contacts")


def command(module: str, func: str, name: str, *args: str) -> list[str]:
    return [sys.executable, "-c", SCRIPT.format(module=module, func=func, name=name), *args]


def run(cmd: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                   env=env, cwd=REPO, check=True)
    return time.perf_counter() - started


def modules(cmd: list[str], env: dict) -> set[str]:
    wrapped = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('@@' + ' '.join(sys.modules), file=sys.stderr))\n"
        + cmd[2]
    )
    out = subprocess.run([sys.executable, "-c", wrapped, *cmd[3:]], capture_output=True, text=True,
                         env=env, cwd=REPO, stdin=subprocess.DEVNULL).stderr
    line = [ln for ln in out.splitlines() if ln.startswith("@@")][-1]
    return set(line[2:].split())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument("--rounds", type=int, default=None)
    args = parser.parse_args()
    rounds = args.rounds or (9 if args.quick else 25)
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TINYCRM_")}
        env.update(XDG_DATA_HOME=f"{tmp}/data", XDG_CONFIG_HOME=f"{tmp}/config", HOME=tmp,
                   PYTHONDONTWRITEBYTECODE="1")
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "sqlite-utils --version": command("sqlite_utils.cli", "cli", "sqlite-utils", "--version"),
            "tinycrm --help": command("tinycrm.cli", "main", "tinycrm", "--help"),
            "tinycrm list (empty database)": command("tinycrm.cli", "main", "tinycrm", "list"),
        }
        # Create and migrate the default database once, and warm the OS cache.
        for cmd in commands.values():
            run(cmd, env)
        assert Path(tmp, "data", "tinycrm", "tinycrm.db").exists()
        times: dict[str, list[float]] = {label: [] for label in commands}
        for _ in range(rounds):
            for label, cmd in commands.items():
                times[label].append(run(cmd, env))
        median = {label: statistics.median(values) for label, values in times.items()}
        base = median["sqlite-utils --version"]
        print(f"# start-up: median of {rounds} interleaved rounds, wall time per process")
        report("python -c pass (the interpreter alone)", 1000 * median["python -c pass"], "ms",
               baseline=1000 * base, baseline_label="sqlite-utils --version")
        report("sqlite-utils --version (baseline)", 1000 * base, "ms")
        report("tinycrm --help", 1000 * median["tinycrm --help"], "ms",
               baseline=1000 * base, baseline_label="sqlite-utils --version", target="<= 1.2x")
        report("tinycrm list (empty database)", 1000 * median["tinycrm list (empty database)"], "ms",
               baseline=1000 * base, baseline_label="sqlite-utils --version", target="<= 1.5x")
        for label in ("tinycrm --help", "tinycrm list (empty database)"):
            loaded = modules(commands[label], env)
            present = [m for m in NOTABLE if m in loaded]
            print(f"    {label}: {len(loaded)} modules; of note: {', '.join(present)}")


if __name__ == "__main__":
    sys.exit(main())
