"""`tinycrm export` as other programs read it (vobject, Python's csv and json
modules, line readers) with text a terminal or a line splitter would act on:
what test_export.py and test_ics.py don't cover."""

from __future__ import annotations

import csv
import io
import json
import re

import vobject

from tinycrm.store.exporter import export

# C1 CSI, NEL, DEL, a bidi override, an isolate and the Unicode line and
# paragraph separators: json.dumps(ensure_ascii=False) leaves them raw.
ODD = "a\x9b31mb\x85c\x7fd\u202ee\u2066f\u2028g\u2029h"
RAW = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
FIELDS = {"odd": ODD, "multi line": "one\ntwo\r\nthree", "odd; name, \\ here": "x"}


def contacts(cli) -> dict[str, dict]:
    return {c["uid"]: c for c in json.loads(cli.ok("list", "-f", "json").stdout)}


def add_odd(store):
    return store.contacts.add("Ada Lovelace", emails=["ada@ex.org"], phones=["+44 20 7946 0001"],
                              tags=["v;ip"], company="Engines, Ltd; \\ Co", fields=FIELDS)


def test_json_and_ndjson_escape_what_a_terminal_or_line_reader_acts_on(cli, store):
    add_odd(store)
    as_json = cli.ok("export", "-f", "json").stdout
    as_ndjson = cli.ok("export", "-f", "ndjson").stdout
    for text in (as_json, as_ndjson):
        assert not RAW.search(text)  # e.g. U+009B is CSI to a terminal
    assert "\\u009b" in as_json and "\\u2028" in as_ndjson
    # The same values: json reads the escapes back.
    assert json.loads(as_json)[0]["fields"] == FIELDS
    # A reader splitting NDJSON with str.splitlines (NEL, U+2028 are breaks) gets one record.
    assert [json.loads(line)["fields"] for line in as_ndjson.splitlines()] == [FIELDS]


def test_list_prints_the_same_escaped_json_as_export(cli, store):
    add_odd(store)
    for fmt in ("json", "ndjson", "csv"):
        listed = cli.ok("list", "-f", fmt).stdout
        assert not RAW.search(listed), fmt
        assert listed == cli.ok("export", "-f", fmt).stdout, fmt
    shown = cli.ok("show", "1", "-f", "json").stdout
    assert not RAW.search(shown) and json.loads(shown)["fields"] == FIELDS


def test_csv_fields_cell_escapes_terminal_controls_and_imports_back(cli, store, tmp_path):
    ada = add_odd(store)
    text = cli.ok("export").stdout
    assert not RAW.search(text)
    [row] = csv.DictReader(io.StringIO(text, newline=""))
    assert json.loads(row["fields"]) == FIELDS
    path = tmp_path / "contacts.csv"
    path.write_text(text, encoding="utf-8", newline="")
    again = type(cli)(tmp_path / "again.db")
    again.ok("import", str(path))
    assert contacts(again)[ada.uid]["fields"] == FIELDS


def test_vcard_fields_escape_terminal_controls_and_read_back(cli, store, tmp_path):
    ada = add_odd(store)
    data = cli.ok("export", "-f", "vcard").stdout
    assert not RAW.search(data)
    [card] = vobject.readComponents(data, validate=True)
    assert card.uid.value == ada.uid
    assert json.loads(card.contents["x-tinycrm-fields"][0].value) == FIELDS
    assert card.org.value == ["Engines, Ltd; \\ Co"]
    path = tmp_path / "contacts.vcf"
    path.write_text(data, encoding="utf-8", newline="")
    again = type(cli)(tmp_path / "again.db")
    again.ok("import", str(path))
    before, after = contacts(cli)[ada.uid], contacts(again)[ada.uid]
    assert {k: after[k] for k in before if k not in ("id", "version")} == {
        k: v for k, v in before.items() if k not in ("id", "version")}


def test_csv_and_vcard_carry_no_control_characters_the_store_was_given(store, tmp_path):
    # The store's API keeps a source as given (import and edit clean it): an
    # ESC, a BEL or a bare CR must not reach a terminal, nor end a vCard line.
    store.contacts.add("Bob Stone", source="web\x1b[31m form\r\x07x", emails=["bob@ex.org"])
    out = io.StringIO()
    export(store, out, "csv")
    [row] = csv.DictReader(io.StringIO(out.getvalue(), newline=""))
    assert row["source"] == "web formx"
    assert not RAW.search(out.getvalue()) and "\r" not in out.getvalue()

    out = io.StringIO()
    export(store, out, "vcard")
    assert not RAW.search(out.getvalue())
    [card] = vobject.readComponents(out.getvalue(), validate=True)
    assert card.contents["x-tinycrm-source"][0].value == "web formx"


def test_vcard_escapes_a_bare_carriage_return():
    from tinycrm.store.formats.vcardwriter import card_lines, escape, fold

    assert escape("one\rtwo\r\nthree\nfour") == "one\\ntwo\\nthree\\nfour"
    record = {"uid": "u1", "name": "Ada", "title": "Chief\rEngineer", "emails": []}
    data = "".join(fold(line) for line in card_lines(record))
    [card] = vobject.readComponents(data, validate=True)
    assert card.title.value == "Chief\nEngineer"


def test_digits_a_spreadsheet_would_change_keep_their_form(cli, tmp_path):
    """0770 lost its zero, and 16 digits their last ones, in a spreadsheet:
    they go out like a formula would, behind an apostrophe, and come back."""
    cli.ok("add", "Ada", "-p", "07700900123")
    cli.ok("edit", "1", "--set", "source=0042")
    cli.ok("add", "Bob", "-p", "12345678901234567")
    cli.ok("add", "'0123 Club")
    out = cli.ok("export", "-f", "csv").stdout
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(out))}
    assert rows["Ada"]["phones"] == "'07700900123" and rows["Ada"]["source"] == "'0042"
    assert rows["Bob"]["phones"] == "'12345678901234567"
    assert rows["'0123 Club"]["name"] == "'0123 Club"  # not digits alone: as it is
    path = tmp_path / "out.csv"
    path.write_text(out)
    other = type(cli)(tmp_path / "other.db")
    other.ok("import", str(path))
    again = {c["name"]: c for c in json.loads(other.ok("list", "-f", "json").stdout)}
    assert again["Ada"]["phones"] == ["07700900123"] and again["Ada"]["source"] == "0042"
    assert again["Bob"]["phones"] == ["12345678901234567"]
    assert "'0123 Club" in again
