import json

import pytest


def test_add_prints_only_the_id(cli):
    result = cli.ok("add", "Ada Lovelace", "--email", "ada@ex.org", "--tag", "vip")
    assert result.stdout == "1\n"
    result = cli.ok("add", "Alan Turing", "-e", "alan@ex.org", "--company", "Bletchley")
    assert result.stdout == "2\n"


def test_list_table_is_exact_and_plain(cli):
    cli.ok("add", "Ada Lovelace", "--email", "ada@ex.org", "--tag", "vip", "--company", "Engines")
    cli.ok("add", "Alan Turing", "--email", "alan@ex.org")
    result = cli.ok("list")
    assert result.stdout == (
        "ID  NAME          EMAIL        COMPANY  STAGE  TIER      OWNER  TAGS\n"
        "1   Ada Lovelace  ada@ex.org   Engines  lead   standard  alice  vip\n"
        "2   Alan Turing   alan@ex.org           lead   standard  alice\n"
    )
    assert "\x1b" not in result.stdout


def test_list_json_shape(cli):
    cli.ok("add", "Ada Lovelace", "--email", "ada@ex.org", "--phone", "+1 555 0100", "--tag", "vip")
    rows = json.loads(cli.ok("list", "--format", "json").stdout)
    assert len(rows) == 1
    row = rows[0]
    for key in ("id", "name", "first_name", "last_name", "emails", "phones", "company", "title",
                "stage", "tier", "owner", "tags", "fields", "created_at", "updated_at",
                "last_contacted_at"):
        assert key in row
    assert row["emails"] == ["ada@ex.org"] and row["phones"] == ["+1 555 0100"]
    assert row["tags"] == ["vip"] and row["fields"] == {}
    assert row["created_at"] == "2026-11-23T09:30:00+00:00"


def test_list_ndjson_and_filters(cli):
    cli.ok("add", "A", "--tag", "x", "--stage", "customer")
    cli.ok("add", "B", "--tier", "vip", "--owner", "bob")
    cli.ok("add", "C")
    lines = cli.ok("list", "--format", "ndjson").stdout.splitlines()
    assert [json.loads(line)["name"] for line in lines] == ["A", "B", "C"]
    assert json.loads(cli.ok("list", "--tag", "x", "-f", "json").stdout)[0]["name"] == "A"
    assert [r["name"] for r in json.loads(cli.ok("list", "--owner", "bob", "-f", "json").stdout)] == ["B"]
    assert [r["name"] for r in json.loads(cli.ok("list", "--mine", "-f", "json").stdout)] == ["A", "C"]
    assert [r["name"] for r in json.loads(cli.ok("list", "--stage", "customer", "-f", "json").stdout)] == ["A"]
    assert len(json.loads(cli.ok("list", "--limit", "2", "-f", "json").stdout)) == 2


def test_csv_output_neutralises_formulas(cli):
    cli.ok("add", "=HYPERLINK(\"http://evil\")", "--company", "+cmd")
    out = cli.ok("list", "--format", "csv").stdout
    assert "'=HYPERLINK" in out and "'+cmd" in out


def test_show_by_email_and_ambiguous_name(cli):
    cli.ok("add", "Sam Lee", "-e", "sam1@ex.org")
    cli.ok("add", "Sam Lee", "-e", "sam2@ex.org")
    shown = json.loads(cli.ok("show", "SAM2@ex.org", "--format", "json").stdout)
    assert shown["id"] == 2
    result = cli("show", "Sam Lee")
    assert result.exit_code == 4
    assert "matches 2 contacts" in result.stderr
    assert "sam1@ex.org" in result.stderr and "sam2@ex.org" in result.stderr
    assert result.stdout == ""


def test_an_ambiguous_name_lists_its_contacts_as_a_table_within_80_columns(cli):
    cli.ok("--no-rules", "add", "Sam Lee", "-e", "sam@ex.org", "--company", "Acme")
    cli.ok("--no-rules", "add", "Sam Lee", "-e",
           "samuel.lee.the.second.with.a.long.address@subsidiary.example-corp.org",
           "--company", "International Business Machines Corporation of America")
    cli.ok("--no-rules", "add", "sam lee", "--company", "\x1b[31mRed\x1b[0m [bold]Co[/bold]")
    cli.ok("--no-rules", "add", "Sam Lee", "-e", "山田@ex.org", "--company", "山田商事")
    result = cli("show", "Sam Lee")
    assert (result.exit_code, result.stdout) == (4, "")
    assert result.stderr == (
        "tinycrm: error: 'Sam Lee' matches 4 contacts; use an id or an email\n"
        "  ID  NAME     EMAIL                            COMPANY\n"
        "  1   Sam Lee  sam@ex.org                       Acme\n"
        "  2   Sam Lee  samuel.lee.the.second.with.a.l…  International Business Machines…\n"
        "  3   sam lee                                   Red [bold]Co[/bold]\n"
        "  4   Sam Lee  山田@ex.org                      山田商事\n")
    assert max(map(len, result.stderr.splitlines()[1:])) == 80


