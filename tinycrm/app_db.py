"""The app's connections to the database file (see ``app``): the workers'
store, a second for their reads and a third for the UI thread's."""

from __future__ import annotations

import threading

from .store import Store
from .store.browse import Browse


class Db:
    """The main store (workers' writes, under ``lock``), one for workers'
    reads (under ``read_lock``: a write waiting out another program's lock
    never holds up a search or a list, which WAL lets read meanwhile), and a
    third connection for the UI thread."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.lock = threading.Lock()
        self.reader = self._another(store)
        self.read_lock = threading.Lock()
        self.view = self._another(store)
        self.browse = Browse(self.view)
        self.gone: str | None = None
        if {self.reader.opened_file, self.view.opened_file} != {store.opened_file}:
            self.gone = gone_message(store.path, "was replaced by another file")

    def check_file(self) -> str | None:
        """Why nothing may be written any more (the path no longer names the
        file opened: deleted, or another put there), else None. A stat: cheap
        enough for every poll and every write. Once gone, gone for good: a
        file that appears at the path is not the one opened, and isn't used
        unless the app is opened again."""
        if self.gone is None and (what := self.store.gone()) is not None:
            self.gone = gone_message(self.store.path, what)
        return self.gone

    @staticmethod
    def _another(store: Store) -> Store:
        return Store(store.path, user=store.user, clock=store.clock, settings=store.settings,
                     apply_rules=store.apply_rules)

    def close(self) -> None:
        self.view.close()
        self.reader.close()


def gone_message(path: object, what: str) -> str:
    return (f"The database file {path} {what} while the app had it open: nothing more"
            " can be saved (it would be lost). Quit, and open the app again on the file"
            " you mean to use (tinycrm db restore BACKUP puts a backup back).")
