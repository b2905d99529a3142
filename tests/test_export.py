"""`tinycrm export`: every format, the list filters, --output files, and
open follow-ups as iCalendar (written by store/formats/ics.py)."""

import csv
import io
import json

import pytest


@pytest.fixture
def people(cli):
    cli.ok("add", "Ada Lovelace", "-e", "ada@ex.org", "--tag", "vip", "--stage", "customer",
           "--tier", "vip", "--company", "Engines")
    cli.ok("add", "Alan Turing", "-e", "alan@ex.org", "--owner", "bob")
    cli.ok("add", "Grace Hopper", "-p", "+1 555 010 2030", "--tag", "navy")
    return cli


def names_in_csv(text: str) -> list[str]:
    return [row["name"] for row in csv.DictReader(io.StringIO(text))]


def test_csv_is_the_default_with_the_list_columns(people):
    out = people.ok("export").stdout
    header = out.splitlines()[0]
    assert header == ("id,uid,name,first_name,last_name,emails,phones,company,title,stage,tier,"
                      "owner,tags,fields,source,birthday,cadence_days,note,created_at,updated_at,"
                      "last_contacted_at,version")
    assert names_in_csv(out) == ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
    assert "'+1 555 010 2030" in out  # a leading + is neutralised too


@pytest.mark.parametrize("args, expected", [
    (["--tag", "vip"], ["Ada Lovelace"]),
    (["--stage", "customer"], ["Ada Lovelace"]),
    (["--tier", "vip"], ["Ada Lovelace"]),
    (["--owner", "bob"], ["Alan Turing"]),
    (["--mine"], ["Ada Lovelace", "Grace Hopper"]),
])
def test_filters_are_the_list_filters(people, args, expected):
    assert names_in_csv(people.ok("export", *args).stdout) == expected
    rows = json.loads(people.ok("export", "-f", "json", *args).stdout)
    assert [r["name"] for r in rows] == expected


def test_json_and_ndjson_are_the_list_shape(people):
    as_json = people.ok("export", "-f", "json").stdout
    assert as_json == people.ok("list", "--sort", "created", "-f", "json").stdout
    lines = people.ok("export", "-f", "ndjson").stdout.splitlines()
    assert [json.loads(line) for line in lines] == json.loads(as_json)
    assert people.ok("export", "-f", "json", "--tag", "none").stdout == "[]\n"


def test_output_file_is_private_and_complete(people, tmp_path):
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "contacts.vcf"
    result = people("export", "-f", "vcard", "--output", str(target))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "" and f"exported 3 contacts to {target}" in result.stderr
    assert (target.stat().st_mode & 0o777) == 0o600
    text = target.read_bytes().decode()
    assert text.count("BEGIN:VCARD\r\n") == 3 and text.endswith("END:VCARD\r\n")
    assert sorted(p.name for p in target.parent.iterdir()) == ["contacts.vcf"]
    missing = people("export", "--output", str(tmp_path / "no" / "such" / "dir.csv"))
    assert missing.exit_code == 2 and "no folder" in missing.stderr


def test_ics_exports_open_follow_ups(people):
    people.ok("follow-up", "add", "Ada Lovelace", "--due", "2026-12-01 10:00", "--note", "Renewal")
    out = people.ok("export", "-f", "ics", "--owner", "alice").stdout
    assert out.startswith("BEGIN:VCALENDAR") and "Renewal" in out
    assert people("export", "-f", "ics", "--tag", "vip").exit_code == 2


@pytest.mark.parametrize("fmt", ["csv", "json", "ndjson", "vcard"])
def test_export_streams(store, fmt):
    """Each contact is written as soon as it is read, never gathered first."""
    from tinycrm.store.bulk import NewContact, insert_contacts
    from tinycrm.store.exporter import export

    with store.write() as conn:
        insert_contacts(conn, [NewContact(name=f"Person {i}", owner="alice",
                                          created_at="2026-01-01T00:00:00Z")
                               for i in range(2500)], updated_at="2026-01-01T00:00:00Z")
    read = [0]
    original = store.contacts.iter_all

    def counting(*args, **kwargs):
        for contact in original(*args, **kwargs):
            read[0] += 1
            yield contact

    store.contacts.iter_all = counting
    sink = _Sink(read)
    assert export(store, sink, fmt) == 2500
    assert read[0] == 2500
    assert sink.read_at_writes[-1] == 2500
    # The first contacts went out before the rest was read: a chunk at a time
    # (each chunk's notes are read in one query).
    assert sink.read_at_writes[2] <= 1000


