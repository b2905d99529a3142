"""Outlook exports written by Outlook in another language: German, French,
Polish, Russian and Japanese headers are read as the English ones are (the
table is store/formats/outlook_headers.json), in the code page that language's
Outlook writes, and a column the table doesn't know stays a custom field under
its own name."""

from __future__ import annotations

import json

import pytest

from tinycrm.store.formats.csvlayout import build_mapper

from .conftest import run_tinycrm
from .test_import_lane import _import_both_ways

GERMAN = ["Anrede", "Vorname", "Weitere Vornamen", "Nachname", "Firma", "Abteilung",
          "Position", "Telefon geschäftlich", "Mobiltelefon", "E-Mail-Adresse", "E-Mail-Typ",
          "E-Mail: Angezeigter Name", "E-Mail 2: Adresse", "Geburtstag", "Kategorien", "Notizen"]
GERMAN_ROW = ["", "Jürgen", "", "Müller", "Beispiel GmbH", "Vertrieb", "Leiter",
              "+49 30 1234567", "+49 170 1234567", "juergen@beispiel.de", "SMTP",
              "Jürgen Müller (juergen@beispiel.de)", "jm@privat.de", "3.4.1970",
              "Kunden;Berlin", "Trifft sich gern"]


def _csv(header: list[str], *rows: list[str]) -> str:
    return "".join(",".join(f'"{cell}"' for cell in line) + "\r\n" for line in (header, *rows))


def _people(cli) -> dict[str, dict]:
    return {c["name"]: c for c in json.loads(cli.ok("list", "-f", "json").stdout)}


def test_a_german_outlook_export_is_read_like_an_english_one(cli, tmp_path):
    path = tmp_path / "kontakte.csv"
    path.write_bytes(_csv(GERMAN, GERMAN_ROW).encode("cp1252"))
    result = cli("import", str(path))
    assert result.exit_code == 0, result.stderr
    assert "(Outlook)" in result.stderr
    ann = _people(cli)["Jürgen Müller"]
    assert ann["emails"] == ["juergen@beispiel.de", "jm@privat.de"]
    assert ann["phones"] == ["+49 30 1234567", "+49 170 1234567"]
    assert (ann["company"], ann["title"], ann["birthday"]) == ("Beispiel GmbH", "Leiter",
                                                               "1970-04-03")
    assert ann["tags"] == ["berlin", "kunden"] and ann["note"] == "Trifft sich gern"
    # The display name and type beside an address are Outlook's, not the person's.
    assert ann["fields"] == {"Abteilung": "Vertrieb"}


def test_french_outlook_writes_titre_for_the_courtesy_title_and_then_the_job(cli, tmp_path):
    header = ["Titre", "Prénom", "Nom", "Société", "Titre", "Adresse de messagerie",
              "Tél. mobile", "Catégories"]
    path = tmp_path / "contacts.csv"
    path.write_bytes(_csv(header, ["M.", "Jean", "Dupont", "Exemple SA", "Directeur",
                                   "jean@exemple.fr", "+33 6 12 34 56 78", "Clients"])
                     .encode("cp1252"))
    cli.ok("import", str(path))
    jean = _people(cli)["Jean Dupont"]
    assert jean["fields"] == {"prefix": "M."}
    assert (jean["first_name"], jean["last_name"], jean["title"]) == ("Jean", "Dupont", "Directeur")
    assert jean["emails"] == ["jean@exemple.fr"] and jean["tags"] == ["clients"]


@pytest.mark.parametrize("codec, header, row, name", [
    ("cp1250", ["Imię", "Nazwisko", "Firma", "Stanowisko", "Adres e-mail", "Telefon komórkowy"],
     ["Łukasz", "Żółć", "Przykład sp. z o.o.", "Prezes", "lukasz@przyklad.pl", "+48 600 100 200"],
     "Łukasz Żółć"),
    ("cp1251", ["Имя", "Фамилия", "Организация", "Должность", "Адрес эл. почты",
                "Телефон переносной"],
     ["Иван", "Петров", "Пример", "Директор", "ivan@primer.ru", "+7 912 345 67 89"],
     "Иван Петров"),
    ("cp932", ["名", "姓", "会社名", "役職", "電子メール アドレス", "携帯電話"],
     ["太郎", "山田", "例株式会社", "部長", "taro@example.jp", "+81 90 1234 5678"],
     "太郎 山田"),
])
def test_an_export_in_its_languages_code_page_is_read_in_that_code_page(
        cli, tmp_path, codec, header, row, name):
    from tinycrm.store.formats.csvlayout import norm_header
    from tinycrm.store.formats.outlook_locales import english_headers

    assert english_headers([norm_header(h) for h in header]) is not None, "not in the table"
    path = tmp_path / "contacts.csv"
    path.write_bytes(_csv(header, row).encode(codec))
    result = cli("import", str(path))
    assert result.exit_code == 0, result.stderr
    person = _people(cli)[name]
    assert person["company"] == row[2] and person["title"] == row[3]
    assert person["emails"] == [row[4]] and person["phones"] == [row[5]]
    assert person["fields"] == {}


