"""The import's writer thread and the JSON row packing it runs."""

from __future__ import annotations

import sqlite3
import sys
import threading

import pytest

from tinycrm.store import importer
from tinycrm.store.import_writer import ChunkWriter
from tinycrm.store.valuerows import ValueRows


def _statements(conn) -> list[str]:
    seen: list[str] = []
    conn.set_trace_callback(lambda sql: seen.append(sql) if sql.startswith("INSERT") else None)
    return seen


def test_value_rows_bind_shared_values_once_and_keep_types(tmp_path):
    conn = sqlite3.connect(tmp_path / "t.db")
    conn.execute("CREATE TABLE t (a, b, c, d)")
    rows = [(1, "same", None, '{"x": 1}'), (2, "same", 2.5, "[/] ünï"), (3, "same", None, "")]
    seen = _statements(conn)
    ValueRows("t", ("a", "b", "c", "d"), list(zip(*rows)), 3).run(conn)
    # Three rows go as two statements (2 + 1): a power of two rows each.
    assert len(seen) == 2 and all(sql.count("'same'") == 1 for sql in seen), "b is bound once"
    assert conn.execute("SELECT a, b, c, d, typeof(a), typeof(c) FROM t ORDER BY a").fetchall() == [
        (1, "same", None, '{"x": 1}', "integer", "null"),
        (2, "same", 2.5, "[/] ünï", "integer", "real"),
        (3, "same", None, "", "integer", "null"),
    ]


def test_value_rows_of_one_row_of_none_and_of_rows_all_alike(tmp_path):
    conn = sqlite3.connect(tmp_path / "t.db")
    conn.execute("CREATE TABLE t (a, b)")
    ValueRows("t", ("a", "b"), ([7], ["x"]), 1).run(conn)
    ValueRows("t", ("a", "b"), ((), ()), 0).run(conn)
    ValueRows("t", ("a", "b"), ([8, 8, 8], ["y", "y", "y"]), 3).run(conn)
    assert conn.execute("SELECT * FROM t").fetchall() == [(7, "x"), (8, "y"), (8, "y"), (8, "y")]


def test_value_rows_split_into_statements_within_sqlites_parameter_limit(tmp_path):
    conn = sqlite3.connect(tmp_path / "t.db")
    conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 10)
    conn.execute("CREATE TABLE t (a INTEGER PRIMARY KEY, b, c)")
    seen = _statements(conn)
    count = 23
    ValueRows("t", ("a", "b", "c"), (range(count), [f"n{i}" for i in range(count)],
                                       ["same"] * count), count).run(conn)
    # One shared value and two a row: at most four rows in each statement,
    # a power of two each (the statements are then few, and cached).
    assert [sql.count("), (") + 1 for sql in seen] == [4, 4, 4, 4, 4, 2, 1]
    assert conn.execute("SELECT count(*), sum(a), min(c), max(c) FROM t").fetchone() == (
        count, sum(range(count)), "same", "same")


def test_value_rows_take_an_upsert_tail(tmp_path):
    conn = sqlite3.connect(tmp_path / "t.db")
    conn.execute("CREATE TABLE t (term TEXT PRIMARY KEY, n INTEGER)")
    conn.execute("INSERT INTO t VALUES ('a', 5)")
    tail = "ON CONFLICT (term) DO UPDATE SET n = n + excluded.n"
    ValueRows("t", ("term", "n"), (["a", "b"], [1, 1]), 2, tail=tail).run(conn)  # n shared
    ValueRows("t", ("term", "n"), (["a", "c"], [2, 3]), 2, tail=tail).run(conn)
    assert conn.execute("SELECT * FROM t ORDER BY term").fetchall() == [
        ("a", 8), ("b", 1), ("c", 3)]


def test_a_failed_job_raises_in_the_main_thread_at_the_next_wait():
    writer = ChunkWriter()
    ran_on: list[str] = []

    def fails() -> None:
        ran_on.append(threading.current_thread().name)
        raise sqlite3.IntegrityError("UNIQUE constraint failed: contact_emails.email_key")

    writer.submit(fails)
    with pytest.raises(sqlite3.IntegrityError, match="email_key"):
        writer.wait()
    writer.close()
    assert ran_on and ran_on[0].startswith("tinycrm-import")


