"""CSV exports as the real tools write them: Outlook's full desktop header with
its placeholders and Exchange addresses, Google's label/value pairs and
primary markers, HubSpot's associated company, tinycrm's own search CSV. Each
test asserts what the layout mapping (store/formats/csvlayout.py) gets right
beyond tests/test_import_csv.py; fixture files are written by the tests."""

import csv
import io
import json

import pytest

from .conftest import FROZEN_ISO
from .test_import_lane import _import_both_ways

# Outlook desktop's "Export to a file" header, whole (92 columns).
OUTLOOK_DESKTOP = [
    "Title", "First Name", "Middle Name", "Last Name", "Suffix", "Company", "Department",
    "Job Title", "Business Street", "Business Street 2", "Business Street 3", "Business City",
    "Business State", "Business Postal Code", "Business Country/Region", "Home Street",
    "Home Street 2", "Home Street 3", "Home City", "Home State", "Home Postal Code",
    "Home Country/Region", "Other Street", "Other Street 2", "Other Street 3", "Other City",
    "Other State", "Other Postal Code", "Other Country/Region", "Assistant's Phone",
    "Business Fax", "Business Phone", "Business Phone 2", "Callback", "Car Phone",
    "Company Main Phone", "Home Fax", "Home Phone", "Home Phone 2", "ISDN", "Mobile Phone",
    "Other Fax", "Other Phone", "Pager", "Primary Phone", "Radio Phone", "TTY/TDD Phone", "Telex",
    "Account", "Anniversary", "Assistant's Name", "Billing Information", "Birthday",
    "Business Address PO Box", "Categories", "Children", "Directory Server", "E-mail Address",
    "E-mail Type", "E-mail Display Name", "E-mail 2 Address", "E-mail 2 Type",
    "E-mail 2 Display Name", "E-mail 3 Address", "E-mail 3 Type", "E-mail 3 Display Name",
    "Gender", "Government ID Number", "Hobby", "Home Address PO Box", "Initials",
    "Internet Free Busy", "Keywords", "Language", "Location", "Manager's Name", "Mileage", "Notes",
    "Office Location", "Organizational ID Number", "Other Address PO Box", "Priority", "Private",
    "Profession", "Referred By", "Sensitivity", "Spouse", "User 1", "User 2", "User 3", "User 4",
    "Web Page",
]
# What Outlook writes in every row for "not set".
OUTLOOK_BLANKS = {"Anniversary": "0/0/00", "Birthday": "0/0/00", "Gender": "Unspecified",
                  "Priority": "Normal", "Private": "False", "Sensitivity": "Normal"}
EXCHANGE_DN = ("/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)"
               "/cn=Recipients/cn=5d1a2b3c4d-ada")

GOOGLE = [
    "First Name", "Middle Name", "Last Name", "Phonetic First Name", "Phonetic Middle Name",
    "Phonetic Last Name", "Name Prefix", "Name Suffix", "Nickname", "File As",
    "Organization Name", "Organization Title", "Organization Department", "Birthday", "Notes",
    "Photo", "Labels", "E-mail 1 - Label", "E-mail 1 - Value", "Phone 1 - Label",
    "Phone 1 - Value", "Address 1 - Label", "Address 1 - Formatted", "Relation 1 - Label",
    "Relation 1 - Value", "Relation 2 - Label", "Relation 2 - Value", "Event 1 - Label",
    "Event 1 - Value", "Custom Field 1 - Label", "Custom Field 1 - Value",
]


def contacts(cli) -> list[dict]:
    return json.loads(cli.ok("list", "--sort", "created", "-f", "json").stdout)


def csv_text(header: list[str], rows: list[dict], *, delimiter: str = ",",
             newline: str = "\r\n") -> str:
    unknown = {k for row in rows for k in row} - set(header)
    assert not unknown, unknown
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    writer.writerow(header)
    writer.writerows([row.get(h, "") for h in header] for row in rows)
    return out.getvalue()