def test_a_german_export_saved_as_utf8_with_semicolons(cli, tmp_path):
    path = tmp_path / "kontakte.csv"
    path.write_text(";".join(GERMAN) + "\n" + ";".join(
        cell if ";" not in cell else f'"{cell}"' for cell in GERMAN_ROW) + "\n", encoding="utf-8")
    cli.ok("import", str(path))
    assert _people(cli)["Jürgen Müller"]["emails"] == ["juergen@beispiel.de", "jm@privat.de"]


def test_map_still_names_a_localised_header_as_written(cli, tmp_path):
    path = tmp_path / "kontakte.csv"
    path.write_bytes(_csv(GERMAN, GERMAN_ROW).encode("cp1252"))
    cli.ok("import", str(path), "--map", "Abteilung=company", "--map", "Firma=fields.Arbeitgeber")
    person = _people(cli)["Jürgen Müller"]
    assert person["company"] == "Vertrieb"
    assert person["fields"] == {"Arbeitgeber": "Beispiel GmbH"}


def test_one_foreign_word_in_a_csv_of_its_own_is_a_custom_field():
    # "Firma" alone doesn't make a file Outlook's: a header of the user's own.
    mapper = build_mapper(["name", "email", "Firma"])
    assert mapper.layout == "csv" and mapper.targets[2] == "fields"
    # Two are a file of contacts' parts in that language.
    mapper = build_mapper(["Vorname", "Nachname", "email"])
    assert [mapper.targets[i] for i in range(3)] == ["first_name", "last_name", "emails"]


def test_english_outlook_headers_mean_what_they_did():
    from tinycrm.store.formats.outlook_locales import _table

    assert not {"first name", "last name", "e-mail address", "company", "job title",
                "title", "notes", "mobile phone"} & _table()["headers"].keys()


def test_the_lane_and_the_row_path_agree_on_a_german_export(tmp_path, monkeypatch):
    rows = [GERMAN_ROW[:1] + [f"Jürgen{i}"] + GERMAN_ROW[2:7] + [f"+49 30 {i:07}", ""]
            + [f"p{i}@beispiel.de"] + GERMAN_ROW[10:12] + [""] + GERMAN_ROW[13:] for i in range(40)]
    results, taken = _import_both_ways(tmp_path, monkeypatch, _csv(GERMAN, *rows))
    assert results["lane"] == results["rows"]
    assert any(taken), "no chunk took the lane"
    assert results["lane"][2][0]["created"] == 40


def test_a_german_export_from_a_pipe(db_path):
    result = run_tinycrm("import", "-", db=db_path, input=_csv(GERMAN, GERMAN_ROW).encode("cp1252"))
    assert result.returncode == 0, result.stderr
    assert b"1 created" in result.stderr


@pytest.mark.parametrize("s, t, codec", [("ş", "ţ", "cp1250"), ("ș", "ț", "utf-8")])
def test_romanian_headers_with_either_s_and_t(cli, tmp_path, s, t, codec):
    header = ["Prenume", "Nume de familie", f"Adresă de po{s}tă electronică", "Firmă",
              f"Zi de na{s}tere", f"Telefon pe ma{s}ină", f"Ocupa{t}ie"]
    path = tmp_path / "contacte.csv"
    path.write_bytes(_csv(header, ["Ion", "Popescu", "ion@ex.ro", "Exemplu SRL", "3.4.1970",
                                   "+40 721 000 000", "Director"]).encode(codec))
    result = cli("import", str(path))
    assert result.exit_code == 0 and "(Outlook)" in result.stderr, result.stderr
    ion = _people(cli)["Ion Popescu"]
    assert (ion["emails"], ion["birthday"], ion["phones"], ion["title"]) == (
        ["ion@ex.ro"], "1970-04-03", ["+40 721 000 000"], "Director")
    assert ion["fields"] == {}
