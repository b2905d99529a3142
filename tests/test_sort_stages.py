"""Sorted by stage, contacts come in the config's order of stages (lead to
lost), not the alphabet's, in `tinycrm list --sort stage` as in the app; a
stage since taken out of the config comes after them, by its name; within a
stage, by name."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tinycrm.store import Store, StoreSettings

from .conftest import FROZEN
from .test_tui import keys, make_app, names, settle

# (Shuffled: neither the names nor the ids are in the order expected.)
PEOPLE = [("Zed", "lead"), ("Cy", "lost"), ("Bea", "qualified"), ("Al", "churned"),
          ("Di", "customer"), ("Ed", "lead"), ("Ann", "lost"), ("Flo", "customer"),
          ("Gus", "qualified"), ("Hal", "churned")]
IN_CONFIG_ORDER = ["Ed", "Zed", "Bea", "Gus", "Di", "Flo", "Al", "Hal", "Ann", "Cy"]
# With qualified and churned taken out of the config: after the others,
# churned before qualified (the alphabet's order), each by name.
FEWER = ("lead", "customer", "lost")
WITH_FEWER = ["Ed", "Zed", "Di", "Flo", "Ann", "Cy", "Al", "Hal", "Bea", "Gus"]


@pytest.fixture
def people(store):
    for name, stage in PEOPLE:
        store.contacts.add(name, stage=stage)
    return store


def fewer_stages_in_the_config() -> None:
    config = Path(os.environ["TINYCRM_CONFIG"])
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f"[crm]\nstages = {json.dumps(list(FEWER))}\n")


def listed(cli, *args: str) -> list[str]:
    return [c["name"] for c in json.loads(cli.ok("list", *args, "-f", "json").stdout)]


def test_the_cli_sorts_by_the_configs_order_of_stages(people, cli):
    assert listed(cli, "--sort", "stage") == IN_CONFIG_ORDER
    assert listed(cli, "--sort", "stage", "-n", "3") == IN_CONFIG_ORDER[:3]
    # (A filter doesn't change it.)
    assert listed(cli, "--sort", "stage", "--tier", "standard") == IN_CONFIG_ORDER


def test_stages_taken_out_of_the_config_come_after_by_name(people, cli):
    fewer_stages_in_the_config()
    assert listed(cli, "--sort", "stage") == WITH_FEWER


async def test_the_app_and_the_cli_agree_both_ways(people, cli):
    app = make_app(people)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "o", "o")  # by company, then by stage
        assert names(app) == IN_CONFIG_ORDER == listed(cli, "--sort", "stage")
        await keys(app, pilot, "O")  # reversed
        assert names(app) == IN_CONFIG_ORDER[::-1]


async def test_the_app_puts_stages_taken_out_of_the_config_after_by_name(people, cli, db_path):
    fewer_stages_in_the_config()
    with Store(db_path, user="alice", clock=lambda: FROZEN,
               settings=StoreSettings(stages=FEWER)) as store:
        app = make_app(store)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(app, pilot)
            await keys(app, pilot, "o", "o")
            assert names(app) == WITH_FEWER == listed(cli, "--sort", "stage")
            await keys(app, pilot, "O")
            assert names(app) == WITH_FEWER[::-1]
