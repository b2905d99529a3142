"""Slash dates that could be read either way (03/04/1985): month first as in
the US, or day first as in Britain and most of the world, by the locale, the
config's ``[crm] date_order`` or ``import --date-order``. A number that can't
be a month decides whatever the order."""

from __future__ import annotations

import json

import pytest

from tinycrm.config import ConfigError, day_first, load_config
from tinycrm.store.contact_values import birthday_value

from .conftest import run_tinycrm

OUTLOOK = "First Name,Last Name,E-mail Address,Birthday\n"


@pytest.mark.parametrize("text, month_first, day_first_", [
    ("03/04/1985", "1985-03-04", "1985-04-03"),
    ("3/15/1985", "1985-03-15", "1985-03-15"),    # 15 can't be a month
    ("15/3/1985", "1985-03-15", "1985-03-15"),
    ("4/3/85", "1985-04-03", "1985-03-04"),
    ("03.04.1985", "1985-04-03", "1985-04-03"),   # dots are always day first
    ("1985/03/04", "1985-03-04", "1985-03-04"),   # and a year first is ISO's order
])
def test_a_slash_date_is_read_in_the_order_asked_for(text, month_first, day_first_):
    assert birthday_value(text) == month_first
    assert birthday_value(text, day_first=True) == day_first_


@pytest.mark.parametrize("environ, expected", [
    ({"LANG": "en_GB.UTF-8"}, True),
    ({"LANG": "de_DE.UTF-8"}, True),
    ({"LANG": "en_US.UTF-8"}, False),
    ({"LANG": "fil_PH"}, False),
    ({"LANG": "C.UTF-8"}, False),
    ({}, False),
    ({"LANG": "en_US.UTF-8", "LC_TIME": "en_GB.UTF-8"}, True),
    ({"LC_ALL": "en_US.UTF-8", "LC_TIME": "en_GB.UTF-8"}, False),
    ({"LANG": "en_GB.UTF-8", "LC_TIME": ""}, True),
    ({"LANG": "sr_RS@latin"}, True),
])
def test_auto_follows_the_locale(environ, expected):
    assert day_first("auto", environ) is expected
    assert day_first("day-first", environ) is True
    assert day_first("month-first", environ) is False


def test_the_config_sets_the_order_and_refuses_another_word(tmp_path, monkeypatch):
    path = tmp_path / "config.toml"
    path.write_text('[crm]\ndate_order = "day-first"\n')
    assert load_config(path).store_settings().day_first is True
    path.write_text('[crm]\ndate_order = "month-first"\n')
    monkeypatch.setenv("LC_TIME", "en_GB.UTF-8")
    assert load_config(path).store_settings().day_first is False
    path.write_text("[crm]\n")
    assert load_config(path).store_settings().day_first is True  # the locale's
    path.write_text('[crm]\ndate_order = "dmy"\n')
    with pytest.raises(ConfigError, match="date_order must be one of auto, day-first"):
        load_config(path).store_settings()


def _birthdays(cli) -> dict[str, str | None]:
    return {c["name"]: c["birthday"] for c in json.loads(cli.ok("list", "-f", "json").stdout)}


# Two rows with one address go the row path (a duplicate in the file merges);
# rows of different people go the fast lane. Both read dates the same way.
PLAIN = OUTLOOK + "Ann,Lee,ann@x.example,03/04/1985\nBob,Ray,bob@x.example,12/11/1990\n"
MERGING = OUTLOOK + "Ann,Lee,ann@x.example,03/04/1985\nAnn,Lee,ann@x.example,\n"


@pytest.mark.parametrize("text", [PLAIN, MERGING], ids=["lane", "row path"])
def test_import_reads_slash_dates_day_first_when_told(cli, tmp_path, text):
    path = tmp_path / "outlook.csv"
    path.write_text(text)
    cli.ok("import", str(path), "--date-order", "day-first")
    assert _birthdays(cli)["Ann Lee"] == "1985-04-03"
    if "Bob" in text:
        assert _birthdays(cli)["Bob Ray"] == "1990-11-12"


def test_import_follows_a_british_locale_and_the_option_overrides_it(cli, tmp_path, monkeypatch):
    path = tmp_path / "outlook.csv"
    path.write_text(PLAIN)
    monkeypatch.setenv("LC_TIME", "en_GB.UTF-8")
    cli.ok("import", str(path))
    assert _birthdays(cli) == {"Ann Lee": "1985-04-03", "Bob Ray": "1990-11-12"}
    cli.ok("imports", "undo", "1", "--yes")
    cli.ok("import", str(path), "--date-order", "month-first")
    assert _birthdays(cli) == {"Ann Lee": "1985-03-04", "Bob Ray": "1990-12-11"}


def test_a_typed_birthday_follows_the_config(cli, tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text('[crm]\ndate_order = "day-first"\n')
    monkeypatch.setenv("TINYCRM_CONFIG", str(config))
    cli.ok("add", "Ann Lee")
    cli.ok("add", "Bob Ray")
    cli.ok("edit", "Ann Lee", "--set", "birthday=03/04/1985")
    cli.ok("edit", "Bob Ray", "--set", "birthday=12/11/1990")
    assert _birthdays(cli) == {"Ann Lee": "1985-04-03", "Bob Ray": "1990-11-12"}


def test_a_date_and_time_field_reads_the_date_in_the_same_order(cli, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("name,email,last_contacted_at\nAnn Lee,ann@x.example,03/04/2025\n")
    cli.ok("import", str(path), "--date-order", "day-first")
    shown = json.loads(cli.ok("show", "ann@x.example", "-f", "json").stdout)
    assert shown["last_contacted_at"].startswith("2025-04-03")


def test_a_bad_date_order_is_a_usage_error(db_path, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(PLAIN)
    result = run_tinycrm("import", str(path), "--date-order", "dmy", db=db_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "'dmy' is not one of" in result.stderr


def test_a_config_saved_with_a_bom_is_read(tmp_path, monkeypatch):
    """Notepad's "UTF-8" starts the file with a byte order mark."""
    path = tmp_path / "config.toml"
    path.write_bytes('\ufeff[crm]\ndate_order = "day-first"\n'.encode())
    assert load_config(path).store_settings().day_first is True
