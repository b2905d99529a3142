"""The import's fast lane (store/import_lane.py) must give exactly what the
row path gives: the same files are imported both ways, in small chunks so
that some take the lane and some don't, and every table is compared."""

from __future__ import annotations

import csv
import io
import json
import random

import pytest

from tinycrm.store import Store, StoreSettings, importer
from tinycrm.store.import_types import ImportOptions

from .conftest import FROZEN

GOOGLE = ["First Name", "Middle Name", "Last Name", "Nickname", "Organization Name",
          "Organization Title", "Birthday", "Notes", "Labels", "E-mail 1 - Label",
          "E-mail 1 - Value", "E-mail 2 - Label", "E-mail 2 - Value", "Phone 1 - Label",
          "Phone 1 - Value", "Website 1 - Label", "Website 1 - Value"]
OUTLOOK = ["First Name", "Last Name", "Company", "Job Title", "E-mail Address",
           "E-mail 2 Address", "Mobile Phone", "Categories", "Notes", "Birthday"]
PLAIN = ["name", "email", "phone", "company", "tags", "Favourite colour"]

FIRST = ["Ada", "Grace", "Siobhán", "Łukasz", "Jean-Luc", "O'Neil", "Zoë", "Li", "", " Max "]
LAST = ["Lovelace", "Hopper", "O'Brien", "Ørsted", "Smith-Jones", "", "Nakamura"]


def _cell(rng: random.Random, kind: str, i: int) -> str:
    """A value of one kind: mostly plain, sometimes odd in one of the ways a
    file can be (bad, repeated, several values, a formula guard, a newline)."""
    roll = rng.random()
    if kind == "email":
        if roll < 0.05:
            return "not-an-address"
        if roll < 0.10:
            return f"dup{rng.randint(0, 3)}@x.example"  # the same person again, or clashes
        if roll < 0.13:
            return f"a{i}@x.example ::: b{i}@x.example"
        if roll < 0.14:
            return f"c{i}@x.example\nd{i}@x.example"  # a line break inside the cell
        if roll < 0.18:
            return ""
        if roll < 0.40:
            return f"p{i}@mail.example.co.uk"  # a domain with several dots
        return f"p{i}.{rng.choice(FIRST).strip().lower() or 'x'}@Example.COM"
    if kind == "phone":
        if roll < 0.05:
            return "call me"
        if roll < 0.10:
            return "123"  # too short to match anyone
        if roll < 0.30:
            return ""
        if roll < 0.35:
            return f"0044 20 7946 {i:04d}"
        if roll < 0.40:
            return f"00 12 {i:04d}"  # too short once the 00 is gone
        return f"+1 (555) {i // 100:03d}-{i % 100:04d}"
    if kind == "tags":
        return rng.choice(["", "* myContacts", "* myContacts ::: Friends", "VIP; Investors",
                           "Friends", "  ", "Bücher"])
    if kind == "note":
        return rng.choice(["", "", "", "Met at PyCon\nlikes tea", "'=1+1"])
    if kind == "birthday":
        return rng.choice(["", "", "", "1985-03-15", "3/15/1985", "soon"])
    if kind == "company":
        return rng.choice(["", "Acme  Inc", "Ørsted A/S", "'@Home", " '+Plus ", "Initech"])
    return ""


