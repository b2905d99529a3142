"""The schema, built only by sqlite-utils ``Migrations``.

A step is never edited once it has landed on main: add a new ``m0NN_...``
function at the end instead. Custom fields and tags are rows or JSON, never
columns, so no user input ever becomes an SQL identifier.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("tinycrm")


@migrations()
def m001_core_schema(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE contacts (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            first_name TEXT,
            last_name TEXT,
            company TEXT,
            title TEXT,
            stage TEXT NOT NULL DEFAULT 'lead',
            tier TEXT NOT NULL DEFAULT 'standard',
            owner TEXT NOT NULL,
            source TEXT,
            birthday TEXT,
            fields TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(fields)),
            cadence_days INTEGER,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            last_contacted_at TEXT,
            version INTEGER NOT NULL DEFAULT 1
        );
        CREATE INDEX contacts_owner ON contacts(owner);
        CREATE INDEX contacts_stage ON contacts(stage);
        CREATE INDEX contacts_tier ON contacts(tier);
        CREATE INDEX contacts_name ON contacts(name COLLATE NOCASE);
        CREATE INDEX contacts_last_contacted ON contacts(last_contacted_at);

        CREATE TABLE contact_emails (
            contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            email TEXT NOT NULL,
            email_key TEXT NOT NULL UNIQUE,
            label TEXT,
            PRIMARY KEY (contact_id, position)
        ) WITHOUT ROWID;

        CREATE TABLE contact_phones (
            contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            phone TEXT NOT NULL,
            phone_key TEXT,
            label TEXT,
            PRIMARY KEY (contact_id, position)
        ) WITHOUT ROWID;
        CREATE INDEX contact_phones_key ON contact_phones(phone_key) WHERE phone_key IS NOT NULL;

        CREATE TABLE contact_tags (
            contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
            tag TEXT NOT NULL,
            PRIMARY KEY (contact_id, tag)
        ) WITHOUT ROWID;
        CREATE INDEX contact_tags_tag ON contact_tags(tag, contact_id);

        -- The timeline: notes, calls, emails, meetings, surveys, and the events
        -- tinycrm records itself (stage, follow-up, import, merge, edit).
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            text TEXT NOT NULL DEFAULT '',
            at TEXT NOT NULL,
            author TEXT NOT NULL,
            score INTEGER CHECK (score IS NULL OR score BETWEEN 0 AND 10),
            data TEXT CHECK (data IS NULL OR json_valid(data)),
            created_at TEXT NOT NULL
        );
        CREATE INDEX events_contact_at ON events(contact_id, at DESC, id DESC);
        CREATE INDEX events_kind_at ON events(kind, at);

        CREATE TABLE followups (
            id INTEGER PRIMARY KEY,
            contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
            due_at TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            owner TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
            every TEXT,
            rule TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            done_at TEXT
        );
        CREATE INDEX followups_open_due ON followups(due_at) WHERE status = 'open';
        CREATE INDEX followups_owner_open_due ON followups(owner, due_at) WHERE status = 'open';
        CREATE INDEX followups_contact ON followups(contact_id, status);
        CREATE INDEX followups_rule ON followups(rule, contact_id) WHERE rule IS NOT NULL;

        -- One row per reminder delivered: the unique key makes "exactly once"
        -- a constraint rather than a hope. item is 'followup:ID' or 'cadence:ID'.
        CREATE TABLE deliveries (
            id INTEGER PRIMARY KEY,
            item TEXT NOT NULL,
            contact_id INTEGER REFERENCES contacts(id) ON DELETE CASCADE,
            followup_id INTEGER REFERENCES followups(id) ON DELETE CASCADE,
            due_at TEXT NOT NULL,
            channel TEXT NOT NULL,
            recipient TEXT,
            delivered_at TEXT NOT NULL,
            UNIQUE (item, due_at, channel)
        );
        CREATE INDEX deliveries_contact ON deliveries(contact_id);

        -- Who changed what and when. before/after hold the changed fields only.
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            entity TEXT NOT NULL,
            entity_id INTEGER,
            contact_id INTEGER,
            before TEXT CHECK (before IS NULL OR json_valid(before)),
            after TEXT CHECK (after IS NULL OR json_valid(after))
        );
        CREATE INDEX audit_contact ON audit(contact_id, at);
        CREATE INDEX audit_at ON audit(at);

        CREATE TABLE import_batches (
            id INTEGER PRIMARY KEY,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            actor TEXT NOT NULL,
            source TEXT NOT NULL,
            format TEXT NOT NULL,
            created INTEGER NOT NULL DEFAULT 0,
            merged INTEGER NOT NULL DEFAULT 0,
            skipped INTEGER NOT NULL DEFAULT 0,
            rejected INTEGER NOT NULL DEFAULT 0,
            undone_at TEXT
        );

        -- What each batch did to each contact, so that undo can reverse it:
        -- before is the contact's full record before a merge, NULL when created.
        CREATE TABLE import_items (
            batch_id INTEGER NOT NULL REFERENCES import_batches(id) ON DELETE CASCADE,
            contact_id INTEGER NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('created', 'merged', 'updated')),
            before TEXT CHECK (before IS NULL OR json_valid(before)),
            PRIMARY KEY (batch_id, contact_id)
        ) WITHOUT ROWID;
        CREATE INDEX import_items_contact ON import_items(contact_id);
        """
    )


