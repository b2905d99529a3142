"""Add or edit a contact. What's wrong is said next to the field; a contact
that looks like an existing one (same email, close name) is pointed out,
with a key to open that one instead."""

from __future__ import annotations

import re
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Footer, Input, Select, Static

from ..store.browse import Browse, Similar
from ..store.contact_values import TooLong, check_lengths, clean_tag, split_tags, tag_form
from ..store.errors import Conflict, TinyCRMError, ValidationError
from ..store.models import Contact
from ..store.textutil import clean_email, clean_phone, one_line
from ..store.when import format_days, period_days
from ..widgets.field import Field
from ..widgets.text import literal, plain
from .base import CRMScreen, KeepsInput
from .conflicts import save_contact
from .hints import key_for

TEXT_FIELDS = (
    ("name", "Name", "Full name (required)"),
    ("emails", "Emails", "a@example.com, b@example.com"),
    ("phones", "Phones", "+1 555 010 2030"),
    ("company", "Company", ""),
    ("title", "Title", ""),
    ("owner", "Owner", ""),
    ("tags", "Tags", "investor, beta"),
    ("cadence", "Keep in touch", "every… 30d, 2w, 3m (empty: no cadence)"),
)

FIELD_KEYS = {key for key, _, _ in TEXT_FIELDS}


def _split(text: str, pattern: str = r"[,;]") -> list[str]:
    return [part.strip() for part in re.split(pattern, text) if part.strip()]