def test_show_table(cli):
    cli.ok("add", "Ada", "-e", "ada@ex.org", "--tag", "vip")
    out = cli.ok("show", "1").stdout
    assert "name            Ada\n" in out
    assert "tags            vip\n" in out
    assert "birthday        \n" in out  # (none yet: the row is there, empty)
    cli.ok("edit", "1", "--set", "birthday=1815-12-10", "--set", "cadence_days=30")
    out = cli.ok("show", "1").stdout
    assert "birthday        1815-12-10\n" in out and "cadence         every 30 days\n" in out


def test_wrong_ref_exits_3(cli):
    result = cli("show", "nobody@nowhere.org")
    assert result.exit_code == 3
    assert "no contact matches" in result.stderr


def test_duplicate_email_exits_4_naming_the_owner(cli):
    cli.ok("add", "Ada", "-e", "ada@ex.org")
    result = cli("add", "Other", "-e", "ADA@ex.org")
    assert result.exit_code == 4
    assert "already belongs to contact 1 (Ada)" in result.stderr
    cli.ok("add", "Other", "-e", "other@ex.org")
    assert cli("edit", "Other", "--email", "ada@ex.org").exit_code == 4


def test_bad_email_is_a_usage_error(cli):
    result = cli("add", "Ada", "-e", "not-an-email")
    assert result.exit_code == 2
    assert "not an email address" in result.stderr
    assert cli.ok("list", "-f", "json").stdout == "[]\n"


def test_edit_set_fields(cli):
    cli.ok("add", "Ada", "-e", "ada@ex.org")
    cli.ok("edit", "1", "--set", "stage=customer", "--set", "fields.plan=pro", "--title", "CTO")
    shown = json.loads(cli.ok("show", "1", "-f", "json").stdout)
    assert (shown["stage"], shown["title"], shown["fields"]) == ("customer", "CTO", {"plan": "pro"})


def test_edit_unknown_field_is_refused(cli):
    cli.ok("add", "Ada")
    result = cli("edit", "1", "--set", "colour=blue")
    assert result.exit_code == 2
    assert "unknown field 'colour'" in result.stderr


def test_edit_if_version_conflict(cli):
    cli.ok("add", "Ada")
    cli.ok("edit", "1", "--title", "CEO", "--if-version", "1")
    result = cli("edit", "1", "--title", "CTO", "--if-version", "1")
    assert result.exit_code == 4
    assert "changed by someone else" in result.stderr


@pytest.mark.parametrize("args", [("edit", "1", "--title", "CTO"), ("stage", "1", "customer"),
                                  ("assign", "1", "bob")])
@pytest.mark.parametrize("version", ["0", "-1"])
def test_a_version_no_contact_ever_has_is_a_usage_error_not_a_conflict(cli, args, version):
    # (Versions start at 1: "changed by someone else" would send a script to reload.)
    cli.ok("add", "Ada")
    result = cli(*args, "--if-version", version)
    assert result.exit_code == 2 and "--if-version" in result.stderr, result.stderr
    assert json.loads(cli.ok("show", "1", "-f", "json").stdout)["version"] == 1


def test_edit_if_version_of_a_version_not_yet_made_says_so(cli):
    cli.ok("add", "Ada")
    result = cli("edit", "1", "--title", "CTO", "--if-version", "7")
    assert (result.exit_code, result.stderr) == (
        4, "tinycrm: error: contact 1 (Ada) is at version 1; it has no version 7\n")
    assert json.loads(cli.ok("show", "1", "-f", "json").stdout)["title"] is None


def test_rm_asks_then_deletes(cli):
    cli.ok("add", "Ada")
    refused = cli("rm", "1", input="n\n")
    assert refused.exit_code == 1
    assert len(json.loads(cli.ok("list", "-f", "json").stdout)) == 1
    cli.ok("rm", "1", input="y\n")
    assert cli.ok("list", "-f", "json").stdout == "[]\n"


