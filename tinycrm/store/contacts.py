"""Contacts: create, find, change and remove people, with their emails,
phones and tags. Every change is audited, indexed for search, and passed to
the response-time rules, inside one write transaction."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .audit import merged_into
from .browse import stage_order
from .contact_filter import ContactFilter
from .contact_values import (
    check_cadence_days,
    check_lengths,
    checked_birthday,
    clean_tag,
    field_key,
    field_values,
    split_name,
    tag_form,
)
from .dupes import name_shows
from .errors import Ambiguous, Conflict, MergedAway, NotFound, ValidationError, quoted
from .followups_gone import settle as settle_gone
from .models import Contact
from .sortkeys import key_values, sort_key
from .textutil import (
    as_text,
    clean_email,
    clean_phone,
    nocase_spellings,
    normalize_email,
    number_ident,
    one_line,
    phone_key,
    strip_controls,
)
from .timeutil import from_db, to_db

if TYPE_CHECKING:
    from .store import Store

# Fields that `edit --set FIELD=VALUE` may change; custom fields go under
# `fields.NAME` (or `custom.NAME`) and are stored as JSON, never as columns.
SCALAR_FIELDS = (
    "name", "first_name", "last_name", "company", "title", "stage", "tier",
    "owner", "source", "birthday", "cadence_days",
)
CUSTOM_PREFIXES = ("fields.", "custom.")
_COLUMNS = ", ".join(
    f"c.{column}"
    for column in (
        "id", "uid", "name", "first_name", "last_name", "company", "title", "stage", "tier",
        "owner", "source", "birthday", "fields", "cadence_days", "created_at", "updated_at",
        "last_contacted_at", "version",
    )
)
_CHUNK = 500  # stays under SQLite's bound-parameter limit


def _snapshot(contact: Contact) -> dict[str, Any]:
    data = contact.to_dict()
    for key in ("id", "uid", "created_at", "updated_at", "version"):
        data.pop(key)
    return data


def parse_assignments(assignments: Iterable[str]) -> dict[str, Any]:
    """``["stage=customer", "fields.plan=pro"]`` -> changes for ``Contacts.edit``."""
    changes: dict[str, Any] = {}
    for item in assignments:
        if "=" not in item:
            raise ValidationError(f"--set takes FIELD=VALUE, got {quoted(item)}")
        key, value = item.split("=", 1)
        key = key.strip()
        if key in SCALAR_FIELDS:
            changes[key] = value
        elif key.startswith(CUSTOM_PREFIXES) and key.split(".", 1)[1]:
            changes.setdefault("fields", {})[key.split(".", 1)[1]] = value or None
        else:
            raise ValidationError(
                f"unknown field {quoted(key)}: use one of {', '.join(SCALAR_FIELDS)},"
                " or fields.NAME for a custom field"
            )
    return changes


def next_contact_id(conn) -> int:
    """The id after every id a contact has had. A deleted contact's id is not
    given to the next one (``contact_id_mark``, migration m045): its audit
    entries keep it, and the next person's privacy export (or erasure)
    would take them for theirs."""
    return conn.execute(
        "SELECT max(coalesce((SELECT max(id) FROM contacts), 0),"
        " (SELECT last FROM contact_id_mark WHERE id = 1)) + 1").fetchone()[0]


class Contacts:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.conn = store.conn

    # -- reading -----------------------------------------------------------------

    def _rows_to_contacts(self, rows: Sequence[tuple]) -> list[Contact]:
        if not rows:
            return []
        ids = [r[0] for r in rows]
        emails: dict[int, list[str]] = {}
        phones: dict[int, list[str]] = {}
        tags: dict[int, list[str]] = {}
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            for cid, email in self.conn.execute(
                f"SELECT contact_id, email FROM contact_emails WHERE contact_id IN ({marks})"
                " ORDER BY contact_id, position", chunk,
            ):
                emails.setdefault(cid, []).append(email if type(email) is str else as_text(email))
            for cid, phone in self.conn.execute(
                f"SELECT contact_id, phone FROM contact_phones WHERE contact_id IN ({marks})"
                " ORDER BY contact_id, position", chunk,
            ):
                phones.setdefault(cid, []).append(phone if type(phone) is str else as_text(phone))
            for cid, tag in self.conn.execute(
                f"SELECT contact_id, tag FROM contact_tags WHERE contact_id IN ({marks})"
                " ORDER BY contact_id, tag", chunk,
            ):
                tags.setdefault(cid, []).append(tag if type(tag) is str else as_text(tag))
        return [
            Contact(
                id=r[0], uid=r[1], name=as_text(r[2]), first_name=as_text(r[3]),
                last_name=as_text(r[4]), company=as_text(r[5]), title=as_text(r[6]),
                stage=r[7], tier=r[8], owner=r[9],
                source=r[10], birthday=r[11], fields=json.loads(r[12]),
                cadence_days=r[13], created_at=from_db(r[14]), updated_at=from_db(r[15]),
                last_contacted_at=from_db(r[16]), version=r[17],
                emails=tuple(emails.get(r[0], ())), phones=tuple(phones.get(r[0], ())),
                tags=tuple(tags.get(r[0], ())),
            )
            for r in rows
        ]

    def get(self, contact_id: int) -> Contact:
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM contacts c WHERE c.id = ?", [contact_id]
        ).fetchone()
        if row is None:
            into = merged_into(self.conn, contact_id)
            if into is not None:  # (the app's screen of it, a form: where did it go?)
                raise MergedAway(contact_id, into)
            raise NotFound(f"no contact with id {contact_id}")
        return self._rows_to_contacts([row])[0]

    def get_many(self, ids: Sequence[int]) -> list[Contact]:
        """Contacts in the order of ``ids``; missing ids are skipped."""
        found: dict[int, Contact] = {}
        for start in range(0, len(ids), _CHUNK):
            chunk = list(ids[start:start + _CHUNK])
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT {_COLUMNS} FROM contacts c WHERE c.id IN ({marks})", chunk
            ).fetchall()
            found.update((c.id, c) for c in self._rows_to_contacts(rows))
        return [found[i] for i in ids if i in found]

    def resolve(self, ref: str) -> Contact:
        """REF is an id, an email, or a name matching exactly one contact."""
        ref = ref.strip()
        if not ref:
            raise ValidationError("an empty contact reference")
        if ref.isascii() and ref.isdigit():  # (not "１" or "٣": Python reads those as digits)
            row = self.conn.execute("SELECT id FROM contacts WHERE id = ?", [int(ref)]).fetchone()
            if row:
                return self.get(row[0])
        if "@" in ref:
            row = self.conn.execute(
                "SELECT contact_id FROM contact_emails WHERE email_key = ?", [normalize_email(ref)]
            ).fetchone()
            if row:
                return self.get(row[0])
        spellings = nocase_spellings(ref)  # (NOCASE folds ASCII letters only)
        # (Found by their keys in the name index: names alike but for case have one.)
        keys = list(dict.fromkeys(map(sort_key, spellings)))
        ids = [
            r[0]
            for r in self.conn.execute(
                f"SELECT id FROM contacts WHERE name_key IN ({','.join('?' * len(keys))})"
                f" AND CAST(name AS TEXT) COLLATE NOCASE IN ({','.join('?' * len(spellings))})"
                " ORDER BY id LIMIT 21", [*keys, *spellings]
            )
        ]
        if len(ids) == 1:
            return self.get(ids[0])
        if len(ids) > 1:
            # (Tab-separated: a tab an edit in SQL left in a value is a space.)
            candidates = [
                "\t".join(str(v).replace("\t", " ") for v in (c.id, c.name, c.email or "",
                                                                c.company or ""))
                for c in self.get_many(ids)
            ]
            raise Ambiguous(
                f"{quoted(ref)} matches {len(ids)}{'+' if len(ids) > 20 else ''} contacts;"
                " use an id or an email", candidates[:20]
            )
        if ref.isascii() and ref.isdigit():
            into = merged_into(self.conn, int(ref))
            if into is not None:  # (a script holding an old id: where did it go?)
                raise MergedAway(ref, into)
        raise NotFound(f"no contact matches {quoted(ref)} (try `tinycrm search`)")

    def list(
        self,
        filters: ContactFilter = ContactFilter(),
        *,
        limit: int | None = None,
        offset: int = 0,
        order_by: str = "name",
    ) -> list[Contact]:
        where, params = filters.where()
        order = {
            # (By the stored keys, then the text as it is: see sortkeys.)
            "name": "c.name_key, c.name, c.id",
            "company": "c.company_key, c.name_key, c.company, c.name, c.id",
            "stage": "c.name_key, c.name, c.id",  # (after the stages' own order, as the app's)
            "last_contacted": "c.last_contacted_at DESC, c.id",
            "created": "c.created_at, c.id",
            "id": "c.id",
        }.get(order_by)
        if order is None:
            raise ValidationError(f"can't sort by {quoted(order_by)}")
        if order_by == "stage":
            by_stage, stage_params = stage_order(self.store.settings.stages)
            order = ", ".join([*by_stage, order])
            params += stage_params
        sql = f"SELECT {_COLUMNS} FROM contacts c WHERE {where} ORDER BY {order}"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        # One snapshot for the contacts and their emails, phones and tags: an
        # import committing in between would otherwise show half of itself.
        with self.store.read():
            return self._rows_to_contacts(self.conn.execute(sql, params).fetchall())

    def iter_all(self, filters: ContactFilter = ContactFilter(), *, chunk: int = 1000) -> Iterator[Contact]:
        """Every matching contact in id order, fetched a chunk at a time (for export)."""
        where, params = filters.where()
        last = 0
        while True:
            rows = self.conn.execute(
                f"SELECT {_COLUMNS} FROM contacts c WHERE c.id > ? AND {where} ORDER BY c.id LIMIT ?",
                [last, *params, chunk],
            ).fetchall()
            if not rows:
                return
            yield from self._rows_to_contacts(rows)
            last = rows[-1][0]

    def count(self, filters: ContactFilter = ContactFilter()) -> int:
        where, params = filters.where()
        return self.conn.execute(f"SELECT count(*) FROM contacts c WHERE {where}", params).fetchone()[0]

    # -- validation --------------------------------------------------------------

    def check_stage(self, stage: str) -> str:
        if stage not in self.store.settings.stages:
            stages = ", ".join(self.store.settings.stages)
            raise ValidationError(f"unknown stage {quoted(stage)}: use one of {stages}")
        return stage

    def check_tier(self, tier: str) -> str:
        if tier not in self.store.settings.tiers:
            raise ValidationError(
                f"unknown tier {quoted(tier)}: use one of {', '.join(self.store.settings.tiers)}"
            )
        return tier

    def _clean_emails(self, emails: Iterable[str], kept: Iterable[str] = ()) -> list[str]:
        """``kept``: the contact's addresses already (the limits are for new ones:
        one from before them must not stop an edit of something else)."""
        cleaned, seen = [], set()
        had = {normalize_email(e) for e in kept}
        for email in emails:
            value = clean_email(email, new=normalize_email(email) not in had)
            if normalize_email(value) not in seen:
                seen.add(normalize_email(value))
                cleaned.append(value)
        return cleaned

    def _clean_phones(self, phones: Iterable[str], kept: Iterable[str] = ()) -> list[str]:
        cleaned, seen = [], set()
        had = {" ".join(p.split()) for p in kept}
        for phone in phones:
            value = clean_phone(phone, new=" ".join(phone.split()) not in had)
            ident = number_ident(value)
            if ident not in seen:
                seen.add(ident)
                cleaned.append(value)
        return cleaned

    def email_owner(self, email: str) -> int | None:
        row = self.conn.execute(
            "SELECT contact_id FROM contact_emails WHERE email_key = ?", [normalize_email(email)]
        ).fetchone()
        return row[0] if row else None

    def _check_emails_free(self, emails: Iterable[str], contact_id: int | None = None) -> None:
        for email in emails:
            owner = self.email_owner(email)
            if owner is not None and owner != contact_id:
                other = self.get(owner)
                raise Conflict(
                    f"{email} already belongs to contact {other.id} ({other.name})"
                )

    # -- writing -----------------------------------------------------------------

    def _write_emails(self, contact_id: int, emails: list[str]) -> None:
        self.conn.execute("DELETE FROM contact_emails WHERE contact_id = ?", [contact_id])
        self.conn.executemany(
            "INSERT INTO contact_emails (contact_id, position, email, email_key) VALUES (?, ?, ?, ?)",
            [(contact_id, i, e, normalize_email(e)) for i, e in enumerate(emails)],
        )

    def _write_phones(self, contact_id: int, phones: list[str]) -> None:
        self.conn.execute("DELETE FROM contact_phones WHERE contact_id = ?", [contact_id])
        self.conn.executemany(
            "INSERT INTO contact_phones (contact_id, position, phone, phone_key) VALUES (?, ?, ?, ?)",
            [(contact_id, i, p, phone_key(p)) for i, p in enumerate(phones)],
        )

    def add(
        self,
        name: str,
        *,
        emails: Iterable[str] = (),
        phones: Iterable[str] = (),
        company: str | None = None,
        title: str | None = None,
        tags: Iterable[str] = (),
        stage: str | None = None,
        tier: str | None = None,
        owner: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        fields: dict[str, Any] | None = None,
        source: str | None = None,
        birthday: str | None = None,
        cadence_days: int | None = None,
        note: str | None = None,
        uid: str | None = None,
        created_at: datetime | None = None,
        now: datetime | None = None,
    ) -> Contact:
        now = now or self.store.now()
        name, company, title, first_name, last_name = map(
            one_line, (name, company, title, first_name, last_name))
        if not name:
            raise ValidationError("a contact needs a name")
        check_lengths({"name": name, "company": company, "title": title,
                       "first_name": first_name, "last_name": last_name})
        if owner is not None:
            owner = one_line(owner)
            if owner is None:
                raise ValidationError("a contact needs an owner")
            check_lengths({"owner": owner})  # (as edit and assign check it)
        fields = field_values(fields or {})
        email_list = self._clean_emails(emails)
        phone_list = self._clean_phones(phones)
        tag_list = sorted({clean_tag(t) for t in tags})
        # (None is the default; an empty one is a mistake, as in edit.)
        stage = self.check_stage(self.store.settings.default_stage if stage is None else stage)
        tier = self.check_tier(self.store.settings.default_tier if tier is None else tier)
        if birthday is not None:
            birthday = checked_birthday(birthday, day_first=self.store.settings.day_first)
        if cadence_days is not None:
            cadence_days = check_cadence_days(cadence_days)
        if first_name is None and last_name is None and not (
                company and name.casefold() == company.casefold()):
            # (A contact named after its company, "Stripe Inc", is no first
            # name Stripe and last name Inc: as an import's company-only row.)
            first_name, last_name = split_name(name)
        with self.store.write():
            self._check_emails_free(email_list)
            cur = self.conn.execute(
                "INSERT INTO contacts (id, uid, name, first_name, last_name, company, title, stage,"
                " tier, owner, source, birthday, fields, cadence_days, created_at, updated_at,"
                " name_key, company_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    next_contact_id(self.conn), uid or uuid.uuid4().hex, name, first_name, last_name, company or None,
                    title or None, stage, tier, owner or self.store.user, source, birthday,
                    json.dumps(fields or {}, ensure_ascii=False), cadence_days,
                    to_db(created_at or now), to_db(now), sort_key(name), sort_key(company or None),
                ],
            )
            contact_id = cur.lastrowid
            self._write_emails(contact_id, email_list)
            self._write_phones(contact_id, phone_list)
            self.conn.executemany(
                "INSERT INTO contact_tags (contact_id, tag) VALUES (?, ?)",
                [(contact_id, t) for t in tag_list],
            )
            note = strip_controls(note or "", keep_newlines=True).strip()
            if note:  # (a blank one is no note, as log says)
                self.store.timeline.add(contact_id, "note", note, now=now)
            contact = self.get(contact_id)
            self.store.search.reindex([contact_id])
            # (The note is the create's: ``log`` would audit one on its own.)
            self.store.audit.record(
                "create", "contact", contact_id, contact_id=contact_id,
                after={**_snapshot(contact), **({"note": note} if note else {})}, now=now,
            )
            self.store.contacts_changed([contact_id], now)
        return contact

    def edit(
        self,
        contact_id: int,
        changes: dict[str, Any],
        *,
        expected_version: int | None = None,
        now: datetime | None = None,
        record_event: bool = True,
    ) -> Contact:
        """Apply ``changes`` (scalar fields, ``emails``/``phones`` replacing the
        lists, ``fields`` merged with None deleting a key). With
        ``expected_version``, a contact changed since it was read is refused."""
        now = now or self.store.now()
        unknown = set(changes) - set(SCALAR_FIELDS) - {"emails", "phones", "fields", "tags"}
        if unknown:
            raise ValidationError(f"unknown field {sorted(unknown)[0]!r}")
        with self.store.write():
            before = self.get(contact_id)
            if expected_version is not None and before.version != expected_version:
                if expected_version > before.version:  # (a version never read: a mistake)
                    raise Conflict(f"contact {contact_id} ({before.name}) is at version"
                                   f" {before.version}; it has no version {expected_version}")
                raise Conflict(
                    f"contact {contact_id} ({before.name}) was changed by someone else since"
                    " you read it; reload and try again"
                )
            values = self._normalise_changes(before, changes)
            old, new = _snapshot(before), {}
            for key, value in values.items():
                if old.get(key) != value:
                    new[key] = value
            if not new:
                return before
            self._apply(contact_id, new, now)
            after = self.get(contact_id)
            diff_before = {k: old.get(k) for k in new}
            diff_after = {k: _snapshot(after).get(k) for k in new}
            self.store.audit.record(
                "update", "contact", contact_id, contact_id=contact_id,
                before=diff_before, after=diff_after, now=now,
            )
            if "owner" in new:
                from .team import hand_over_followups

                hand_over_followups(self.store, contact_id, before.owner, new["owner"], now)
            if record_event:
                self._record_edit_events(contact_id, diff_before, diff_after, now)
            self.store.search.reindex([contact_id])
            self.store.contacts_changed([contact_id], now)
        return after

    def _normalise_changes(self, before: Contact, changes: dict[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for key, value in changes.items():
            if key in ("emails", "phones", "tags", "fields"):
                continue
            if isinstance(value, str):
                value = one_line(value)
                check_lengths({key: value})
            if key == "name" and not value:
                raise ValidationError("a contact needs a name")
            # A stage or tier since taken out of the config is kept while it
            # doesn't change: the app's form sends both with every edit.
            if key == "stage" and value != before.stage:
                value = self.check_stage(value or "")
            elif key == "tier" and value != before.tier:
                value = self.check_tier(value or "")
            elif key == "owner" and not value:
                raise ValidationError("a contact needs an owner")
            elif key == "cadence_days" and value is not None:
                value = check_cadence_days(value)
            elif key == "birthday" and value is not None:
                value = checked_birthday(value, day_first=self.store.settings.day_first)
            values[key] = value
        if (values.get("name") and values["name"] != before.name
                and not {"first_name", "last_name"} & changes.keys()):
            # A new name brings its parts, unless the old ones were set apart
            # from it and the new name still shows them (first "Ada" for
            # "Countess Ada Lovelace", renamed "Ada Lovelace").
            parts = (before.first_name, before.last_name)
            if parts == split_name(before.name) or not all(
                    part is None or name_shows(values["name"], part) for part in parts):
                values["first_name"], values["last_name"] = split_name(values["name"])
        if "emails" in changes:
            values["emails"] = self._clean_emails(changes["emails"], before.emails)
            self._check_emails_free(values["emails"], before.id)
        if "phones" in changes:
            values["phones"] = self._clean_phones(changes["phones"], before.phones)
        if "tags" in changes:
            values["tags"] = sorted({clean_tag(t, new=tag_form(t) not in before.tags)
                                     for t in changes["tags"]})
        if "fields" in changes:
            merged = dict(before.fields)
            for key, value in (changes["fields"] or {}).items():
                key = field_key(key)
                if isinstance(value, str):
                    value = value.strip()
                if value is None or value == "":
                    merged.pop(key, None)
                else:
                    merged[key] = value
            values["fields"] = merged
        return values

    def _apply(self, contact_id: int, new: dict[str, Any], now: datetime) -> None:
        scalars = {k: v for k, v in new.items() if k in SCALAR_FIELDS}
        scalars.update(key_values(scalars))  # (the list's order: see sortkeys)
        if "fields" in new:
            scalars["fields"] = json.dumps(new["fields"], ensure_ascii=False)
        # Column names come from SCALAR_FIELDS and KEYED, never from user input.
        assignments = "".join(f"{column} = ?, " for column in scalars)
        self.conn.execute(
            f"UPDATE contacts SET {assignments}updated_at = ?, version = version + 1 WHERE id = ?",
            [*scalars.values(), to_db(now), contact_id],
        )
        if "emails" in new:
            self._write_emails(contact_id, new["emails"])
        if "phones" in new:
            self._write_phones(contact_id, new["phones"])
        if "tags" in new:
            self.conn.execute("DELETE FROM contact_tags WHERE contact_id = ?", [contact_id])
            self.conn.executemany(
                "INSERT INTO contact_tags (contact_id, tag) VALUES (?, ?)",
                [(contact_id, t) for t in new["tags"]],
            )

    def _record_edit_events(self, contact_id: int, before: dict, after: dict, now: datetime) -> None:
        timeline = self.store.timeline
        if "stage" in after:
            timeline.stage_changed(contact_id, before["stage"], after["stage"], now=now)
        others = [k for k in after if k != "stage"]
        if others:
            timeline.add(
                contact_id, "edit", "changed " + ", ".join(others),
                data={"fields": others, "before": {k: before[k] for k in others},
                      "after": {k: after[k] for k in others}},
                now=now,
            )

    def tag(self, contact_id: int, tags: Iterable[str], *, now: datetime | None = None) -> Contact:
        # Read inside the write: two processes tagging at once lose no tag.
        with self.store.write():
            current = self.get(contact_id)
            return self.edit(contact_id, {"tags": [*current.tags, *tags]}, now=now)

    def untag(self, contact_id: int, tags: Iterable[str], *, now: datetime | None = None) -> Contact:
        drop = {clean_tag(t, new=False) for t in tags}
        with self.store.write():
            current = self.get(contact_id)
            return self.edit(contact_id, {"tags": [t for t in current.tags if t not in drop]}, now=now)

    def touch_contacted(self, contact_id: int, at: datetime) -> None:
        """A call, email or meeting happened at ``at``: move last_contacted_at forward."""
        self.conn.execute(
            "UPDATE contacts SET last_contacted_at = ? WHERE id = ?"
            " AND (last_contacted_at IS NULL OR last_contacted_at < ?)",
            [to_db(at), contact_id, to_db(at)],
        )

    def delete(self, contact_id: int, *, now: datetime | None = None) -> Contact:
        now = now or self.store.now()
        with self.store.write():
            contact = self.get(contact_id)
            self.conn.execute("DELETE FROM contacts WHERE id = ?", [contact_id])
            settle_gone(self.conn, now)  # (its follow-ups leave calendars)
            # With its uid, unlike an edit's: a record of the person deleted
            # is found by it (privacy: their earlier records), as by an address.
            self.store.audit.record(
                "delete", "contact", contact_id, contact_id=contact_id,
                before={**_snapshot(contact), "uid": contact.uid}, now=now,
            )
        return contact