def test_jobs_run_one_at_a_time_in_order_and_close_waits():
    writer = ChunkWriter()
    seen: list[int] = []
    gate = threading.Event()
    writer.submit(lambda: (gate.wait(5), seen.append(1)))
    threading.Timer(0.05, gate.set).start()
    writer.submit(seen.append, 2)  # waits for the first
    writer.close()
    assert seen == [1, 2]


def test_the_switch_interval_is_put_back_even_after_an_error():
    before = sys.getswitchinterval()
    writer = ChunkWriter()
    with pytest.raises(RuntimeError):
        with writer.sharing_the_gil():
            assert sys.getswitchinterval() < before
            raise RuntimeError("boom")
    writer.close()
    assert sys.getswitchinterval() == before


def test_a_writer_failure_mid_import_leaves_nothing_behind(store, tmp_path, monkeypatch):
    """The second chunk's job fails in the writer thread: the import raises
    and the first chunk's contacts, written by then, are rolled back."""
    monkeypatch.setattr(importer, "CHUNK", 10)
    real = importer.CreatedContacts.write_records
    calls = []

    def second_fails(self, conn):
        calls.append(self.rows.first)
        if len(calls) == 2:
            raise sqlite3.OperationalError("disk I/O error")
        real(self, conn)

    monkeypatch.setattr(importer.CreatedContacts, "write_records", second_fails)
    path = tmp_path / "people.csv"
    path.write_text("name,email\n" + "".join(f"P{i},p{i}@x.example\n" for i in range(25)))
    with open(path, "rb") as raw, pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        importer.import_contacts(store, raw, name="people.csv")
    assert len(calls) == 2
    assert store.conn.execute("SELECT count(*) FROM contacts").fetchone()[0] == 0
    assert store.conn.execute("SELECT count(*) FROM import_batches").fetchone()[0] == 0
    assert sys.getswitchinterval() == 0.005


def test_jobs_queued_behind_a_failure_are_skipped():
    writer = ChunkWriter()
    ran: list[str] = []
    writer.submit(ran.append, "first")
    writer.submit(lambda: (_ for _ in ()).throw(sqlite3.OperationalError("broken")))
    writer.submit(ran.append, "after the failure")
    answer = writer.ask(lambda: "an answer")
    with pytest.raises(sqlite3.OperationalError, match="broken"):
        writer.wait()
    with pytest.raises(sqlite3.OperationalError, match="broken"):
        answer.result()  # a lookup queued after the failure reports it, not an answer
    writer.close()
    assert ran == ["first"]


def test_closing_while_unwinding_keeps_the_first_error():
    writer = ChunkWriter()
    writer.submit(lambda: (_ for _ in ()).throw(sqlite3.OperationalError("second")))
    with pytest.raises(ValueError, match="first"):
        try:
            raise ValueError("first")
        finally:
            writer.close(unwinding=True)
    again = ChunkWriter()
    again.submit(lambda: (_ for _ in ()).throw(sqlite3.OperationalError("only")))
    with pytest.raises(sqlite3.OperationalError, match="only"):
        again.close()


def test_rules_see_every_chunk_of_new_contacts(store, tmp_path, monkeypatch):
    """Rules run on a chunk's new contacts only once the writer has put them
    in: every new lead gets its follow-up, a merged row adds none."""
    monkeypatch.setattr(importer, "CHUNK", 4)
    path = tmp_path / "leads.csv"
    rows = "".join(f"Lead {i},lead{i}@x.example,complaint\n" for i in range(11))
    path.write_text("name,email,tags\n" + rows + "Lead 0 again,LEAD0@x.example,\n")
    with open(path, "rb") as raw:
        summary = importer.import_contacts(store, raw, name="leads.csv")
    assert (summary.created, summary.merged + summary.unchanged) == (11, 1)
    per_rule = dict(store.conn.execute(
        "SELECT rule, count(DISTINCT contact_id) FROM followups GROUP BY rule").fetchall())
    assert per_rule == {"new-lead": 11, "complaint": 11}