def _rows(header: list[str], count: int, seed: int) -> str:
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for i in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        values = {
            "First Name": first, "Last Name": last, "name": f"{first} {last}".strip(),
            "Middle Name": "", "Nickname": rng.choice(["", "", "", "Nick"]),
            "Organization Name": _cell(rng, "company", i), "Company": _cell(rng, "company", i),
            "company": _cell(rng, "company", i),
            "Organization Title": rng.choice(["", "CTO", "Chief  Technology\tOfficer"]),
            "Job Title": rng.choice(["", "CTO", "Head of  Sales"]),
            "Birthday": _cell(rng, "birthday", i),
            "Notes": _cell(rng, "note", i), "Labels": _cell(rng, "tags", i),
            "Categories": _cell(rng, "tags", i), "tags": _cell(rng, "tags", i),
            "E-mail 1 - Label": rng.choice(["* Work", "Home", ""]),
            "E-mail 1 - Value": _cell(rng, "email", i), "E-mail Address": _cell(rng, "email", i),
            "E-mail 2 Address": "" if rng.random() < 0.8 else _cell(rng, "email", i + 7000),
            "E-mail 2 - Label": rng.choice(["* Home", "Other"]),
            "E-mail 2 - Value": "" if rng.random() < 0.7 else _cell(rng, "email", i + 9000),
            "email": _cell(rng, "email", i), "Phone 1 - Label": "Mobile",
            "Phone 1 - Value": _cell(rng, "phone", i), "Mobile Phone": _cell(rng, "phone", i),
            "phone": _cell(rng, "phone", i), "Website 1 - Label": "",
            "Website 1 - Value": rng.choice(["", "", "https://x.example"]),
            "Favourite colour": rng.choice(["", "teal", "=cmd|' /C calc'!A0"]),
        }
        writer.writerow([values[h] for h in header])
    return out.getvalue()


def _tables(store: Store) -> dict[str, list[tuple]]:
    conn = store.conn
    queries = {
        "contacts": "SELECT id, name, first_name, last_name, company, title, stage, tier, owner,"
                    " source, birthday, fields, cadence_days, created_at, updated_at,"
                    " last_contacted_at, version, name_key, company_key FROM contacts ORDER BY id",
        "emails": "SELECT * FROM contact_emails ORDER BY contact_id, position",
        "phones": "SELECT * FROM contact_phones ORDER BY contact_id, position",
        "tags": "SELECT * FROM contact_tags ORDER BY contact_id, tag",
        "search": "SELECT * FROM contact_search ORDER BY contact_id",
        "terms": "SELECT * FROM contact_search_terms ORDER BY term",
        "events": "SELECT contact_id, kind, text, at, author, data FROM events ORDER BY id",
        "audit": "SELECT at, actor, action, entity, entity_id, contact_id, before, after"
                 " FROM audit ORDER BY id",
        "items": "SELECT * FROM import_items ORDER BY batch_id, contact_id",
        "fts": "SELECT rowid FROM contact_search_fts WHERE contact_search_fts MATCH 'example'"
               " ORDER BY rowid",
    }
    return {name: conn.execute(sql).fetchall() for name, sql in queries.items()}


def _import_both_ways(tmp_path, monkeypatch, text: str, *, twice: bool = False,
                      options: ImportOptions = ImportOptions()):
    monkeypatch.setattr(importer, "CHUNK", 6)
    taken = []
    real_settle = importer._Import._settle

    def counting(self, chunk, plain, matches, ids):
        taken.append(not matches.result())  # the lane wrote it, or handed it back
        return real_settle(self, chunk, plain, matches, ids)

    monkeypatch.setattr(importer._Import, "_settle", counting)
    results = {}
    for way in ("lane", "rows"):
        if way == "rows":
            monkeypatch.setattr(importer, "plain_chunk", lambda *args: None)
        with Store(tmp_path / f"{way}.db", user="alice", clock=lambda: FROZEN,
                   settings=StoreSettings()) as store:
            rejects, summaries = [], []
            for _ in range(2 if twice else 1):
                summary = importer.import_contacts(
                    store, io.BytesIO(text.encode()), name="people.csv", options=options,
                    on_reject=rejects.append)
                summaries.append({**vars(summary), "batch_id": None})
            results[way] = (_tables(store), rejects, summaries)
    return results, taken


