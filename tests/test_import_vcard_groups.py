"""vCard group cards (Apple's and iCloud's X-ADDRESSBOOKSERVER-KIND:group,
4.0's KIND:group): their members get the group's name as a tag, wherever in
the file the group card is."""

import csv
import io
import json

import pytest

from tinycrm.store.importer import ImportOptions, ImportRejected, import_contacts

MARIE_UID = "8F2B1C3D-1111-2222-3333-444455556666"
PIERRE_UID = "urn:uuid:0a1b2c3d-aaaa-bbbb-cccc-ddddeeeeffff"


def card(*lines: str, version: str = "3.0") -> str:
    return "\r\n".join(("BEGIN:VCARD", f"VERSION:{version}", *lines, "END:VCARD")) + "\r\n"


def icloud_group(name: str, *members: str) -> str:
    return card(f"N:{name}", f"FN:{name}", "X-ADDRESSBOOKSERVER-KIND:group",
                *(f"X-ADDRESSBOOKSERVER-MEMBER:{m}" for m in members), "UID:GROUP-" + name)


MARIE = card("N:Curie;Marie;;;", "FN:Marie Curie", "EMAIL:marie@sorbonne.example",
             f"UID:{MARIE_UID}")
# Apple writes the member with urn:uuid:, the person's UID without it; here
# the other way round too, and in the other case.
PIERRE = card("N:Curie;Pierre;;;", "FN:Pierre Curie", "EMAIL:pierre@sorbonne.example",
              f"UID:{PIERRE_UID}", "CATEGORIES:Physics")
ICLOUD = (
    icloud_group("Investors", f"urn:uuid:{MARIE_UID}", "urn:uuid:not-in-this-file")
    + MARIE + PIERRE
    + icloud_group("Nobel Laureates", f"urn:uuid:{MARIE_UID.lower()}",
                   PIERRE_UID.removeprefix("urn:uuid:").upper())
    + card("X-ADDRESSBOOKSERVER-KIND:group", f"X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:{MARIE_UID}")
)


def tags_by_name(store) -> dict[str, list[str]]:
    return {c.name: list(c.tags) for c in store.contacts.list()}


def run(store, text: str, **options):
    rejects = []
    summary = import_contacts(store, io.BytesIO(text.encode()), name="groups.vcf",
                              options=ImportOptions(**options), on_reject=rejects.append)
    return summary, rejects


def test_icloud_groups_before_and_after_their_members_become_tags(store):
    summary, rejects = run(store, ICLOUD)
    assert (summary.created, summary.rejected, rejects) == (2, 0, [])  # groups are no one
    assert tags_by_name(store) == {
        "Marie Curie": ["investors", "nobel laureates"],  # (the nameless group gives none)
        "Pierre Curie": ["nobel laureates", "physics"],
    }


def test_vcard_40_members_by_uid_and_by_address(store):
    text = (card("FN:Ada Lovelace", "EMAIL:Ada@Example.org", version="4.0")
            + card("FN:Grace Hopper", "UID:urn:uuid:11111111-2222-3333-4444-555555555555",
                   "CATEGORIES:  Customers ", version="4.0")
            + card("FN:Bob Nobody", "EMAIL:bob@example.org", version="4.0")
            + card("KIND:group", "FN:  Customers  ", "MEMBER:mailto:ada@example.ORG",
                   "MEMBER:urn:uuid:11111111-2222-3333-4444-555555555555",
                   "MEMBER:mailto:someone-else@example.org", version="4.0")
            + card("KIND:group", "FN:Board", "MEMBER:MAILTO:ADA@EXAMPLE.ORG",
                   "MEMBER:urn:uuid:ffffffff-0000-0000-0000-000000000000", version="4.0"))
    summary, _ = run(store, text)
    assert summary.created == 3
    assert tags_by_name(store) == {
        "Ada Lovelace": ["board", "customers"], "Grace Hopper": ["customers"],  # once
        "Bob Nobody": [],
    }


def test_a_group_that_is_a_member_of_a_group_is_still_no_contact(store):
    text = (MARIE + icloud_group("Science", f"urn:uuid:{MARIE_UID}")
            + icloud_group("Everyone", "urn:uuid:GROUP-Science", f"urn:uuid:{MARIE_UID}"))
    summary, _ = run(store, text)
    assert summary.created == 1
    assert tags_by_name(store) == {"Marie Curie": ["everyone", "science"]}


def test_a_group_named_by_control_characters_alone_gives_no_tag_and_rejects_no_one(store):
    text = MARIE + icloud_group("\x07\x1b", MARIE_UID) + icloud_group("Real", MARIE_UID)
    summary, rejects = run(store, text)
    assert (summary.created, rejects) == (1, [])
    assert tags_by_name(store) == {"Marie Curie": ["real"]}


