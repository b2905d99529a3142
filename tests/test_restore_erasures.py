"""`db restore` of a backup made before an erasure erases the person again
(GDPR): whom the replaced database's tombstones name, with their other
records, leaves the restored database and its file's bytes, and the
tombstones stay for the next restore."""

from __future__ import annotations

import json
from pathlib import Path

from .test_erase_residue import raw

EMAIL, PHONE = "zq-restored@example.test", "+44 7700 900872"
SECRETS = (EMAIL.encode(), b"900872", b"Quixotic", b"Xylophage", b"marmalade")


def person(cli, name: str = "Zebulon Quixotic", *more: str) -> int:
    return int(cli.ok("--no-rules", "add", name, "-e", EMAIL, "-p", PHONE,
                      "--company", "Xylophage Dynamics", "-m", "allergic to marmalade",
                      *more).stdout)


def names(cli) -> list[str]:
    return sorted(c["name"] for c in json.loads(cli.ok("list", "-f", "json").stdout))


def restore(cli, backup: Path):
    return cli.ok("db", "restore", str(backup), "--yes")


def test_a_person_erased_after_the_backup_is_erased_again_by_its_restore(cli, db_path, tmp_path):
    bea = int(cli.ok("--no-rules", "add", "Beatrix Bystander").stdout)
    cli.ok("log", str(bea), f"introduced by {EMAIL}")
    zeb = person(cli)
    cli.ok("follow-up", "add", str(zeb), "-d", "2030-01-01", "-m", "send the marmalade")
    backup = tmp_path / "before.db"
    cli.ok("db", "backup", str(backup))
    cli.ok("privacy", "erase", str(zeb), "--yes")

    done = restore(cli, backup)
    assert done.stderr == (f"restored 1 contacts from {backup}\n"
                           "re-applied 1 erasure made since the backup\n")
    assert names(cli) == ["Beatrix Bystander"]
    assert cli("show", str(zeb)).exit_code == 3
    [note] = [e["text"] for e in json.loads(cli.ok("timeline", str(bea), "-f", "json").stdout)
              if e["kind"] == "note"]
    assert note == "introduced by [erased]"
    for secret in SECRETS:
        assert secret not in raw(db_path), secret
    assert not Path(f"{db_path}-wal").exists() or Path(f"{db_path}-wal").stat().st_size == 0
    audit = json.loads(cli.ok("audit", "-n", "2", "-f", "json").stdout)
    assert [(a["action"], a["entity_id"]) for a in audit] == [("restore", None), ("erase", zeb)]
    assert audit[0]["after"] == {"from": str(backup), "contacts": 1, "erasures": 1}
    assert "Quixotic" not in json.dumps(audit)


def test_the_tombstones_stay_so_an_even_older_backup_is_erased_again_too(cli, db_path, tmp_path):
    zeb = person(cli)
    older, newer = tmp_path / "older.db", tmp_path / "newer.db"
    cli.ok("db", "backup", str(older))
    cli.ok("--no-rules", "add", "Ada Later")
    cli.ok("db", "backup", str(newer))
    cli.ok("privacy", "erase", str(zeb), "--yes")
    assert "re-applied 1 erasure" in restore(cli, newer).stderr
    assert names(cli) == ["Ada Later"]

    done = restore(cli, older)
    assert done.stderr == (f"restored 0 contacts from {older}\n"
                           "re-applied 1 erasure made since the backup\n")
    assert names(cli) == []
    for secret in SECRETS:
        assert secret not in raw(db_path), secret
    # Once the backup has the tombstone, nothing is left to re-apply.
    again = tmp_path / "again.db"
    cli.ok("db", "backup", str(again))
    assert restore(cli, again).stderr == f"restored 0 contacts from {again}\n"


def test_records_merged_into_the_person_after_the_backup_are_erased_with_them(cli, db_path,
                                                                               tmp_path):
    """In the backup the duplicate is a contact of its own still: the
    tombstone names it (by id), as the merge that made it theirs is gone."""
    zeb = person(cli)
    dup = int(cli.ok("--no-rules", "add", "Zeb Q.", "-e", "zq-other@example.test",
                     "--title", "Gyroscope Wrangler").stdout)
    cli.ok("--no-rules", "add", "Ada Stays")
    backup = tmp_path / "before.db"
    cli.ok("db", "backup", str(backup))
    cli.ok("merge", str(zeb), str(dup), "--yes")
    cli.ok("privacy", "erase", str(zeb), "--yes")

    assert "re-applied 1 erasure" in restore(cli, backup).stderr
    assert names(cli) == ["Ada Stays"]
    for secret in (*SECRETS, b"zq-other", b"Gyroscope"):
        assert secret not in raw(db_path), secret


