"""What is wrong in the contact form or the follow-up dialog is said under
the field it is about (README), not at the foot of the form or as a
notification after the store refused it."""

from __future__ import annotations

import pytest

from tinycrm.screens.detail import DetailScreen
from tinycrm.screens.followup import FollowUpScreen
from tinycrm.screens.form import FormScreen

from .conftest import FROZEN
from .test_tui import highlight, keys, make_app, seed, settle

INVISIBLE = "\u200b\u200b"  # zero-width spaces: nothing to see


def field_errors(app) -> dict[str, str]:
    """The fields marked wrong, with what they say."""
    return {field.id: str(field.query_one(".field--error").render())
            for field in app.screen.query("Field.-invalid")}


def errors(app) -> list[str]:
    return [message for severity, message in app.messages if severity == "error"]


@pytest.mark.parametrize("field, value, said", [
    ("name", "N" * 600, "name can be at most 500 characters, got 600"),
    ("name", INVISIBLE, "a contact needs a name"),
    ("company", "C" * 501, "company can be at most 500 characters, got 501"),
    ("title", "T" * 700, "title can be at most 500 characters, got 700"),
    ("owner", INVISIBLE, "a contact needs an owner"),
], ids=["long-name", "invisible-name", "long-company", "long-title", "invisible-owner"])
async def test_a_new_contact_is_told_under_the_field(store, field, value, said):
    seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await keys(app, pilot, "n")
        app.screen.query_one("#name").value = "Mary Somerville"
        app.screen.query_one(f"#{field}").value = value
        await keys(app, pilot, "ctrl+s")
        assert isinstance(app.screen, FormScreen)
        assert field_errors(app) == {f"{field}-field": said}
        assert str(app.screen.query_one("#form-error").render()) == ""
        assert errors(app) == [] and store.contacts.count() == 4


async def test_an_edit_refused_by_the_store_for_a_field_is_told_under_it(store):
    """The store limits an edit's owner to 500 characters (not a new
    contact's): the form leaves it to the store, and says it under Owner."""
    ids = seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await highlight(app, pilot, "Grace Hopper")
        await keys(app, pilot, "e")
        app.screen.query_one("#owner").value = "O" * 501
        await keys(app, pilot, "ctrl+s")
        assert isinstance(app.screen, FormScreen)
        assert field_errors(app) == {"owner-field": "owner can be at most 500 characters, got 501"}
        assert str(app.screen.query_one("#form-error").render()) == ""
        assert store.contacts.get(ids["grace"]).owner == "alice"


@pytest.mark.parametrize("field, value, said", [
    ("every", "4h", "'4h' is not whole days: use days, weeks or months, like 30d, 2w or 1m"),
    ("owner", INVISIBLE, "a follow-up needs an owner"),
], ids=["hours", "invisible-owner"])
async def test_a_follow_up_is_told_under_the_field(store, field, value, said):
    ids = seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await highlight(app, pilot, "Katherine Johnson")
        await keys(app, pilot, "enter", "f")
        assert isinstance(app.screen, FollowUpScreen)
        app.screen.query_one(f"#{field}").value = value
        await keys(app, pilot, "ctrl+s")
        assert isinstance(app.screen, FollowUpScreen)
        assert field_errors(app) == {f"{field}-field": said}
        assert errors(app) == []
        assert store.followups.list(contact_id=ids["katherine"], now=FROZEN) == []


async def test_a_follow_up_with_a_recurrence_and_the_owner_left_empty_is_saved(store):
    ids = seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await highlight(app, pilot, "Katherine Johnson")
        await keys(app, pilot, "enter", "f")
        app.screen.query_one("#every").value = "2 weeks"
        app.screen.query_one("#owner").value = ""
        await keys(app, pilot, "ctrl+s")
        assert isinstance(app.screen, DetailScreen)
        [followup] = store.followups.list(contact_id=ids["katherine"], now=FROZEN)
        assert (followup.every, followup.owner) == ("2w", "alice")


async def test_an_edit_keeps_a_tag_address_and_number_from_before_the_length_limits(store):
    """The limits (a tag of 100 characters, an address of 254, a number of
    64) are for new values: a contact that has longer ones from before them
    is still edited, and a new one too long is told under its field."""
    ids = seed(store)
    grace = ids["grace"]
    long_tag, long_email, long_phone = "t" * 150, "g" * 80 + "@navy.example", "+1 " + "5" * 70
    with store.write():
        store.conn.execute("INSERT INTO contact_tags (contact_id, tag) VALUES (?, ?)",
                           [grace, long_tag])
        store.conn.execute("UPDATE contact_emails SET email = ?, email_key = ? WHERE contact_id = ?",
                           [long_email, long_email, grace])
        store.conn.execute("INSERT INTO contact_phones (contact_id, position, phone, phone_key)"
                           " VALUES (?, 9, ?, '55555555')", [grace, long_phone])
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await highlight(app, pilot, "Grace Hopper")
        await keys(app, pilot, "e")
        app.screen.query_one("#company").value = "US Navy"
        await keys(app, pilot, "ctrl+s")
        assert not isinstance(app.screen, FormScreen), field_errors(app)
        await keys(app, pilot, "e")
        tags = app.screen.query_one("#tags")
        tags.value = tags.value + ", " + "n" * 101
        await keys(app, pilot, "ctrl+s")
        assert list(field_errors(app)) == ["tags-field"]
    after = store.contacts.get(grace)
    assert after.company == "US Navy" and long_tag in after.tags
    assert long_email in after.emails and long_phone in after.phones