@migrations()
def m002_search_index(db: Database) -> None:
    # Search (store/search.py), written by search.index_rows:
    # - contact_search: per contact, the folded words of its name, and of its
    #   name, emails, company and tags (the haystack), one space apart;
    # - contact_search_fts: an FTS5 index of those words that records only
    #   which contacts have a word (detail=none, columnsize=0), cheap to write;
    # - contact_search_terms: every word in use with the number of contacts
    #   that have it; a query's words are matched against it, typos and all
    #   (by first letter, or by the rest when the first letter is the typo).
    # The triggers unindex a contact's row when it goes (an edit, the cascade
    # from contacts) and drop the words no contact has any more, so erasing a
    # person leaves none of their words behind (the partial index finds them
    # in one probe). Haystack words are letters and digits only, so they make
    # a JSON array by plain string replacement.
    db.executescript(
        """
        CREATE TABLE contact_search (
            contact_id INTEGER PRIMARY KEY REFERENCES contacts(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            haystack TEXT NOT NULL
        );
        CREATE VIRTUAL TABLE contact_search_fts USING fts5(
            haystack, content='contact_search', content_rowid='contact_id',
            tokenize='unicode61 remove_diacritics 0', detail=none, columnsize=0
        );
        CREATE TABLE contact_search_terms (
            term TEXT PRIMARY KEY,
            contacts INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX contact_search_terms_tail ON contact_search_terms(substr(term, 2));
        CREATE INDEX contact_search_terms_unused ON contact_search_terms(contacts)
            WHERE contacts <= 0;
        CREATE TRIGGER contact_search_ad AFTER DELETE ON contact_search BEGIN
            INSERT INTO contact_search_fts(contact_search_fts, rowid, haystack)
            VALUES ('delete', old.contact_id, old.haystack);
            UPDATE contact_search_terms SET contacts = contacts - 1 WHERE term IN
                (SELECT value FROM json_each('["' || replace(old.haystack, ' ', '","') || '"]'));
            DELETE FROM contact_search_terms WHERE contacts <= 0;
        END;
        CREATE TRIGGER contact_search_au AFTER UPDATE ON contact_search BEGIN
            INSERT INTO contact_search_fts(contact_search_fts, rowid, haystack)
            VALUES ('delete', old.contact_id, old.haystack);
            INSERT INTO contact_search_fts(rowid, haystack) VALUES (new.contact_id, new.haystack);
            UPDATE contact_search_terms SET contacts = contacts - 1 WHERE term IN
                (SELECT value FROM json_each('["' || replace(old.haystack, ' ', '","') || '"]'));
            INSERT INTO contact_search_terms (term, contacts)
                SELECT DISTINCT value, 1 FROM json_each('["' || replace(new.haystack, ' ', '","') || '"]')
                WHERE value != '' ON CONFLICT (term) DO UPDATE SET contacts = contacts + 1;
            DELETE FROM contact_search_terms WHERE contacts <= 0;
        END;
        """
    )


@migrations()
def m030_report_indexes(db: Database) -> None:
    # The report (store/reports.py) answers each figure from an index:
    # contacts created per month, follow-ups done per owner and per rule, and
    # satisfaction surveys, without reading the tables' rows.
    db.executescript(
        """
        CREATE INDEX contacts_created ON contacts(created_at);
        CREATE INDEX followups_done_owner ON followups(owner, due_at, done_at) WHERE status = 'done';
        CREATE INDEX followups_rule_report ON followups(rule, status, due_at, done_at)
            WHERE rule IS NOT NULL;
        CREATE INDEX events_survey ON events(at, score, contact_id) WHERE kind = 'survey';
        """
    )


