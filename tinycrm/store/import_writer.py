"""The importer's writer thread, and the SQL it runs for new contacts.

The main thread reads, checks and matches rows (Python); the writer inserts
the previous chunk's new contacts meanwhile (SQLite, which runs without the
GIL: see ``valuerows``). Jobs run one after another, in order, on the import's
own connection and transaction; the main thread waits for all of them before
it uses the connection itself, so the two never touch SQLite at once. A
failed job raises in the main thread at its next wait (the jobs queued after
it are skipped), and the transaction rolls back.
"""

from __future__ import annotations

import gc
import json
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

from .bulk import ContactRows
from .valuerows import ValueRows

T = TypeVar("T")


class ChunkWriter:
    """One background thread running queued jobs in order."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tinycrm-import")
        self._jobs: list[Future] = []
        self._error: BaseException | None = None

    def submit(self, job: Callable[..., None], *args, unless: Future | None = None) -> None:
        """Queue ``job(*args)`` behind the jobs already queued. ``unless`` is
        an earlier job's future: if it gives something true, the job is skipped."""
        self.ask(job, *args, unless=unless)

    def ask(self, job: Callable[..., T], *args, unless: Future | None = None) -> Future[T]:
        """Queue ``job(*args)`` like ``submit``; its future gives what it returns."""
        future = self._pool.submit(self._run, job, args, unless)
        self._jobs.append(future)
        return future

    def _run(self, job: Callable[..., T], args: tuple, unless: Future | None) -> T | None:
        if self._error is not None:
            # An earlier job failed: what follows it must not run, and whoever
            # waits for it (a chunk's lookup, say) hears of the failure at once.
            raise self._error
        if unless is not None and unless.result():
            return None
        try:
            return job(*args)
        except BaseException as exc:
            self._error = exc
            raise

    def wait(self) -> None:
        """Block until every queued job is done; re-raise the first failure."""
        jobs, self._jobs = self._jobs, []
        for job in jobs:
            job.result()

    @contextmanager
    def sharing_the_gil(self) -> Iterator[None]:
        """Hand the GIL over sooner while the import runs: the writer needs it
        for a moment between its statements, and by default waits up to 5 ms
        each time for the busy main thread to let go (a third of its time)."""
        before = sys.getswitchinterval()
        sys.setswitchinterval(0.0001)
        try:
            yield
        finally:
            sys.setswitchinterval(before)

    def close(self, *, unwinding: bool = False) -> None:
        """Wait for the queued jobs: the transaction can't roll back under a
        running statement. When ``unwinding`` from another error, that error
        is the one to report, not what a job raised."""
        try:
            self.wait()
        except Exception:
            if not unwinding:
                raise
        finally:
            self._pool.shutdown(wait=True)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run Python's cycle collector less often while an import runs. By
    default it looks through the young objects every 700 allocations, and an
    import allocates millions that are all freed by reference counting: a
    seventh of the import's time went to it. Every 100,000: a chunk's rows
    (a few hundred thousand objects) are then mostly freed before it looks;
    at 10,000 it still took 0.11 s of a 100k import's main thread, with no
    less memory (a 1M import peaks at 129 MiB either way). Objects from
    before the import are frozen out of the collector's sight meanwhile
    (unless something else froze some already: unfreezing would undo that too)."""
    before = gc.get_threshold()
    freeze = gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    gc.set_threshold(100_000, 10, 10)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        if freeze:
            gc.unfreeze()


class CreatedContacts:
    """One chunk's new contacts and what an import records about each: its
    notes on its timeline, and a "create" audit entry. The contact's own row
    names the batch (``ContactRows``), for undo and for the "imported from"
    entry on its timeline, which ``Timeline`` works out from it."""

    def __init__(self, rows: ContactRows, notes: list[tuple[int, str]], *, batch: int,
                 stamp: str, user: str) -> None:
        self.rows = rows
        ids, texts = zip(*notes) if notes else ((), ())
        n = len(ids)
        self.notes = ValueRows(
            "events", ("contact_id", "kind", "text", "at", "author", "created_at"),
            (ids, ["note"] * n, texts, [stamp] * n, [user] * n, [stamp] * n), n)
        self.batch, self.stamp, self.user = batch, stamp, user

    def submit_to(self, writer: ChunkWriter, conn, *, unless: Future | None = None) -> None:
        """Queue the writes, each as soon as it is worked out (all skipped if
        ``unless`` gives something true)."""
        for write in self.rows.parts():
            writer.submit(write, conn, unless=unless)
        writer.submit(self.write_records, conn, unless=unless)

    def write_records(self, conn) -> None:
        rows, stamp, user, batch = self.rows, self.stamp, self.user, self.batch
        self.notes.run(conn)
        conn.execute(
            "INSERT INTO audit (at, actor, action, entity, entity_id, contact_id, after)"
            " SELECT ?, ?, 'create', 'contact', id, id, ? FROM contacts WHERE id BETWEEN ? AND ?",
            [stamp, user, json.dumps({"import_batch": batch}), rows.first, rows.last])
