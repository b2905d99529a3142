"""JSON and NDJSON import: the shape `list --format json` prints, streamed."""

import csv
import io
import json

import pytest


def contacts(cli) -> list[dict]:
    return json.loads(cli.ok("list", "--sort", "created", "-f", "json").stdout)


def strip(rows):
    return [{k: v for k, v in r.items() if k not in ("id", "version")} for r in rows]


def test_json_round_trip(cli, tmp_path):
    cli.ok("add", "Ada Lovelace", "-e", "ada@ex.org", "-p", "+44 20 7946 0001", "--tag", "vip",
           "--company", "Engines", "--stage", "customer")
    cli.ok("edit", "1", "--set", "fields.plan=pro", "--set", "cadence_days=30")
    cli.ok("add", "Grace Hopper", "--owner", "bob", "--tier", "low")
    cli.ok("import", "-", input="Company\nGlobex Corporation\n")  # no first or last name
    exported = cli.ok("export", "--format", "json").stdout
    assert exported == cli.ok("list", "--sort", "created", "-f", "json").stdout
    path = tmp_path / "contacts.json"
    path.write_text(exported)
    other = type(cli)(tmp_path / "other.db")
    result = other("import", str(path))
    assert result.exit_code == 0, result.stderr
    assert "JSON" in result.stderr and "3 created" in result.stderr
    assert strip(contacts(other)) == strip(contacts(cli))
    ndjson = tmp_path / "contacts.ndjson"
    ndjson.write_text(cli.ok("export", "--format", "ndjson").stdout)
    third = type(cli)(tmp_path / "third.db")
    third.ok("import", str(ndjson))
    assert strip(contacts(third)) == strip(contacts(cli))
    # A JSON object with a name and no first or last name key has its name split.
    third.ok("import", "-", input='[{"name": "Alan Turing"}]')
    assert [(c["first_name"], c["last_name"]) for c in contacts(third)][-1] == ("Alan", "Turing")


def test_ndjson_from_stdin_and_aliases(cli):
    lines = [
        {"name": "Ada", "email": "ada@ex.org", "phone": "+44 20 7946 0001", "tags": ["vip"],
         "plan": "pro", "id": 99, "score": 3},
        {"name": "Alan", "emails": ["alan@ex.org"], "fields": {"team": "crypto"}, "notes": "hello"},
    ]
    text = "\n".join(json.dumps(line) for line in lines) + "\n"
    result = cli("import", "-", input=text)
    assert result.exit_code == 0, result.stderr
    ada, alan = contacts(cli)
    assert (ada["emails"], ada["phones"], ada["tags"]) == (["ada@ex.org"], ["+44 20 7946 0001"], ["vip"])
    assert ada["fields"] == {"plan": "pro"}  # unknown keys are custom fields; id and score are not
    assert alan["fields"] == {"team": "crypto"}


def test_ndjson_bad_lines_are_rejected_alone(cli, tmp_path):
    path = tmp_path / "people.ndjson"
    path.write_text('{"name": "Ada"}\n{"name": broken\n[1, 2]\n{"name": "Alan", "emails": 5}\n'
                    '{"name": "Grace"}\n')
    result = cli("import", str(path))
    assert result.exit_code == 1
    assert "people.ndjson:2: not valid JSON" in result.stderr
    assert "people.ndjson:3: not a JSON object" in result.stderr
    assert "people.ndjson:4: emails: not an email address: '5'" in result.stderr
    assert [c["name"] for c in contacts(cli)] == ["Ada", "Grace"]