def test_rm_yes(cli):
    cli.ok("add", "Ada")
    cli.ok("rm", "Ada", "--yes")
    assert cli("show", "1").exit_code == 3


def test_tag_and_untag(cli):
    cli.ok("add", "Ada")
    cli.ok("tag", "1", "investor", "VIP")
    assert json.loads(cli.ok("show", "1", "-f", "json").stdout)["tags"] == ["investor", "vip"]
    cli.ok("add", "Grace")
    # Tags are kept lower-case; a filter is read the same way.
    for command in ("list", "export"):
        found = json.loads(cli.ok(command, "--tag", "VIP", "-f", "json").stdout)
        assert [c["name"] for c in found] == ["Ada"], command
    cli.ok("untag", "1", "vip")
    assert json.loads(cli.ok("show", "1", "-f", "json").stdout)["tags"] == ["investor"]


def test_search_finds_typos_best_first(cli):
    cli.ok("add", "John Smith", "-e", "john@acme.com", "--company", "Acme")
    cli.ok("add", "Jane Doe", "-e", "jane@doe.org")
    rows = json.loads(cli.ok("search", "jon smiht", "-f", "json").stdout)
    assert rows[0]["name"] == "John Smith"
    assert rows[0]["score"] > 80
    assert json.loads(cli.ok("search", "doe.org", "-f", "json").stdout)[0]["name"] == "Jane Doe"


def test_control_characters_are_stripped_in_tables(cli):
    cli.ok("add", "Evil\x1b]0;pwned\x07 Name\x1b[2J")
    out = cli.ok("list").stdout
    assert "\x1b" not in out and "\x07" not in out
    assert "Evil Name" in out


def test_demo_fills_the_database(cli):
    result = cli.ok("demo", "--contacts", "50")
    assert "50 contacts" in result.stderr
    assert len(json.loads(cli.ok("list", "-f", "json").stdout)) == 50
    again = cli("demo", "--contacts", "5", "--seed", "-1")  # (the same uids as seed 1)
    assert again.exit_code == 4 and "Traceback" not in again.stderr
    assert again.stderr.startswith("tinycrm: error: demo fills an empty database;")
    assert len(json.loads(cli.ok("list", "-f", "json").stdout)) == 50


def test_db_path_honours_option_and_env(cli, tmp_path, monkeypatch):
    assert cli.ok("db", "path").stdout.strip() == str(cli.db)
    from typer.testing import CliRunner

    from tinycrm.cli import app

    monkeypatch.setenv("TINYCRM_DB", str(tmp_path / "env.db"))
    assert CliRunner().invoke(app, ["db", "path"]).stdout.strip() == str(tmp_path / "env.db")


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "ndjson"])
def test_every_format_on_an_empty_database(cli, fmt):
    result = cli.ok("list", "--format", fmt)
    expected = {"table": "", "json": "[]\n", "ndjson": ""}
    if fmt == "csv":
        assert result.stdout.startswith("id,uid,name,") and result.stdout.count("\n") == 1
    else:
        assert result.stdout == expected[fmt]


def test_filters_take_several_tags_and_refuse_a_stage_or_tier_that_doesnt_exist(cli):
    """--tag a --tag b kept only b; --stage Customer (stages are exact) and
    --tier bogus listed nobody with exit 0."""
    cli.ok("add", "Ada", "--tag", "a", "--tag", "b", "--stage", "customer")
    cli.ok("add", "Bo", "--tag", "a")
    names = [c["name"] for c in json.loads(cli.ok("list", "--tag", "a", "--tag", "B", "-f", "json").stdout)]
    assert names == ["Ada"]
    exported = cli.ok("export", "-f", "json", "--tag", "a", "--tag", "b").stdout
    assert [c["name"] for c in json.loads(exported)] == ["Ada"]
    found = json.loads(cli.ok("search", "a", "--tag", "a", "--tag", "b", "-f", "json").stdout)
    assert [c["name"] for c in found] == ["Ada"]
    for args in (("list", "--stage", "Customer"), ("export", "--tier", "bogus"),
                 ("search", "ada", "--stage", "nope")):
        result = cli(*args)
        assert result.exit_code == 2 and "unknown" in result.stderr and result.stdout == ""