@pytest.mark.parametrize("header,seed", [(GOOGLE, 1), (OUTLOOK, 2), (PLAIN, 3), (GOOGLE, 4)])
def test_the_lane_and_the_row_path_write_the_same(tmp_path, monkeypatch, header, seed):
    text = _rows(header, 240, seed)
    results, taken = _import_both_ways(tmp_path, monkeypatch, text)
    lane_tables, lane_rejects, lane_summary = results["lane"]
    row_tables, row_rejects, row_summary = results["rows"]
    for table in row_tables:
        assert lane_tables[table] == row_tables[table], table
    assert lane_rejects == row_rejects and row_rejects, "some rows are bad, the same ones"
    assert lane_summary == row_summary
    assert True in taken, "some chunks took the lane"
    assert row_summary[0]["created"] > sum(taken) * 6 - 6, "and others the row path"


def test_json_lines_the_lane_and_the_row_path_write_the_same(tmp_path, monkeypatch):
    """JSON and vCard rows come as records (import_lane.RowChunk), not cells."""
    rows = list(csv.DictReader(io.StringIO(_rows(PLAIN, 200, 6))))
    text = "\n".join(json.dumps({
        "name": row["name"], "emails": [row["email"]] if row["email"] else [],
        "phones": [row["phone"]], "company": row["company"],
        "tags": [t for t in row["tags"].split(";") if t],
        **({"stage": "customer"} if i % 50 == 7 else {}),
    }) for i, row in enumerate(rows))
    results, taken = _import_both_ways(tmp_path, monkeypatch, text)
    assert results["lane"] == results["rows"]
    assert results["rows"][2][0]["format"] == "ndjson"
    assert True in taken and results["rows"][1], "some chunks took the lane; some rows were bad"


def test_a_second_import_of_the_same_file_matches_everyone_both_ways(tmp_path, monkeypatch):
    text = _rows(GOOGLE, 120, 5)
    results, taken = _import_both_ways(tmp_path, monkeypatch, text, twice=True,
                                       options=ImportOptions(tags=("Imported",)))
    assert results["lane"] == results["rows"]
    first, second = results["lane"][2]
    # Only rows with no address and no number long enough to match come in again.
    assert second["created"] < first["created"] / 4
    assert second["unchanged"] + second["merged"] > first["created"] / 2
    assert True in taken


@pytest.mark.parametrize("values", [
    ["Ada", None, "", "Grace Hopper"], ["a  b", "c"], [" a", "b"], ["a ", "b"], ["a\tb"],
    ["x\x00y", "z"], [None, None], [], ["ok", 42], [0, "a"], ["a\u00a0b"], ["a\nb", "c"], ["", ""],
])
def test_clean_texts_is_clean_text_of_each(values):
    from tinycrm.store.import_rows import clean_text, clean_texts

    assert clean_texts(values) == [clean_text(v) for v in values]


def test_after_a_chunk_that_matched_the_next_is_checked_before_it_is_worked_out(
        tmp_path, monkeypatch):
    """Chunks of 6: new people, then one of them again (the row path merges
    it), then new people again, written once the check has found no one."""
    rows = [f"P{i},p{i}@x.example" for i in range(18)]
    rows[8] = "P1 again,p1@x.example"
    text = "name,email\n" + "\n".join(rows) + "\n"
    speculated = []
    real_create = importer._Import._create_plain

    def create(self, plain, unless=None):
        speculated.append(unless is not None)
        return real_create(self, plain, unless=unless)

    monkeypatch.setattr(importer._Import, "_create_plain", create)
    results, taken = _import_both_ways(tmp_path, monkeypatch, text)
    assert results["lane"] == results["rows"]
    assert taken == [True, False, True]
    assert speculated == [True, True, False], "the third chunk waited for its check"
    ids = [row[0] for row in results["lane"][0]["contacts"]]
    assert ids == list(range(1, 18)), "17 people, ids without a gap"


