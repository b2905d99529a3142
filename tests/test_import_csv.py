"""CSV import: every known layout, encodings, delimiters, quoting, --map,
custom fields, and formula neutralisation undone. Fixture files are written
by the tests, small and exact."""

import csv
import io
import json
import sys

import pytest


def contacts(cli) -> list[dict]:
    return json.loads(cli.ok("list", "--sort", "created", "-f", "json").stdout)


def by_name(cli) -> dict[str, dict]:
    return {c["name"]: c for c in contacts(cli)}


def write(tmp_path, name: str, text: str, encoding: str = "utf-8", newline: str = "\n") -> str:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return str(path)


GOOGLE_NEW = (
    "First Name,Middle Name,Last Name,Phonetic First Name,Nickname,File As,Organization Name,"
    "Organization Title,Birthday,Notes,Photo,Labels,E-mail 1 - Label,E-mail 1 - Value,"
    "E-mail 2 - Label,E-mail 2 - Value,Phone 1 - Label,Phone 1 - Value,Address 1 - Formatted\n"
    "Ada,King,Lovelace,,,,Analytical Engines,Countess,1815-12-10,Met at the Royal Society,"
    "https://photo,* myContacts ::: Investors ::: Math,Home,ada@home.example,* Work,"
    "ada@engines.example,Mobile,+44 20 7946 0001 ::: +44 20 7946 0002,\"12 St James's Sq\nLondon\"\n"
    "Grace,,Hopper,,,,Navy,,--12-09,,,* myContacts,* Work,grace@navy.example,,,,,\n"
)


def test_google_new_layout(cli, tmp_path):
    result = cli("import", write(tmp_path, "contacts.csv", GOOGLE_NEW))
    assert result.exit_code == 0, result.stderr
    assert "Google Contacts" in result.stderr and "2 created" in result.stderr
    people = by_name(cli)
    ada = people["Ada King Lovelace"]
    assert (ada["first_name"], ada["last_name"]) == ("Ada", "Lovelace")
    # `* ` marks the primary address: it comes first.
    assert ada["emails"] == ["ada@engines.example", "ada@home.example"]
    assert ada["phones"] == ["+44 20 7946 0001", "+44 20 7946 0002"]
    assert (ada["company"], ada["title"], ada["birthday"]) == ("Analytical Engines", "Countess", "1815-12-10")
    assert ada["tags"] == ["investors", "math"]  # Google's own "* myContacts" is not a label
    assert ada["fields"] == {"Address 1 - Formatted": "12 St James's Sq\nLondon"}
    assert ada["source"] == "google"
    assert people["Grace Hopper"]["birthday"] == "--12-09"
    timeline = json.loads(cli.ok("timeline", str(ada["id"]), "-f", "json").stdout)
    # The import event, the note from the file, and the new-lead rule's follow-up.
    assert {e["kind"] for e in timeline} == {"import", "note", "followup"}
    assert [e["text"] for e in timeline if e["kind"] == "note"] == ["Met at the Royal Society"]


GOOGLE_OLD = (
    "Name,Given Name,Additional Name,Family Name,Yomi Name,Nickname,Birthday,Notes,"
    "Group Membership,E-mail 1 - Type,E-mail 1 - Value,E-mail 2 - Type,E-mail 2 - Value,"
    "Phone 1 - Type,Phone 1 - Value,Organization 1 - Type,Organization 1 - Name,"
    "Organization 1 - Title\n"
    "Alan Turing,Alan,,Turing,,,1912-06-23,,* myContacts ::: Friends,Home,alan@home.example,"
    "* Work,alan@bletchley.example,Mobile,+44 1908 640404,,Bletchley Park,Cryptanalyst\n"
)


def test_google_old_layout_in_utf16_with_bom(cli, tmp_path):
    # Google's "Google CSV" export is UTF-16 with a BOM.
    path = write(tmp_path, "google.csv", GOOGLE_OLD, encoding="utf-16")
    result = cli("import", path)
    assert result.exit_code == 0, result.stderr
    assert "Google Contacts (old)" in result.stderr
    alan = by_name(cli)["Alan Turing"]
    assert alan["emails"] == ["alan@bletchley.example", "alan@home.example"]
    assert (alan["company"], alan["title"], alan["tags"]) == ("Bletchley Park", "Cryptanalyst", ["friends"])
    assert alan["phones"] == ["+44 1908 640404"]


OUTLOOK = (
    "First Name,Middle Name,Last Name,Title,Suffix,E-mail Address,E-mail Type,E-mail 2 Address,"
    "Business Phone,Mobile Phone,Primary Phone,Job Title,Company,Birthday,Categories,Notes,"
    "Web Page\n"
    "Katherine,,Johnson,Dr.,,kj@nasa.example,SMTP,katherine@home.example,+1 757 864 1000,"
    "+1 757 555 0101,+1 757 555 0199,Mathematician,NASA,8/26/1918,Heroes;Space,,nasa.gov\n"
    "Mary,,Jackson,,,mj@nasa.example,,,,,,,NASA,0/0/00,,,\n"
)


def test_outlook_layout_in_windows_1252(cli, tmp_path):
    text = OUTLOOK.replace("Katherine,,Johnson", "Kathérine,,Johnson")
    path = write(tmp_path, "outlook.csv", text, encoding="cp1252", newline="\r\n")
    result = cli("import", path)
    assert result.exit_code == 0, result.stderr
    assert "Outlook" in result.stderr
    people = by_name(cli)
    kj = people["Kathérine Johnson"]  # Outlook's Title, her honorific, is a field
    assert kj["emails"] == ["kj@nasa.example", "katherine@home.example"]
    # Primary Phone first, then the others in column order.
    assert kj["phones"] == ["+1 757 555 0199", "+1 757 864 1000", "+1 757 555 0101"]
    assert (kj["title"], kj["company"], kj["birthday"]) == ("Mathematician", "NASA", "1918-08-26")
    assert kj["tags"] == ["heroes", "space"]
    assert kj["fields"] == {"prefix": "Dr.", "Web Page": "nasa.gov"}
    assert people["Mary Jackson"]["birthday"] is None  # Outlook's 0/0/00 is no birthday


