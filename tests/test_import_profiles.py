"""A LinkedIn profile URL identifies a person: LinkedIn's Connections.csv has
an address for few connections, and importing it again must not make the
others twice."""

import io
import json

import pytest

from tinycrm.store import importer
from tinycrm.store.importer import ImportOptions, import_contacts
from tinycrm.store.profiles import profile_key

PREAMBLE = ('Notes:\n"When exporting your connection data, you may notice that some of the'
            ' email addresses are missing."\n\n')
HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
CONNECTIONS = PREAMBLE + HEADER + (
    "Ada,Lovelace,https://www.linkedin.com/in/ada-lovelace-1815,,Engines,Countess,10 Dec 2020\n"
    "Grace,Hopper,https://www.linkedin.com/in/gracehopper,grace@navy.example,Navy,Admiral,"
    "01 Jan 2021\n"
    "Alan,Turing,https://www.linkedin.com/in/alan-turing,,Bletchley,,02 Feb 2022\n"
)


def run(store, text: str, name: str = "Connections.csv", **options):
    return import_contacts(store, io.BytesIO(text.encode()), name=name,
                           options=ImportOptions(**options))


def people(store) -> dict[str, int]:
    return {c.name: c.id for c in store.contacts.list()}


@pytest.mark.parametrize("url, key", [
    ("https://www.linkedin.com/in/ada-lovelace-1815", "linkedin:ada-lovelace-1815"),
    ("http://uk.linkedin.com/in/Ada-Lovelace-1815/", "linkedin:ada-lovelace-1815"),
    ("https://m.linkedin.com/in/ada-lovelace-1815", "linkedin:ada-lovelace-1815"),
    ("linkedin.com/in/ada-lovelace-1815?trk=people", "linkedin:ada-lovelace-1815"),
    (" https://LinkedIn.com/in/j%C3%B6rg-m/ ", "linkedin:jörg-m"),
    ("https://www.linkedin.com/company/engines", None),
    ("https://example.com/linkedin.com/in/ada", None),
    ("see linkedin.com/in/ada for more", None),
    (42, None),
])
def test_profile_keys(url, key):
    assert profile_key(url) == key


def test_importing_connections_again_makes_no_one_twice(store):
    first = run(store, CONNECTIONS)
    assert first.created == 3
    again = run(store, CONNECTIONS)
    assert (again.created, again.unchanged) == (0, 3)
    assert len(store.contacts.list()) == 3


def test_a_dry_run_of_the_second_import_says_the_same(store):
    run(store, CONNECTIONS)
    plan = run(store, CONNECTIONS, dry_run=True)
    assert (plan.created, plan.unchanged) == (0, 3)


def test_a_profile_matches_across_formats_and_fills_what_the_contact_lacks(store):
    run(store, CONNECTIONS)
    google = ("First Name,Last Name,E-mail 1 - Label,E-mail 1 - Value,Website 1 - Label,"
              "Website 1 - Value,Labels\n"
              "Ada,Lovelace,* Work,ada@engines.example,Profile,"
              "https://uk.linkedin.com/in/Ada-Lovelace-1815/,* myContacts\n")
    summary = run(store, google, name="contacts.csv")
    assert (summary.created, summary.merged) == (0, 1)
    ada = store.contacts.get(people(store)["Ada Lovelace"])
    assert ada.emails == ("ada@engines.example",)


def test_rows_of_one_file_with_one_profile_are_one_person(store, monkeypatch):
    monkeypatch.setattr(importer, "CHUNK", 2)  # the second row in another chunk
    text = PREAMBLE + HEADER + (
        "Ada,Lovelace,https://www.linkedin.com/in/ada-lovelace-1815,,Engines,,\n"
        "Grace,Hopper,https://www.linkedin.com/in/gracehopper,,Navy,,\n"
        "Ada,King,linkedin.com/in/ada-lovelace-1815/,,,Countess,\n")
    summary = run(store, text)
    assert (summary.created, summary.merged) == (2, 1)
    ada = store.contacts.get(people(store)["Ada Lovelace"])
    assert ada.title == "Countess"


def test_undo_of_the_matching_import_restores_the_contact(store):
    run(store, CONNECTIONS)
    ada_id = people(store)["Ada Lovelace"]
    again = run(store, CONNECTIONS.replace("Engines,Countess", "Engines,Mathematician")
                .replace("Ada,Lovelace,", "Ada,Lovelace,").replace(
                    "https://www.linkedin.com/in/ada-lovelace-1815,,",
                    "https://www.linkedin.com/in/ada-lovelace-1815,ada@ex.org,"))
    assert again.merged == 1
    assert store.contacts.get(ada_id).emails == ("ada@ex.org",)
    from tinycrm.store.import_undo import undo_batch

    undo_batch(store, again.batch_id)
    assert store.contacts.get(ada_id).emails == ()
    assert len(store.contacts.list()) == 3


def test_the_cli_reimport_exits_cleanly(cli, tmp_path):
    path = tmp_path / "Connections.csv"
    path.write_text(CONNECTIONS)
    assert cli("import", str(path)).exit_code == 0
    result = cli("import", str(path))
    assert result.exit_code == 0, result.stderr
    assert "0 created" in result.stderr and "3 unchanged" in result.stderr
    assert len(json.loads(cli.ok("list", "-f", "json").stdout)) == 3


