"""A database as an older tinycrm left it, for the tests of a migration."""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

from tinycrm.store.migrations import migrations

STAMP = "2026-11-01T09:00:00Z"


def database_before(db_path: Path, migration: str) -> Database:
    """A new database file with every migration before ``migration`` applied."""
    db_path.parent.mkdir()
    db = Database(db_path)
    migrations.apply(db, stop_before=migration)
    return db


def old_batch(db: Database, *, actor: str, created: int, merged: int = 0,
              first_contact_id: int) -> int:
    """Import batch 4, finished at ``STAMP``."""
    db.execute("INSERT INTO import_batches (id, started_at, finished_at, actor, source, format,"
               " created, merged, first_contact_id, audit_mark)"
               " VALUES (4, ?, ?, ?, 'old.csv', 'csv', ?, ?, ?, 0)",
               [STAMP, STAMP, actor, created, merged, first_contact_id])
    return 4