LINKEDIN = (
    "Notes:\n"
    '"When exporting your connection data, you may notice that some of the email addresses are '
    "missing. You will only see email addresses for connections who have allowed their connections "
    'to see or download their email address using this setting https://www.linkedin.com/psettings."\n'
    "\n"
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    "Reid,Hoffman,https://www.linkedin.com/in/reidhoffman,,Greylock,Partner,15 Mar 2021\n"
    "Ada,Lovelace,https://www.linkedin.com/in/ada,ada@ex.org,Engines,Countess,01 Jan 2020\n"
)


def test_linkedin_connections_with_notes_preamble(cli, tmp_path):
    result = cli("import", write(tmp_path, "Connections.csv", LINKEDIN, newline="\r\n"))
    assert result.exit_code == 0, result.stderr
    assert "LinkedIn connections" in result.stderr and "2 created" in result.stderr
    people = by_name(cli)
    reid = people["Reid Hoffman"]
    assert reid["emails"] == [] and (reid["company"], reid["title"]) == ("Greylock", "Partner")
    assert reid["fields"] == {"URL": "https://www.linkedin.com/in/reidhoffman"}
    assert people["Ada Lovelace"]["emails"] == ["ada@ex.org"]
    # Connected then: known since then, so no new lead to answer by tomorrow.
    assert (reid["created_at"], people["Ada Lovelace"]["created_at"]) == (
        "2021-03-15T00:00:00+00:00", "2020-01-01T00:00:00+00:00")
    assert "follow-up" not in result.stderr
    assert json.loads(cli.ok("follow-up", "list", "--all", "-f", "json").stdout) == []


def test_a_date_alone_mapped_to_a_time_is_the_start_of_that_day_here(cli, tmp_path):
    from .followup_helpers import local_zone

    with local_zone("Europe/Berlin"):
        result = cli("import", write(tmp_path, "Connections.csv", LINKEDIN),
                     "--map", "Connected On=created_at")
        assert result.exit_code == 0, result.stderr
        people = by_name(cli)
    assert people["Reid Hoffman"]["created_at"] == "2021-03-14T23:00:00+00:00"
    assert people["Ada Lovelace"]["created_at"] == "2019-12-31T23:00:00+00:00"
    assert "Connected On" not in people["Ada Lovelace"]["fields"]
    bad = write(tmp_path, "bad.csv", "Name,Created\nBo,--03-15\nCy,someday\n")
    rejected = cli("import", bad, "--map", "Created=created_at")
    assert rejected.exit_code == 1
    assert "bad.csv:2: Created: not a date and time: '--03-15'" in rejected.stderr
    assert "bad.csv:3: Created: not a date and time: 'someday'" in rejected.stderr



def test_a_time_with_its_clock_and_zone_is_read_whole_or_rejected(cli, tmp_path):
    """Other tools write times in their own ways. Each is read whole, or the
    row is rejected: never cut to the date before it (a lead from 23:30 UTC
    taken as midnight would come a day early, past its response time)."""
    from .followup_helpers import local_zone

    text = ("Name,Created\n"
            "Utc,2026-04-09 23:30:00 UTC\n"
            "Gmt,2026-04-09 23:30 GMT\n"
            "Offset,2026-04-09 23:30 +02:00\n"
            "Half,04/09/2026 10:15 PM\n"
            "Words,\"Apr 9, 2026 9:05 am\"\n"
            "Local,2026-04-09 23:30\n"
            "Gap,2026-03-29 02:30\n"
            "Zone,2026-04-09T22:00:00 America/Los_Angeles\n"
            "Clock,2026-04-09T25:99\n"
            "Noon,2026-04-09 13:30 PM\n"
            "Midnight,04/09/2026 12:05 AM\n"
            "Midday,04/09/2026 12:30 PM\n"
            "Day,2026-04-09 23:30 +24:00\n")
    with local_zone("Europe/Amsterdam"):
        result = cli("import", write(tmp_path, "times.csv", text), "--map", "Created=created_at")
        people = by_name(cli)
    assert result.exit_code == 1
    assert {name: person["created_at"] for name, person in people.items()} == {
        "Utc": "2026-04-09T23:30:00+00:00",
        "Gmt": "2026-04-09T23:30:00+00:00",
        "Offset": "2026-04-09T21:30:00+00:00",
        "Half": "2026-04-09T20:15:00+00:00",  # 22:15 in Amsterdam, in summer time
        "Words": "2026-04-09T07:05:00+00:00",
        "Local": "2026-04-09T21:30:00+00:00",
        "Gap": "2026-03-29T01:30:00+00:00",  # 02:30 is skipped: the moment after, 03:30
        "Midnight": "2026-04-08T22:05:00+00:00",  # 00:05 in Amsterdam
        "Midday": "2026-04-09T10:30:00+00:00",
    }
    for line, value in ((9, "2026-04-09T22:00:00 America/Los_Angeles"),
                        (10, "2026-04-09T25:99"), (11, "2026-04-09 13:30 PM"),
                        (14, "2026-04-09 23:30 +24:00")):
        assert f"times.csv:{line}: Created: not a date and time: '{value}'" in result.stderr



