"""A team on one database file: assign, --mine/--owner everywhere, stale edits
refused (exit 4) across processes, no lost updates, owner-only files."""

import json
import os
import stat
import subprocess
import sys
from datetime import timedelta

import pytest

from tinycrm.store import Store
from tinycrm.store.team import assign

from .conftest import FROZEN, REPO, run_tinycrm

TAGGER = """
import sys
from tinycrm.store import Store
db, prefix, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with Store(db, user=prefix) as store:
    for i in range(n):
        store.contacts.tag(1, [f"{prefix}{i}"])
"""


def test_an_owner_changed_by_edit_takes_the_open_followups_too(cli):
    cli.ok("add", "Ada", "-e", "ada@ex.org")                       # alice's new-lead follow-up
    cli.ok("follow-up", "add", "ada@ex.org", "--due", "tomorrow", "--owner", "carol")
    cli.ok("edit", "ada@ex.org", "--set", "owner=bob")
    owners = {f["id"]: f["owner"]
              for f in json.loads(cli.ok("follow-up", "list", "--all", "-f", "json").stdout)}
    assert owners == {1: "bob", 2: "carol"}
    moves = [(e["entity"], e["entity_id"], e["after"]) for e in
             json.loads(cli.ok("audit", "1", "-f", "json").stdout) if e["action"] == "update"]
    assert ("followup", 1, {"owner": "bob"}) in moves


async def test_an_owner_changed_in_the_apps_form_takes_the_open_followups_too(store):
    from .test_tui import make_app, save_in_form

    ada = store.contacts.add("Ada Lovelace")
    store.followups.add(ada.id, store.now(), note="call")
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await save_in_form(app, pilot, "Ada Lovelace", owner="bob")
    assert store.contacts.get(ada.id).owner == "bob"
    assert {f.owner for f in store.followups.list(contact_id=ada.id)} == {"bob"}


def test_assign_hands_over_the_contact_and_its_open_followups(cli):
    cli.ok("add", "Ada", "-e", "ada@ex.org")                       # alice's, with a new-lead follow-up
    cli.ok("follow-up", "add", "ada@ex.org", "--due", "tomorrow", "--owner", "carol")
    cli.ok("follow-up", "add", "ada@ex.org", "--due", "tomorrow")
    cli.ok("follow-up", "done", "3")
    result = cli.ok("assign", "ada@ex.org", "bob")
    assert result.stderr == "Ada: alice → bob (1 open follow-up moved)\n"
    owners = {f["id"]: (f["owner"], f["status"])
              for f in json.loads(cli.ok("follow-up", "list", "--all", "-f", "json").stdout)}
    # The open one alice had moves; carol's stays hers; a done one is history.
    assert owners == {1: ("bob", "open"), 2: ("carol", "open"), 3: ("alice", "done")}
    assert json.loads(cli.ok("show", "1", "-f", "json").stdout)["owner"] == "bob"
    again = cli.ok("assign", "1", "bob")
    assert again.stderr == "Ada already belongs to bob\n"
    assert cli("assign", "1", "  ").exit_code == 2


def test_mine_and_owner_filter_everywhere(cli):
    cli.ok("add", "Ada", "-e", "ada@ex.org", "--tag", "x")
    cli.ok("--user", "bob", "add", "Adam", "-e", "adam@ex.org", "--tag", "x")

    def names(*args, key="name"):
        return sorted(r[key] for r in json.loads(cli.ok(*args, "-f", "json").stdout))

    assert names("list", "--mine") == ["Ada"]
    assert names("list", "--owner", "bob") == ["Adam"]
    assert names("search", "ada", "--mine") == ["Ada"]
    assert names("search", "ada", "--owner", "bob") == ["Adam"]
    assert names("follow-up", "list", "--mine", key="contact_name") == ["Ada"]
    assert names("follow-up", "list", "--owner", "bob", key="contact_name") == ["Adam"]
    assert names("rules", "show", "new-lead", "--mine", key="contact_name") == ["Ada"]
    assert names("rules", "show", "new-lead", "--owner", "bob", key="contact_name") == ["Adam"]
    report = json.loads(cli.ok("report", "--owner", "bob", "-f", "json").stdout)
    assert report["contacts_by_stage"]["lead"] == 1 and report["period"]["owner"] == "bob"
    mine = json.loads(cli.ok("--user", "bob", "report", "--mine", "-f", "json").stdout)
    assert mine["period"]["owner"] == "bob"


