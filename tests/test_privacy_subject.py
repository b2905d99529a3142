"""Whom `privacy export REF` and `privacy erase REF` find by what a person
asking gives: an address they had, changed since, is theirs still."""

from __future__ import annotations

import json

from .test_privacy import file_bytes


def names(cli) -> list[str]:
    return [c["name"] for c in json.loads(cli.ok("list", "-f", "json").stdout)]


def test_erase_by_an_address_they_changed_since_finds_them_and_says_so(cli, db_path):
    cli.ok("--no-rules", "add", "Zed Quorn", "-e", "zed.old@hidden-example.org")
    cli.ok("--no-rules", "add", "Bystander Bo", "-e", "bo@ex.org")
    cli.ok("edit", "Zed Quorn", "-e", "zed.new@hidden-example.org")
    result = cli("privacy", "erase", "ZED.OLD@hidden-example.org", input="n\n")
    assert result.exit_code == 1   # asked first, about them
    assert result.stderr.splitlines()[:2] == [
        "ZED.OLD@hidden-example.org is no one's address now: contact 1 (Zed Quorn) had it before",
        "Erase contact 1 (Zed Quorn) and all their history for good? [y/N]: "
        "nothing erased (use --yes to skip the question)"]
    assert names(cli) == ["Bystander Bo", "Zed Quorn"]
    result = cli.ok("privacy", "erase", "zed.old@hidden-example.org", "--yes")
    assert "erased contact 1 (Zed Quorn)" in result.stderr
    assert names(cli) == ["Bystander Bo"]
    data = file_bytes(db_path).lower()
    assert b"zed.old" not in data and b"zed.new" not in data and b"quorn" not in data


def test_export_by_an_address_they_changed_since_is_theirs(cli):
    cli.ok("--no-rules", "add", "Zed Quorn", "-e", "zed.old@hidden-example.org")
    cli.ok("edit", "1", "-e", "zed.new@hidden-example.org")
    result = cli.ok("privacy", "export", "zed.old@hidden-example.org")
    assert json.loads(result.stdout)["contact"]["emails"] == ["zed.new@hidden-example.org"]
    assert "contact 1 (Zed Quorn) had it before" in result.stderr


def test_an_address_of_a_duplicate_merged_in_then_dropped_is_the_keepers(cli):
    cli.ok("--no-rules", "add", "Ada A", "-e", "a@ex.org")
    cli.ok("--no-rules", "add", "Ada B", "-e", "b@ex.org")
    cli.ok("merge", "1", "2", "--yes")
    cli.ok("edit", "1", "-e", "a@ex.org")
    result = cli.ok("privacy", "export", "b@ex.org")
    assert json.loads(result.stdout)["contact"]["id"] == 1


def test_an_address_two_live_contacts_had_asks_which(cli):
    """A role address that moved from one person to another: which one asks
    can't be told, so nothing is erased and both are named."""
    cli.ok("--no-rules", "add", "Front Desk", "-e", "info@acme.example")
    cli.ok("edit", "1", "-e", "desk@acme.example")
    cli.ok("--no-rules", "add", "Pat Lee", "-e", "info@acme.example")
    cli.ok("edit", "2", "-e", "pat@acme.example")
    result = cli("privacy", "erase", "info@acme.example", "--yes")
    assert result.exit_code == 4, result.stderr
    assert "no one's address now; 2 contacts had it before: use an id" in result.stderr
    assert result.stderr.splitlines()[1:] == [
        "  ID  NAME        EMAIL              COMPANY",
        "  2   Pat Lee     pat@acme.example",
        "  1   Front Desk  desk@acme.example"]
    assert names(cli) == ["Front Desk", "Pat Lee"]


def test_the_one_who_has_it_now_is_the_one_not_who_had_it(cli):
    cli.ok("--no-rules", "add", "Front Desk", "-e", "info@acme.example")
    cli.ok("edit", "1", "-e", "desk@acme.example")
    cli.ok("--no-rules", "add", "Pat Lee", "-e", "info@acme.example")
    cli.ok("privacy", "erase", "info@acme.example", "--yes")
    assert names(cli) == ["Front Desk"]


def test_a_deleted_contact_that_had_it_last_is_the_one(cli):
    """The address moved on from Front Desk to Pat, whom `rm` deleted since."""
    cli.ok("--no-rules", "add", "Front Desk", "-e", "info@acme.example")
    cli.ok("edit", "1", "-e", "desk@acme.example")
    cli.ok("--no-rules", "add", "Pat Lee", "-e", "info@acme.example")
    cli.ok("rm", "2", "--yes")
    result = cli.ok("privacy", "export", "info@acme.example")
    contact = json.loads(result.stdout)["contact"]
    assert (contact["id"], contact["deleted"]) == (2, True)
    assert result.stderr == ("info@acme.example is no one's address now:"
                             " contact 2 (Pat Lee), deleted since, had it\n")


def test_a_deleted_record_with_an_address_they_had_before_goes_with_them(cli, db_path):
    """Typed in twice: the first record deleted, the second's address changed
    since. The first is an earlier record of theirs, as one with their
    present address is."""
    cli.ok("--no-rules", "add", "Zed Quorn", "-e", "zed.old@hidden-example.org")
    cli.ok("log", "1", "asked about the zanzibar order")
    cli.ok("rm", "1", "--yes")
    cli.ok("--no-rules", "add", "Zed Q.", "-e", "zed.old@hidden-example.org")
    cli.ok("edit", "2", "-e", "zed.new@hidden-example.org")
    data = json.loads(cli.ok("privacy", "export", "2").stdout)
    assert [e["contact_id"] for e in data["earlier_records"]] == [1]
    cli.ok("privacy", "erase", "zed.old@hidden-example.org", "--yes")
    assert cli("privacy", "export", "1").exit_code == 3
    assert b"zanzibar" not in file_bytes(db_path) and b"Quorn" not in file_bytes(db_path)


def test_the_help_says_an_address_they_had_is_theirs(cli):
    for command in ("export", "erase"):
        assert "email (one they had before too)" in cli.ok("privacy", command, "--help").stdout


def test_a_deleted_record_whose_address_differs_in_a_non_ascii_letters_case_goes_too(
        cli, db_path):
    """Addresses are one by their key, lower-cased in Python: ÖZIL@ is özil@.
    The deleted record is theirs as one with the address as they have it is
    (SQLite's lower() folds ASCII letters alone: it was left, name and all)."""
    cli.ok("--no-rules", "add", "Zoe Quarkson", "-e", "ÖZIL.Q@example.org")
    cli.ok("rm", "1", "--yes")
    cli.ok("--no-rules", "add", "Z. Q.", "-e", "özil.q@example.org")
    data = json.loads(cli.ok("privacy", "export", "2").stdout)
    assert [e["contact_id"] for e in data["earlier_records"]] == [1]
    cli.ok("privacy", "erase", "2", "--yes")
    assert cli("privacy", "export", "1").exit_code == 3
    assert b"Quarkson" not in file_bytes(db_path)