def test_dotnets_no_date_is_no_date_and_a_four_digit_year_is_as_written(cli, tmp_path):
    """1/1/0001 12:00:00 AM is how .NET tools write "no date": not 1 January
    2001 (a contact last reached 25 years ago, due a reminder at once)."""
    text = ("Name,Created,Birthday\n"
            "Min,1/1/0001 12:00:00 AM,1/1/0001\n"
            "Iso,0001-01-01T00:00:00Z,\n"  # (ISO: out of range, as typed)
            "Old,,5/5/0099\n")
    result = cli("import", write(tmp_path, "min.csv", text), "--map", "Created=created_at")
    people = by_name(cli)
    assert people["Min"]["created_at"] == "2026-11-23T09:30:00+00:00"
    assert people["Min"]["birthday"] is None
    assert result.exit_code == 1 and "min.csv:4: Birthday:" in result.stderr
    assert "min.csv:3: Created: '0001-01-01T00:00:00Z' is out of range" in result.stderr
    assert "Old" not in people and "Iso" not in people


def test_linkedin_reject_lines_count_the_preamble(cli, tmp_path):
    text = LINKEDIN.replace("ada@ex.org", "not-an-email")
    result = cli("import", write(tmp_path, "Connections.csv", text))
    assert result.exit_code == 1
    # Notes:, its text, a blank line, the header, Reid, then Ada on line 6.
    assert "Connections.csv:6: Email Address: not an email address: 'not-an-email'" in result.stderr


def linkedin_with_notes(lines: int) -> str:
    """LINKEDIN with a ``Notes:`` block of ``lines`` lines, the blank one included."""
    notes = "".join(f'"Note {i}: some of the email addresses may be missing."\n'
                    for i in range(lines - 2))
    return LINKEDIN.replace(LINKEDIN.split("\n\n")[0], "Notes:\n" + notes.rstrip("\n"))


@pytest.mark.parametrize("lines", [12, 13, 20, 50])
def test_a_longer_notes_preamble_is_skipped_too(cli, tmp_path, lines):
    text = linkedin_with_notes(lines).replace("ada@ex.org", "not-an-email")
    assert text.split("\n").index("First Name,Last Name,URL,Email Address,Company,Position,"
                                   "Connected On") == lines
    result = cli("import", write(tmp_path, "Connections.csv", text))
    assert "LinkedIn connections" in result.stderr and "1 created" in result.stderr
    # The header on the line after the preamble, Reid, then Ada.
    assert (f"Connections.csv:{lines + 3}: Email Address: not an email address: 'not-an-email'"
            in result.stderr)


def test_a_longer_preamble_after_excels_sep_line_is_skipped_too(cli, tmp_path):
    """Excel's ``sep=,`` first line, then a preamble of 15 one-cell lines: the
    header after them was refused as missing from the first 64 KiB."""
    notes = "".join(f"Note line {i}\n" for i in range(15))
    text = (f"sep=,\n{notes}First Name,Last Name,Email\n"
            "Ada,Lovelace,not-an-email\nAlan,Turing,a@ex.org\n")
    result = cli("import", write(tmp_path, "people.csv", text))
    assert "1 created" in result.stderr and "1 rejected" in result.stderr
    # sep=, the 15 notes, the header, then Ada on line 18.
    assert "people.csv:18: Email: not an email address: 'not-an-email'" in result.stderr


def test_a_one_column_file_is_no_preamble_for_a_wider_row_far_down(cli, tmp_path):
    emails = "".join(f"p{i}@ex.org\n" for i in range(30))
    result = cli("import", write(tmp_path, "emails.csv", f"Email\n{emails}Name,Email\nq@ex.org\n"))
    assert "31 created" in result.stderr and "1 rejected" in result.stderr
    assert "emails.csv:32: Email: not an email address: 'Name'" in result.stderr


def test_a_preamble_past_the_first_64_kib_says_where_it_looked(cli, tmp_path):
    result = cli("import", write(tmp_path, "Connections.csv", linkedin_with_notes(2000)))
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == (
        f"tinycrm: error: {tmp_path / 'Connections.csv'}: not a contacts file: line 1 has no"
        " name, email or phone column (columns: Notes:), nor is any line in its first 64 KiB"
        " a header with one (a preamble before the header must end within them);"
        " use --map 'Header=name'\n")


def test_linkedin_rows_of_hidden_members_are_left_out(cli, tmp_path):
    # Members who hide their details export as nothing but the date you connected.
    text = LINKEDIN + ",,,,,,02 Feb 2022\n" + ",,https://www.linkedin.com/in/x,,,,03 Mar 2023\n"
    result = cli("import", write(tmp_path, "Connections.csv", text))
    assert result.exit_code == 1
    assert "2 created" in result.stderr and "1 rejected" in result.stderr
    # Only the row with something about someone (a profile, no name) is rejected.
    assert "Connections.csv:8: no name, email or phone" in result.stderr
    assert "Connections.csv:7" not in result.stderr
    assert len(contacts(cli)) == 2
    # A rejects file an older version wrote of such a row: nothing in it either.
    header = LINKEDIN.splitlines()[3]
    old = write(tmp_path, "old.rej.csv", f"reject_line,reject_reason,{header}\n"
                '7,"no name, email or phone",,,,,,,02 Feb 2022\n'
                '8,"no name, email or phone",Grace,Hopper,,,,,03 Mar 2023\n')
    again = cli("import", old)
    assert again.exit_code == 0, again.stderr
    assert "1 created, 0 merged, 0 unchanged, 0 skipped, 0 rejected" in again.stderr


HUBSPOT = (
    "Record ID,First Name,Last Name,Email,Phone Number,Mobile Phone Number,Company Name,Job Title,"
    "Lifecycle Stage,Contact owner,Create Date\n"
    "101,Linus,Torvalds,linus@kernel.example,+1 503 555 0100,,Linux Foundation,Fellow,Customer,"
    "Jane Seller,2024-01-02 10:00\n"
    "102,Margaret,Hamilton,mh@mit.example,,+1 617 555 0101,MIT,Director,Marketing Qualified Lead,,\n"
)