class FormScreen(KeepsInput, CRMScreen[int]):
    """Dismisses with the saved contact's id (None when cancelled)."""

    CSS_PATH = "form.tcss"
    OPEN_NOTE = "A contact form is open: save or cancel it"

    BINDINGS = [
        Binding("escape", "back", "Cancel", id="screen.back", tooltip="Back to the previous screen"),
        Binding("ctrl+s", "save", "Save", id="form.save", tooltip="Save the contact"),
        Binding("ctrl+o", "open_similar", "Open existing", id="form.open_existing",
            tooltip="Open the existing contact this one looks like"),
    ]

    def __init__(self, contact_id: int | None) -> None:
        super().__init__()
        self.contact_id = contact_id
        self.contact: Contact | None = None
        self.similar: list[Similar] = []

    def compose(self) -> ComposeResult:
        settings = self.crm.store.settings
        title = "New contact" if self.contact_id is None else "Edit contact"
        yield Static(literal(title), id="heading", classes="title-bar")
        with VerticalScroll(id="form"):
            for key, label, placeholder in TEXT_FIELDS:
                yield Field(label, Input(placeholder=placeholder, id=key, compact=True), id=f"{key}-field")
            yield Field("Stage", Select([(literal(s), s) for s in settings.stages], value=settings.default_stage,
                                        allow_blank=False, id="stage", compact=True), id="stage-field")
            yield Field("Tier", Select([(literal(t), t) for t in settings.tiers], value=settings.default_tier,
                                       allow_blank=False, id="tier", compact=True), id="tier-field")
            yield Static(id="similar")
            yield Static(id="form-error")
            with Horizontal(classes="buttons"):
                save = key_for(self, "form.save")
                yield Button(literal(f"Save ({save})"), variant="primary", id="save")
                yield Button(literal(f"Cancel ({key_for(self, 'screen.back')})"), id="cancel")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#owner", Input).value = self.crm.user
        name = self.query_one("#name", Input)
        # The form opens with the cursor in the name and nothing selected, so
        # that typing adds to it, whether fill() comes before the focus or
        # after (on Python 3.12 and later Textual starts tasks eagerly, and the
        # contact was often read first: the whole name was selected). Once
        # the name has had the focus, coming back to it selects it as in
        # every other field.
        name.select_on_focus = False
        name.focus()

    def on_input_blurred(self, event: Input.Blurred) -> None:
        if event.input.id == "name":
            event.input.select_on_focus = True

    def reload(self) -> None:
        # Never reload over what the user is typing; a stale save reloads instead.
        if self.loaded_generation == -1:
            super().reload()

    def load(self) -> None:
        if self.contact_id is None:
            return
        contact_id = self.contact_id
        self.crm.run_db(self, lambda store: store.contacts.get(contact_id), self.fill,
                        name="get_contact", read=True)

    def fill(self, contact: Contact) -> None:
        self.contact = contact
        values = shown_values(contact)
        with self.prevent(Input.Changed):
            for key, _, _ in TEXT_FIELDS:
                self.query_one(f"#{key}", Input).value = values[key]
        settings = self.crm.store.settings
        for key, known in (("stage", settings.stages), ("tier", settings.tiers)):
            select = self.query_one(f"#{key}", Select)
            value = getattr(contact, key)
            # A value no longer in the config stays choosable for this contact.
            select.set_options([(literal(v), v) for v in (*known, *(() if value in known else (value,)))])
            select.value = value
        self.mark_unchanged()

    def typed_values(self) -> dict[str, Any]:
        return {key: self.query_one(f"#{key}").value for key in (*FIELD_KEYS, "stage", "tier")}

    def changed_elsewhere(self, current: Contact) -> None:
        """A save refused because someone saved the contact since the form was
        filled: the form takes their version, but what was typed here stays
        (a field both changed says what they saved). Saving again keeps it."""
        mine, base = self.typed_values(), shown_values(self.contact)
        theirs = shown_values(current)
        self.fill(current)  # (what is saved now: the form is unsaved by what is kept)
        with self.prevent(Input.Changed):
            for key, value in mine.items():
                if value == base[key]:
                    continue
                self.query_one(f"#{key}").value = value
                if theirs[key] not in (base[key], value):
                    saved = theirs[key] or "(empty)"
                    self.query_one(f"#{key}-field", Field).set_error(
                        f"changed elsewhere to “{saved}”; saving keeps yours")
        message = (f"{current.name} was changed elsewhere meanwhile: the form shows that version,"
                   " with your changes kept. Check them, and save again to keep them.")
        self.crm.show_error(message)
        self.query_one("#form-error", Static).update(literal(message))

    # -- validation ----------------------------------------------------------------

    def _tags_before(self) -> tuple[str, ...]:
        return self.contact.tags if self.contact is not None else ()

    def _before(self, key: str) -> set[str]:
        """The contact's addresses (lower-cased) or numbers, as they are now."""
        if self.contact is None:
            return set()
        values = getattr(self.contact, key)
        return {v.lower() for v in values} if key == "emails" else set(values)

    def _value(self, key: str) -> str:
        return self.query_one(f"#{key}", Input).value.strip()

    def collect(self) -> dict[str, Any] | None:
        """The form's values for the store, or None after marking what's wrong.
        Each is checked as the store will check it (a name of nothing visible,
        one too long), so that the error shows under its field."""
        checks = {
            "name": lambda v: _text("name", v) or _fail("a contact needs a name"),
            # (The limits are for new values: one kept from before them stays.)
            "emails": lambda v: [clean_email(e, new=e.lower() not in self._before("emails"))
                                 for e in _split(v, r"[,;\s]")],
            "phones": lambda v: [clean_phone(p, new=p not in self._before("phones"))
                                 for p in _split(v)],
            "company": lambda v: _text("company", v),
            "title": lambda v: _text("title", v),
            "owner": lambda v: one_line(v) or _fail("a contact needs an owner"),
            "tags": lambda v: [clean_tag(t, new=tag_form(t) not in self._tags_before())
                               for t in split_tags(v, self._tags_before())],
            "cadence": lambda v: period_days(v) if v else None,
        }
        values: dict[str, Any] = {}
        ok = True
        for key, check in checks.items():
            field = self.query_one(f"#{key}-field", Field)
            try:
                values[key] = check(self._value(key))
                field.set_error(None)
            except TinyCRMError as exc:
                field.set_error(exc.message)
                ok = False
        values["stage"] = self.query_one("#stage", Select).value
        values["tier"] = self.query_one("#tier", Select).value
        return values if ok else None

    # -- saving --------------------------------------------------------------------

    def action_save(self) -> None:
        self.query_one("#form-error", Static).update("")
        values = self.collect()
        if values is None:
            return
        if self.contact_id is None:
            def add(store) -> Contact:
                return store.contacts.add(
                    values["name"], emails=values["emails"], phones=values["phones"],
                    company=values["company"], title=values["title"], tags=values["tags"],
                    stage=values["stage"], tier=values["tier"], owner=values["owner"],
                    cadence_days=values["cadence"], now=store.now())

            self.crm.run_db(self, add, self.saved, error=self.failed, name="add_contact")
            return
        if self.contact is None:
            return
        cadence = values.pop("cadence")
        changes = {**values, "cadence_days": cadence}
        save_contact(self, self.contact, changes, self.saved, stale=self.changed_elsewhere,
                     report=self.failed)

    def saved(self, contact: Contact) -> None:
        self.crm.say(f"Saved {contact.name}")
        self.crm.data_changed()
        self.dismiss(contact.id)

    def failed(self, exc: TinyCRMError) -> None:
        field = "emails" if isinstance(exc, Conflict) and "@" in exc.message else None
        if isinstance(exc, TooLong) and exc.key in FIELD_KEYS:
            field = exc.key  # (an edit's owner: the store limits it, the form doesn't)
        if field:
            self.query_one(f"#{field}-field", Field).set_error(exc.message)
        else:
            self.query_one("#form-error", Static).update(literal(exc.message))

    # -- looks like an existing contact ----------------------------------------

    @on(Input.Changed, "#name,#emails")
    def check_similar(self) -> None:
        name, emails = self._value("name"), _split(self._value("emails"), r"[,;\s]")
        exclude = self.contact_id

        def find(store) -> list[Similar]:
            return Browse(store).similar(name, [e for e in emails if "@" in e], exclude=exclude)

        self.crm.run_db(self, find, self.show_similar, error=lambda exc: None,
                        group="similar", exclusive=True, name="similar", read=True)

    def show_similar(self, similar: list[Similar]) -> None:
        self.similar = similar
        box = self.query_one("#similar", Static)
        box.set_class(bool(similar), "-shown")
        if not similar:
            box.update("")
            return
        lines = [literal(f"Looks like an existing contact ({key_for(self, 'form.open_existing')}"
                         " opens the first):", "bold")]
        for s in similar:
            c = s.contact
            detail = ", ".join(plain(x) for x in (c.email, c.company) if x)
            lines.append(literal(f"  {plain(c.name)}" + (f" ({detail})" if detail else "") + f": {s.reason}"))
        box.update(Content("\n").join(lines))  # (literal("\n") is a space: it keeps one line)

    def action_open_similar(self) -> None:
        if not self.similar:
            self.crm.say("No existing contact to open")
            return
        contact_id = self.similar[0].contact.id
        self.dismiss(None)
        self.crm.open_contact(contact_id)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_save() if event.button.id == "save" else self.action_back()

    def action_back(self) -> None:
        self.leave()


def shown_values(contact: Contact) -> dict[str, Any]:
    """The form's values for ``contact``, as its fields show them."""
    values = {
        "name": contact.name, "emails": ", ".join(contact.emails),
        "phones": ", ".join(contact.phones), "company": contact.company or "",
        "title": contact.title or "", "owner": contact.owner, "tags": ", ".join(contact.tags),
        "cadence": format_days(contact.cadence_days) if contact.cadence_days else "",
    }
    return {**{key: plain(value) for key, value in values.items()},
            "stage": contact.stage, "tier": contact.tier}


def _fail(message: str):
    raise ValidationError(message)


def _text(key: str, value: str) -> str | None:
    """A name, company or title as the store keeps it: one line, None when
    nothing visible is left, and no longer than it allows."""
    kept = one_line(value)
    check_lengths({key: kept})
    return kept