def test_dupes_pairs_contacts_with_one_profile(store):
    # Two contacts an older import made of one connection.
    a = store.contacts.add("Ada Lovelace", fields={"URL": "https://www.linkedin.com/in/ada-1815"})
    b = store.contacts.add("Ada King", fields={"Website": "linkedin.com/in/ADA-1815/"})
    store.contacts.add("Alan Turing", fields={"URL": "https://www.linkedin.com/in/alan"})
    from tinycrm.store.dupes import find_duplicates

    pairs = find_duplicates(store)
    assert [(p.keep_id, p.other_id, p.reasons) for p in pairs] == [
        (a.id, b.id, ("same LinkedIn profile",))]


def test_a_connection_typed_in_by_hand_before_is_found_by_name_and_company(cli, tmp_path):
    cli.ok("add", "Siobhán O'Brien", "--email", "siobhan@obrien.ie", "--company",
           "O'Brien Analytics", "--title", "CTO")
    cli.ok("add", "Sam Jones", "--company", "Acme")
    cli.ok("edit", "Sam Jones", "--set", "fields.URL=https://www.linkedin.com/in/sam-other")
    path = tmp_path / "Connections.csv"
    path.write_text(HEADER
                    + "Siobhán,O'Brien,https://www.linkedin.com/in/siobhan-ob,,"
                      "O'Brien Analytics,CTO,07 Dec 2025\n"
                    + "Sam,Jones,https://www.linkedin.com/in/sam-jones,,Acme,,07 Dec 2025\n"
                    + "Tess,Ray,https://www.linkedin.com/in/tess,,Globex,,07 Dec 2025\n")
    result = cli("import", str(path))
    assert result.exit_code == 0, result.stderr
    # Siobhán: the same person, now with her profile. Sam: that Sam is
    # another member (a profile of his own). Tess: new.
    assert "2 created, 1 merged" in result.stderr
    listed = json.loads(cli.ok("list", "-f", "json").stdout)
    assert sorted(c["name"] for c in listed) == [
        "Sam Jones", "Sam Jones", "Siobhán O'Brien", "Tess Ray"]
    people = {c["name"]: c for c in listed}
    assert people["Siobhán O'Brien"]["fields"]["URL"] == "https://www.linkedin.com/in/siobhan-ob"
    again = cli("import", str(path))
    assert "3 unchanged" in again.stderr


def _linkedin(tmp_path, *rows: str):
    path = tmp_path / "Connections.csv"
    path.write_text(HEADER + "".join(row + ",07 Dec 2025\n" for row in rows))
    return str(path)


def test_two_members_of_one_name_and_company_are_not_one_typed_contact(cli, tmp_path):
    cli.ok("add", "Wei Zhang", "--company", "Google")
    path = _linkedin(tmp_path, "Wei,Zhang,https://www.linkedin.com/in/wei-zhang-a,,Google,",
                     "Wei,Zhang,https://www.linkedin.com/in/wei-zhang-b,,Google,")
    first = cli("import", path)
    assert "1 created, 1 merged" in first.stderr, first.stderr
    assert "2 unchanged" in cli("import", path).stderr  # the same, run again


def test_a_connection_with_no_company_or_a_field_of_the_profiles_name_is_someone_new(
        cli, tmp_path):
    cli.ok("add", "John Smith", "--company", "Initech", "--email", "john@initech.com")
    cli.ok("add", "Ann Lee", "--company", "Co1")
    cli.ok("edit", "Ann Lee", "--set", "fields.URL=https://co1.example")
    path = _linkedin(tmp_path, "John,Smith,https://www.linkedin.com/in/john-smith-77,,,",
                     "Ann,Lee,https://www.linkedin.com/in/ann-lee,,Co1,")
    result = cli("import", path)
    assert "2 created, 0 merged" in result.stderr, result.stderr
    assert "2 unchanged" in cli("import", path).stderr


def test_the_lane_and_a_dry_run_agree_on_a_profile_finding_a_typed_contact(cli, tmp_path):
    cli.ok("add", "Ada Lovelace", "--company", "Acme")
    path = tmp_path / "people.csv"
    path.write_text("Name,Company,LinkedIn\nAda Lovelace,Acme,https://www.linkedin.com/in/ada-1815\n")
    dry = cli("import", str(path), "--dry-run")
    assert "merge" in dry.stdout
    done = cli("import", str(path))
    assert "0 created, 1 merged" in done.stderr, done.stderr


def test_a_connection_with_a_date_it_cant_read_still_finds_the_typed_contact(cli, tmp_path):
    cli.ok("add", "Zoé Martin", "--company", "Exemple")
    result = cli("import", _linkedin_dated(tmp_path, "Zoé,Martin,https://www.linkedin.com/in/zoe-m,"
                                                     ",Exemple,,7 déc. 2025"))
    assert "0 created, 1 merged" in result.stderr, result.stderr


def test_a_column_mapped_to_created_at_in_a_linkedin_file_is_as_strict_as_anywhere(cli, tmp_path):
    path = _linkedin_dated(tmp_path, "Ada,Lovelace,https://www.linkedin.com/in/ada,,Engines,"
                                     "Countess,07 Dec 2025")
    result = cli("import", path, "--map", "Position=created_at")
    assert result.exit_code == 1 and "Position: not a date and time" in result.stderr


def _linkedin_dated(tmp_path, *rows: str) -> str:
    path = tmp_path / "Connections.csv"
    path.write_text(HEADER + "".join(row + "\n" for row in rows))
    return str(path)