@migrations()
def m020_followup_reminders(db: Database) -> None:
    # Follow-ups and reminders (store/followups.py, store/reminders.py):
    # - followups.reminded: a bitmask of the channels (stdout 1, email 2,
    #   command 4) that delivered the follow-up at its current due time, kept
    #   beside the row so that "is anything due and not yet reminded?" is a
    #   few index seeks on followups_remind, not a probe per overdue row.
    #   The deliveries table stays the record (its UNIQUE key is what makes
    #   delivery exactly-once); a trigger clears the mask when due_at moves.
    # - followups.snoozes counts snoozes; previous_id links a recurrence to
    #   the follow-up whose completion scheduled it.
    # - deliveries.state/claim: a remind run claims items ('claimed') in one
    #   short transaction, delivers, then marks them 'sent' (or deletes the
    #   claim on failure), so overlapping runs never deliver an item twice.
    db.executescript(
        """
        ALTER TABLE followups ADD COLUMN reminded INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE followups ADD COLUMN snoozes INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE followups ADD COLUMN previous_id INTEGER;
        CREATE INDEX followups_remind ON followups(owner, reminded, due_at) WHERE status = 'open';
        CREATE INDEX followups_previous ON followups(previous_id) WHERE previous_id IS NOT NULL;
        CREATE TRIGGER followups_due_moved AFTER UPDATE OF due_at ON followups
        WHEN new.due_at IS NOT old.due_at AND new.reminded != 0
        BEGIN
            UPDATE followups SET reminded = 0 WHERE id = new.id;
        END;

        ALTER TABLE deliveries ADD COLUMN state TEXT NOT NULL DEFAULT 'sent'
            CHECK (state IN ('claimed', 'sent'));
        ALTER TABLE deliveries ADD COLUMN claim TEXT;
        CREATE INDEX deliveries_claimed ON deliveries(delivered_at) WHERE state = 'claimed';
        CREATE INDEX deliveries_followup ON deliveries(followup_id);

        CREATE INDEX contacts_cadence ON contacts(owner) WHERE cadence_days IS NOT NULL;

        UPDATE followups SET reminded = (
            SELECT coalesce(sum(DISTINCT CASE d.channel WHEN 'stdout' THEN 1 WHEN 'email' THEN 2
                                                         WHEN 'command' THEN 4 ELSE 0 END), 0)
            FROM deliveries d WHERE d.item = 'followup:' || followups.id
              AND d.due_at = followups.due_at
        ) WHERE id IN (SELECT followup_id FROM deliveries WHERE followup_id IS NOT NULL);
        """
    )


@migrations()
def m021_followup_rank_indexes(db: Database) -> None:
    # Ranking open follow-ups by urgency (store/followups.py) reads due_at,
    # created_at and contact_id of every candidate; these covering indexes let
    # `follow-up list --overdue` (everyone's, or --owner's) read only the
    # index, in due order, instead of a row of the table per candidate.
    # (status is there so that SQLite sees the index as covering.)
    db.executescript(
        """
        CREATE INDEX followups_rank ON followups(due_at, created_at, contact_id, status)
            WHERE status = 'open';
        CREATE INDEX followups_owner_rank
            ON followups(owner, due_at, created_at, contact_id, status) WHERE status = 'open';
        """
    )


@migrations()
def m010_import_batches(db: Database) -> None:
    # Import batches keep every count the summary shows, the options they ran
    # with, the first contact id they created, and audit_mark: the largest
    # audit id when the batch finished, so `imports undo` can tell whether
    # someone changed those contacts since. A deleted contact takes its
    # import_items rows (and the personal data in `before`) with it.
    db.executescript(
        """
        ALTER TABLE import_batches ADD COLUMN updated INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE import_batches ADD COLUMN unchanged INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE import_batches ADD COLUMN options TEXT
            CHECK (options IS NULL OR json_valid(options));
        ALTER TABLE import_batches ADD COLUMN first_contact_id INTEGER;
        ALTER TABLE import_batches ADD COLUMN audit_mark INTEGER;
        CREATE TRIGGER import_items_contact_deleted AFTER DELETE ON contacts BEGIN
            DELETE FROM import_items WHERE contact_id = old.id;
        END;
        """
    )