def test_an_earlier_deleted_record_of_theirs_in_the_backup_goes_too(cli, db_path, tmp_path):
    """A record of theirs deleted before the backup is kept by its audit
    entries (with their old address): erase's machinery finds it there."""
    first = int(cli.ok("--no-rules", "add", "Zebulon Old", "-e", EMAIL,
                       "-p", "+44 7700 900999").stdout)
    cli.ok("rm", str(first), "--yes")
    zeb = person(cli)
    backup = tmp_path / "before.db"
    cli.ok("db", "backup", str(backup))
    cli.ok("privacy", "erase", str(zeb), "--yes")

    restore(cli, backup)
    assert names(cli) == []
    assert "the audit log has nothing of one" in cli("audit", str(first)).stderr
    for secret in (*SECRETS, b"900999", b"Zebulon"):
        assert secret not in raw(db_path), secret


def test_a_restore_with_no_erasure_since_the_backup_says_nothing_of_them(cli, tmp_path):
    zeb = person(cli)
    cli.ok("privacy", "erase", str(zeb), "--yes")
    backup = tmp_path / "after.db"
    cli.ok("db", "backup", str(backup))
    cli.ok("--no-rules", "add", "Ada")
    done = restore(cli, backup)
    assert done.stderr == f"restored 0 contacts from {backup}\n"
    audit = json.loads(cli.ok("audit", "-n", "1", "-f", "json").stdout)[0]
    assert audit["after"] == {"from": str(backup), "contacts": 0}


def test_a_damaged_database_set_aside_still_has_its_erasures_made_again(cli, db_path, tmp_path):
    """Restoring over a file whose contacts can't be read sets it aside and
    restores into a new one: its tombstones (in the audit log, which still
    reads) went with it, and the backup brought the erased person back."""
    import sqlite3

    zeb = person(cli)
    cli.ok("--no-rules", "add", "Beatrix Bystander")
    backup = tmp_path / "before.db"
    cli.ok("db", "backup", str(backup))
    cli.ok("privacy", "erase", str(zeb), "--yes")
    conn = sqlite3.connect(db_path)
    size, root = conn.execute("SELECT (SELECT page_size FROM pragma_page_size), rootpage"
                              " FROM sqlite_master WHERE name = 'contacts'").fetchone()
    conn.close()
    with open(db_path, "r+b") as file:  # the contacts table's root page
        file.seek((root - 1) * size)
        file.write(b"\xff" * size)

    done = restore(cli, backup)
    assert "is damaged: kept as" in done.stderr
    assert "re-applied 1 erasure made since the backup\n" in done.stderr
    assert names(cli) == ["Beatrix Bystander"]
    for secret in SECRETS:
        assert secret not in raw(db_path), secret


def damage_contacts(db_path: Path) -> None:
    """The contacts table's root page overwritten: the file opens, its contacts don't read."""
    import sqlite3

    conn = sqlite3.connect(db_path)
    size, root = conn.execute("SELECT (SELECT page_size FROM pragma_page_size), rootpage"
                              " FROM sqlite_master WHERE name = 'contacts'").fetchone()
    conn.close()
    with open(db_path, "r+b") as file:
        file.seek((root - 1) * size)
        file.write(b"\xff" * size)


def test_an_id_a_damaged_files_tombstone_names_is_not_given_again(cli, db_path, tmp_path):
    """The backup's ids end before the erased person's: a new contact that
    took their id had the tombstone for theirs, and a backup of it with that
    tombstone brought them back after their own erasure."""
    cli.ok("--no-rules", "add", "Beatrix Bystander")
    backup = tmp_path / "before.db"
    cli.ok("db", "backup", str(backup))
    zeb = person(cli)
    fu = int(cli.ok("follow-up", "add", str(zeb), "-d", "2030-01-01").stdout)
    cli.ok("privacy", "erase", str(zeb), "--yes")
    damage_contacts(db_path)
    assert "re-applied 1 erasure" in restore(cli, backup).stderr

    nina = int(cli.ok("--no-rules", "add", "Nina Newcomer").stdout)
    assert nina > zeb
    assert int(cli.ok("follow-up", "add", str(nina), "-d", "2030-01-01").stdout) > fu
    with_nina = tmp_path / "with-nina.db"
    cli.ok("db", "backup", str(with_nina))
    cli.ok("privacy", "erase", str(nina), "--yes")
    assert "re-applied 1 erasure" in restore(cli, with_nina).stderr
    assert names(cli) == ["Beatrix Bystander"]