def test_hubspot_layout(cli, tmp_path):
    result = cli("import", write(tmp_path, "hubspot-export.csv", HUBSPOT))
    assert result.exit_code == 0, result.stderr
    assert "HubSpot" in result.stderr
    people = by_name(cli)
    linus = people["Linus Torvalds"]
    assert (linus["stage"], linus["company"], linus["title"]) == ("customer", "Linux Foundation", "Fellow")
    assert linus["fields"] == {"Record ID": "101", "Contact owner": "Jane Seller"}
    assert linus["created_at"] == "2024-01-02T10:00:00+00:00"  # HubSpot's Create Date
    assert linus["owner"] == "alice"  # HubSpot's owner is not a tinycrm user
    margaret = people["Margaret Hamilton"]
    assert margaret["stage"] == "qualified"
    assert margaret["fields"]["Lifecycle Stage"] == "Marketing Qualified Lead"
    assert margaret["phones"] == ["+1 617 555 0101"]


def test_tinycrm_export_round_trip_is_lossless(cli, tmp_path):
    cli.ok("add", "=Ada; \"Lovelace\"", "-e", "ada@ex.org", "-e", "-ada@ex.org", "-p", "+44 20 7946 0001",
           "--company", "@Engines", "--title", "Countess", "--tag", "a;b\\c", "--tag", "vip",
           "--stage", "customer", "--tier", "vip", "--owner", "bob")
    cli.ok("edit", "1", "--set", "fields.plan=pro", "--set", "fields.+x=+1", "--set", "birthday=1815-12-10",
           "--set", "cadence_days=30", "--set", "source=+referral")
    cli.ok("add", "Grace Hopper")
    cli.ok("import", "-", input="Company\nGlobex Corporation\n")  # named after its company
    before = contacts(cli)
    assert (before[2]["first_name"], before[2]["last_name"]) == (None, None)
    assert (before[1]["first_name"], before[1]["last_name"]) == ("Grace", "Hopper")
    exported = cli.ok("export", "--format", "csv").stdout
    assert "'=Ada" in exported and "'@Engines" in exported and "'+44 20 7946 0001" in exported
    path = tmp_path / "export.csv"
    path.write_text(exported)
    other = type(cli)(tmp_path / "other.db")
    result = other("import", str(path))
    assert result.exit_code == 0, result.stderr
    assert "tinycrm export" in result.stderr
    after = contacts(other)
    strip = lambda rows: [{k: v for k, v in r.items() if k not in ("id", "version")} for r in rows]  # noqa: E731
    assert strip(after) == strip(before)
    assert after[0]["tags"] == ["a;b\\c", "vip"]
    assert after[0]["fields"] == {"+x": "+1", "plan": "pro"}
    # Exporting again gives the same file, but for `version` (an edit counter, local to a database).
    again = other.ok("export", "--format", "csv").stdout
    drop_version = lambda text: [row[:-1] for row in csv.reader(io.StringIO(text))]  # noqa: E731
    assert drop_version(again) == drop_version(exported)


def test_a_one_column_file_with_commas_in_its_rows(cli, tmp_path):
    # Its header is its first line (no preamble), and a comma is no delimiter.
    cli.ok("import", write(tmp_path, "names.csv", "Name\nAda Lovelace\nHopper, Grace\nTuring, Alan\n"))
    cli.ok("import", write(tmp_path, "emails.csv",
                           "Email\nann@ex.org\nbob@ex.org\ncy@ex.org, cy@work.example\n"))
    people = by_name(cli)
    assert (people["Hopper, Grace"]["first_name"], people["Hopper, Grace"]["last_name"]) == (
        "Grace", "Hopper")
    assert people["cy@ex.org"]["emails"] == ["cy@ex.org", "cy@work.example"]
    assert len(people) == 6
    # A title line that is a header's word, then the header: still a preamble.
    cli.ok("import", write(tmp_path, "titled.csv",
                           "Name\n\nName,Email,Company\nAlan Turing,alan@ex.org,Bletchley\n"))
    assert by_name(cli)["Alan Turing"]["company"] == "Bletchley"