@migrations()
def m031_report_range_indexes(db: Database) -> None:
    # The report (store/reports.py) counts index ranges instead of reading rows:
    # - follow-ups by owner or rule, status, met-or-not (an expression) and due
    #   time, so "done on time" is a range count, not a comparison per row;
    # - stage moves by where they came from and went to (JSON in events.data);
    # - the events index gains contact_id (covering the --owner filter), and
    #   contacts_created owner and stage; replaces m030's first attempt.
    db.executescript(
        """
        DROP INDEX followups_done_owner;
        DROP INDEX followups_rule_report;
        DROP INDEX events_survey;
        DROP INDEX contacts_created;
        DROP INDEX events_kind_at;
        CREATE INDEX followups_owner_report
            ON followups(owner, status, done_at <= due_at, due_at);
        CREATE INDEX followups_rule_report
            ON followups(rule, status, done_at <= due_at, due_at, owner) WHERE rule IS NOT NULL;
        CREATE INDEX events_kind_at ON events(kind, at, contact_id);
        CREATE INDEX events_survey ON events(kind, at, score, contact_id) WHERE kind = 'survey';
        CREATE INDEX events_stage_from
            ON events(json_extract(data, '$.from'), contact_id) WHERE kind = 'stage';
        CREATE INDEX events_stage_to
            ON events(json_extract(data, '$.to'), contact_id, at) WHERE kind = 'stage';
        CREATE INDEX contacts_created ON contacts(created_at, owner, stage);
        """
    )


@migrations()
def m040_import_created_by_batch(db: Database) -> None:
    # A contact an import creates carries the batch on its own row
    # (contacts.import_batch) instead of an import_items row: one row fewer
    # per new contact in a large import, and a mark that stays with the
    # contact (ids that come round again after a delete are not the batch's).
    # Undo finds a batch's contacts by it, from the batch's first_contact_id
    # on. import_items keeps what a batch merged into (with the contact as it
    # was before). Earlier batches' rows move here.
    db.executescript(
        """
        ALTER TABLE contacts ADD COLUMN import_batch INTEGER;
        UPDATE contacts SET import_batch = (
            SELECT i.batch_id FROM import_items i
            WHERE i.contact_id = contacts.id AND i.action = 'created')
        WHERE id IN (SELECT contact_id FROM import_items WHERE action = 'created');
        DELETE FROM import_items WHERE action = 'created';
        """
    )


@migrations()
def m041_import_events_worked_out(db: Database) -> None:
    # The "imported from FILE (batch N)" entry on the timeline of a contact
    # that an import created is no longer stored: the timeline works it out
    # from contacts.import_batch and the batch's row (store/timeline.py). A
    # large import wrote the same row, and two index entries, for each of its
    # contacts: a fifth of a freshly imported database. The stored copies go,
    # one per contact: where a merge brought the contact another entry of the
    # same batch (the same text, time and author), one of the two stays. The
    # space is reused by later writes; `tinycrm db vacuum` gives it back.
    db.executescript(
        """
        DELETE FROM events WHERE id IN (
            SELECT min(e.id) FROM events e
            JOIN contacts c ON c.id = e.contact_id
            JOIN import_batches b
                ON b.id = c.import_batch AND c.id >= coalesce(b.first_contact_id, 0)
            WHERE e.kind = 'import' AND json_extract(e.data, '$.action') = 'created'
                AND json_extract(e.data, '$.batch') = c.import_batch
            GROUP BY e.contact_id);
        """
    )


@migrations()
def m042_import_audit_start(db: Database) -> None:
    # audit_start: the largest audit id when a batch began. With audit_mark
    # (the largest when it ended) it bounds the batch's own entries, which
    # its start time alone can't tell from others of the same second (a tag
    # typed by hand, and the rule's follow-up it brought).
    db.execute("ALTER TABLE import_batches ADD COLUMN audit_start INTEGER")


@migrations()
def m043_import_undo_audit_start(db: Database) -> None:
    # undo_audit_start: the largest audit id when a batch's undo began. With
    # the undo's own entry (the last it writes) it bounds what the undo did,
    # so that an earlier batch's undo can tell it, and the later batch it
    # took back, from edits by hand (which count even when they end where
    # they began).
    db.execute("ALTER TABLE import_batches ADD COLUMN undo_audit_start INTEGER")