def test_a_broken_ndjson_line_does_not_read_the_rest_of_the_file_in():
    """More text can't mend a line that fails before its end. The reader read
    on to the end of the file for it, then cut each row off the front of all
    that text: a 6.5 MB file of 40,000 rows with its first line broken took
    30 s to import instead of 2."""
    from tinycrm.store.formats.jsonfile import JSONReader
    from tinycrm.store.formats.source import open_source

    rows = "".join(json.dumps({"name": f"P {i}", "email": f"p{i}@ex.org"}) + "\n"
                   for i in range(40_000))
    source = open_source(io.BytesIO(('{"name": broken}\n' + rows).encode()), name="big.ndjson")
    text, read = source.text, []

    class Counted:
        def read(self, size=-1):
            chunk = text.read(size)
            read.append(len(chunk))
            return chunk

    source.text = Counted()
    reader = JSONReader(source).rows()
    bad, first = next(reader), next(reader)
    assert (bad.line, bad.error) == (1, "not valid JSON (Expecting value)")
    assert first.record["name"] == "P 0"
    assert sum(read) < len(rows) // 4
    assert sum(1 for _ in reader) == 39_999


def test_json_list_line_numbers_and_a_broken_list(cli, tmp_path):
    path = tmp_path / "list.json"
    path.write_text('[\n  {"name": "Ada"},\n  {"name": "Bad", "emails": ["nope"]},\n'
                    '  {\n    "name": "Alan"\n  }\n]\n')
    result = cli("import", str(path))
    assert result.exit_code == 1
    assert "list.json:3: emails: not an email address: 'nope'" in result.stderr
    assert [c["name"] for c in contacts(cli)] == ["Ada", "Alan"]
    broken = tmp_path / "broken.json"
    broken.write_text('[{"name": "Ada"}, {"name": ')
    result = cli("import", str(broken))
    assert result.exit_code == 1 and "broken.json:1:" in result.stderr
    assert len(contacts(cli)) == 2  # nothing from the broken file


def test_a_large_json_list_is_streamed(cli, tmp_path):
    path = tmp_path / "many.json"
    rows = [{"name": f"Person {i}", "emails": [f"p{i}@ex.org"], "fields": {"pad": "x" * 200}}
            for i in range(3000)]
    path.write_text(json.dumps(rows, indent=1))
    result = cli("import", str(path))
    assert result.exit_code == 0, result.stderr
    assert "3000 created" in result.stderr


def test_json_that_python_reads_but_json_does_not_allow(cli, tmp_path):
    ndjson = tmp_path / "odd.ndjson"
    deep = '{"name": "Deep", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    ndjson.write_text('{"name": "Nan", "score_x": NaN}\n' + deep + '\n{"name": "Fine"}\n')
    result = cli("import", str(ndjson))
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert "odd.ndjson:1: not valid JSON (NaN is not a number JSON allows)" in result.stderr
    assert "odd.ndjson:2: not valid JSON (nested too deeply)" in result.stderr
    assert "1 created, 0 merged, 0 unchanged, 0 skipped, 2 rejected" in result.stderr
    listing = tmp_path / "odd.json"
    for text, message in [
        ('[{"name": "Inf", "x": Infinity}]', "odd.json:1: not valid JSON (Infinity is not a number"),
        ("[" + "[" * 100_000 + "]" * 100_000 + "]", "odd.json:1: not valid JSON (nested too deeply)"),
        ('[{"name": "G"}] garbage', "odd.json:1: more text after the JSON list's closing ]"),
    ]:
        listing.write_text(text)
        failed = cli("import", str(listing))
        assert failed.exit_code == 1 and message in failed.stderr, failed.stderr
    assert [c["name"] for c in contacts(cli)] == ["Fine"]


@pytest.mark.parametrize("codec", ["rot13", "base64", "zlib"])
def test_an_encoding_that_is_not_for_text_is_a_bad_option(cli, tmp_path, codec):
    path = tmp_path / "ok.csv"
    path.write_text("Name\nAda\n")
    result = cli("import", str(path), "--encoding", codec)
    assert result.exit_code == 2 and "is not a text encoding" in result.stderr
    assert contacts(cli) == []


# -- JSON that is not contacts at all, and contacts with extra keys -----------------