def test_a_full_name_beside_empty_name_parts_of_another_tool_is_split(cli, tmp_path):
    # Thunderbird: Display Name filled, First and Last Name empty.
    cli.ok("import", write(tmp_path, "tb.csv", "First Name,Last Name,Display Name,Primary Email\n"
                                               ",,Ada Lovelace,ada@ex.org\n"))
    ada = contacts(cli)[0]
    assert (ada["name"], ada["first_name"], ada["last_name"]) == ("Ada Lovelace", "Ada", "Lovelace")


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiters_are_detected(cli, tmp_path, delimiter):
    text = (f"Name{delimiter}Email{delimiter}Company{delimiter}Notes\n"
            f"Ada Lovelace{delimiter}ada@ex.org{delimiter}\"Engines{delimiter} Ltd\"{delimiter}"
            "\"two\nlines, here\"\n"
            f"Alan Turing{delimiter}alan@ex.org{delimiter}{delimiter}\n")
    result = cli("import", write(tmp_path, "people.csv", text))
    assert result.exit_code == 0, result.stderr
    people = by_name(cli)
    # (Runs of white space in a name or company read as one space.)
    assert people["Ada Lovelace"]["company"] == " ".join(f"Engines{delimiter} Ltd".split())
    assert people["Alan Turing"]["emails"] == ["alan@ex.org"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_encodings(cli, tmp_path, encoding):
    text = "Name,Email,Company\nJosé Müller,jose@ex.org,Café Crème\n"
    result = cli("import", write(tmp_path, "enc.csv", text, encoding=encoding, newline="\r\n"))
    assert result.exit_code == 0, result.stderr
    person = contacts(cli)[0]
    assert (person["name"], person["company"]) == ("José Müller", "Café Crème")


def test_explicit_encoding_and_a_wrong_one(cli, tmp_path):
    path = write(tmp_path, "latin.csv", "Name,Email\nJosé,jose@ex.org\n", encoding="latin-1")
    cli.ok("import", path, "--encoding", "latin-1")
    assert contacts(cli)[0]["name"] == "José"
    bad = cli("import", path, "--encoding", "no-such-codec")
    assert bad.exit_code == 2 and "unknown encoding" in bad.stderr
    utf16 = write(tmp_path, "u16.csv", "Name\nX\n", encoding="utf-16")
    wrong = cli("import", utf16, "--encoding", "utf-8")
    assert wrong.exit_code == 1 and "utf-8" in wrong.stderr and "Traceback" not in wrong.stderr


BOM = b"\xef\xbb\xbf"


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_a_utf8_bom_under_another_encoding_is_no_part_of_the_header(cli, tmp_path, encoding):
    path = tmp_path / "bom.csv"
    path.write_bytes(BOM + b"First Name,Last Name,Email\r\nAda,Lovelace,ada@ex.org\r\n")
    result = cli("import", str(path), "--encoding", encoding)
    assert result.exit_code == 0, result.stderr
    # (It was a custom field: {'ï»¿First Name': 'Ada'}, and no first name.)
    ada = contacts(cli)[0]
    assert (ada["name"], ada["first_name"], ada["fields"]) == ("Ada Lovelace", "Ada", {})
    assert result.stderr.startswith(
        f"tinycrm: warning: {path} starts with a UTF-8 byte-order mark, but is read as"
        f" {encoding}, as --encoding says; without --encoding it is read as UTF-8\n")
    # A vCard's BEGIN:VCARD is found after it too.
    card = tmp_path / "bom.vcf"
    card.write_bytes(BOM + b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Grace Hopper\r\nEND:VCARD\r\n")
    cli.ok("import", str(card), "--encoding", encoding)
    assert [c["name"] for c in contacts(cli)] == ["Ada Lovelace", "Grace Hopper"]


def test_a_utf8_bom_over_utf8_letters_under_another_encoding_stops_the_import(cli, tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(BOM + "First Name,Email\nJosé,jose@ex.org\n".encode())
    result = cli("import", str(path), "--encoding", "latin-1")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == (
        f"tinycrm: error: {path}: starts with a UTF-8 byte-order mark and its text is UTF-8,"
        " which --encoding latin-1 would garble; import it without --encoding"
        " (or with --encoding utf-8)\n")
    assert contacts(cli) == []
    cli.ok("import", str(path))
    assert [c["first_name"] for c in contacts(cli)] == ["José"]


def test_a_utf8_bom_over_bytes_utf8_cannot_read_takes_the_encoding_given(cli, tmp_path):
    # A UTF-8 header pasted onto a Windows-1252 file: UTF-8 can't read it,
    # --encoding cp1252 can.
    path = tmp_path / "bom.csv"
    path.write_bytes(BOM + "First Name,Email\nJosé,jose@ex.org\n".encode("cp1252"))
    assert cli("import", str(path)).exit_code == 1
    cli.ok("import", str(path), "--encoding", "cp1252")
    assert [(c["first_name"], c["fields"]) for c in contacts(cli)] == [("José", {})]


def test_unknown_headers_become_custom_fields_never_sql(cli, tmp_path):
    evil = 'a"; DROP TABLE contacts; --'
    text = f'Name,Email,"{evil.replace(chr(34), chr(34) * 2)}",fields.plan,\nAda,ada@ex.org,boom,pro,x\n'
    result = cli("import", write(tmp_path, "evil.csv", text))
    assert result.exit_code == 0, result.stderr
    ada = contacts(cli)[0]
    assert ada["fields"] == {evil: "boom", "plan": "pro", "column 5": "x"}
    cli.ok("add", "Still works")  # the contacts table is alive
    assert len(contacts(cli)) == 2


def test_map_sends_columns_elsewhere(cli, tmp_path):
    text = "Full,Mail,Employer,Colour,Junk,Kind\nAda Lovelace,ada@ex.org,Engines,blue,zzz,vip\n"
    path = write(tmp_path, "odd.csv", text)
    result = cli("import", path, "--map", "Full=name", "--map", "mail=email",
                 "--map", "Colour=fields.favourite colour", "--map", "Junk=ignore",
                 "--map", "Kind=tags")
    assert result.exit_code == 0, result.stderr
    ada = contacts(cli)[0]
    assert (ada["name"], ada["emails"], ada["company"]) == ("Ada Lovelace", ["ada@ex.org"], "Engines")
    assert ada["fields"] == {"favourite colour": "blue"} and ada["tags"] == ["vip"]
    unknown = cli("import", path, "--map", "Nope=name")
    assert unknown.exit_code == 2 and "'nope'" in unknown.stderr.lower()
    wrong = cli("import", path, "--map", "Full=shoe_size")
    assert wrong.exit_code == 2 and "unknown field 'shoe_size'" in wrong.stderr


def test_map_to_a_custom_field_another_column_makes_keeps_both(cli, tmp_path):
    path = write(tmp_path, "two.csv", "Name,Team,Misc\nAda Lovelace,core,engines\n")
    cli.ok("import", path, "--map", "Misc=fields.Team")
    assert contacts(cli)[0]["fields"] == {"Team": "core", "Team (2)": "engines"}


def test_a_mapped_column_fills_its_field_before_one_named_for_it(cli, tmp_path):
    """--map 'Full=name' in a file with a name column was ignored silently
    (the first column in the file won); now the mapped one wins, and the
    other is kept. Lists (emails) take both."""
    path = write(tmp_path, "both.csv", "name,email,Full,Work Mail,Org,company\n"
                                       "Ada,a1@ex.org,Ada Byron,ada@work.example,Engines,Babbage Ltd\n")
    cli.ok("import", path, "--map", "Full=name", "--map", "work mail=email", "--map", "Org=company")
    ada = contacts(cli)[0]
    assert (ada["name"], ada["company"]) == ("Ada Byron", "Engines")
    assert ada["emails"] == ["a1@ex.org", "ada@work.example"]
    assert ada["fields"] == {"name": "Ada", "company": "Babbage Ltd"}


def test_a_csv_that_is_not_contacts(cli, tmp_path):
    result = cli("import", write(tmp_path, "sales.csv", "sku,qty,price\nA1,3,9.99\n"))
    assert result.exit_code == 1
    assert "not a contacts file" in result.stderr and "sku" in result.stderr
    assert contacts(cli) == []
    mapped = cli("import", write(tmp_path, "sales.csv", "sku,qty\nA1,3\n"), "--map", "sku=name")
    assert mapped.exit_code == 0, mapped.stderr


def test_empty_and_header_only_files(cli, tmp_path):
    empty = cli("import", write(tmp_path, "empty.csv", ""))
    assert empty.exit_code == 1 and "empty.csv: the file is empty" in empty.stderr
    blank = cli("import", write(tmp_path, "blank.csv", "\n\n  \n"))
    assert blank.exit_code == 1 and "empty" in blank.stderr
    header = cli("import", write(tmp_path, "header.csv", "Name,Email\n"))
    assert header.exit_code == 1 and "no contacts" in header.stderr
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    result = cli("import", str(binary))
    assert result.exit_code == 1 and "not a contacts file" in result.stderr


def test_rows_with_only_a_company_or_email_get_a_name(cli, tmp_path):
    text = "Name,Email,Company,Phone\n,,Acme,\n,solo@ex.org,,\n,,,\n,,,+1 555 0100 200\n"
    result = cli("import", write(tmp_path, "partial.csv", text))
    assert result.exit_code == 0, result.stderr
    assert [c["name"] for c in contacts(cli)] == ["Acme", "solo@ex.org", "+1 555 0100 200"]


def test_crlf_and_quoted_newlines_keep_line_numbers(cli, tmp_path):
    text = ('Name,Email,Notes\n"Ada\nLovelace",ada@ex.org,"line one\nline two\nline three"\n'
            "Bad,nope,\nAlan,alan@ex.org,\n")
    result = cli("import", write(tmp_path, "crlf.csv", text, newline="\r\n"))
    assert result.exit_code == 1
    assert "crlf.csv:6: Email: not an email address: 'nope'" in result.stderr
    assert [c["name"] for c in contacts(cli)] == ["Ada Lovelace", "Alan"]


def test_a_stray_windows_1252_byte_late_in_a_utf8_file(cli, tmp_path):
    # The first 64 KiB decide UTF-8; a 1252 byte after that is read as 1252, not an error.
    rows = "".join(f"Person {i},p{i}@ex.org,Straße\n" for i in range(2500))
    path = tmp_path / "mixed.csv"
    path.write_bytes(("Name,Email,Company\n" + rows).encode() + b"Jos\xe9,jose@ex.org,Caf\xe9\n")
    assert path.stat().st_size > 64 * 1024
    result = cli("import", str(path))
    assert result.exit_code == 0, result.stderr
    people = contacts(cli)
    assert people[0]["company"] == "Straße"
    assert (people[-1]["name"], people[-1]["company"]) == ("José", "Café")


def test_a_stray_windows_1252_byte_early_in_a_utf8_file_is_the_only_one_read_as_1252(cli, tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes("Name,Email\nZoë Ünal,zoe@ex.org\n".encode() + b"Ren\xe9 Lat,rene@ex.org\n")
    cli.ok("import", str(path))
    assert [c["name"] for c in contacts(cli)] == ["Zoë Ünal", "René Lat"]
    # A file with no UTF-8 in it beyond ASCII is Windows-1252 throughout, and
    # so is one where a pair of its 1252 letters happens to read as UTF-8
    # (É® as ɮ), among more that don't.
    path.write_bytes(b"Name,Email,Company\nJos\xe9,jose@ex.org,NESTL\xc9\xae\n"
                     b"Fran\xe7ois,fr@ex.org,Caf\xe9 \xab\xa0ici\xa0\xbb\n")
    cli.ok("import", str(path))
    assert [(c["name"], c["company"]) for c in contacts(cli)][2:] == [
        ("José", "NESTLÉ®"), ("François", "Café « ici »")]  # (a no-break space is a space)
    # One UTF-8 letter and one stray byte: a tie, read as UTF-8 (the right
    # letter kept, not José turned into JosÃ©).
    path.write_bytes(b"Name,Email,Company\nBob,b@ex.org,Caf\xe9\nJos\xc3\xa9 Tie,j@ex.org,A\n")
    cli.ok("import", str(path))
    assert [(c["name"], c["company"]) for c in contacts(cli)][4:] == [
        ("Bob", "Café"), ("José Tie", "A")]


def test_utf16_named_without_its_byte_order_mark(cli, tmp_path):
    path = tmp_path / "u16.csv"
    path.write_bytes("Name,Email\r\nZoe,zoe@ex.org\r\n".encode("utf-16-le"))
    result = cli("import", str(path), "--encoding", "utf-16")
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    # (The reason is Python's own words, which 3.13 changed.)
    reason = ("UTF-16 stream does not start with BOM" if sys.version_info < (3, 13)
              else "Stream does not start with BOM at byte 0")
    assert f"{path}: can't be read as utf-16 ({reason}); try another --encoding" in result.stderr
    cli.ok("import", str(path), "--encoding", "utf-16-le")
    assert [c["name"] for c in contacts(cli)] == ["Zoe"]


def test_a_quote_that_never_closes_stops_the_import_at_its_row(cli, tmp_path):
    rows = [f"P{i},p{i}@ex.org" for i in range(50)] + ['"Broken quote,bq@ex.org']
    rows += [f"Q{i},q{i}@ex.org" for i in range(50)]
    result = cli("import", write(tmp_path, "open.csv", "Name,Email\n" + "\n".join(rows) + "\n"))
    assert result.exit_code == 1
    assert result.stderr.strip().endswith(
        'open.csv:52: a quoted cell that starts in this row is never closed (a " is missing)')
    assert contacts(cli) == []  # not the 50 rows before it, and no contact made of the rest


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_a_quote_that_never_closes_in_the_first_row_is_named_too(cli, tmp_path, delimiter):
    text = "Name,Email,Phone\n\"Ada,ada@ex.org,555 0100\nBob,bob@ex.org,555 0101\n"
    result = cli("import", write(tmp_path, "open.csv", text.replace(",", delimiter)))
    assert result.exit_code == 1
    assert result.stderr.strip().endswith(
        'open.csv:2: a quoted cell that starts in this row is never closed (a " is missing)')


def test_text_after_a_closing_quote_rejects_its_row(cli, tmp_path):
    text = ('Name,Email\nA,a@ex.org\n"Ada" ,ada@ex.org\n"Dwayne "The Rock" Johnson",d@ex.org\n'
            "C,c@ex.org\n")
    rejects = tmp_path / "rejects.csv"
    result = cli("import", write(tmp_path, "q.csv", text), "--rejects", str(rejects))
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert 'q.csv:3: a quoted cell goes on after its closing "' in result.stderr
    assert 'q.csv:4: a quoted cell goes on after its closing "' in result.stderr
    assert "2 created, 0 merged, 0 unchanged, 0 skipped, 2 rejected" in result.stderr
    assert [c["name"] for c in contacts(cli)] == ["A", "C"]
    rows = list(csv.reader(rejects.open()))
    assert [row[0] for row in rows] == ["reject_line", "3", "4"]
    # The row as it was, cut at its commas: there to fix (it had no cells at all).
    assert [row[2:] for row in rows[1:]] == [['"Ada" ', "ada@ex.org"],
                                             ['"Dwayne "The Rock" Johnson"', "d@ex.org"]]
    fixed = rejects.read_text().replace('"""Ada"" "', "Ada").replace(
        '"""Dwayne ""The Rock"" Johnson"""', "Dwayne Johnson")
    rejects.write_text(fixed)
    cli.ok("import", str(rejects))
    assert [c["name"] for c in contacts(cli)] == ["A", "C", "Ada", "Dwayne Johnson"]


def test_a_quote_left_open_in_the_header(cli, tmp_path):
    result = cli("import", write(tmp_path, "h.csv", 'Name,"Email\nA,a@ex.org\n'))
    assert result.exit_code == 1
    assert "h.csv:1: a quoted cell that starts in this row is never closed" in result.stderr


def test_name_parts_the_name_does_not_show_are_kept_as_custom_fields(cli, tmp_path):
    text = ("Name,Nickname,Middle Name,E-mail Address,Company,Title\n"
            "Pat Lee,Patty,Q,pat@ex.org,Acme,CEO\n"          # a name column, and parts beside it
            ",Sol,,sol@ex.org,,\n"                           # the nickname is the name
            "Ada Byron Lovelace,Ada,Byron,ada@ex.org,,\n")   # the name shows them both
    result = cli("import", write(tmp_path, "generic.csv", text))
    assert result.exit_code == 0, result.stderr
    assert "(Outlook)" in result.stderr  # for its "E-mail Address" column
    pat, sol, ada = contacts(cli)
    assert ada["fields"] == {}
    assert (pat["name"], pat["title"]) == ("Pat Lee", "CEO")  # Title is the job here
    assert pat["fields"] == {"nickname": "Patty", "middle_name": "Q"}
    assert (sol["name"], sol["fields"]) == ("Sol", {})


def test_a_nickname_beside_a_name_is_kept_on_the_fast_lane_too(cli, tmp_path):
    rows = "".join(f"Person {i},{'person' if i % 2 else f'P{i}'},p{i}@ex.org\n"  # plain chunks
                   for i in range(3000))
    result = cli("import", write(tmp_path, "many.csv", "Name,Nickname,Email\n" + rows))
    assert result.exit_code == 0, result.stderr
    people = contacts(cli)
    assert len(people) == 3000
    assert all(p["fields"] == ({} if i % 2 else {"nickname": f"P{i}"})  # shown in the name: not kept
               for i, p in enumerate(people))


@pytest.mark.parametrize("text", [
    "Name,Email\nA One,a@ex.org,\nB Two,b@ex.org,\n",   # a trailing comma on every row
    "Name,Email\nZed,zed@ex.org,,\n",                    # one row, two empty cells more
])
def test_rows_wider_than_the_header_by_empty_cells(cli, tmp_path, text):
    result = cli("import", write(tmp_path, "trail.csv", text))
    assert result.exit_code == 0, result.stderr
    names = [line.split(",")[0] for line in text.splitlines()[1:]]
    assert [(c["name"], c["fields"]) for c in contacts(cli)] == [(n, {}) for n in names]


def test_a_byte_that_cannot_be_decoded_is_named_by_its_own_line(cli, tmp_path):
    rows = "".join(f"Person {i},p{i}@ex.org\n" for i in range(3000))  # past the first blocks
    path = tmp_path / "badenc.csv"
    path.write_bytes(("Name,Email\n" + rows).encode() + b"Bad \xff Byte,bad@ex.org\nZed,z@ex.org\n")
    result = cli("import", str(path), "--encoding", "utf-8")
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert "badenc.csv:3002: can't be decoded as utf-8" in result.stderr
    assert contacts(cli) == []


def test_a_byte_that_cannot_be_decoded_in_a_long_header_is_named_not_a_traceback(cli, tmp_path):
    # A header longer than the 64 KiB the encoding is told from: the bad byte
    # is first met while the header itself is read.
    path = tmp_path / "longhead.csv"
    path.write_bytes(b"Name,Email,Notes" + b"x" * 70000 + b"\xff\nAda,ada@ex.org,\n")
    result = cli("import", str(path), "--encoding", "utf-8")
    assert result.exit_code == 1, result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"{path}:1: can't be decoded as utf-8 (invalid start byte)" in result.stderr
    assert contacts(cli) == []


def test_half_a_character_from_the_encoding_given_stops_the_import_with_its_line(cli, tmp_path):
    # UTF-7's '+2AA-' is half a character (a lone surrogate), which no database
    # or file can hold: a byte that can't be decoded, not 'some input is not
    # valid UTF-8 (an argument, ...)' with no file or line, exit 2.
    rows = "".join(f"Person {i},p{i}@ex.org\n" for i in range(3000))  # past the first blocks
    path = tmp_path / "utf7.csv"
    path.write_bytes(f"Name,Email\n{rows}Half +2AA- Letter,h@ex.org\n".encode())
    result = cli("import", str(path), "--encoding", "utf-7")
    assert result.exit_code == 1, result.stderr
    assert "utf7.csv:3002: can't be decoded as utf-7 (half a character)" in result.stderr
    path.write_bytes(b"Name,Email\nHalf +2AA- Letter,h@ex.org\n")  # within the first 64 KiB
    result = cli("import", str(path), "--encoding", "utf-7")
    assert result.exit_code == 1, result.stderr
    # (byte 20 is the '-' that ends '+2AA-': UTF-7 waits there for the other half)
    assert "utf7.csv: can't be read as utf-7 (half a character at byte 20)" in result.stderr
    assert contacts(cli) == []
    path.write_bytes(b"Name,Email\nJos+AOk- Tie,j@ex.org\n")  # whole characters import
    cli.ok("import", str(path), "--encoding", "utf-7")
    assert [c["name"] for c in contacts(cli)] == ["José Tie"]


def test_excel_sep_line_names_the_delimiter(cli, tmp_path):
    text = "sep=;\nName;Email;Company\nAda Lovelace;ada@ex.org;Engines, Ltd\n"
    result = cli("import", write(tmp_path, "excel.csv", text, newline="\r\n"))
    assert result.exit_code == 0, result.stderr
    assert [(c["name"], c["company"]) for c in contacts(cli)] == [("Ada Lovelace", "Engines, Ltd")]


def test_a_semicolon_file_with_a_comma_in_a_cell(cli, tmp_path):
    result = cli("import", write(tmp_path, "s.csv", "Name;Email\nSmith, John;j@ex.org\n"))
    assert result.exit_code == 0, result.stderr
    assert [(c["name"], c["emails"]) for c in contacts(cli)] == [("Smith, John", ["j@ex.org"])]


def test_a_comma_file_of_one_row_with_semicolons_in_a_cell(cli, tmp_path):
    # By the semicolon, the row read as a header of known columns (Phone,
    # Email) under a one-line preamble: "no contacts found".
    result = cli("import", write(tmp_path, "c.csv", "Name,Email\nAda;Phone;Email;x,ada@ex.org\n"))
    assert result.exit_code == 0, result.stderr
    assert [(c["name"], c["emails"]) for c in contacts(cli)] == [("Ada;Phone;Email;x",
                                                                   ["ada@ex.org"])]


@pytest.mark.parametrize("rows", [1, 3000])  # the row path, and a chunk the fast lane looks at first
def test_names_too_long_or_made_of_control_codes(cli, tmp_path, rows):
    good = "".join(f"Person {i},p{i}@ex.org\n" for i in range(rows))
    text = ("Name,Email\n" + good + "x" * 600 + ",long@ex.org\n"
            + "\x1b[31m\x07\u200b,odd@ex.org\n" + "Ev\x1b[31mil\u202e,evil@ex.org\n")
    result = cli("import", write(tmp_path, "names.csv", text))
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert f"names.csv:{rows + 2}: Name: longer than 500 characters (600)" in result.stderr
    people = {c["emails"][0]: c["name"] for c in contacts(cli)}
    assert len(people) == rows + 2
    assert people["odd@ex.org"] == "odd@ex.org"  # no visible name: named by its address
    assert people["evil@ex.org"] == "Evil"


def test_a_header_of_too_many_columns_is_refused_at_once(cli):
    """Millions of empty header names cost gigabytes to map, column by column."""
    from tinycrm.store.formats.csvfile import MAX_COLUMNS

    result = cli("import", "-", input="name,email" + "," * MAX_COLUMNS + "\nAda,a@ex.org\n")
    assert result.exit_code == 1
    assert f"stdin:1: {MAX_COLUMNS + 2:,} columns in the header; a contacts file has at most" \
           f" {MAX_COLUMNS:,}" in result.stderr
    cli.ok("import", "-", input="name,email" + "," * (MAX_COLUMNS - 2) + "\nAda,a@ex.org\n")
    assert [c["name"] for c in contacts(cli)] == ["Ada"]


def test_a_linkedin_date_it_cant_tell_or_in_the_future_is_kept_not_the_connection(cli, tmp_path):
    text = ("First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
            "Zoé,Martin,https://www.linkedin.com/in/zoe-m,,Exemple,,7 déc. 2025\n"
            "Tom,Kahn,https://www.linkedin.com/in/tom-k,,Acme,,12 Mar 2031\n"
            "Ann,Lee,https://www.linkedin.com/in/ann-l,,Co,,07 Dec 2025\n")
    result = cli("import", write(tmp_path, "Connections.csv", text))
    assert result.exit_code == 0 and "3 created" in result.stderr, result.stderr
    people = by_name(cli)
    assert people["Zoé Martin"]["fields"]["Connected On"] == "7 déc. 2025"
    assert people["Tom Kahn"]["fields"]["Connected On"] == "12 Mar 2031"
    assert people["Ann Lee"]["created_at"] == "2025-12-07T00:00:00+00:00"
    assert "Connected On" not in people["Ann Lee"]["fields"]
    # Another file's time column is no less strict.
    bad = cli("import", write(tmp_path, "x.csv", "name,created_at\nBo,7 déc. 2025\n"))
    assert bad.exit_code == 1 and "x.csv:2: created_at: not a date and time" in bad.stderr