@migrations()
def m044_phone_keys_of_eight_digits(db: Database) -> None:
    # Phones match by their last eight digits (textutil.phone_key), not
    # nine: a national number of eight digits (Denmark, Norway, Singapore)
    # written with its country code had a key of nine that its own digits,
    # written without, never matched. A key of nine is cut to its last eight.
    db.execute("UPDATE contact_phones SET phone_key = substr(phone_key, -8)"
               " WHERE length(phone_key) > 8")


@migrations()
def m045_contact_id_mark(db: Database) -> None:
    # The largest id a deleted contact had (deleted by hand, by an undo, by a
    # merge or an erasure): a new contact's id comes after it, so no id is
    # given to two people (the audit log, and a privacy export or erasure
    # that reads it, would take one's entries for the other's). Databases
    # from before start from the largest id their audit log names.
    db.executescript(
        """
        CREATE TABLE contact_id_mark (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            last INTEGER NOT NULL
        );
        INSERT INTO contact_id_mark (id, last) VALUES (1, max(
            coalesce((SELECT max(id) FROM contacts), 0),
            coalesce((SELECT max(contact_id) FROM audit), 0),
            coalesce((SELECT max(entity_id) FROM audit WHERE entity = 'contact'), 0)));
        CREATE TRIGGER contact_id_mark_deleted AFTER DELETE ON contacts BEGIN
            UPDATE contact_id_mark SET last = old.id WHERE id = 1 AND last < old.id;
        END;
        """
    )


@migrations()
def m046_search_words_folded_twice(db: Database) -> None:
    # textutil.fold lower-cases again after NFKD, which makes capitals of
    # some letters (™ is TM, 𝐉𝐨𝐡𝐧 is John): the search rows that kept such
    # a capital get their words folded again. Only rows with text beyond
    # ASCII, or an ASCII capital, can have one. The update triggers (m002)
    # move the FTS index and the vocabulary with them.
    from .search import words
    from .textutil import fold

    def again(text: str) -> str:
        return " ".join(w for word in text.split() for w in words(fold(word)))

    rows = db.execute(
        "SELECT contact_id, name, haystack FROM contact_search WHERE haystack GLOB '*[^ -~]*'"
        " OR haystack GLOB '*[A-Z]*' OR name GLOB '*[^ -~]*' OR name GLOB '*[A-Z]*'").fetchall()
    for contact_id, name, haystack in rows:
        new_name, new_haystack = again(name), again(haystack)
        if (new_name, new_haystack) != (name, haystack):
            db.execute("UPDATE contact_search SET name = ?, haystack = ? WHERE contact_id = ?",
                       [new_name, new_haystack, contact_id])


@migrations()
def m047_no_command_lines_in_deliveries(db: Database) -> None:
    # The command channel's deliveries recorded its command line as their
    # recipient: a webhook's token in it reached privacy exports. It is not
    # kept any more, nor what was kept.
    db.execute("UPDATE deliveries SET recipient = NULL WHERE channel = 'command'")


@migrations()
def m048_deliveries_per_owner(db: Database) -> None:
    # A follow-up (or a cadence) handed over to another owner was never
    # reminded to them: the delivery to the old owner at the same due time
    # held the unique key. The key now names the owner the item was
    # delivered for, so the new owner's reminder is a delivery of its own.
    # SQLite can't change a table's UNIQUE constraint in place: the table is
    # rebuilt. Deliveries made before this get the item's present owner, so
    # nothing is reminded again by the upgrade itself.
    db.executescript(
        """
        CREATE TABLE deliveries_by_owner (
            id INTEGER PRIMARY KEY,
            item TEXT NOT NULL,
            contact_id INTEGER REFERENCES contacts(id) ON DELETE CASCADE,
            followup_id INTEGER REFERENCES followups(id) ON DELETE CASCADE,
            due_at TEXT NOT NULL,
            channel TEXT NOT NULL,
            owner TEXT NOT NULL,
            recipient TEXT,
            delivered_at TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'sent' CHECK (state IN ('claimed', 'sent')),
            claim TEXT,
            UNIQUE (item, due_at, channel, owner)
        );
        INSERT INTO deliveries_by_owner (id, item, contact_id, followup_id, due_at, channel,
                                         owner, recipient, delivered_at, state, claim)
        SELECT d.id, d.item, d.contact_id, d.followup_id, d.due_at, d.channel,
               coalesce(f.owner, c.owner, ''), d.recipient, d.delivered_at, d.state, d.claim
        FROM deliveries d
        LEFT JOIN followups f ON f.id = d.followup_id
        LEFT JOIN contacts c ON c.id = d.contact_id
        -- (A row whose contact or follow-up is gone, deleted where foreign
        -- keys were off, would have gone with it: it is not copied.)
        WHERE (d.contact_id IS NULL OR c.id IS NOT NULL)
          AND (d.followup_id IS NULL OR f.id IS NOT NULL);
        DROP TABLE deliveries;
        ALTER TABLE deliveries_by_owner RENAME TO deliveries;
        CREATE INDEX deliveries_contact ON deliveries(contact_id);
        CREATE INDEX deliveries_claimed ON deliveries(delivered_at) WHERE state = 'claimed';
        CREATE INDEX deliveries_followup ON deliveries(followup_id);

        -- A handed-over follow-up is due a reminder to its new owner.
        CREATE TRIGGER followups_owner_moved AFTER UPDATE OF owner ON followups
        WHEN new.owner IS NOT old.owner AND new.reminded != 0
        BEGIN
            UPDATE followups SET reminded = 0 WHERE id = new.id;
        END;
        """
    )