class _Sink:
    """A text sink that notes how many contacts had been read at each write."""

    def __init__(self, read: list[int]) -> None:
        self.read = read
        self.read_at_writes: list[int] = []

    def write(self, text: str) -> int:
        self.read_at_writes.append(self.read[0])
        return len(text)


@pytest.mark.parametrize("fmt", ["csv", "json", "ndjson", "vcard"])
def test_notes_go_out_with_their_contact_and_come_back_once(cli, tmp_path, fmt):
    cli.ok("add", "Ada", "-e", "ada@ex.org", "--note", "Met at the fair")
    cli.ok("log", "1", "Wants a demo; budget 10k,\nafter Q1")
    out = tmp_path / f"people.{fmt}"
    cli.ok("export", "-f", fmt, "-o", str(out))
    note = "Met at the fair\n\nWants a demo; budget 10k,\nafter Q1"
    other = type(cli)(tmp_path / "other.db")
    other.ok("import", str(out))
    notes = [e["text"] for e in json.loads(other.ok("timeline", "1", "-f", "json").stdout)
             if e["kind"] == "note"]
    assert notes == [note]
    again = cli.ok("import", str(out))  # into the database it came from
    assert "0 created, 0 merged, 1 unchanged" in again.stderr
    if fmt == "json":
        assert json.loads(cli.ok("list", "-f", "json").stdout)[0]["note"] == note


def test_a_note_of_known_and_new_paragraphs_adds_only_the_new(cli, tmp_path):
    cli.ok("add", "Ada", "-e", "ada@ex.org", "--note", "Met at the fair")
    path = tmp_path / "more.csv"
    path.write_text('Name,Email,Notes\nAda,ada@ex.org,"Met at the fair\n\nLikes tulips"\n')
    assert "1 merged" in cli.ok("import", str(path)).stderr
    notes = [e["text"] for e in json.loads(cli.ok("timeline", "1", "-f", "json").stdout)
             if e["kind"] == "note"]
    assert notes == ["Likes tulips", "Met at the fair"]
    assert "1 unchanged" in cli.ok("import", str(path)).stderr


@pytest.mark.parametrize("chunk", [2500, 1], ids=["one chunk", "a chunk each"])
@pytest.mark.parametrize("fmt", ["csv", "json", "ndjson", "vcard"])
def test_two_of_one_name_on_one_number_come_back_as_two(cli, tmp_path, fmt, chunk, monkeypatch):
    from tinycrm.store import importer

    monkeypatch.setattr(importer, "CHUNK", chunk)
    # A father and son on the household's landline: two contacts, two uids.
    cli.ok("--no-rules", "add", "Jo Smith", "-p", "+1 202 555 0100")
    cli.ok("--no-rules", "add", "Jo Smith", "-p", "+1 202 555 0100")
    out = tmp_path / f"people.{fmt}"
    cli.ok("export", "-f", fmt, "-o", str(out))
    other = type(cli)(tmp_path / "other.db")
    result = other.ok("--no-rules", "import", str(out))
    assert "2 created, 0 merged" in result.stderr
    uids = lambda c: sorted(r["uid"] for r in json.loads(c.ok("list", "-f", "json").stdout))  # noqa: E731
    assert uids(other) == uids(cli)
    assert "0 created, 0 merged, 2 unchanged" in cli.ok("import", str(out)).stderr


def test_another_programs_cards_of_one_person_still_merge(cli, tmp_path):
    cards = tmp_path / "twice.vcf"
    cards.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:Jo Smith\nTEL:+1 202 555 0100\nUID:A-1\n"
                     "END:VCARD\nBEGIN:VCARD\nVERSION:3.0\nFN:Jo Smith\nTEL:+1 202 555 0100\n"
                     "TITLE:Plumber\nUID:B-2\nEND:VCARD\n")
    assert "1 created, 1 merged" in cli.ok("--no-rules", "import", str(cards)).stderr