def test_a_group_named_longer_than_a_tag_may_be_is_cut_and_rejects_no_one(store):
    long = "Friends from the " + "very " * 30 + "long trip"
    summary, rejects = run(store, icloud_group(long, f"urn:uuid:{MARIE_UID}") + MARIE)
    assert (summary.created, rejects) == (1, [])
    (tag,) = tags_by_name(store)["Marie Curie"]
    assert len(tag) == 100 and tag.startswith("friends from the very very")


def test_a_kind_line_cut_by_a_block_end_is_still_found(store, monkeypatch):
    from tinycrm.store.formats import vcardgroups

    monkeypatch.setattr(vcardgroups, "_BLOCK", 5)  # every line falls across blocks
    run(store, MARIE + icloud_group("Investors", f"urn:uuid:{MARIE_UID}"))
    assert tags_by_name(store) == {"Marie Curie": ["investors"]}


class _OneWay(io.RawIOBase):
    """Bytes that can be read once, as a pipe's."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        block = self._data.read(len(buffer))
        buffer[:len(block)] = block
        return len(block)


def test_input_that_cant_seek_is_read_for_its_groups_too(store):
    summary = import_contacts(store, _OneWay(ICLOUD.encode()), name="stdin")
    assert summary.created == 2
    assert tags_by_name(store)["Marie Curie"] == ["investors", "nobel laureates"]


def test_strict_rejects_the_file_and_the_rejected_card_keeps_its_groups(store):
    bad = card("FN:Bad Address", "EMAIL:not-an-address", "UID:BAD-1")
    text = MARIE + bad + icloud_group("Investors", f"urn:uuid:{MARIE_UID}", "urn:uuid:bad-1")
    rejects = []
    with pytest.raises(ImportRejected):
        import_contacts(store, io.BytesIO(text.encode()), name="groups.vcf",
                        options=ImportOptions(strict=True), on_reject=rejects.append)
    assert tags_by_name(store) == {}
    ((cell,),) = [r.cells for r in rejects]
    assert cell.splitlines()[-2:] == ["CATEGORIES:Investors", "END:VCARD"]


# -- through the CLI -------------------------------------------------------------------


def contacts(cli) -> list[dict]:
    return json.loads(cli.ok("list", "--sort", "created", "-f", "json").stdout)


def test_cli_import_from_a_file_and_from_stdin(cli, tmp_path):
    path = tmp_path / "icloud.vcf"
    path.write_bytes(ICLOUD.encode())
    result = cli("import", str(path))
    assert result.exit_code == 0, result.stderr
    assert "2 created" in result.stderr
    assert [(c["name"], c["tags"]) for c in contacts(cli)] == [
        ("Marie Curie", ["investors", "nobel laureates"]),
        ("Pierre Curie", ["nobel laureates", "physics"]),
    ]
    again = cli("import", "-", input=icloud_group("Donors", f"urn:uuid:{MARIE_UID}") + MARIE)
    assert again.exit_code == 0, again.stderr
    assert "1 merged" in again.stderr
    assert contacts(cli)[0]["tags"] == ["donors", "investors", "nobel laureates"]


def test_cli_dry_run_plans_the_tags_and_writes_nothing(cli, tmp_path):
    cli.ok("add", "Marie Curie", "-e", "marie@sorbonne.example")
    path = tmp_path / "icloud.vcf"
    path.write_bytes((MARIE + icloud_group("Investors", MARIE_UID)).encode())
    result = cli("import", str(path), "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "#1 Marie Curie  (tags" in result.stdout and "1 merged" in result.stderr
    assert contacts(cli)[0]["tags"] == []


def test_cli_rejects_file_keeps_the_groups_when_imported_again(cli, tmp_path):
    path = tmp_path / "icloud.vcf"
    bad = card("FN:Bad Address", "EMAIL:not-an-address", "UID:BAD-1")
    path.write_bytes((MARIE + bad + icloud_group("Investors", MARIE_UID, "BAD-1")).encode())
    rejects = tmp_path / "rejects.csv"
    result = cli("import", str(path), "--rejects", str(rejects))
    assert result.exit_code == 1
    assert "1 created" in result.stderr and "1 rejected" in result.stderr
    rows = list(csv.reader(rejects.open(newline="", encoding="utf-8")))
    assert rows[1][0] == "8"  # still filed under its BEGIN:VCARD line
    assert rows[1][2].splitlines()[-2:] == ["CATEGORIES:Investors", "END:VCARD"]
    fixed = rejects.read_text(encoding="utf-8").replace("not-an-address", "bad@example.org")
    rejects.write_text(fixed, encoding="utf-8")
    cli.ok("import", str(rejects))
    assert [(c["name"], c["tags"]) for c in contacts(cli)] == [
        ("Marie Curie", ["investors"]), ("Bad Address", ["investors"])]