@migrations()
def m049_followup_revisions(db: Database) -> None:
    # A calendar takes an event it has for an update only when its SEQUENCE
    # grew. SEQUENCE was the seconds from a follow-up's creation to its last
    # change: two changes within a second (a script's snooze, then
    # reschedule) left it as it was. Each change that an exported event
    # shows now counts too. (Existing follow-ups start at 0: seconds plus
    # changes is never less than the seconds exported before.)
    db.executescript(
        """
        ALTER TABLE followups ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
        CREATE TRIGGER followups_revision
        AFTER UPDATE OF due_at, note, owner, status, every, contact_id ON followups
        BEGIN
            UPDATE followups SET revision = revision + 1 WHERE id = new.id;
        END;
        """
    )


@migrations()
def m050_cadence_deliveries_in_local_days(db: Database) -> None:
    # A keep-in-touch item now comes due a number of local days after the
    # last contact, at its local time of day; it was a number of 24-hour days
    # (an hour off across a change to or from summer time). Reminders sent
    # for the item at its old due time are moved to the new one, or the
    # upgrade would send each of those again. Local time is this process's,
    # as the reminders' own is.
    from datetime import UTC, datetime, timedelta

    def parse(text: str) -> datetime:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))

    def local_days_later(base: datetime, days: int) -> datetime:
        shown = base.astimezone()
        wall = datetime.combine(shown.date() + timedelta(days=days), shown.time())
        moment = wall.astimezone().astimezone(UTC)
        seen = moment.astimezone().replace(tzinfo=None)
        if seen < wall:  # (a time the clock skips: the moment after the gap)
            moment += wall - seen
        return moment

    rows = db.execute(
        "SELECT d.id, d.due_at, coalesce(c.last_contacted_at, c.created_at) FROM deliveries d"
        " JOIN contacts c ON d.item = 'cadence:' || c.id").fetchall()
    for delivery_id, due_text, base_text in rows:
        try:
            due, base = parse(due_text), parse(base_text)
            gap = due - base
            if gap <= timedelta(0) or gap % timedelta(days=1):
                continue  # not from the contact's present last contact
            moved = local_days_later(base, gap.days)
        except (ValueError, OverflowError):
            continue
        if moved != due:
            db.execute("UPDATE OR IGNORE deliveries SET due_at = ? WHERE id = ?",
                       [moved.strftime("%Y-%m-%dT%H:%M:%SZ"), delivery_id])


@migrations()
def m051_followup_revisions_on_renaming(db: Database) -> None:
    # An exported event's title is its contact's name: a renamed contact's
    # open follow-ups are changed events too (m049 counted only their own
    # columns), or calendars that import the file again keep the old title.
    db.executescript(
        """
        CREATE TRIGGER contacts_renamed_followup_revisions
        AFTER UPDATE OF name ON contacts WHEN new.name IS NOT old.name
        BEGIN
            UPDATE followups SET revision = revision + 1
            WHERE contact_id = new.id AND status = 'open';
        END;
        """
    )


