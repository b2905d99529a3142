"""`tinycrm merge` and `tinycrm imports undo` ask before they change anything,
as `rm` does: neither can be undone, and a mistyped id is all it takes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

MERGE_QUESTION = ("Merge contact 2 (Bob Stone) into contact 1 (Robert Stone) and remove"
                  " contact 2? [y/N]: ")
NOT_MERGED = "not merged (use --yes to skip the question)\n"
NOT_UNDONE = "not undone (use --yes to skip the question)\n"


def everything(cli) -> tuple[str, str, str]:
    """What a merge or an undo would change: the contacts, the audit log, the batches."""
    return (cli.ok("list", "-f", "json").stdout, cli.ok("audit", "-f", "json").stdout,
            cli.ok("imports", "list", "-f", "json").stdout)


@pytest.fixture
def stones(cli):
    cli.ok("add", "Robert Stone", "-e", "rob@ex.org")
    cli.ok("add", "Bob Stone", "-e", "bob@ex.org", "--company", "Acme")
    return cli


@pytest.fixture
def batch(cli, tmp_path) -> str:
    """Batch 1: creates Alan, merges into Ada (who was there before)."""
    cli.ok("add", "Ada Lovelace", "-e", "ada@ex.org")
    path = tmp_path / "people.csv"
    path.write_text("Name,Email,Company\nAda,ada@ex.org,Engines\nAlan Turing,alan@ex.org,\n")
    cli.ok("import", str(path))
    return str(path)


@pytest.mark.parametrize("answer, echo", [("n\n", ""), ("no\n", ""), ("", "\n")])
def test_merge_asks_and_no_or_no_answer_changes_nothing(stones, answer, echo):
    before = everything(stones)
    refused = stones("merge", "Robert Stone", "2", input=answer)
    assert (refused.exit_code, refused.stdout) == (1, "")
    assert refused.stderr == MERGE_QUESTION + echo + NOT_MERGED
    assert everything(stones) == before


def test_merge_goes_ahead_on_yes(stones):
    merged = stones("merge", "1", "2", input="y\n")
    assert merged.exit_code == 0, merged.stderr
    assert merged.stderr.startswith(MERGE_QUESTION + "merged 2 (Bob Stone) into 1 (Robert Stone)")
    assert [c["id"] for c in json.loads(stones.ok("list", "-f", "json").stdout)] == [1]


@pytest.mark.parametrize("yes", ["--yes", "-y"])
def test_merge_yes_asks_nothing_and_reads_no_stdin(stones, yes):
    merged = stones("merge", yes, "1", "2")  # (stdin is empty: a question would be a no)
    assert merged.exit_code == 0, merged.stderr
    assert merged.stderr.startswith("merged 2 (Bob Stone) into 1 (Robert Stone)")


def test_merge_dry_run_never_asks(stones):
    before = everything(stones)
    shown = stones.ok("merge", "--dry-run", "1", "2")
    assert shown.stdout.startswith("would merge 2 (Bob Stone) into 1 (Robert Stone)\n")
    assert "[y/N]" not in shown.stderr
    assert everything(stones) == before


def test_a_wrong_merge_is_refused_before_any_question(stones):
    before = everything(stones)
    for args, code in ((("1", "99"), 3), (("nobody", "2"), 3), (("1", "rob@ex.org"), 2)):
        result = stones("merge", *args, input="y\n")
        assert result.exit_code == code, (args, result.stderr)
        assert "[y/N]" not in result.stderr, args
    assert everything(stones) == before
    # (and the one that can go ahead is asked about)
    assert stones("merge", "1", "2", input="n\n").stderr == MERGE_QUESTION + NOT_MERGED


def test_a_merge_question_shows_names_without_their_control_codes(stones, db_path):
    import sqlite3

    with sqlite3.connect(db_path) as conn:  # as versions before names were cleaned kept one
        conn.execute("UPDATE contacts SET name = ? WHERE id = 2", ["Bob\x1b[31m\nStone\x07"])
    conn.close()
    refused = stones("merge", "1", "2", input="n\n")
    assert refused.stderr == MERGE_QUESTION + NOT_MERGED  # on one line, and nothing else


def undo_question(path: str) -> str:
    return (f"Undo import batch 1 ({path}, 2026-11-23 09:30): remove 1 contact it created and"
            " restore 1 it merged into? [y/N]: ")


@pytest.mark.parametrize("answer, echo", [("n\n", ""), ("", "\n")])
def test_undo_asks_and_no_or_no_answer_changes_nothing(cli, batch, answer, echo):
    before = everything(cli)
    refused = cli("imports", "undo", "1", input=answer)
    assert (refused.exit_code, refused.stdout) == (1, "")
    assert refused.stderr == undo_question(batch) + echo + NOT_UNDONE
    assert everything(cli) == before


def test_undo_goes_ahead_on_yes(cli, batch):
    undone = cli("imports", "undo", "1", input="y\n")
    assert undone.exit_code == 0, undone.stderr
    assert undone.stderr == (undo_question(batch)
                             + "undid import batch 1: removed 1 contact, restored 1\n")
    assert [c["name"] for c in json.loads(cli.ok("list", "-f", "json").stdout)] == ["Ada Lovelace"]


@pytest.mark.parametrize("yes", ["--yes", "-y"])
def test_undo_yes_asks_nothing_and_reads_no_stdin(cli, batch, yes):
    undone = cli("imports", "undo", yes, "1")
    assert (undone.exit_code, undone.stderr) == (
        0, "undid import batch 1: removed 1 contact, restored 1\n")


def test_an_undo_that_would_be_refused_is_refused_before_any_question(cli, batch):
    before = everything(cli)
    missing = cli("imports", "undo", "9", input="y\n")
    assert (missing.exit_code, missing.stderr) == (
        3, "tinycrm: error: no import batch 9 (see `tinycrm imports list`)\n")
    cli.ok("tag", "Alan Turing", "met")  # an edit since the import: undo wants --force
    before = everything(cli)
    changed = cli("imports", "undo", "1", input="y\n")
    assert changed.exit_code == 4 and "[y/N]" not in changed.stderr
    assert "Undo with --force" in changed.stderr
    assert everything(cli) == before
    forced = cli("imports", "undo", "1", "--force", input="n\n")  # which it then asks about
    assert forced.stderr == undo_question(batch) + NOT_UNDONE
    cli.ok("imports", "undo", "1", "--force", input="y\n")
    again = cli("imports", "undo", "1", "--force", input="y\n")
    assert (again.exit_code, again.stderr) == (
        4, "tinycrm: error: import batch 1 was already undone\n")


def test_the_undo_question_counts_with_separators(cli, tmp_path):
    path = tmp_path / "many.csv"
    path.write_text("Name,Email\n" + "".join(f"P{i},p{i}@ex.org\n" for i in range(1000)))
    cli.ok("--no-rules", "import", str(path))
    refused = cli("imports", "undo", "1", input="n\n")
    assert refused.stderr.startswith(f"Undo import batch 1 ({path}, 2026-11-23 09:30): remove"
                                     " 1,000 contacts it created and restore 0 it merged into?")


def test_with_stdin_from_dev_null_nothing_is_merged_or_undone(cli, batch, db_path):
    cli.ok("add", "Alan T.", "-e", "a.turing@ex.org")
    before = everything(cli)
    env = {**os.environ, "TINYCRM_USER": "alice"}
    for args, message in ((("merge", "Alan Turing", "a.turing@ex.org"), NOT_MERGED),
                          (("imports", "undo", "1"), NOT_UNDONE)):
        done = subprocess.run([sys.executable, "-m", "tinycrm", "--db", str(db_path), *args],
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env,
                              timeout=60)
        assert (done.returncode, done.stdout) == (1, ""), done.stderr
        assert done.stderr.endswith("[y/N]: \n" + message), done.stderr
    assert everything(cli) == before
