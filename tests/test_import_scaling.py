"""Work that must grow with the file, not with the file times the database:
counted in SQLite's virtual-machine steps (a progress handler), which are the
same on any machine, rather than timed. A re-import of contacts with notes
looked each note up among every note there was (the (kind, at) index), so
twice the contacts took four times the work."""

from __future__ import annotations

import io

from tinycrm.store import Store, StoreSettings, importer
from tinycrm.store.exporter import export

from .conftest import FROZEN


def _vcards(count: int) -> bytes:
    return "".join(
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Last{i};First{i};;;\r\nFN:First{i} Last{i}\r\n"
        f"EMAIL:p{i}@ex.org\r\nCATEGORIES:all\r\nNOTE:note {i}\\, with stuff\r\nEND:VCARD\r\n"
        for i in range(count)).encode()


def _steps(store: Store, work) -> int:
    counted = [0]

    def tick() -> int:
        counted[0] += 1
        return 0

    store.conn.set_progress_handler(tick, 100)
    try:
        work()
    finally:
        store.conn.set_progress_handler(None, 0)
    return counted[0]


def _reimport_and_export_steps(tmp_path, count: int) -> tuple[int, int]:
    data = _vcards(count)
    with Store(tmp_path / f"{count}.db", user="alice", clock=lambda: FROZEN,
               settings=StoreSettings()) as store:
        importer.import_contacts(store, io.BytesIO(data), name="people.vcf")
        again = _steps(store, lambda: importer.import_contacts(
            store, io.BytesIO(data), name="people.vcf"))
        exported = _steps(store, lambda: export(store, io.StringIO(), "json"))
    return again, exported


def test_reimporting_and_exporting_notes_is_linear(tmp_path):
    small = _reimport_and_export_steps(tmp_path, 300)
    large = _reimport_and_export_steps(tmp_path, 1200)
    # Four times the contacts: about four times the work (sixteen when each
    # contact's note was looked for among all of them).
    assert large[0] < 6 * small[0], (small, large)
    assert large[1] < 6 * small[1], (small, large)
