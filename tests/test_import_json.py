"""JSON and NDJSON import: the shape `list --format json` prints, streamed."""

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
    exported = cli.ok("export", "--format", "json").stdout
    assert exported == cli.ok("list", "--sort", "created", "-f", "json").stdout
    path = tmp_path / "contacts.json"
    path.write_text(exported)
    other = type(cli)(tmp_path / "other.db")
    result = other("import", str(path))
    assert result.exit_code == 0, result.stderr
    assert "JSON" in result.stderr and "2 created" in result.stderr
    assert strip(contacts(other)) == strip(contacts(cli))


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
    assert "people.ndjson:4: emails: expected a list of strings" in result.stderr
    assert [c["name"] for c in contacts(cli)] == ["Ada", "Grace"]


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