@migrations()
def m052_followups_missed_when_put_off(db: Database) -> None:
    # A follow-up snoozed or rescheduled after its due time had passed missed
    # that time: it counted as done on time (a rule "met") when done by the
    # new one. missed_at keeps the due time it missed. The report's indexes
    # count by it (m031's counted by due time alone). Follow-ups put off late
    # before this step are found in the audit log, where each move records
    # the due time it moved from, and when.
    db.executescript(
        """
        ALTER TABLE followups ADD COLUMN missed_at TEXT;
        UPDATE followups SET missed_at = first.due FROM (
            -- (min(id): the other columns are those of the first such move)
            SELECT entity_id, json_extract(before, '$.due_at') AS due, min(id) FROM audit
            WHERE entity = 'followup' AND action IN ('snooze', 'reschedule')
              AND json_extract(before, '$.due_at') < at
            GROUP BY entity_id) AS first
        WHERE followups.id = first.entity_id;
        DROP INDEX followups_owner_report;
        DROP INDEX followups_rule_report;
        CREATE INDEX followups_owner_kept ON followups(owner, status,
            (missed_at IS NULL AND done_at <= due_at), coalesce(missed_at, due_at));
        CREATE INDEX followups_rule_kept ON followups(rule, status,
            (missed_at IS NULL AND done_at <= due_at), coalesce(missed_at, due_at), owner)
            WHERE rule IS NOT NULL;
        """
    )


@migrations()
def m053_search_index_of_words_for_trigram_databases(db: Database) -> None:
    # m002 was rewritten after it had landed (09f9759): a database made by an
    # earlier version kept its first search index (a trigram FTS5 index fed by
    # an insert trigger, rows of whole emails, no vocabulary), which no step
    # replaced. Search failed on it ("no such table: contact_search_terms"),
    # and so did `db reindex`. Such a database gets today's index, made from
    # its contacts; the search rows are derived data, so nothing is lost.
    if db["contact_search_terms"].exists():
        return
    from .search import index_rows
    from .search_upkeep import id_ranges, index_entries

    db.executescript(
        """
        DROP TRIGGER IF EXISTS contact_search_ai;
        DROP TRIGGER IF EXISTS contact_search_ad;
        DROP TRIGGER IF EXISTS contact_search_au;
        DROP TABLE IF EXISTS contact_search_fts;
        DROP TABLE IF EXISTS contact_search;
        """
    )
    m002_search_index(db)
    for low, high in id_ranges(db.conn):
        index_rows(db.conn, index_entries(db.conn, low, high))


@migrations()
def m054_contact_sort_keys(db: Database) -> None:
    # Names sorted by NOCASE, which folds ASCII letters only: Émile, Łukasz
    # and Ørsted came after Zoe. The list sorts by keys stored beside the
    # name and company (store/sortkeys.py: folded as search folds them),
    # which every writer keeps; a collation of our own would leave the file
    # unreadable to the sqlite3 CLI. contacts_name keeps its name (an import
    # puts it off by it) and becomes the list's order: key, name, then id
    # (the rowid, in every index). It also answers lookups by name: a name
    # differing in case alone has the same key. (The keys are worked out in
    # Python: if their folding ever changes, a new step works them out again.)
    from .sortkeys import fill_keys

    db.executescript(
        """
        DROP INDEX contacts_name;
        ALTER TABLE contacts ADD COLUMN name_key TEXT;
        ALTER TABLE contacts ADD COLUMN company_key TEXT;
        """
    )
    fill_keys(db.conn)
    db.execute("CREATE INDEX contacts_name ON contacts(name_key, name)")


