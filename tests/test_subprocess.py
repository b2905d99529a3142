"""tinycrm as shells and cron run it: a real process, stdin, exit codes."""

import json

from .conftest import run_tinycrm


def test_add_list_round_trip_in_a_real_process(db_path):
    added = run_tinycrm("add", "Ada Lovelace", "--email", "ada@ex.org", db=db_path)
    assert added.returncode == 0, added.stderr
    assert added.stdout == "1\n"
    listed = run_tinycrm("list", "--format", "ndjson", db=db_path)
    assert json.loads(listed.stdout)["emails"] == ["ada@ex.org"]


def test_exit_codes(db_path):
    assert run_tinycrm("show", "nobody", db=db_path).returncode == 3
    run_tinycrm("add", "Ada", "-e", "ada@ex.org", db=db_path)
    dup = run_tinycrm("add", "Ada 2", "-e", "ada@ex.org", db=db_path)
    assert dup.returncode == 4 and "Traceback" not in dup.stderr
    usage = run_tinycrm("list", "--format", "xml", db=db_path)
    assert usage.returncode == 2


def test_rm_reads_the_answer_from_stdin(db_path):
    run_tinycrm("add", "Ada", db=db_path)
    kept = run_tinycrm("rm", "1", input="no\n", db=db_path)
    assert kept.returncode == 1 and kept.stdout == ""  # the question is on stderr, all of it
    assert kept.stderr.startswith("Delete contact 1 (Ada)? [y/N]: ")
    closed = run_tinycrm("rm", "1", input="", db=db_path)
    assert closed.returncode == 1 and "Traceback" not in closed.stderr
    again = run_tinycrm("rm", "1", input="maybe\nn\n", db=db_path)
    assert again.returncode == 1 and again.stderr.count("Delete contact 1") == 2
    enter = run_tinycrm("rm", "1", input="\nyes\n", db=db_path)  # Enter alone is the default: no
    assert enter.returncode == 1 and enter.stderr.count("Delete contact 1") == 1
    gone = run_tinycrm("rm", "1", input="y\n", db=db_path)
    assert gone.returncode == 0 and gone.stdout == ""
    assert run_tinycrm("list", "-f", "json", db=db_path).stdout == "[]\n"


def test_env_var_names_the_database(tmp_path):
    import os

    env = dict(os.environ, TINYCRM_DB=str(tmp_path / "via-env.db"))
    assert run_tinycrm("add", "X", env=env).returncode == 0
    assert (tmp_path / "via-env.db").exists()
    assert run_tinycrm("db", "path", env=env).stdout.strip() == str(tmp_path / "via-env.db")


def test_python_dash_m_and_help(db_path):
    result = run_tinycrm("--help")
    assert result.returncode == 0
    assert "add" in result.stdout and "search" in result.stdout


def test_a_command_started_with_stdout_closed_says_so_in_one_line(db_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "TINYCRM_NOW": "2026-11-23T09:30:00Z"}
    assert run_tinycrm("add", "Ada", db=db_path, env=env).returncode == 0
    assert run_tinycrm("follow-up", "add", "1", "--due", "2026-11-20", db=db_path,
                       env=env).returncode == 0

    def closed(*args):
        return subprocess.run(["sh", "-c", 'exec "$@" >&-', "sh", sys.executable, "-m", "tinycrm",
                               "--db", str(db_path), *args], capture_output=True, text=True,
                              env=env, timeout=60)

    listed = closed("list")
    assert (listed.returncode, listed.stderr) == (
        1, "tinycrm: error: can't write the output: standard output is closed\n")
    reminded = closed("remind")
    assert (reminded.returncode, reminded.stderr) == (
        1, "tinycrm: error: stdout: can't write to stdout: standard output is closed\n")
    again = run_tinycrm("remind", db=db_path, env=env)  # nothing was recorded: it goes now
    assert again.returncode == 0 and "[follow-up 2]" in again.stdout


def test_commands_that_read_stdin_started_with_it_closed(db_path):
    import subprocess
    import sys

    assert run_tinycrm("add", "Ada", db=db_path).returncode == 0

    def closed(*args):
        return subprocess.run(["sh", "-c", 'exec "$@" <&-', "sh", sys.executable, "-m", "tinycrm",
                               "--db", str(db_path), *args], capture_output=True, text=True,
                              timeout=60)

    for args, code, message in (
            (("rm", "1"), 1, "not deleted (use --yes to skip the question)"),
            (("privacy", "erase", "1"), 1, "nothing erased (use --yes to skip the question)"),
            (("log", "1", "-"), 2, "TEXT is -, but there is no standard input to read it from"),
            ((), 2, "tinycrm: error: the app needs a terminal")):
        result = closed(*args)
        assert result.returncode == code and message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
    assert [c["name"] for c in json.loads(run_tinycrm("list", "-f", "json", db=db_path).stdout)] == [
        "Ada"]


def test_a_malformed_frozen_clock_is_one_line_not_a_traceback(db_path):
    import os

    result = run_tinycrm("add", "Ada", db=db_path, env={**os.environ, "TINYCRM_NOW": "garbage"})
    assert (result.returncode, result.stderr) == (
        2, "tinycrm: error: TINYCRM_NOW is not an ISO-8601 time: 'garbage'"
           " (like 2026-11-23T09:30:00Z)\n")
