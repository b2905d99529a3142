"""vCard import of files as real address books write them (Google, Apple and
iCloud, Android, Thunderbird, RFC 6350's 4.0): what test_import_vcard.py
doesn't cover."""

import json


def contacts(cli) -> list[dict]:
    return json.loads(cli.ok("list", "--sort", "created", "-f", "json").stdout)


def notes(cli, contact_id: int) -> list[str]:
    return [e["text"] for e in json.loads(cli.ok("timeline", str(contact_id), "-f", "json").stdout)
            if e["kind"] == "note"]


def write(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    return str(path)


GOOGLE = """BEGIN:VCARD
VERSION:3.0
FN:Ada Lovelace
N:Lovelace;Ada;;;
EMAIL;TYPE=INTERNET;TYPE=HOME:ada@example.com
TEL;TYPE=CELL:+44 20 7946 0018
item1.URL:https\\://ada.example/
item1.X-ABLabel:
CATEGORIES:myContacts,starred,Friends
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:Bob Stone
N:Stone;Bob;;;
TEL;TYPE=CELL:+1 555 010 9999
CATEGORIES:myContacts
END:VCARD
"""


def test_google_export_mycontacts_group_is_not_a_tag(cli, tmp_path):
    # Google puts everyone in "myContacts"; its CSV import already drops it.
    result = cli("import", write(tmp_path, "google.vcf", GOOGLE))
    assert result.exit_code == 0, result.stderr
    ada, bob = contacts(cli)
    assert ada["tags"] == ["friends", "starred"]
    assert bob["tags"] == []


JANE = """BEGIN:VCARD
VERSION:4.0
UID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1
FN:Jane Doe
N:Doe;Jane;;;
KIND:individual
TEL;VALUE=uri;TYPE="voice,home":tel:+1-555-555-5555;ext=5555
TEL;VALUE=uri;PREF=1:tel:+1-555-555-5556
EMAIL;PREF=1:jane@example.com
BDAY:--0415
ANNIVERSARY:20090808T1430-0500
END:VCARD
"""
JOHN = """BEGIN:VCARD
VERSION:4.0
UID:urn:uuid:03a0e51f-d1aa-4385-8a53-e29025acd8af
FN:John Doe
BDAY:19960415
EMAIL:john@example.com
END:VCARD
"""
GROUP = """BEGIN:VCARD
VERSION:4.0
KIND:group
FN:The Doe family
MEMBER:urn:uuid:03a0e51f-d1aa-4385-8a53-e29025acd8af
MEMBER:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1
END:VCARD
"""


def test_vcard_40_tel_uri_with_extension_keeps_the_person(cli, tmp_path):
    result = cli("import", write(tmp_path, "rfc6350.vcf", JANE))
    assert result.exit_code == 0, result.stderr
    (jane,) = contacts(cli)
    assert jane["name"] == "Jane Doe"
    assert jane["phones"] == ["+1-555-555-5556", "+1-555-555-5555 ext. 5555"]


def test_vcard_40_pref_numbers_order_the_addresses(cli, tmp_path):
    # PREF=1 before PREF=2 before none, whatever their order in the card.
    text = """BEGIN:VCARD
VERSION:4.0
FN:Jane Bird
EMAIL;PREF=1:jane@tb.example
EMAIL;TYPE=work;PREF=2:jane@work.example
EMAIL:jane@old.example
TEL;TYPE=cell;VALUE=TEXT:+1 555 0100 101
TEL;TYPE=work;PREF=1;VALUE=TEXT:+1 555 0100 100
END:VCARD
"""
    cli.ok("import", write(tmp_path, "thunderbird.vcf", text))
    (jane,) = contacts(cli)
    assert jane["emails"] == ["jane@tb.example", "jane@work.example", "jane@old.example"]
    assert jane["phones"] == ["+1 555 0100 100", "+1 555 0100 101"]


def test_vcard_40_birthday_without_a_full_date_is_kept_as_a_field(cli, tmp_path):
    # BDAY:1996 (a year alone) and BDAY;VALUE=text are valid 4.0: not a
    # reason to reject the person.
    text = """BEGIN:VCARD
VERSION:4.0
FN:Jim Year
BDAY:1996
EMAIL:jim@example.com
END:VCARD
BEGIN:VCARD
VERSION:4.0
FN:Old Timer
BDAY;VALUE=text:circa 1800
EMAIL:old@example.com
END:VCARD
"""
    result = cli("import", write(tmp_path, "rfc6350.vcf", JOHN + text))
    assert result.exit_code == 0, result.stderr
    john, jim, old = contacts(cli)
    assert (john["birthday"], john["fields"]) == ("1996-04-15", {})
    assert (jim["birthday"], jim["fields"]) == (None, {"birthday": "1996"})
    assert (old["birthday"], old["fields"]) == (None, {"birthday": "circa 1800"})


def test_vcard_40_group_card_is_not_a_contact(cli, tmp_path):
    result = cli("import", write(tmp_path, "rfc6350.vcf", JOHN + GROUP))
    assert result.exit_code == 0, result.stderr
    assert "1 created" in result.stderr
    assert [c["name"] for c in contacts(cli)] == ["John Doe"]


def test_icloud_group_card_is_not_a_contact(cli, tmp_path):
    icloud = """BEGIN:VCARD
VERSION:3.0
PRODID:-//Apple Inc.//iCloud Web Address Book 2404B33//EN
N:Curie;Marie;;;
FN:Marie Curie
item1.EMAIL;type=INTERNET;type=pref:marie@sorbonne.example
item1.X-ABLabel:_$!<Other>!$_
PHOTO;VALUE=uri:https://p52-contacts.icloud.com/123/wbs/0141b8f0a2c0
UID:8F2B1C3D-1111-2222-3333-444455556666
END:VCARD
BEGIN:VCARD
VERSION:3.0
PRODID:-//Apple Inc.//iCloud Web Address Book 2404B33//EN
N:Scientists
FN:Scientists
X-ADDRESSBOOKSERVER-KIND:group
X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:8F2B1C3D-1111-2222-3333-444455556666
UID:AAAA-GROUP
END:VCARD
"""
    result = cli("import", write(tmp_path, "icloud.vcf", icloud))
    assert result.exit_code == 0, result.stderr
    assert [c["name"] for c in contacts(cli)] == ["Marie Curie"]


def test_vcard_40_every_note_is_kept(cli, tmp_path):
    text = """BEGIN:VCARD
VERSION:4.0
FN:Jane Bird
EMAIL:jane@tb.example
NOTE:First note
NOTE:Second note
END:VCARD
"""
    cli.ok("import", write(tmp_path, "notes.vcf", text))
    assert notes(cli, 1) == ["First note\n\nSecond note"]


AGENT = """BEGIN:VCARD
VERSION:2.1
N:Boss;Big
FN:Big Boss
TEL;WORK:+1 213 555 0001
AGENT:
BEGIN:VCARD
VERSION:2.1
N:Friday;Fred
FN:Fred Friday
TEL;WORK;VOICE:+1 213 555 1234
END:VCARD
EMAIL;INTERNET:boss@example.com
TITLE:CEO
END:VCARD
BEGIN:VCARD
VERSION:2.1
N:After;Anna
TEL;CELL:+1 213 555 0002
END:VCARD
"""


def test_vcard_21_agent_card_stays_inside_its_card(cli, tmp_path):
    result = cli("import", write(tmp_path, "agent.vcf", AGENT))
    assert result.exit_code == 0, result.stderr
    boss, anna = contacts(cli)
    assert (boss["name"], boss["emails"], boss["phones"], boss["title"]) == (
        "Big Boss", ["boss@example.com"], ["+1 213 555 0001"], "CEO")
    assert anna["name"] == "Anna After"


def test_quoted_printable_soft_break_before_end_vcard_keeps_the_card(cli, tmp_path):
    # A writer that ends a QP value with a stray "=" must not swallow END:VCARD.
    text = """BEGIN:VCARD
VERSION:2.1
N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;Anna;;;
TEL;CELL:+49 170 555 0101
NOTE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Gr=C3=BC=C3=9Fe=
END:VCARD
BEGIN:VCARD
VERSION:2.1
N:Next;Nora;;;
TEL;CELL:+49 170 555 0102
END:VCARD
"""
    result = cli("import", write(tmp_path, "android.vcf", text))
    assert result.exit_code == 0, result.stderr
    assert [c["name"] for c in contacts(cli)] == ["Anna Müller", "Nora Next"]
    assert notes(cli, 1) == ["Grüße"]


def test_android_custom_nickname_is_read(cli, tmp_path):
    text = """BEGIN:VCARD
VERSION:2.1
N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=C3=96zt=C3=BCrk;Ay=C5=9Fe;;;
FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Ay=C5=9Fe =C3=96zt=C3=BCrk
TEL;CELL;PREF:+90 532 555 0102
X-ANDROID-CUSTOM;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:vnd.android.cursor.item/nickname;Ay=C5=9Fo;1;;;;;;;;;;;;;
X-ANDROID-CUSTOM:vnd.android.cursor.item/relation;Mehmet;1;;;;;;;;;;;;;
END:VCARD
"""
    result = cli("import", write(tmp_path, "android.vcf", text))
    assert result.exit_code == 0, result.stderr
    (ayse,) = contacts(cli)
    assert ayse["name"] == "Ayşe Öztürk"
    # (A relation of type 1 is Android's "assistant".)
    assert ayse["fields"] == {"nickname": "Ayşo", "assistant": "Mehmet"}


COMPANY_CARDS = """BEGIN:VCARD
VERSION:3.0
N:;;;;
FN:Acme Corp
ORG:Acme Corp;
X-ABShowAs:COMPANY
EMAIL:info@acme.example
END:VCARD
BEGIN:VCARD
VERSION:4.0
KIND:org
FN:Globex Inc
ORG:Globex Inc
END:VCARD
BEGIN:VCARD
VERSION:3.0
N:;;;;
FN:Ada Lovelace
ORG:Engines
END:VCARD
"""


def test_a_company_card_is_not_taken_apart_into_first_and_last_names(cli, tmp_path):
    result = cli("import", write(tmp_path, "companies.vcf", COMPANY_CARDS))
    assert result.exit_code == 0, result.stderr
    found = {c["name"]: (c["first_name"], c["last_name"], c["company"]) for c in contacts(cli)}
    assert found["Acme Corp"] == (None, None, "Acme Corp")
    assert found["Globex Inc"] == (None, None, "Globex Inc")
    assert found["Ada Lovelace"] == ("Ada", "Lovelace", "Engines")  # a person's card still is
    # The round trip of a contact known by its company alone keeps it so.
    exported = cli.ok("export", "--format", "vcard").stdout
    other = type(cli)(tmp_path / "other.db")
    other.ok("import", write(tmp_path, "again.vcf", exported.replace("\r\n", "\n")))
    again = {c["name"]: (c["first_name"], c["last_name"]) for c in contacts(other)}
    assert again["Acme Corp"] == (None, None)


def test_a_contact_known_by_a_nickname_comes_back_with_no_first_or_last_name(cli, tmp_path):
    cli.ok("import", write(tmp_path, "family.csv", "First Name,Last Name,Nickname,Phone 1 - Value\n"
                                                   ",,Dr Who,+1 555 0191\n,,Mom,+1 555 0190\n"))
    assert {(c["name"], c["first_name"], c["last_name"]) for c in contacts(cli)} == {
        ("Dr Who", None, None), ("Mom", None, None)}
    exported = cli.ok("export", "--format", "vcard").stdout
    other = type(cli)(tmp_path / "other.db")
    other.ok("import", write(tmp_path, "again.vcf", exported))
    # tinycrm's own card says its N: an empty one is not FN taken apart.
    assert {(c["name"], c["first_name"], c["last_name"]) for c in contacts(other)} == {
        ("Dr Who", None, None), ("Mom", None, None)}
    other.ok("import", write(tmp_path, "again.vcf", exported))
    assert len(contacts(other)) == 2


APPLE_EXTRAS = """BEGIN:VCARD
VERSION:3.0
PRODID:-//Apple Inc.//macOS 14.0//EN
N:Lovelace;Ada;;;
FN:Ada Lovelace
item1.X-ABRELATEDNAMES:William King
item1.X-ABLabel:_$!<Spouse>!$_
item2.X-ABDATE;type=pref:1835-07-08
item2.X-ABLabel:_$!<Anniversary>!$_
X-SOCIALPROFILE;type=twitter;x-user=ada:https://twitter.com/ada
IMPP;X-SERVICE-TYPE=Skype;type=pref:skype:ada.lovelace
ROLE:Analyst of engines
X-ABShowAs:PERSON
PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD
REV:2024-01-01T00:00:00Z
X-MS-OL-DESIGN;CHARSET=utf-8:<card/>
END:VCARD
"""


def test_what_else_a_card_says_of_its_person_is_kept_as_custom_fields(cli, tmp_path):
    result = cli("import", write(tmp_path, "apple.vcf", APPLE_EXTRAS))
    assert result.exit_code == 0, result.stderr
    (ada,) = contacts(cli)
    assert ada["fields"] == {
        "Spouse": "William King", "Anniversary": "1835-07-08",
        "twitter": "https://twitter.com/ada", "skype": "skype:ada.lovelace",
        "role": "Analyst of engines",
    }


def test_quoted_printable_in_a_charset_python_doesnt_know_reads_as_utf8(cli, tmp_path):
    card = ("BEGIN:VCARD\nVERSION:2.1\n"
            "N;CHARSET=X-UNKNOWN;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=B6rg;;;\n"
            "FN;CHARSET=X-UNKNOWN;ENCODING=QUOTED-PRINTABLE:J=C3=B6rg M=C3=BCller\nEND:VCARD\n")
    cli.ok("import", write(tmp_path, "odd.vcf", card))
    (jorg,) = contacts(cli)
    assert (jorg["name"], jorg["last_name"]) == ("Jörg Müller", "Müller")


def test_apple_omit_year_without_its_value_is_a_birthday_without_a_year(cli, tmp_path):
    card = "BEGIN:VCARD\nVERSION:3.0\nFN:Ada\nBDAY;X-APPLE-OMIT-YEAR=:1604-12-10\nEND:VCARD\n"
    cli.ok("import", write(tmp_path, "ada.vcf", card))
    assert contacts(cli)[0]["birthday"] == "--12-10"


# Outlook's "Save as vCard" (2.1), in the shape of ez-vcard's Outlook 2007
# sample: what 2.1 has no property for goes in X-MS-* lines.
OUTLOOK_21 = """BEGIN:VCARD
VERSION:2.1
N;LANGUAGE=de;CHARSET=Windows-1252:Müller;Jörg;;Herr;
FN;CHARSET=Windows-1252:Jörg Müller
ORG;CHARSET=Windows-1252:Bäckerei Müller GmbH;Vertrieb
TITLE;CHARSET=Windows-1252:Geschäftsführer
NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=Windows-1252:Kennengelernt auf der Messe.=0D=0A=
Bevorzugt Anrufe vormittags.
TEL;WORK;VOICE:+49 30 1234567
TEL;CELL;VOICE:+49 171 2345678
X-MS-TEL;VOICE;ASSISTANT:+49 30 1234569
X-MS-TEL;VOICE;CALLBACK:+49 30 1234570
ADR;WORK;PREF;CHARSET=Windows-1252:;;Hauptstraße 5;Berlin;;10115;Deutschland
X-MS-OL-DEFAULT-POSTAL-ADDRESS:2
BDAY:19700521
X-MS-ANNIVERSARY:19980815
X-MS-IMADDRESS:joerg@im.example
X-MS-MANAGER:Anna Schmidt
X-MS-ASSISTANT:Petra
X-MS-SPOUSE;CHARSET=Windows-1252:Jürgen
EMAIL;PREF;INTERNET:joerg@baeckerei-mueller.example
X-MS-OL-DESIGN;CHARSET=utf-8:<card xmlns="http://schemas.microsoft.com/office/outlook/12/
 electronicbusinesscards" ver="1.0" layout="left" bgcolor="ffffff"></card>
X-MS-CARDPICTURE;TYPE=JPEG;ENCODING=BASE64:
 /9j/4AAQSkZJRgABAQEAYABgAAD/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcU

REV:20240301T101500Z
END:VCARD
"""


def test_outlooks_x_ms_lines_about_the_person_are_kept(cli, tmp_path):
    # Outlook's CSV of the same contact keeps its Anniversary, Spouse,
    # Manager's Name and Assistant's Name; its vCard must not lose them.
    path = tmp_path / "Jörg Müller.vcf"
    path.write_bytes(OUTLOOK_21.replace("\n", "\r\n").encode("cp1252"))
    result = cli("import", str(path))
    assert result.exit_code == 0, result.stderr
    (joerg,) = contacts(cli)
    assert (joerg["name"], joerg["company"]) == ("Jörg Müller", "Bäckerei Müller GmbH")
    # The callback number is his; the assistant's is hers, kept beside her name.
    assert joerg["phones"] == ["+49 30 1234567", "+49 171 2345678", "+49 30 1234570"]
    assert joerg["fields"] == {
        "prefix": "Herr", "department": "Vertrieb",
        "address": "Hauptstraße 5, Berlin, 10115, Deutschland", "anniversary": "19980815",
        "im": "joerg@im.example", "manager": "Anna Schmidt", "assistant": "Petra",
        "spouse": "Jürgen", "assistant's phone": "+49 30 1234569"}
    assert notes(cli, joerg["id"]) == ["Kennengelernt auf der Messe.\nBevorzugt Anrufe vormittags."]


# A company's fax, as Apple (3.0), Outlook (2.1) and a 4.0 writer give it to
# three colleagues, beside numbers of their own.
FAXES = """BEGIN:VCARD
VERSION:3.0
FN:Ada Lovelace
EMAIL:ada@acme.example
TEL;TYPE=WORK;TYPE=VOICE:+1 555 010 0001
TEL;TYPE=WORK,FAX:+1 555 010 9999
TEL;TYPE=WORK,FAX:+1 555 010 9998
item1.TEL:+1 555 020 9999
item1.X-ABLabel:_$!<OtherFAX>!$_
TEL;TYPE=FAX,VOICE:+1 555 010 7777
item2.TEL;TYPE=VOICE:+1 555 010 6666
item2.X-ABLabel:_$!<WorkFAX>!$_
END:VCARD
BEGIN:VCARD
VERSION:2.1
FN:Bob Stone
EMAIL;INTERNET:bob@acme.example
TEL;WORK;FAX:+1 555 010 9999
TEL;HOME;FAX:+1 555 030 9999
TEL;CELL:+1 555 010 0002
END:VCARD
BEGIN:VCARD
VERSION:4.0
FN:Cy Young
EMAIL:cy@acme.example
TEL;VALUE=uri;TYPE="fax,work":tel:+1-555-010-9999
TEL;TYPE=fax:+1 555 040 9999
END:VCARD
"""


def test_a_fax_is_a_custom_field_not_a_phone(cli, tmp_path):
    # A fax is no number to call, and phones are what import and dupes match
    # people by: as Outlook's CSV keeps its Business Fax column, a card's fax
    # is a custom field named by its type; a second is numbered, not lost.
    result = cli("import", write(tmp_path, "acme.vcf", FAXES))
    assert result.exit_code == 0, result.stderr
    assert "3 created" in result.stderr
    ada, bob, cy = contacts(cli)
    # A number that is voice and fax alike is one to call (by its types, or
    # a voice number Apple labels a fax).
    assert ada["phones"] == ["+1 555 010 0001", "+1 555 010 7777", "+1 555 010 6666"]
    assert ada["fields"] == {"work fax": "+1 555 010 9999", "work fax 2": "+1 555 010 9998",
                             "other fax": "+1 555 020 9999"}
    assert bob["phones"] == ["+1 555 010 0002"]
    assert bob["fields"] == {"work fax": "+1 555 010 9999", "home fax": "+1 555 030 9999"}
    assert cy["phones"] == []
    assert cy["fields"] == {"work fax": "+1-555-010-9999", "fax": "+1 555 040 9999"}
    # The company's one fax makes no colleagues into duplicates.
    pairs = json.loads(cli.ok("dupes", "--threshold", "0", "-f", "json").stdout)
    assert [p for p in pairs if "phone" in p["reason"]] == []