@migrations()
def m055_followups_gone_from_calendars(db: Database) -> None:
    # `export --format ics` wrote a follow-up's event while it was open and,
    # for 30 days, once it was closed (cancelled); one deleted (with its
    # contact, by an import's undo, an erasure) or handed over to another
    # owner (an export of one owner's) was left out at once, and calendars
    # that had imported it kept it for ever. followups_gone keeps, for 30
    # days, what its cancelled event needs and nothing of the person: its
    # UID (id and creation time), the owner whose export had it, its due
    # time, and a SEQUENCE above any it was exported with. gone_at is when it
    # went; a deletion leaves it NULL for the code that deleted it to set
    # (store/followups_gone.settle: a trigger has no clock of ours). One
    # closed before it went left calendars when it was closed: by then.
    #
    # sequence_floor: SEQUENCE was counted from a follow-up's last change;
    # restoring an older backup took it back below what calendars had. It is
    # counted from this time when that is later (db restore sets it).
    seconds = "CAST(strftime('%s', {}) AS INTEGER)"
    floor = "coalesce((SELECT at FROM sequence_floor WHERE id = 1), '')"

    def sequence(last: str) -> str:
        # (As formats/ics.py works it out, plus one; a time SQLite can't read
        # counts as no seconds, as a follow-up that can't go can't be.)
        return (f"coalesce(max(0, {seconds.format(f'max({last}, {floor})')}"
                f" - {seconds.format('old.created_at')}), 0) + old.revision + 1")

    gone = ("INSERT INTO followups_gone (followup_id, created_at, owner, due_at, sequence,"
            " gone_at)")
    db.executescript(
        f"""
        CREATE TABLE followups_gone (
            id INTEGER PRIMARY KEY,
            followup_id INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            owner TEXT NOT NULL,
            due_at TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            gone_at TEXT
        );
        CREATE INDEX followups_gone_uid ON followups_gone(followup_id, created_at);
        CREATE INDEX followups_gone_at ON followups_gone(gone_at);
        CREATE TABLE sequence_floor (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            at TEXT NOT NULL
        );
        INSERT INTO sequence_floor (id, at) VALUES (1, '');

        CREATE TRIGGER followups_gone_deleted AFTER DELETE ON followups BEGIN
            {gone} VALUES (old.id, old.created_at, old.owner, old.due_at,
                {sequence('old.updated_at')},
                CASE WHEN old.status = 'open' THEN NULL ELSE old.updated_at END);
        END;
        CREATE TRIGGER followups_gone_handed_over AFTER UPDATE OF owner ON followups
        WHEN new.owner IS NOT old.owner BEGIN
            {gone} VALUES (old.id, old.created_at, old.owner, new.due_at,
                {sequence('max(old.updated_at, new.updated_at)')},
                CASE WHEN old.status = 'open' THEN max(old.updated_at, new.updated_at)
                     ELSE old.updated_at END);
        END;
        -- A follow-up whose UID went (its id given again within the second
        -- it was made in, after a deletion or a restore) is a change of that
        -- event: above the cancelled one.
        CREATE TRIGGER followups_gone_back AFTER INSERT ON followups
        WHEN EXISTS (SELECT 1 FROM followups_gone
                     WHERE followup_id = new.id AND created_at = new.created_at) BEGIN
            UPDATE followups SET revision = revision + 1 + (
                SELECT max(sequence) FROM followups_gone
                WHERE followup_id = new.id AND created_at = new.created_at)
            WHERE id = new.id;
        END;
        """
    )


@migrations()
def m056_sort_keys_keep_cyrillic_letters_apart(db: Database) -> None:
    # The sort keys folded й into и, ї into і and ў into у (Йоган sorted among
    # the И's), and left і, є, ґ, ј, љ, њ... after я. Each is a letter of its
    # own now, after the one its alphabet puts it after (store/sortkeys.py).
    # Only a contact whose name or company has one of them, or an accent that
    # makes one written apart (и and a breve), can have another key: found
    # in SQL, only their keys are worked out again, not a million in Python.
    # (The set holds a few letters more, ё say, whose keys stay as they are.)
    # Search is as it was: it folds as before.
    from .sortkeys import fill_keys

    fill_keys(db.conn, only="Ѐ-Џѐ-џЙйҐґ\u0301\u0306\u0308")


@migrations()
def m057_followup_id_mark(db: Database) -> None:
    # A follow-up's id was given again once it was deleted (with its
    # contact, by an import's undo, an erasure): `followup 222` in the audit
    # log named two follow-ups, and a script that kept an id acted on
    # another's. As contact_id_mark (m045) does for contacts: the largest id
    # a deleted follow-up had, the next one's comes after it (every insert
    # takes followups.next_followup_id). Databases from before start from
    # the largest id anything of theirs names.
    db.executescript(
        """
        CREATE TABLE followup_id_mark (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            last INTEGER NOT NULL
        );
        INSERT INTO followup_id_mark (id, last) VALUES (1, max(
            coalesce((SELECT max(id) FROM followups), 0),
            coalesce((SELECT max(previous_id) FROM followups), 0),
            coalesce((SELECT max(entity_id) FROM audit WHERE entity = 'followup'), 0),
            coalesce((SELECT max(followup_id) FROM followups_gone), 0),
            coalesce((SELECT max(followup_id) FROM deliveries), 0)));
        CREATE TRIGGER followup_id_mark_deleted AFTER DELETE ON followups BEGIN
            UPDATE followup_id_mark SET last = old.id WHERE id = 1 AND last < old.id;
        END;
        """
    )