def test_a_stale_edit_is_refused_with_exit_4(cli):
    cli.ok("add", "Ada", "-e", "ada@ex.org")
    version = json.loads(cli.ok("show", "1", "-f", "json").stdout)["version"]
    cli.ok("--user", "bob", "edit", "1", "--company", "Engines")
    for args in (("edit", "1", "--title", "Countess"), ("stage", "1", "customer"),
                 ("assign", "1", "carol")):
        stale = cli(*args, "--if-version", str(version))
        assert stale.exit_code == 4, args
        assert stale.stderr == ("tinycrm: error: contact 1 (Ada) was changed by someone else since"
                                " you read it; reload and try again\n")
    shown = json.loads(cli.ok("show", "1", "-f", "json").stdout)
    assert (shown["company"], shown["title"], shown["stage"], shown["owner"]) == (
        "Engines", None, "lead", "alice")
    cli.ok("stage", "1", "customer", "--if-version", str(shown["version"]))


def test_stale_edit_across_real_processes(db_path):
    with Store(db_path, user="alice") as store:
        version = store.contacts.add("Ada").version           # alice reads version 1 ...
    bob = run_tinycrm("--user", "bob", "edit", "1", "--set", "company=Engines", db=db_path)
    assert bob.returncode == 0                                 # ... bob edits meanwhile ...
    alice = run_tinycrm("edit", "1", "--set", "company=Looms", "--if-version", str(version),
                        db=db_path)                            # ... alice's edit is refused
    assert alice.returncode == 4 and "changed by someone else" in alice.stderr
    assert "Traceback" not in alice.stderr
    with Store(db_path, user="alice") as store:
        assert store.contacts.get(1).company == "Engines"


def test_no_lost_updates_when_two_processes_tag_one_contact(db_path):
    with Store(db_path, user="alice") as store:
        store.contacts.add("Ada")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    procs = [subprocess.Popen([sys.executable, "-c", TAGGER, str(db_path), prefix, "60"], env=env,
                              stderr=subprocess.PIPE, text=True)
             for prefix in ("a", "b")]
    for proc in procs:
        assert proc.wait(timeout=60) == 0, proc.stderr.read()
    with Store(db_path, user="alice") as store:
        tags = set(store.contacts.get(1).tags)
        assert tags == {f"{p}{i}" for p in "ab" for i in range(60)}
        audited = [a for a in store.audit.list(1) if a.action == "update"]
        assert len(audited) == 120


# -- permissions ---------------------------------------------------------------------


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_database_wal_and_shm_are_owner_only_whatever_the_umask(db_path):
    old = os.umask(0)
    try:
        with Store(db_path, user="alice") as store:
            store.contacts.add("Ada")
            assert os.path.exists(str(db_path) + "-wal") and os.path.exists(str(db_path) + "-shm")
            for suffix in ("", "-wal", "-shm"):
                assert mode(str(db_path) + suffix) == 0o600, suffix
        assert mode(db_path.parent) == 0o700
    finally:
        os.umask(old)


def test_every_folder_made_for_the_database_is_owner_only(tmp_path):
    old = os.umask(0)
    try:
        Store(tmp_path / "a" / "b" / "crm.db", user="alice").close()
    finally:
        os.umask(old)
    assert (mode(tmp_path / "a"), mode(tmp_path / "a" / "b")) == (0o700, 0o700)


def test_a_loose_existing_file_is_tightened(db_path):
    Store(db_path, user="alice").close()
    os.chmod(db_path, 0o644)
    with Store(db_path, user="alice"):
        assert mode(db_path) == 0o600


def test_db_check_reports_loose_permissions(cli, db_path):
    cli.ok("add", "Ada")
    assert "permissions:  ok  owner-only" in cli.ok("db", "check").stdout
    os.chmod(db_path, 0o640)
    # Opening tightens it again, so make it loose behind the store's back.
    from tinycrm.store.maintenance import check

    with Store(db_path, user="alice") as store:
        os.chmod(db_path, 0o640)
        result = check(store)
    assert not result.ok
    assert [c.detail for c in result.checks if c.name == "permissions"] == ["tinycrm.db is 0640"]


@pytest.mark.parametrize("args", [("privacy", "export", "1", "--output", "{out}"),
                                  ("db", "backup", "{out}")])
def test_files_we_write_are_owner_only(cli, tmp_path, args):
    cli.ok("add", "Ada")
    out = tmp_path / "out.file"
    old = os.umask(0)
    try:
        cli.ok(*(a.format(out=out) for a in args))
    finally:
        os.umask(old)
    assert mode(out) == 0o600