@pytest.mark.parametrize("name_at,all_at,dropped", [(15, 10**9, 1), (10**9, 15, 7), (15, 25, 7)])
def test_a_large_import_puts_off_the_contacts_indexes_and_builds_them_again(
        store, tmp_path, monkeypatch, name_at, all_at, dropped):
    monkeypatch.setattr(importer, "CHUNK", 10)
    monkeypatch.setattr(importer, "DEFER_NAME_INDEX_AT", name_at)
    monkeypatch.setattr(importer, "DEFER_INDEXES_AT", all_at)
    indexes = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'contacts'"
    before = sorted(store.conn.execute(indexes).fetchall())
    seen = []
    real = importer._Import._after_writes

    def watching(self, ids):
        real(self, ids)
        self.writer.wait()  # the connection is the writer's until it is idle
        seen.append(len(store.conn.execute(indexes).fetchall()))

    monkeypatch.setattr(importer._Import, "_after_writes", watching)
    path = tmp_path / "people.csv"
    path.write_text("name,email\n" + "".join(f"P{i},p{i}@x.example\n" for i in range(40)))
    with open(path, "rb") as raw:
        importer.import_contacts(store, raw, name="people.csv")
    assert seen[0] == len(before), "all there after the first 10 rows"
    assert len(before) - min(seen) == dropped, "the name index alone, or every one not unique"
    assert sorted(store.conn.execute(indexes).fetchall()) == before
    assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    plan = store.conn.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM contacts WHERE stage = 'lead'").fetchall()
    assert "contacts_stage" in str(plan)


def test_the_collector_is_put_back_as_it_was():
    import gc

    from tinycrm.store.import_writer import fewer_collections

    # (Python 3.12 starts with a few hundred objects frozen already.)
    before = gc.get_threshold(), gc.get_freeze_count()
    with fewer_collections():
        assert gc.get_threshold()[0] > before[0][0] and gc.get_freeze_count() > 0
    assert (gc.get_threshold(), gc.get_freeze_count()) == before
    gc.freeze()  # someone else's: left frozen
    try:
        frozen = gc.get_freeze_count()
        with fewer_collections():
            pass
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def test_value_rows_go_in_the_order_asked_for(tmp_path):
    conn = sqlite3.connect(tmp_path / "t.db")
    conn.execute("CREATE TABLE t (n, key)")
    keys = ["m", None, "b", "z"]
    ValueRows("t", ("n", "key"), (range(4), keys), 4, order_by="key").run(conn)
    assert [k for (k,) in conn.execute("SELECT key FROM t ORDER BY rowid")] == [
        None, "b", "m", "z"]
    ValueRows("t", ("n", "key"), (range(4), keys), 4).run(conn)  # as given
    assert [k for (k,) in conn.execute("SELECT key FROM t WHERE rowid > 4 ORDER BY rowid")] == keys


def test_value_rows_of_no_columns_and_no_rows_do_nothing(tmp_path):
    conn = sqlite3.connect(tmp_path / "t.db")
    conn.execute("CREATE TABLE t (a, b)")
    seen = _statements(conn)
    ValueRows("t", ("a", "b"), ([], []), 0).run(conn)
    assert seen == [] and conn.execute("SELECT count(*) FROM t").fetchone() == (0,)


def test_uids_count_up_in_creation_order_and_keep_the_ones_given():
    from datetime import UTC, datetime

    from tinycrm.store.bulk import UidSequence

    uids = UidSequence(datetime(2026, 11, 23, tzinfo=UTC))
    first = uids.fill([None] * 3)
    mixed = uids.fill([None, "given-uid", None])
    one = uids()
    made = [*first, mixed[0], mixed[2], one]
    assert mixed[1] == "given-uid" and made == sorted(made) and len(set(made)) == 6
    assert all(len(u) == 32 and u[12] == "7" and u[16] in "89ab" for u in made)
    assert int(made[0][:12], 16) == int(datetime(2026, 11, 23, tzinfo=UTC).timestamp() * 1000)
    assert uids.fill([]) == []