def write(tmp_path, name: str, text: str, encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def outlook_row(**values: str) -> dict:
    return {**OUTLOOK_BLANKS, **values}


def test_outlook_exchange_addresses_are_not_rejected(cli, tmp_path):
    # An Exchange contact's "address" is an X.500 name with type EX; the
    # display name may show the SMTP address in brackets, or not.
    rows = [
        outlook_row(**{"First Name": "Ada", "Last Name": "Lovelace", "E-mail Address": EXCHANGE_DN,
                       "E-mail Type": "EX",
                       "E-mail Display Name": "Ada Lovelace (ada@corp.example)",
                       "E-mail 2 Address": "ada@home.example", "E-mail 2 Type": "SMTP",
                       "E-mail 2 Display Name": "Ada (ada@home.example)"}),
        outlook_row(**{"First Name": "Alan", "Last Name": "Turing", "E-mail Address": EXCHANGE_DN,
                       "E-mail Type": "EX", "E-mail Display Name": "Alan Turing",
                       "Mobile Phone": "+44 7700 900123"}),
    ]
    text = csv_text(OUTLOOK_DESKTOP, rows)
    result = cli("import", write(tmp_path, "outlook.csv", text, encoding="cp1252"))
    assert result.exit_code == 0, result.stderr
    assert "2 created" in result.stderr and "0 rejected" in result.stderr
    ada, alan = contacts(cli)
    assert ada["emails"] == ["ada@corp.example", "ada@home.example"]
    assert "E-mail Address" not in ada["fields"]
    # No address to be had: the person comes in, the Exchange name kept beside.
    assert (alan["emails"], alan["phones"]) == ([], ["+44 7700 900123"])
    assert alan["fields"]["E-mail Address"] == EXCHANGE_DN


def test_outlook_placeholders_are_not_custom_fields(cli, tmp_path):
    rows = [
        outlook_row(**{"First Name": "José", "Last Name": "Muñoz", "Company": "Café Niño",
                       "E-mail Address": "jose@cafe.example", "E-mail Type": "SMTP",
                       "E-mail Display Name": "José Muñoz (jose@cafe.example)",
                       "Business City": "Madrid", "Birthday": "4/15/1990"}),
        outlook_row(**{"First Name": "Mary", "Last Name": "Major", "Anniversary": "6/1/2001",
                       "Gender": "Female", "Sensitivity": "Private", "Private": "True"}),
    ]
    text = csv_text(OUTLOOK_DESKTOP, rows, delimiter=";")  # an Excel file from a European locale
    result = cli("import", write(tmp_path, "outlook.csv", text, encoding="cp1252"))
    assert result.exit_code == 0, result.stderr
    jose, mary = contacts(cli)
    assert jose["fields"] == {"Business City": "Madrid"}
    assert (jose["company"], jose["birthday"]) == ("Café Niño", "1990-04-15")
    # Values other than the placeholders are data, and kept.
    assert mary["fields"] == {"Anniversary": "6/1/2001", "Gender": "Female",
                              "Sensitivity": "Private", "Private": "True"}


# outlook.com's People export, whole (61 columns): its own order, no Categories.
OUTLOOK_COM = [
    "First Name", "Middle Name", "Last Name", "Title", "Suffix", "Nickname", "Given Yomi",
    "Surname Yomi", "E-mail Address", "E-mail 2 Address", "E-mail 3 Address", "Home Phone",
    "Home Phone 2", "Business Phone", "Business Phone 2", "Mobile Phone", "Car Phone",
    "Other Phone", "Primary Phone", "Pager", "Business Fax", "Home Fax", "Other Fax",
    "Company Main Phone", "Callback", "Radio Phone", "Telex", "TTY/TDD Phone", "IMAddress",
    "Job Title", "Department", "Company", "Office Location", "Manager's Name", "Assistant's Name",
    "Assistant's Phone", "Company Yomi", "Business Street", "Business City", "Business State",
    "Business Postal Code", "Business Country/Region", "Home Street", "Home City", "Home State",
    "Home Postal Code", "Home Country/Region", "Other Street", "Other City", "Other State",
    "Other Postal Code", "Other Country/Region", "Personal Web Page", "Spouse", "Schools", "Hobby",
    "Location", "Web Page", "Birthday", "Anniversary", "Notes",
]


@pytest.mark.parametrize("header", [OUTLOOK_DESKTOP, OUTLOOK_COM], ids=["desktop", "outlook.com"])
def test_outlook_assistants_phone_is_not_the_contacts(cli, tmp_path, header):
    # Desktop Outlook's first phone column is the assistant's: read as hers,
    # it would come first, and her colleagues with the same assistant share it.
    row = {"First Name": "Renée", "Last Name": "Lefèvre", "Company": "Société Générale",
           "Business Phone": "+33 1 42 14 20 00", "Mobile Phone": "+33 6 12 34 56 78",
           "Assistant's Name": "Chloé", "Assistant's Phone": "+33 1 42 14 20 09"}
    if header is OUTLOOK_DESKTOP:
        row = outlook_row(**row)
    result = cli("import", write(tmp_path, "contacts.csv", csv_text(header, [row]), "cp1252"))
    assert result.exit_code == 0, result.stderr
    renee = contacts(cli)[0]
    assert renee["phones"] == ["+33 1 42 14 20 00", "+33 6 12 34 56 78"]
    assert renee["fields"] == {"Assistant's Name": "Chloé",
                               "Assistant's Phone": "+33 1 42 14 20 09"}


def test_old_google_my_contacts_group_is_not_a_tag(cli, tmp_path):
    # The old "Google CSV" export spells its everyone-group "* My Contacts".
    text = ("Name,Given Name,Family Name,Group Membership,E-mail 1 - Type,E-mail 1 - Value\n"
            "Alan Turing,Alan,Turing,* My Contacts ::: Friends,* Home,alan@ex.org\n")
    result = cli("import", write(tmp_path, "google.csv", text, encoding="utf-16"))
    assert result.exit_code == 0, result.stderr
    assert contacts(cli)[0]["tags"] == ["friends"]


def test_google_primary_marker_on_the_second_value_of_a_cell(cli, tmp_path):
    rows = [{"First Name": "Bob", "Last Name": "Smith", "Labels": "* myContacts",
             "E-mail 1 - Label": "Home ::: * Work",
             "E-mail 1 - Value": "bob@home.example ::: bob@work.example",
             "Phone 1 - Label": "Mobile ::: * Work",
             "Phone 1 - Value": "+1 555 010 0001 ::: +1 555 010 0002"}]
    result = cli("import", write(tmp_path, "contacts.csv", csv_text(GOOGLE, rows)))
    assert result.exit_code == 0, result.stderr
    bob = contacts(cli)[0]
    assert bob["emails"] == ["bob@work.example", "bob@home.example"]
    assert bob["phones"] == ["+1 555 010 0002", "+1 555 010 0001"]


def test_google_label_value_pairs_become_named_custom_fields(cli, tmp_path):
    rows = [{"First Name": "Ada", "Last Name": "Lovelace", "Labels": "* myContacts",
             "E-mail 1 - Value": "ada@ex.org", "Relation 1 - Label": "Spouse",
             "Relation 1 - Value": "William", "Relation 2 - Label": "Friend",
             "Relation 2 - Value": "Charles", "Event 1 - Label": "Anniversary",
             "Event 1 - Value": "1835-07-08", "Custom Field 1 - Label": "Shoe size",
             "Custom Field 1 - Value": "38", "Address 1 - Label": "Home",
             "Address 1 - Formatted": "1 Main St\r\nLondon"},
            {"First Name": "Grace", "Last Name": "Hopper", "E-mail 1 - Value": "grace@ex.org",
             "Custom Field 1 - Value": "no label"}]
    result = cli("import", write(tmp_path, "contacts.csv", csv_text(GOOGLE, rows)))
    assert result.exit_code == 0, result.stderr
    ada, grace = contacts(cli)
    assert ada["fields"] == {"Spouse": "William", "Friend": "Charles", "Anniversary": "1835-07-08",
                             "Shoe size": "38", "Address 1 - Label": "Home",
                             "Address 1 - Formatted": "1 Main St\nLondon"}  # CRLF read as \n
    assert grace["fields"] == {"Custom Field 1 - Value": "no label"}


def test_google_export_without_address_columns_is_still_google(cli, tmp_path):
    # Google writes only the columns some contact uses: no e-mail or phone here.
    text = "First Name,Last Name,File As,Labels\nAda,Lovelace,,* myContacts ::: Friends\n"
    result = cli("import", write(tmp_path, "contacts.csv", text))
    assert result.exit_code == 0, result.stderr
    assert "(Google Contacts)" in result.stderr
    ada = contacts(cli)[0]
    assert (ada["tags"], ada["source"]) == (["friends"], "google")


def test_hubspot_associated_company_is_the_company(cli, tmp_path):
    text = ("Record ID,First Name,Last Name,Email,Phone Number,Lifecycle Stage,Contact owner,"
            "Associated Company,Create Date,Last Activity Date\n"
            "5101,Linus,Torvalds,linus@kernel.example,+1 503 555 0100,Customer,Jane Seller,"
            "Linux Foundation,2024-01-02 10:00,03/05/2024 2:22 PM\n")
    result = cli("import", write(tmp_path, "hubspot-crm-exports-all-contacts.csv", text))
    assert result.exit_code == 0, result.stderr
    linus = contacts(cli)[0]
    assert linus["company"] == "Linux Foundation"
    assert "Associated Company" not in linus["fields"]
    assert linus["fields"]["Last Activity Date"] == "03/05/2024 2:22 PM"


# A HubSpot export of all properties, cut to those a contact often has (HubSpot
# writes each property's label as its header).
HUBSPOT = [
    "Record ID", "First Name", "Last Name", "Email", "Phone Number", "Mobile Phone Number",
    "Company Name", "Job Title", "Lifecycle Stage", "Lead Status", "Contact owner",
    "Marketing contact status", "Create Date", "Last Activity Date", "Last Contacted",
    "Additional email addresses", "City", "Country/Region", "Original Source", "Email Domain",
    "Associated Company",
]


def test_hubspot_additional_email_addresses_are_the_contacts(cli, tmp_path):
    # HubSpot keeps an address merged in from a duplicate here, semicolons apart.
    rows = [{"Record ID": "51", "First Name": "Gaëlle", "Last Name": "Perrin",
             "Email": "g.perrin@fromagerie-perrin.fr", "Lifecycle Stage": "Customer",
             "Additional email addresses": "gaelle@perrin.example;gperrin@old.example",
             "Create Date": "2023-05-17 14:32", "City": "Annecy"}]
    result = cli("import", write(tmp_path, "hubspot-crm-exports-all-contacts.csv",
                                 csv_text(HUBSPOT, rows)))
    assert result.exit_code == 0, result.stderr
    gaelle = contacts(cli)[0]
    assert gaelle["emails"] == ["g.perrin@fromagerie-perrin.fr", "gaelle@perrin.example",
                                "gperrin@old.example"]
    assert "Additional email addresses" not in gaelle["fields"]
    # so a later file with only the old address finds her
    cli.ok("import", write(tmp_path, "later.csv", "Name,Email,Tags\nGaëlle Perrin,"
                           "gperrin@old.example,met-again\n"))
    assert [c["tags"] for c in contacts(cli)] == [["met-again"]]


def test_hubspot_create_date_and_last_contacted_are_the_contacts_times(cli, tmp_path):
    # As LinkedIn's Connected On: a lead HubSpot has had since 2023 is no new
    # lead to answer by tomorrow, and a time it can't read keeps its row.
    rows = [{"Record ID": "52", "First Name": "Claire", "Last Name": "Durand",
             "Email": "claire@durand.example", "Lifecycle Stage": "Lead",
             "Create Date": "2023-05-17 14:32", "Last Contacted": "2024-01-30 16:00",
             "Last Activity Date": "2024-02-01 09:12"},
            {"Record ID": "53", "First Name": "Kwame", "Last Name": "Mensah",
             "Email": "kwame@ashanti.example", "Lifecycle Stage": "Lead",
             "Create Date": "17 mai 2023 14:32", "Last Contacted": "2031-01-01 10:00"}]
    result = cli("import", write(tmp_path, "hubspot-crm-exports-all-contacts.csv",
                                 csv_text(HUBSPOT, rows)))
    assert result.exit_code == 0, result.stderr
    claire, kwame = sorted(contacts(cli), key=lambda c: c["id"])
    assert (claire["created_at"], claire["last_contacted_at"]) == (
        "2023-05-17T14:32:00+00:00", "2024-01-30T16:00:00+00:00")
    assert claire["fields"] == {"Record ID": "52", "Last Activity Date": "2024-02-01 09:12"}
    assert (kwame["created_at"], kwame["last_contacted_at"]) == (FROZEN_ISO, None)
    assert kwame["fields"] == {"Record ID": "53", "Create Date": "17 mai 2023 14:32",
                               "Last Contacted": "2031-01-01 10:00"}
    followups = json.loads(cli.ok("follow-up", "list", "--all", "-f", "json").stdout)
    assert [f["contact_id"] for f in followups] == [kwame["id"]]


def test_search_csv_imports_without_its_score(cli, tmp_path):
    cli.ok("add", "Ada Lovelace", "-e", "ada@ex.org")
    exported = cli.ok("search", "ada", "-f", "csv").stdout
    assert exported.startswith("score,")
    other = type(cli)(tmp_path / "other.db")
    result = other("import", write(tmp_path, "found.csv", exported))
    assert result.exit_code == 0, result.stderr
    assert "tinycrm export" in result.stderr
    assert contacts(other)[0]["fields"] == {}


@pytest.mark.parametrize("layout", ["outlook", "google"])
def test_the_lane_and_the_row_path_agree_on_these_layouts(tmp_path, monkeypatch, layout):
    if layout == "outlook":
        rows = [outlook_row(**{"First Name": f"P{i}", "Last Name": "Person",
                               "E-mail Address": EXCHANGE_DN if i % 25 == 7 else f"p{i}@ex.org",
                               "E-mail Type": "EX" if i % 25 == 7 else "SMTP",
                               "E-mail Display Name": f"P{i} (p{i}@corp.example)",
                               "Gender": "Male" if i % 9 == 0 else "Unspecified",
                               "Business Street": "1 Main St\r\nFloor 2" if i % 4 else ""})
                for i in range(60)]
        text = csv_text(OUTLOOK_DESKTOP, rows)
    else:
        rows = [{"First Name": f"P{i}", "Last Name": "Person", "E-mail 1 - Value": f"p{i}@ex.org",
                 "Phone 1 - Label": "Home ::: * Work" if i % 3 else "Mobile",
                 "Phone 1 - Value": f"+1 555 010 {i:04d} ::: +1 555 020 {i:04d}" if i % 3
                 else f"+1 555 030 {i:04d}", "Labels": "* My Contacts ::: Team",
                 "Custom Field 1 - Label": "Shoe size" if i % 2 else "",
                 "Custom Field 1 - Value": str(30 + i % 10)} for i in range(60)]
        text = csv_text(GOOGLE, rows)
    results, taken = _import_both_ways(tmp_path, monkeypatch, text)
    assert results["lane"] == results["rows"]
    assert True in taken, "some chunks took the lane"
    tables = results["rows"][0]
    fields = [json.loads(row[11]) for row in tables["contacts"]]
    if layout == "outlook":
        assert not any(f.get("Priority") or f.get("Gender") == "Unspecified" for f in fields)
        assert fields[1] == {"Business Street": "1 Main St\nFloor 2"}
    else:
        assert fields[:2] == [{"Custom Field 1 - Value": "30"}, {"Shoe size": "31"}]
        assert {row[1] for row in tables["tags"]} == {"team"}


def test_addresses_written_with_names_keep_the_address(cli, tmp_path):
    # What a mail program copies: names and angle brackets, a comma inside quotes.
    path = write(tmp_path, "people.csv",
                 'Name,Email\nAda,"Ada Lovelace <ada@ex.org>; ""King, Ada"" <ada@king.example>"\n'
                 "Bob,<bob@ex.org>\nCy,Cy <not an address>\n")
    result = cli("import", path)
    assert result.exit_code == 1  # Cy's cell is no address, and says so
    assert "people.csv:4: Email: not an email address: 'Cy'" in result.stderr
    found = {c["name"]: c["emails"] for c in contacts(cli)}
    assert found == {"Ada": ["ada@ex.org", "ada@king.example"], "Bob": ["bob@ex.org"]}


def test_a_name_filed_last_name_first_splits_at_its_comma(cli, tmp_path):
    path = write(tmp_path, "people.csv", 'Name,Email\n"Lovelace, Ada",ada@ex.org\n'
                 '"Grace Hopper, PhD",grace@ex.org\n')
    cli.ok("import", path)
    found = {c["name"]: (c["first_name"], c["last_name"]) for c in contacts(cli)}
    assert found == {"Lovelace, Ada": ("Ada", "Lovelace"), "Grace Hopper, PhD": ("Grace", "Hopper")}


@pytest.mark.parametrize("name, parts", [
    ("Lovelace, Ada", ("Ada", "Lovelace")), ("Smith, John Paul", ("John Paul", "Smith")),
    ("Martin Luther King, Jr.", ("Martin", "Luther King")), ("Lovelace,", ("Lovelace", None)),
    (", Ada", ("Ada", None)), ("Ada Lovelace", ("Ada", "Lovelace")), ("ada@ex.org", (None, None)),
])
def test_split_name(name, parts):
    from tinycrm.store.contact_values import split_name

    assert split_name(name) == parts


THUNDERBIRD = [
    "First Name", "Last Name", "Display Name", "Nickname", "Primary Email", "Secondary Email",
    "Screen Name", "Work Phone", "Home Phone", "Fax Number", "Pager Number", "Mobile Number",
    "Home Address", "Home Address 2", "Home City", "Home State", "Home ZipCode", "Home Country",
    "Work Address", "Work Address 2", "Work City", "Work State", "Work ZipCode", "Work Country",
    "Job Title", "Department", "Organization", "Web Page 1", "Web Page 2", "Birth Year",
    "Birth Month", "Birth Day", "Custom 1", "Custom 2", "Custom 3", "Custom 4", "Notes", "",
]


def test_thunderbird_address_book(cli, tmp_path):
    text = csv_text(THUNDERBIRD, [
        {"First Name": "Ada", "Last Name": "Lovelace", "Display Name": "Ada Lovelace",
         "Primary Email": "ada@ex.org", "Secondary Email": "ada@work.example",
         "Work Phone": "+44 20 7946 0001", "Mobile Number": "07700 900123",
         "Job Title": "Analyst", "Organization": "Engines Ltd", "Birth Year": "1815",
         "Birth Month": "12", "Birth Day": "10", "Notes": "Met at the society"},
        {"Display Name": "Grace Hopper", "Primary Email": "grace@navy.example",
         "Birth Month": "12", "Birth Day": "9"},
        {"Display Name": "Alan Turing", "Primary Email": "alan@ex.org", "Birth Year": "1912"},
    ])
    result = cli("import", write(tmp_path, "thunderbird.csv", text))
    assert result.exit_code == 0, result.stderr
    found = {c["name"]: c for c in contacts(cli)}
    ada = found["Ada Lovelace"]
    assert ada["emails"] == ["ada@ex.org", "ada@work.example"]  # both match a later import
    assert ada["phones"] == ["+44 20 7946 0001", "07700 900123"]
    assert (ada["birthday"], ada["company"], ada["title"]) == ("1815-12-10", "Engines Ltd", "Analyst")
    assert "Birth Year" not in ada["fields"] and "Secondary Email" not in ada["fields"]
    assert found["Grace Hopper"]["birthday"] == "--12-09"
    alan = found["Alan Turing"]  # a year alone is no birthday: kept as it was
    assert alan["birthday"] is None and alan["fields"] == {"Birth Year": "1912"}


GOOGLE_PHONES = GOOGLE + ["Phone 2 - Label", "Phone 2 - Value"]


def test_google_faxes_are_custom_fields_as_outlooks_are(cli, tmp_path):
    # Outlook's Business Fax column is a custom field; Google's fax is a
    # phone pair labelled Work Fax or Home Fax, and is one too: no number to
    # call, nor to match a person by (colleagues share the company's fax).
    rows = [{"First Name": "Ada", "Last Name": "Lovelace", "Labels": "* myContacts",
             "E-mail 1 - Value": "ada@acme.example", "Phone 1 - Label": "Work Fax",
             "Phone 1 - Value": "+1 555 010 9999", "Phone 2 - Label": "Home Fax ::: * Mobile",
             "Phone 2 - Value": "+1 555 020 9999 ::: +1 555 010 0001"},
            {"First Name": "Bob", "Last Name": "Stone", "E-mail 1 - Value": "bob@acme.example",
             "Phone 1 - Label": "Work", "Phone 1 - Value": "+1 555 010 0002",
             "Phone 2 - Label": "Work Fax",
             "Phone 2 - Value": "+1 555 010 9999 ::: +1 555 010 9998"}]
    result = cli("import", write(tmp_path, "contacts.csv", csv_text(GOOGLE_PHONES, rows)))
    assert result.exit_code == 0, result.stderr
    ada, bob = contacts(cli)
    assert ada["phones"] == ["+1 555 010 0001"]
    assert ada["fields"] == {"Work Fax": "+1 555 010 9999", "Home Fax": "+1 555 020 9999"}
    assert bob["phones"] == ["+1 555 010 0002"]
    assert bob["fields"] == {"Work Fax": "+1 555 010 9999", "Work Fax 2": "+1 555 010 9998"}
    pairs = json.loads(cli.ok("dupes", "--threshold", "0", "-f", "json").stdout)
    assert [p for p in pairs if "phone" in p["reason"]] == []


def test_old_google_fax_type_is_a_custom_field(cli, tmp_path):
    text = ("Name,Given Name,Family Name,Group Membership,Phone 1 - Type,Phone 1 - Value,"
            "Phone 2 - Type,Phone 2 - Value\n"
            "Alan Turing,Alan,Turing,* My Contacts,* Mobile,+44 7700 900123,"
            "Work Fax,+44 20 7946 0999\n")
    result = cli("import", write(tmp_path, "google.csv", text, encoding="utf-16"))
    assert result.exit_code == 0, result.stderr
    alan = contacts(cli)[0]
    assert (alan["phones"], alan["fields"]) == (["+44 7700 900123"],
                                                {"Work Fax": "+44 20 7946 0999"})


def test_the_lane_and_the_row_path_agree_on_google_faxes(tmp_path, monkeypatch):
    rows = [{"First Name": f"P{i}", "Last Name": "Person", "E-mail 1 - Value": f"p{i}@ex.org",
             "Phone 1 - Label": ["Work Fax", "Mobile ::: * Home Fax", "* Work"][i % 3],
             "Phone 1 - Value": f"+1 555 010 {i:04d}" if i % 3 != 1
             else f"+1 555 020 {i:04d} ::: +1 555 030 {i:04d}",
             "Phone 2 - Label": "Home Fax" if i % 2 else "",
             "Phone 2 - Value": f"+1 555 040 {i:04d}" if i % 2 else ""} for i in range(60)]
    results, taken = _import_both_ways(tmp_path, monkeypatch, csv_text(GOOGLE_PHONES, rows))
    assert results["lane"] == results["rows"]
    assert True in taken, "some chunks took the lane"
    tables = results["rows"][0]
    fields = [json.loads(row[11]) for row in tables["contacts"]]
    assert fields[:3] == [{"Work Fax": "+1 555 010 0000"},
                          {"Home Fax": "+1 555 030 0001", "Home Fax 2": "+1 555 040 0001"},
                          {}]
    assert len(tables["phones"]) == 40  # a Mobile or a Work in two rows of three
