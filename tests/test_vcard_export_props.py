"""vCard export of the custom fields other address books have a property for
(url, address, nickname, role, a fax): written as URL, ADR, NICKNAME, ROLE
and a TEL of type FAX as well as in X-TINYCRM-FIELDS, and read back once."""

from __future__ import annotations

import json
import re

import vobject

ADDRESS = "12 St James's Sq, London; SW1Y 4LE\nUnited Kingdom — Ünïcødé 東京"
NICKNAME = 'Ada, "the Enchantress"; of Numbers'
URL = "https://ada.example/a,b;c?q=\\x"
FIELDS = {"url": URL, "url 2": "https://second.example/", "address": ADDRESS,
          "nickname": NICKNAME, "role": "Analyst, engines", "gender": "F",
          "odd; name, here": "kept in JSON only"}
RAW = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def contacts(cli) -> list[dict]:
    return json.loads(cli.ok("list", "--sort", "created", "-f", "json").stdout)


def same(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k not in ("id", "version")} for row in rows]


def export(cli) -> str:
    # (Click's test runner turns CRLF into LF in .stdout; the bytes are what was written.)
    return cli.ok("export", "--format", "vcard").stdout_bytes.decode()


def import_into(cli, tmp_path, text: str, name: str = "cards.vcf"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return cli("import", str(path))


def without(text: str, prop: str) -> str:
    """``text`` (a vCard) without ``prop``'s lines, folded ones too."""
    kept, dropping = [], False
    for line in text.split("\r\n"):
        if not (dropping and line.startswith(" ")):
            dropping = line.startswith(prop + ":")
            if not dropping:
                kept.append(line)
    return "\r\n".join(kept)


def test_url_address_nickname_and_role_go_out_as_standard_properties(cli, store):
    store.contacts.add("Ada Lovelace", emails=["ada@ex.org"], fields=FIELDS)
    exported = export(cli)
    assert all(len(line.encode()) <= 75 for line in exported.split("\r\n"))
    [card] = vobject.readComponents(exported, validate=True)
    assert [u.value for u in card.contents["url"]] == [URL, "https://second.example/"]
    [adr] = card.contents["adr"]
    assert adr.value.street == ADDRESS
    assert [adr.value.box, adr.value.extended, adr.value.city, adr.value.region,
            adr.value.code, adr.value.country] == [""] * 6
    assert [n.value for n in card.contents["nickname"]] == [NICKNAME]
    assert [r.value for r in card.contents["role"]] == ["Analyst, engines"]
    # The rest stay custom fields, in the JSON alone.
    assert json.loads(card.contents["x-tinycrm-fields"][0].value) == FIELDS
    assert {"gender", "x-gender", "x-tinycrm-gender"}.isdisjoint(card.contents)
    assert "NICKNAME:Ada\\, \"the Enchantress\"\\; of Numbers\r\n" in exported


def test_a_round_trip_gives_the_same_contacts_with_no_field_twice(cli, store, tmp_path):
    # "url 3" without a "url 2": the standard copies alone would read it back
    # as "url 2"; a second nickname or url would be a double.
    fields = {**FIELDS, "url 3": "https://third.example/"}
    del fields["url 2"]
    store.contacts.add("Ada Lovelace", emails=["ada@ex.org"], fields=fields)
    store.contacts.add("Bob Stone", phones=["+1 555 010 9999"], fields={"nickname": "Bobby"})
    store.contacts.add("Cy Plain")
    exported = export(cli)
    assert exported.count("\r\nURL:") == 2 and exported.count("\r\nNICKNAME:") == 2
    other = type(cli)(tmp_path / "other.db")
    result = import_into(other, tmp_path, exported)
    assert result.exit_code == 0, result.stderr
    assert same(contacts(other)) == same(contacts(cli))
    assert contacts(other)[0]["fields"] == fields
    # Importing it again, or into where it came from, changes nothing.
    for db in (other, cli):
        again = import_into(db, tmp_path, exported)
        assert "0 created" in again.stderr and "3 unchanged" in again.stderr, again.stderr
    assert same(contacts(other)) == same(contacts(cli))


def test_control_characters_stay_out_of_the_standard_properties(cli, store, tmp_path):
    odd = {"url": "https://ex.org/\x1b[31mred\x9b31m\u202eevil",
           "address": "1 Main St\u2028Town\x85Hall", "nickname": "Ada\x07\u2066x\u2069"}
    store.contacts.add("Ada Lovelace", fields=odd)
    exported = export(cli)
    assert not RAW.search(exported)
    [card] = vobject.readComponents(exported, validate=True)
    assert card.url.value == "https://ex.org/red31mevil"
    assert card.adr.value.street == "1 Main St\nTownHall"
    assert card.nickname.value == "Adax"
    # What tinycrm reads back is the JSON: the fields as they were.
    other = type(cli)(tmp_path / "other.db")
    assert import_into(other, tmp_path, exported).exit_code == 0
    assert contacts(other)[0]["fields"] == odd


def test_the_standard_properties_alone_read_back_as_the_same_fields(cli, store, tmp_path):
    # An address book that drops X-TINYCRM-FIELDS still hands these back
    # whole: the address is ADR's street, so no comma splits it.
    store.contacts.add("Ada Lovelace", emails=["ada@ex.org"], fields=FIELDS)
    exported = without(export(cli), "X-TINYCRM-FIELDS")
    assert "X-TINYCRM-FIELDS" not in exported
    other = type(cli)(tmp_path / "other.db")
    assert import_into(other, tmp_path, exported).exit_code == 0
    copied = ("url", "url 2", "address", "nickname", "role")
    assert contacts(other)[0]["fields"] == {key: FIELDS[key] for key in copied}


THIRD_PARTY = """BEGIN:VCARD\r
VERSION:3.0\r
FN:Grace Hopper\r
N:Hopper;Grace;;;\r
NICKNAME:Amazing Grace\r
URL;TYPE=HOME:https://grace.example\r
URL:https\\://navy.example/grace\r
ADR;TYPE=WORK:;;1 Main St\\, Suite 2;Arlington;VA;22201;USA\r
ROLE:Rear Admiral\r
END:VCARD\r
"""


def test_a_card_from_elsewhere_imports_these_properties_as_before(cli, tmp_path):
    result = import_into(cli, tmp_path, THIRD_PARTY)
    assert result.exit_code == 0, result.stderr
    assert contacts(cli)[0]["fields"] == {
        "nickname": "Amazing Grace", "url": "https://grace.example",
        "url 2": "https://navy.example/grace",
        "address": "1 Main St, Suite 2, Arlington, VA, 22201, USA", "role": "Rear Admiral",
    }


def test_beside_x_tinycrm_fields_only_the_copies_of_its_fields_are_skipped(cli, tmp_path):
    # The rule that keeps our own export from reading each value twice: a URL,
    # ADR, NICKNAME or ROLE whose text a field of the JSON has is its copy.
    # The others were added elsewhere: they are the card's own, numbered
    # after the JSON's names.
    fields = 'X-TINYCRM-FIELDS:{"url": "https://grace.example"\\, "spouse": "V"}'
    card = THIRD_PARTY.replace("END:VCARD", f"{fields}\r\nEND:VCARD")
    assert import_into(cli, tmp_path, card).exit_code == 0
    assert contacts(cli)[0]["fields"] == {
        "url": "https://grace.example", "spouse": "V", "url 2": "https://navy.example/grace",
        "address": "1 Main St, Suite 2, Arlington, VA, 22201, USA", "nickname": "Amazing Grace",
        "role": "Rear Admiral"}


def test_a_nickname_beside_x_tinycrm_fields_still_names_the_card(cli, tmp_path):
    card = ('BEGIN:VCARD\r\nVERSION:3.0\r\nX-TINYCRM-FIELDS:{"a": 1}\r\n'
            "NICKNAME:Only Nick\r\nEND:VCARD\r\n")
    result = import_into(cli, tmp_path, card)
    assert result.exit_code == 0, result.stderr
    assert (contacts(cli)[0]["name"], contacts(cli)[0]["fields"]) == ("Only Nick", {"a": 1})


# Faxes as each import names them (vCard's, Outlook's CSV column, Google's
# label, Thunderbird's column), in text a TEL must escape; and a field that
# only starts like one.
FAXES = {"work fax": "+1 555 010 9999", "work fax 2": "+1 555 010 9998; ext. 2",
         "Business Fax": "+44 20 7946 0999", "Home Fax": "+1 555 020\x1b 9999",
         "fax": "tel:+1-555-030-9999", "Fax Number": "+49 30, 1234",
         "fax machine": "jammed"}


def test_faxes_go_out_as_fax_tels_and_read_back_once(cli, store, tmp_path):
    # Other address books show a fax kept as a custom field where they show
    # faxes; tinycrm reads its own export back with each fax once, and a
    # number to call that is also the fax stays a number to call.
    store.contacts.add("Ada Lovelace", phones=["+1 555 010 9999"], fields=FAXES)
    exported = export(cli)
    [card] = vobject.readComponents(exported, validate=True)
    tels = sorted((tel.value, sorted(tel.params.get("TYPE", []))) for tel in card.contents["tel"])
    assert tels == sorted([
        ("+1 555 010 9999", ["PREF"]), ("+1 555 010 9999", ["FAX", "WORK"]),
        ("+1 555 010 9998; ext. 2", ["FAX", "WORK"]), ("+44 20 7946 0999", ["FAX", "WORK"]),
        ("+1 555 020 9999", ["FAX", "HOME"]), ("tel:+1-555-030-9999", ["FAX"]),
        ("+49 30, 1234", ["FAX"])])
    other = type(cli)(tmp_path / "other.db")
    result = import_into(other, tmp_path, exported)
    assert result.exit_code == 0, result.stderr
    assert same(contacts(other)) == same(contacts(cli))
    assert (contacts(other)[0]["phones"], contacts(other)[0]["fields"]) == (
        ["+1 555 010 9999"], FAXES)
    for db in (other, cli):
        again = import_into(db, tmp_path, exported)
        assert "0 created" in again.stderr and "1 unchanged" in again.stderr, again.stderr


def test_fax_tels_alone_read_back_as_the_same_faxes(cli, store, tmp_path):
    # An address book that drops X-TINYCRM-FIELDS hands the faxes back as
    # faxes: those named as the vCard import names them, by the same names.
    faxes = {"work fax": "+1 555 010 9999", "work fax 2": "+1 555 010 9998",
             "home fax": "+1 555 020 9999", "other fax": "+1 555 040 9999",
             "fax": "+1 555 030 9999"}
    store.contacts.add("Ada Lovelace", phones=["+1 555 010 0001"], fields=faxes)
    exported = without(export(cli), "X-TINYCRM-FIELDS")
    other = type(cli)(tmp_path / "other.db")
    assert import_into(other, tmp_path, exported).exit_code == 0
    ada = contacts(other)[0]
    assert (ada["phones"], ada["fields"]) == (["+1 555 010 0001"], faxes)


def test_beside_x_tinycrm_fields_a_fax_added_elsewhere_is_the_cards_own(cli, tmp_path):
    card = ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Grace Hopper\r\n"
            "TEL;TYPE=WORK,FAX:+1 555 010 9999\r\n"  # the copy of the JSON's fax
            "TEL;TYPE=WORK:+1 555 010 9999\r\n"  # a number to call, the same
            "TEL;TYPE=HOME,FAX:+1 555 020 9999\r\n"  # added in another address book
            'X-TINYCRM-FIELDS:{"work fax": "+1 555 010 9999"}\r\nEND:VCARD\r\n')
    assert import_into(cli, tmp_path, card).exit_code == 0
    grace = contacts(cli)[0]
    assert grace["phones"] == ["+1 555 010 9999"]
    assert grace["fields"] == {"work fax": "+1 555 010 9999", "home fax": "+1 555 020 9999"}