PACKAGE_JSON = """{
  "name": "left-pad",
  "version": "1.3.0",
  "description": "String left pad",
  "main": "index.js",
  "scripts": {"test": "node test"},
  "keywords": ["leftpad", "left", "pad"],
  "author": "azer",
  "license": "WTFPL",
  "dependencies": {"is-number": "^7.0.0"}
}
"""
GEOJSON = json.dumps({"type": "FeatureCollection", "features": [
    {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-0.1, 51.5]},
     "properties": {"name": "London", "email": "info@london.example"}}]}, indent=2)
NOT_A_FIELD = "expected text, a number, true/false or a list of them, got"


@pytest.mark.parametrize("name, text, why", [
    ("package.json", PACKAGE_JSON, f"line 1: scripts: {NOT_A_FIELD} an object"),
    ("tsconfig.json", '{\n  "compilerOptions": {"strict": true},\n  "include": ["src"]\n}\n',
     f"line 1: compilerOptions: {NOT_A_FIELD} an object"),
    ("map.geojson", GEOJSON, f"line 1: features: {NOT_A_FIELD} a list of objects"),
    ("features.json", json.dumps(json.loads(GEOJSON)["features"]),
     f"line 1: geometry: {NOT_A_FIELD} an object"),
    ("response.json", '{"data": [{"name": "Ada", "email": "ada@ex.org"}], "meta": {"page": 1}}',
     f"line 1: data: {NOT_A_FIELD} a list of objects"),
    ("firebase.json", '{"users": {"u1": {"name": "Ada", "email": "ada@ex.org"}}}',
     f"line 1: users: {NOT_A_FIELD} an object"),
    ("hubspot.json", '[{"id": "51", "properties": {"firstname": "Ada", "email": "ada@ex.org"},'
                     ' "archived": false}]', f"line 1: properties: {NOT_A_FIELD} an object"),
    ("numbers.json", "[\n1,\n2,\n3\n]\n", "line 2: not a JSON object: '1'"),
    ("strings.json", '["Ada Lovelace", "ada@ex.org"]',
     "line 1: not a JSON object: '\"Ada Lovelace\"'"),
    ("empty.json", "[{}, {}]", "line 1: no name, email or phone"),
    ("log.ndjson", '{"level": "info", "msg": "up"}\n{"level": "warn", "msg": "slow", "ms": 900}\n',
     "line 1: no name, email or phone"),
    ("bad.ndjson", '{"level": "info"\n[1, 2]\n',
     "line 1: not valid JSON (Expecting ',' delimiter)"),
    ("name-only-bad.json", '[{"name": {"first": "Ada"}, "tags": 5}]',
     "line 1: no name, email or phone; name: expected text, got dict"),
    ("one.json", '{"name": "Ada", "address": {"city": "London"}}',
     f"line 1: address: {NOT_A_FIELD} an object"),
])
def test_a_file_that_is_not_contacts_is_refused_whole(cli, tmp_path, name, text, why):
    cli.ok("add", "Zed")
    path = tmp_path / name
    path.write_text(text)
    result = cli("import", str(path))
    assert result.exit_code == 1
    # One message naming the file, no row-by-row rejects before it.
    assert result.stderr == (f"tinycrm: error: {path}: not a contacts file:"
                             f" no object in it is a contact ({why})\n")
    assert [c["name"] for c in contacts(cli)] == ["Zed"]
    assert cli.ok("imports", "list", "-f", "json").stdout == "[]\n"