def test_an_import_that_updates_the_owner_hands_over_and_its_undo_hands_back(cli, tmp_path):
    cli.ok("add", "Ann Lee", "--email", "ann@x.org")                  # alice's new-lead follow-up
    cli.ok("follow-up", "add", "ann@x.org", "--due", "tomorrow")
    cli.ok("follow-up", "add", "ann@x.org", "--due", "tomorrow", "--owner", "carol")
    path = tmp_path / "owners.csv"
    path.write_text("name,email,owner\nAnn Lee,ann@x.org,bob\n")
    cli.ok("import", str(path), "--on-duplicate", "update")

    def owners() -> dict[int, str]:
        return {f["id"]: f["owner"]
                for f in json.loads(cli.ok("follow-up", "list", "--all", "-f", "json").stdout)}

    assert owners() == {1: "bob", 2: "bob", 3: "carol"}
    cli.ok("imports", "undo", "1", "--yes")
    assert json.loads(cli.ok("show", "1", "-f", "json").stdout)["owner"] == "alice"
    assert owners() == {1: "alice", 2: "alice", 3: "carol"}


def test_undo_hands_back_only_what_the_import_handed_over(cli, tmp_path):
    cli.ok("add", "Ann One", "--email", "ann@x.org")                  # alice's new-lead: 1
    path = tmp_path / "owners.csv"
    path.write_text("name,email,owner\nAnn One,ann@x.org,bob\n")
    cli.ok("import", str(path), "--on-duplicate", "update")
    cli.ok("--user", "bob", "follow-up", "add", "1", "--due", "+5d", "-m", "bob's own")  # 2
    cli.ok("imports", "undo", "1", "--yes")
    owners = {f["id"]: f["owner"]
              for f in json.loads(cli.ok("follow-up", "list", "--all", "-f", "json").stdout)}
    assert owners == {1: "alice", 2: "bob"}


def test_undoing_two_owner_changes_in_turn_hands_the_follow_up_back_to_the_first(cli, tmp_path):
    cli.ok("add", "Ann One", "--email", "ann@x.org")                  # alice's new-lead: 1
    for owner in ("bob", "carol"):
        path = tmp_path / f"{owner}.csv"
        path.write_text(f"name,email,owner\nAnn One,ann@x.org,{owner}\n")
        cli.ok("import", str(path), "--on-duplicate", "update")
    cli.ok("imports", "undo", "1", "--force", "--yes")
    cli.ok("imports", "undo", "2", "--yes")
    assert json.loads(cli.ok("show", "1", "-f", "json").stdout)["owner"] == "alice"
    [followup] = json.loads(cli.ok("follow-up", "list", "--all", "-f", "json").stdout)
    assert followup["owner"] == "alice"


def test_assign_names_the_open_follow_ups_the_previous_owner_had(store):
    ada = store.contacts.add("Ada", stage="customer")      # (no new-lead follow-up)
    f = store.followups
    first = f.add(ada.id, FROZEN + timedelta(days=1), note="first")
    second = f.add(ada.id, FROZEN + timedelta(days=2), note="second")
    f.done(f.add(ada.id, FROZEN + timedelta(days=3), note="done").id)
    f.add(ada.id, FROZEN + timedelta(days=1), note="carol's", owner="carol")
    done = assign(store, ada.id, "bob")
    assert (done.previous_owner, done.contact.owner) == ("alice", "bob")
    assert done.moved_followups == (first.id, second.id)
    assert assign(store, ada.id, "bob").moved_followups == ()


def test_the_wal_shrinks_after_a_large_write_while_the_app_stays_open(db_path, clock,
                                                                     monkeypatch):
    """A big import grows the -wal; with the app open all day (so the file is
    never closed by everyone) it stayed that size: 1.6 GB after a million-row
    import and its undo, for 200 contacts. The next write cuts it back."""
    from tinycrm.store import db
    from tinycrm.store.demo import fill

    monkeypatch.setattr(db, "WAL_SIZE_LIMIT", 1024 * 1024, raising=False)  # (64 MiB in use)
    wal = db_path.with_name(db_path.name + "-wal")
    with Store(db_path, user="alice", clock=clock) as app, \
            Store(db_path, user="carol", clock=clock) as importer:
        fill(importer, 3000, seed=1)  # (past the 1000 pages that set off a checkpoint)
        assert wal.stat().st_size > 4 * db.WAL_SIZE_LIMIT
        importer.contacts.add("After the import")
        assert wal.stat().st_size <= db.WAL_SIZE_LIMIT
        assert app.contacts.get(3001).name == "After the import"
