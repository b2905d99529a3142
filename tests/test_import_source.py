"""Where an imported contact came from (`source`): another tool's export
names that tool, as a Google CSV gives `google`; tinycrm's own files carry
their contacts' own source, or none."""

import json

from .test_import_vcard import write

# Another address book's cards: one with nothing but a name and an address
# (a chunk of such cards takes the import's fast lane), one with a UID and
# more (the row path).
PLAIN = """BEGIN:VCARD
VERSION:3.0
FN:Ada Lovelace
EMAIL:ada@ex.org
END:VCARD
"""
FULL = """BEGIN:VCARD
VERSION:3.0
PRODID:-//Apple Inc.//macOS 14.0//EN
UID:5F1C2D3E-0000-4000-8000-000000000001
N:Hopper;Grace;;;
FN:Grace Hopper
EMAIL;TYPE=INTERNET,WORK:grace@navy.example
URL:https://navy.example
END:VCARD
"""


def by_name(cli, *db) -> dict[str, dict]:
    listed = json.loads(cli.ok(*db, "list", "-f", "json").stdout)
    return {c["name"]: c for c in listed}


def test_a_vcard_from_another_address_book_is_the_contacts_source(cli, tmp_path):
    cli.ok("--no-rules", "add", "Old Friend", "-e", "old@ex.org")
    cli.ok("import", write(tmp_path, "plain.vcf", PLAIN))
    cli.ok("import", write(tmp_path, "full.vcf", FULL))
    merged = "BEGIN:VCARD\nVERSION:3.0\nFN:Old Friend\nEMAIL:old@ex.org\nTITLE:Chef\nEND:VCARD\n"
    cli.ok("import", write(tmp_path, "merged.vcf", merged))
    people = by_name(cli)
    assert people["Ada Lovelace"]["source"] == "vcard"
    assert people["Grace Hopper"]["source"] == "vcard"
    # (A contact a card merges into is not new from it: its source stays.)
    assert (people["Old Friend"]["title"], people["Old Friend"]["source"]) == ("Chef", None)


def test_a_cards_own_source_wins_and_tinycrms_own_cards_keep_theirs(cli, tmp_path):
    cli.ok("--no-rules", "add", "Ada Lovelace", "-e", "ada@ex.org")
    cli.ok("edit", "1", "--set", "source=referral")
    cli.ok("--no-rules", "add", "Bob Stone", "-e", "bob@ex.org")
    exported = tmp_path / "tinycrm.vcf"
    cli.ok("export", "-f", "vcard", "-o", str(exported))
    other = ["--db", str(tmp_path / "other.db")]
    cli.ok(*other, "import", str(exported))
    people = by_name(cli, *other)
    assert people["Ada Lovelace"]["source"] == "referral"
    assert people["Bob Stone"]["source"] is None  # (a round trip: none, as it had)


def test_a_card_of_tinycrms_own_export_twice_in_one_file_keeps_its_source(cli, tmp_path):
    """Two exports in one file (`cat vips.vcf investors.vcf`): a contact's
    second card merges into the contact its first makes, which still brings
    back its own source (none), not vcard."""
    cli.ok("--no-rules", "add", "Bob Stone", "-e", "bob@ex.org")
    exported = tmp_path / "tinycrm.vcf"
    cli.ok("export", "-f", "vcard", "-o", str(exported))
    twice = tmp_path / "twice.vcf"
    twice.write_text(exported.read_text() * 2)
    other = ["--db", str(tmp_path / "other.db")]
    cli.ok(*other, "import", str(twice))
    people = by_name(cli, *other)
    assert list(people) == ["Bob Stone"]
    assert people["Bob Stone"]["source"] is None
