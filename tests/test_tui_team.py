"""Two people on one file: the contact form while a colleague (another
connection to the same file) changes, merges or deletes the contact being
edited. What was typed is never lost to their change, nor written to
another person."""

from __future__ import annotations

from tinycrm.screens.form import FormScreen
from tinycrm.store import Store
from tinycrm.store.merge import merge_contacts

from .conftest import FROZEN
from .test_tui import keys, make_app, seed, settle
from .test_tui_field_errors import field_errors


def form_text(app) -> str:
    return str(app.screen.query_one("#form-error").render())


async def open_form(app, pilot) -> FormScreen:
    await settle(app, pilot)
    await keys(app, pilot, "e")  # Ada, the first contact
    assert isinstance(app.screen, FormScreen)
    return app.screen


async def test_a_stale_edit_keeps_what_was_typed_and_takes_the_rest_from_the_colleague(
        store, db_path, clock):
    ids = seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        form = await open_form(app, pilot)
        form.query_one("#title").value = "Countess"
        form.query_one("#company").value = "Lovelace Ltd"
        with Store(db_path, user="bob", clock=clock) as other:
            other.contacts.edit(ids["ada"], {"company": "Babbage & Co", "phones": ["+44 1"]})
        await keys(app, pilot, "ctrl+s")
        assert app.screen is form  # refused, still open
        assert store.contacts.get(ids["ada"]).title is None
        assert form.query_one("#title").value == "Countess"  # hers, kept
        assert form.query_one("#company").value == "Lovelace Ltd"  # hers, though he changed it
        assert form.query_one("#phones").value == "+44 1"  # his: she didn't touch it
        # The field both changed says what the colleague saved; the form says why.
        assert list(field_errors(app)) == ["company-field"]
        assert "Babbage & Co" in field_errors(app)["company-field"]
        assert "changed elsewhere" in form_text(app)
        assert form.unsaved()  # ctrl+q still asks: what she typed is not saved
        await keys(app, pilot, "ctrl+s")  # saving again keeps hers, on his version
        saved = store.contacts.get(ids["ada"])
        assert (saved.title, saved.company) == ("Countess", "Lovelace Ltd")
        assert saved.phones == ("+44 1",)
        assert not isinstance(app.screen, FormScreen)


async def test_saving_a_contact_merged_elsewhere_says_where_it_went_and_keeps_the_form(
        store, db_path, clock):
    ids = seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        form = await open_form(app, pilot)
        form.query_one("#title").value = "Countess"
        with Store(db_path, user="bob", clock=clock) as other:
            merge_contacts(other, ids["grace"], ids["ada"], now=FROZEN)
        await keys(app, pilot, "ctrl+s")
        assert app.screen is form
        assert form.query_one("#title").value == "Countess"
        said = f"Ada Lovelace was merged into contact {ids['grace']} meanwhile"
        assert said in form_text(app)
        assert not any("deleted" in m for _, m in app.messages)
        assert store.contacts.get(ids["grace"]).title is None  # not written to Grace


async def test_saving_a_contact_deleted_elsewhere_keeps_the_form(store, db_path, clock):
    ids = seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        form = await open_form(app, pilot)
        form.query_one("#title").value = "Countess"
        with Store(db_path, user="bob", clock=clock) as other:
            other.contacts.delete(ids["ada"], now=FROZEN)
        await keys(app, pilot, "ctrl+s")
        assert app.screen is form
        assert form.query_one("#title").value == "Countess"
        assert "Ada Lovelace was deleted meanwhile" in form_text(app)


async def test_text_typed_after_a_tab_in_one_read_goes_into_the_next_field(store):
    """Over ssh a fast typist's tab and the letters after it reach the app
    in one read: the letters went into the field the tab was leaving."""
    from textual import events

    seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        form = await open_form(app, pilot)
        assert app.focused is form.query_one("#name")
        for key, character in [("tab", "\t"), ("x", "x"), ("shift+tab", None), ("y", "y")]:
            app.post_message(events.Key(key, character))  # queued together
        await settle(app, pilot)
        assert form.query_one("#emails").value == "x"  # (tab selects the field's text)
        assert form.query_one("#name").value.endswith("y")


async def test_a_next_field_key_moved_onto_a_character_is_still_typed_in_a_field(store):
    """The tab's priority doesn't take a key the field has for itself: a
    comma typed into a field is a comma there, wherever the keymap put
    "next field"."""
    seed(store)
    app = make_app(store, keymap={"screen.focus_next": "comma"})
    async with app.run_test(size=(100, 30)) as pilot:
        form = await open_form(app, pilot)
        await keys(app, pilot, "comma")
        assert app.focused is form.query_one("#name")
        assert form.query_one("#name").value == "Ada Lovelace,"
        form.query_one("#stage").focus()  # a field that types no text: the comma moves on
        await keys(app, pilot, "comma")
        assert app.focused is form.query_one("#tier")


async def test_a_contact_deleted_elsewhere_leaves_no_counts_of_what_it_had(
        store, db_path, clock):
    from textual.widgets import Static

    ids = seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "enter", "l")  # Ada's screen, a dialog over it keeps it open
        detail = app.screen_stack[-2]
        assert "(3)" in str(detail.query_one("#timeline-title", Static).render())
        with Store(db_path, user="bob", clock=clock) as other:
            other.contacts.delete(ids["ada"], now=FROZEN)
        app.check_for_changes()
        await settle(app, pilot)
        titles = [str(detail.query_one(f"#{name}-title", Static).render())
                  for name in ("followups", "timeline")]
        assert titles == ["Open follow-ups", "Timeline"]  # (not the 1 and 3 it had, over empty lists)


async def test_a_stale_tags_dialog_keeps_what_was_typed(store, db_path, clock):
    from textual.widgets import Input

    from tinycrm.screens.tags import TagScreen

    ids = seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "enter", "t")  # Ada's tags
        dialog = app.screen
        assert isinstance(dialog, TagScreen)
        dialog.query_one("#tags", Input).value = "investor, speaker"
        with Store(db_path, user="bob", clock=clock) as other:
            other.contacts.tag(ids["ada"], ["board"])
        await keys(app, pilot, "enter")
        assert app.screen is dialog  # refused, still open
        assert dialog.query_one("#tags", Input).value == "investor, speaker"
        assert "tags now: board, investor" in field_errors(app)["tags-field"]
        await keys(app, pilot, "enter")  # she has seen his, and keeps hers
        assert store.contacts.get(ids["ada"]).tags == ("investor", "speaker")
        assert not isinstance(app.screen, TagScreen)