def test_contacts_cut_short_are_rejected_rows_not_a_refused_file(cli, tmp_path):
    path = tmp_path / "broken.ndjson"
    path.write_text('{"name": "Ada",\n')
    result = cli("import", str(path))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{path}:1: not valid JSON (")
    assert "cut short?" in result.stderr and "not a contacts file" not in result.stderr
    assert "0 created, 0 merged, 0 unchanged, 0 skipped, 1 rejected" in result.stderr


def test_a_package_json_piped_in_is_refused_as_ndjson_too(cli):
    # (an empty object is an object: no custom field holds one)
    lines = PACKAGE_JSON.replace("\n", "") + "\n" + '{"name": "right-pad", "scripts": {}}\n'
    result = cli("import", "-", input=lines)
    assert result.exit_code == 1
    assert result.stderr == (f"tinycrm: error: stdin: not a contacts file: no object in it is a"
                             f" contact (line 1: scripts: {NOT_A_FIELD} an object)\n")
    assert contacts(cli) == []
    assert cli.ok("imports", "list", "-f", "json").stdout == "[]\n"


def test_contacts_with_extra_keys_keep_them_as_custom_fields(cli, tmp_path):
    path = tmp_path / "crm-export.json"
    path.write_text(json.dumps([
        {"_id": {"$oid": "5f1d7a"}, "name": "Ada Lovelace", "email": "ada@ex.org",
         "linkedin": "https://linkedin.com/in/ada", "score": 7, "vip": True, "age": 36,
         "languages": ["en", "fr"], "ratings": [4.5, 5], "groups": [], "fax": ""},
        {"first_name": "Alan", "last_name": "Turing", "phone": "+44 20 7946 0002",
         "twitter": "@alan"},
        {"company": "Analytical Engines Ltd", "website": "engines.example"},
    ]))
    result = cli("import", str(path))
    assert result.exit_code == 0, result.stderr
    assert "3 created, 0 merged, 0 unchanged, 0 skipped, 0 rejected" in result.stderr
    ada, alan, engines = contacts(cli)
    # _id and score are ignored; empty values ("", []) are no fields.
    assert ada["fields"] == {"linkedin": "https://linkedin.com/in/ada", "vip": True, "age": 36,
                             "languages": ["en", "fr"], "ratings": [4.5, 5]}
    assert (alan["name"], alan["phones"], alan["fields"]) == (
        "Alan Turing", ["+44 20 7946 0002"], {"twitter": "@alan"})
    assert (engines["name"], engines["fields"]) == (
        "Analytical Engines Ltd", {"website": "engines.example"})


def test_a_nested_value_under_an_unknown_key_rejects_its_object(cli, tmp_path):
    """An object or a list of objects under an unknown key rejects an object
    that only a name says is someone (a package.json has a name too), naming
    the key, among contacts that import. Beside an email or phone it is that
    contact's custom field; under ``fields`` (tinycrm's own shape) any JSON
    value is kept, as exports carry it."""
    path = tmp_path / "people.ndjson"
    path.write_text(
        '{"name": "Ada", "email": "ada@ex.org"}\n'
        '{"name": "Bob", "address": {"city": "London"}}\n'
        '{"name": "Cy", "links": [{"url": "cy.example"}]}\n'
        '{"name": "Dee", "grid": [[1, 2]]}\n'
        '{"name": "Eve", "fields": {"address": {"city": "Paris"}, "links": [{"url": "e.x"}]}}\n'
        '{"name": "Fay", "phone": "+39 06 555 0100", "address": {"city": "Rome"}}\n')
    result = cli("import", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{path}:2: address: {NOT_A_FIELD} an object",
        f"{path}:3: links: {NOT_A_FIELD} a list of objects",
        f"{path}:4: grid: {NOT_A_FIELD} a list of lists",
        f"import batch 1 from {path} (JSON): 3 created, 0 merged, 0 unchanged, 0 skipped,"
        " 3 rejected; response-time rules made 3 follow-ups (--no-rules before the command"
        " makes none)",
    ]
    ada, eve, fay = contacts(cli)
    assert (ada["name"], eve["name"]) == ("Ada", "Eve")
    assert eve["fields"] == {"address": {"city": "Paris"}, "links": [{"url": "e.x"}]}
    assert fay["fields"] == {"address": {"city": "Rome"}}


def test_bad_values_of_contact_keys_are_rejected_rows_not_a_refused_file(cli, tmp_path):
    """A contact whose known keys hold the wrong type is a contact with a bad
    value: rejected as a row (with a batch), whatever order its keys come in."""
    path = tmp_path / "one.json"
    path.write_text('[{"emails": 5, "name": "Alan"}]')
    result = cli("import", str(path))
    assert result.exit_code == 1
    assert f"{path}:1: emails: not an email address: '5'" in result.stderr
    assert "not a contacts file" not in result.stderr
    assert "0 created, 0 merged, 0 unchanged, 0 skipped, 1 rejected" in result.stderr
    assert len(json.loads(cli.ok("imports", "list", "-f", "json").stdout)) == 1


def test_objects_before_the_first_contact_are_rejected_rows(cli, tmp_path, monkeypatch):
    from tinycrm.store.formats import jsonfile

    path = tmp_path / "export.ndjson"
    path.write_text('{"exported_at": "2026-11-01", "count": 2}\n\n'
                    '{"name": "Ada"}\n{"type": "footer"}\n{"name": "Alan"}\n')
    result = cli("import", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:2] == [f"{path}:1: no name, email or phone",
                                              f"{path}:4: no name, email or phone"]
    assert [c["name"] for c in contacts(cli)] == ["Ada", "Alan"]
    # More objects than are held back before the first contact: they go on as
    # rejects, and the contact after them still imports...
    monkeypatch.setattr(jsonfile, "_HOLD_ROWS", 3)
    late = tmp_path / "late.json"
    late.write_text(json.dumps([{"n": i} for i in range(5)] + [{"name": "Grace"}]))
    result = cli("import", str(late))
    assert result.exit_code == 1
    assert "1 created, 0 merged, 0 unchanged, 0 skipped, 5 rejected" in result.stderr
    assert [c["name"] for c in contacts(cli)] == ["Ada", "Alan", "Grace"]
    # ...while with none after them the file is still refused, nothing written.
    junk = tmp_path / "junk.json"
    junk.write_text(json.dumps([{"n": i} for i in range(5)]))
    result = cli("import", str(junk))
    assert result.exit_code == 1
    assert result.stderr.endswith(f"tinycrm: error: {junk}: not a contacts file: no object in it"
                                  " is a contact (line 1: no name, email or phone)\n")
    assert len(json.loads(cli.ok("imports", "list", "-f", "json").stdout)) == 2
    assert len(contacts(cli)) == 3


def test_a_rejected_nested_object_imports_again_from_the_rejects_file_once_flat(cli, tmp_path):
    path = tmp_path / "people.ndjson"
    path.write_text('{"name": "Ada"}\n{"name": "Bob", "address": {"city": "London"}}\n')
    rejects = tmp_path / "rejects.csv"
    assert cli("import", str(path), "--rejects", str(rejects)).exit_code == 1
    unfixed = cli("import", str(rejects))
    assert unfixed.exit_code == 1
    assert f"{rejects}:2: address: {NOT_A_FIELD} an object" in unfixed.stderr
    rejects.write_text(rejects.read_text().replace('{""city"": ""London""}', '""London""'))
    fixed = cli("import", str(rejects))
    assert fixed.exit_code == 0, fixed.stderr
    bob = contacts(cli)[1]
    assert (bob["name"], bob["fields"]) == ("Bob", {"address": "London"})


def test_half_a_character_rejects_its_object_and_numbers_are_phone_digits(cli, tmp_path):
    path = tmp_path / "odd.ndjson"
    path.write_text('{"name": "Ok", "email": "ok@ex.org"}\n'
                    '{"name": "Lone \\ud83d half", "email": "lone@ex.org"}\n'
                    '{"name": "Num", "phone": 5550108888, "tags": [2024]}\n'
                    '{"name": "Bad", "phones": [{"n": 1}]}\n')
    result = cli("import", str(path))
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert f"{path}:2: name: not text (a \\u escape of half a character)" in result.stderr
    assert f"{path}:4: phones: expected text or a list of it" in result.stderr
    people = {c["name"]: c for c in contacts(cli)}
    assert sorted(people) == ["Num", "Ok"]
    assert (people["Num"]["phones"], people["Num"]["tags"]) == (["5550108888"], ["2024"])


def test_rejects_of_minified_json_say_which_object_of_the_line(cli, tmp_path):
    path = tmp_path / "min.json"
    path.write_text('[{"name": "A", "email": "a@ex.org"}, {"name": "B", "email": "nope"},'
                    ' {"name": "C", "phones": [{"n": 1}]}]')
    result = cli("import", str(path))
    assert f"{path}:1: object 2: emails: not an email address: 'nope'" in result.stderr
    assert f"{path}:1: object 3: phones: expected text or a list of it" in result.stderr
    # One object a line (as tinycrm writes it): the line says which.
    path.write_text('[\n{"name": "A", "email": "a@ex.org"},\n{"name": "B", "email": "nope"}\n]\n')
    assert f"{path}:3: emails: not an email address: 'nope'" in cli("import", str(path)).stderr


@pytest.mark.parametrize("text,reason", [
    ('[{"name": "Ada", "email": "ada@ex.org"}, {"name": "Big", "plan": 1e400}]',
     "1: object 2: fields: plan: a number too large to keep"),
    ('{"name": "Ada", "email": "ada@ex.org"}\n{"name": "Big", "fields": {"x": [1, -1e999]}}\n',
     "2: fields: x: a number too large to keep"),
    ('[{"name": "Ada", "email": "ada@ex.org"},\n {"name": "Big", "n": ' + "9" * 5000 + "}]",
     "2: fields: n: a number too large to keep"),
    ('[{"name": "Ada", "email": "ada@ex.org"},\n {"name": 1e400}]',
     "2: name: a number too large to keep"),
    ('{"name": "Ada", "email": "ada@ex.org"}\n{"name": "Big", "fields": {"x": {"y": [[1e400]]}}}\n',
     "2: fields: x: a number too large to keep"),
], ids=["float", "in-a-list", "digits", "name", "nested"])
def test_a_number_too_large_to_keep_rejects_its_object_alone(cli, text, reason):
    """Python reads 1e400 as infinity and won't read an integer of more than
    4,300 digits; no JSON can hold the first. Each rejects its object (it
    stopped the whole import with a traceback)."""
    result = cli("import", "-", input=text)
    assert result.exit_code == 1
    assert f"stdin:{reason}" in result.stderr and "Traceback" not in result.stderr
    assert [c["name"] for c in contacts(cli)] == ["Ada"]


def test_a_number_too_large_in_a_csv_or_vcard_fields_cell_rejects_its_row(cli, tmp_path):
    cli.ok("add", "Ada", "-e", "ada@ex.org")
    header, row = csv.reader(io.StringIO(cli.ok("export").stdout))
    row[header.index("fields")] = '{"f": 1e400}'
    out = io.StringIO()
    csv.writer(out).writerows([header, row])
    result = cli("import", "-", input=out.getvalue())
    assert result.exit_code == 1 and "stdin:2: fields: f: a number too large to keep" in result.stderr
    card = ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Big\r\nX-TINYCRM-FIELDS:{\"f\":1e400}\r\n"
            "END:VCARD\r\n")
    result = cli("import", "-", input=card)
    assert result.exit_code == 1
    assert "X-TINYCRM-FIELDS (line 4): f: a number too large to keep" in result.stderr
    assert [c["name"] for c in contacts(cli)] == ["Ada"]


def test_a_value_nested_too_deeply_rejects_its_object(cli):
    """Lists 490 deep in a custom field ran Python's checks out of stack (a
    RecursionError traceback); a custom field is kept to 32 levels."""
    deep = "[" * 490 + "1" + "]" * 490
    text = ('{"name": "Ada", "email": "ada@ex.org"}\n'
            f'{{"name": "Deep", "fields": {{"x": {deep}}}}}\n{{"name": "Deeper", "y": {deep}}}\n'
            f'{{"name": "Fine", "fields": {{"z": {"[" * 32 + "1" + "]" * 32}}}}}\n')
    result = cli("import", "-", input=text)
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert "stdin:2: fields: nested too deeply (more than 32 levels)" in result.stderr
    assert "stdin:3: y: nested too deeply (more than 32 levels)" in result.stderr
    assert [c["name"] for c in contacts(cli)] == ["Ada", "Fine"]