def test_one_bad_address_after_many_with_dotted_domains_is_found_in_one_pass():
    """Each domain with three dots matches the one-pass pattern three ways;
    without atomic lines a bad last line tried all 3**60 of them."""
    from tinycrm.store.import_lane import _single_emails

    column = [[f"p{i}@mail.example.co.uk"] for i in range(60)]
    assert _single_emails(column + [["not-an-address"]]) is None
    emails, keys = _single_emails(column + [None, ["Q@Example.COM"]])
    assert (emails[0], keys[-1], emails[60]) == (["p0@mail.example.co.uk"], ["q@example.com"], ())


def test_a_row_of_many_addresses_keeps_each_once_in_its_order():
    """(Each address's key was looked for in a list of those before it: 20,000
    addresses in one cell or card took 4 s, 40,000 took 16 s of a 1 MB file's
    import; now 0.03 s. Not timed here: tests assert what is done.)"""
    from tinycrm.store.import_rows import clean_emails

    values = [f"m{i}@ex.org" for i in range(20_000)] + ["M0@EX.org", " m1@ex.org "]
    emails, keys = clean_emails(values)
    assert (len(emails), emails[:2], keys[-1]) == (20_000, ["m0@ex.org", "m1@ex.org"], "m19999@ex.org")


@pytest.mark.parametrize("column", [
    [["+1 (415) 555-0100"], None, ["0044 20 7946 0958"], ["555 0100"], ["  +49  30 1234567 "]],
    [["\u0660\u0661\u0662 \u0663\u0664\u0665 \u0666\u0667\u0668\u0669"], ["020 7946 0958"]],
    [["0012"], ["12"]],
])
def test_a_column_of_single_numbers_checked_together_is_each_number_checked(column):
    """The one-pass check of a column gives what ``clean_phones`` gives each
    number (ASCII by table, other digits by pattern; ``00`` dropped from
    keys; short numbers keyless; rows with no number empty). (A column with
    no number at all goes ``_each``, the short way.)"""
    from tinycrm.store.import_lane import _each, _single_phones
    from tinycrm.store.import_rows import clean_phones

    assert _single_phones(column) == _each(column, clean_phones)


def test_a_number_with_no_digit_leaves_the_column_to_the_row_path():
    from tinycrm.store.import_lane import _single_phones

    assert _single_phones([["+1 415 555 0100"], ["()"]]) is None


def test_vcard_group_tags_the_lane_and_the_row_path_write_the_same(tmp_path, monkeypatch):
    """Members of a group card get its name as a tag, by address (plain
    rows, the lane's) or by UID (a key only the row path reads)."""
    rows = list(csv.DictReader(io.StringIO(_rows(PLAIN, 120, 7))))
    cards = [
        "BEGIN:VCARD\r\nVERSION:4.0\r\n"
        f"FN:{row['name'] or 'Someone'}\r\n"
        + (f"EMAIL:{row['email']}\r\n" if row["email"] else "")
        + (f"UID:urn:uuid:person-{i}\r\n" if i % 9 == 4 else "")
        + "".join(f"CATEGORIES:{tag}\r\n" for tag in row["tags"].split(";") if tag.strip())
        + "END:VCARD\r\n"
        for i, row in enumerate(rows)]
    members = ([f"MEMBER:mailto:{row['email'].upper()}" for row in rows[::3] if row["email"]]
               + [f"MEMBER:urn:uuid:PERSON-{i}" for i in range(4, len(rows), 9)])
    group = ("BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:group\r\nFN:{}\r\n{}\r\nEND:VCARD\r\n")
    text = (group.format("Board", "\r\n".join(members[::2])) + "".join(cards)
            + group.format(" Donors ", "\r\n".join(members[1::2])))
    results, taken = _import_both_ways(tmp_path, monkeypatch, text)
    assert results["lane"] == results["rows"]
    tags = results["rows"][0]["tags"]
    assert {tag for _, tag in tags} >= {"board", "donors"}
    assert True in taken and results["rows"][1], "some chunks took the lane; some rows were bad"