def test_show_as_csv_is_the_row_list_writes_and_imports_back(cli, tmp_path):
    cli.ok("add", "Ada", "-t", "a;b", "-t", "c", "-e", "=ada@ex.org")
    shown = cli.ok("show", "1", "-f", "csv").stdout
    assert shown == cli.ok("list", "-f", "csv").stdout
    path = tmp_path / "one.csv"
    path.write_text(shown)
    other = type(cli)(tmp_path / "other.db")
    other.ok("import", str(path))
    assert json.loads(other.ok("show", "1", "-f", "json").stdout)["tags"] == ["a;b", "c"]


def test_empty_tag_filter_and_tier_are_mistakes_not_everything(cli):
    cli.ok("add", "Ada", "-t", "vip-list")
    listed = cli("list", "--tag", "")
    assert listed.exit_code == 2 and "a tag can't be empty" in listed.stderr
    added = cli("add", "Bo", "--tier", "")
    assert added.exit_code == 2 and "unknown tier ''" in added.stderr
    assert [c["name"] for c in json.loads(cli.ok("list", "--tag", "VIP-List", "-f", "json").stdout)] == [
        "Ada"]


def test_a_name_finds_its_contact_whatever_the_case_of_its_accents(cli):
    cli.ok("add", "José Álvarez")
    for spelling in ("josé álvarez", "JOSÉ ÁLVAREZ", "José Álvarez"):
        shown = cli("show", spelling, "-f", "json")
        assert shown.exit_code == 0, (spelling, shown.stderr)
        assert json.loads(shown.stdout)["name"] == "José Álvarez"


def test_a_contact_named_after_its_company_has_no_first_and_last_name(cli):
    cli.ok("add", "Stripe Inc", "--company", "Stripe Inc")
    cli.ok("add", "Ada Lovelace", "--company", "Engines")
    parts = {c["name"]: (c["first_name"], c["last_name"])
             for c in json.loads(cli.ok("list", "-f", "json").stdout)}
    assert parts == {"Stripe Inc": (None, None), "Ada Lovelace": ("Ada", "Lovelace")}


def test_show_table_lines_up_a_custom_field_longer_than_the_other_labels(cli):
    cli.ok("add", "Ada", "-e", "ada@ex.org")
    cli.ok("edit", "1", "--set", "fields.Shoe size=42")
    out = cli.ok("show", "1").stdout
    assert "name              Ada\n" in out
    assert "fields.Shoe size  42\n" in out
    assert "last contacted    \n" in out


def test_a_table_of_japanese_names_lines_up_on_the_terminal(cli):
    # A wide letter takes two columns: padded by letters, the columns after
    # a Japanese name started two columns early for each of its letters.
    cli.ok("add", "山田太郎", "-e", "yamada@ex.jp", "--company", "株式会社テスト")
    cli.ok("add", "Ada Lovelace", "-e", "ada@ex.org", "--company", "Analytical")
    cli.ok("add", "長" * 30)
    lines = cli.ok("list", "--sort", "created").stdout.splitlines()
    assert lines[1] == ("1   山田太郎                                  yamada@ex.jp  株式会社テスト"
                        "  lead   standard  alice")
    assert lines[2] == ("2   Ada Lovelace                              ada@ex.org    Analytical"
                        "      lead   standard  alice")
    assert lines[3].startswith("3   " + "長" * 19 + "…" + " " * 33 + "lead")


def test_a_table_of_names_with_marks_and_a_wide_field_label_lines_up(cli):
    """Marks on a letter take no column (Devanagari's and Thai's vowel signs:
    unicodedata.combining() gives many of them class 0), as in the app's
    tables (rich's measure); a custom field's label of wide letters in `show`
    is measured the same way."""
    cli.ok("add", "प्रिया शर्मा", "--company", "Acme")  # 12 letters, 7 columns
    cli.ok("add", "สมชาย ใจดี", "--company", "Acme")  # 10 letters, 9 columns
    lines = cli.ok("list", "--sort", "created").stdout.splitlines()
    assert lines[1] == "1   प्रिया शर्मा           Acme     lead   standard  alice"
    assert lines[2] == "2   สมชาย ใจดี         Acme     lead   standard  alice"
    cli.ok("edit", "1", "--set", "fields.電話番号の種類=携帯")  # a label 22 columns wide
    shown = cli.ok("show", "1").stdout.splitlines()
    # The label takes 21 columns, and the others' values start after it too.
    assert "fields.電話番号の種類  携帯" in shown
    assert "name" + " " * 19 + "प्रिया शर्मा" in shown


def test_an_address_number_or_tag_longer_than_any_real_one_is_refused(cli, tmp_path, db_path):
    """SMTP's limits for an address (64 before the @, 254 in all), 64
    characters for a number with its extension, 100 for a tag: a whole cell
    of junk is a mistake, in `add` as in an import, and says so."""
    local = "a" * 65
    refused = cli("add", "Ada", "--email", f"{local}@ex.org")
    assert refused.exit_code == 2 and "longer than 64 characters before the @" in refused.stderr
    assert cli("add", "Ada", "--phone", "+1 " + "5" * 62).exit_code == 2
    refused = cli("add", "Ada", "--tag", "t" * 101)
    assert refused.exit_code == 2 and "a tag can't be longer than 100 characters" in refused.stderr
    assert json.loads(cli.ok("list", "-f", "json").stdout) == []
    # At the limits, all is kept.
    cli.ok("add", "Ada", "--email", f"{'a' * 64}@{'d' * 185}.org", "--phone", "+1 " + "5" * 61,
           "--tag", "t" * 100)
    (ada,) = json.loads(cli.ok("list", "-f", "json").stdout)
    assert (len(ada["emails"][0]), len(ada["phones"][0]), ada["tags"]) == (254, 64, ["t" * 100])
    # One from before the limit can still be looked for and taken off.
    import sqlite3

    with sqlite3.connect(db_path) as db:
        db.execute("INSERT INTO contact_tags (contact_id, tag) VALUES (1, ?)", ["u" * 101])
    assert len(json.loads(cli.ok("list", "--tag", "u" * 101, "-f", "json").stdout)) == 1
    cli.ok("tag", "1", "new")  # (with it on the contact, other tags come and go)
    cli.ok("untag", "1", "new")
    cli.ok("edit", "1", "-e", f"{'a' * 64}@{'d' * 185}.org", "-e", "more@ex.org")
    cli.ok("untag", "1", "u" * 101)
    assert json.loads(cli.ok("list", "-f", "json").stdout)[0]["tags"] == ["t" * 100]
    sheet = tmp_path / "long.csv"
    sheet.write_text("Name,Email,Phone,Tags\n"
                     f"Bo,{local}@ex.org,,\nCy,cy@ex.org,+1 {'5' * 62},\nDi,di@ex.org,,{'t' * 101}\n"
                     "Ed,ed@ex.org,,fine\n")
    result = cli("import", str(sheet))
    assert result.exit_code == 1
    told = [line.split(": ", 1)[0] for line in result.stderr.splitlines() if "long.csv:" in line]
    assert told == [f"{sheet}:2", f"{sheet}:3", f"{sheet}:4"]
    assert "1 created" in result.stderr


def test_edit_with_an_empty_email_or_phone_takes_them_all_away(cli):
    # As --company "" clears the company; `--email ""` was "not an email address".
    cli.ok("--no-rules", "add", "Ada", "-e", "wrong@ex.org", "-p", "+1 555 010 2030",
           "--company", "Acme")
    cli.ok("edit", "1", "--email", "")
    cli.ok("edit", "1", "-p", "", "-p", "+44 20 7946 0001")
    (ada,) = json.loads(cli.ok("list", "-f", "json").stdout)
    assert (ada["emails"], ada["phones"], ada["company"]) == ([], ["+44 20 7946 0001"], "Acme")
    assert cli("edit", "1", "--email", "nope").exit_code == 2


def test_an_ambiguous_names_candidate_with_a_tab_in_its_company_keeps_all_of_it(cli, db_path):
    """The candidates are tab-separated fields: a tab an edit in SQL left in
    a company cut it there ('Acme'), and one in an email pushed it aside."""
    import sqlite3

    cli.ok("--no-rules", "add", "Sam Lee", "-e", "a@ex.org", "--company", "Acme")
    cli.ok("--no-rules", "add", "Sam Lee", "-e", "b@ex.org", "--company", "Acme Inc")
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE contacts SET company = 'Acme' || char(9) || 'Inc' WHERE id = 2")
    conn.close()
    result = cli("show", "Sam Lee")
    assert result.stderr.splitlines()[1:] == [
        "  ID  NAME     EMAIL     COMPANY",
        "  1   Sam Lee  a@ex.org  Acme",
        "  2   Sam Lee  b@ex.org  Acme Inc"]
