"""What a committed write changed, and who wants to know. No Qt here.

`Database.write()` collects, for each transaction, the tables it wrote and the rows it knows of
(the ORM's flushed objects, the audit entries, Core statements that changed rows). Once the
transaction has committed, it publishes one `Change` to the database's `ChangeFeed`; views
subscribe to the feed (desktop.ui.changes re-emits on the GUI thread) and reload what they show.

Other PCs learn of changes through the single-row `change_counter` table, bumped in the same
transaction by every write that changed anything: `CounterWatch.poll()` says whether it moved
for a reason other than this process's own writes.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

log = logging.getLogger(__name__)

# Writes a view never shows by themselves: the trail and the counter follow every change.
IGNORED_TABLES = frozenset({"audit_entry", "change_counter"})


@dataclass(frozen=True)
class Change:
    """One committed transaction (or several, merged): which tables, which rows, which students.

    `remote` means another PC (or another program on this database) changed something and
    nothing more is known: every view that shows data should reload.
    """

    tables: frozenset[str] = frozenset()
    ids: Mapping[str, frozenset[str]] = field(default_factory=lambda: MappingProxyType({}))
    student_ids: frozenset[int] = frozenset()
    # Tables written by statements whose rows are not known (a bulk UPDATE, say).
    unkeyed: frozenset[str] = frozenset()
    remote: bool = False

    @classmethod
    def from_elsewhere(cls) -> Change:
        return cls(remote=True)

    def touches(self, *tables: str) -> bool:
        return self.remote or not self.tables.isdisjoint(tables)

    def touches_student(self, student_id: int, *tables: str) -> bool:
        """Could this change have touched what these tables hold about this student?"""
        if self.remote:
            return True
        hit = self.tables.intersection(tables)
        return bool(hit) and (student_id in self.student_ids or not hit.isdisjoint(self.unkeyed))

    def merge(self, other: Change) -> Change:
        ids = {
            t: self.ids.get(t, frozenset()) | other.ids.get(t, frozenset())
            for t in self.ids.keys() | other.ids.keys()
        }
        return Change(
            self.tables | other.tables,
            MappingProxyType(ids),
            self.student_ids | other.student_ids,
            self.unkeyed | other.unkeyed,
            self.remote or other.remote,
        )

    def __bool__(self) -> bool:
        return self.remote or bool(self.tables)


class ChangeCollector:
    """What one write transaction has changed so far (filled by the hooks in db.session)."""

    def __init__(self) -> None:
        self.tables: set[str] = set()
        self.ids: dict[str, set[str]] = {}
        self.student_ids: set[int] = set()
        self.statements: set[str] = set()  # tables written by Core statements outside a flush
        self.flushing = False

    def row(self, table: str, row_id: object = None, student_id: int | None = None) -> None:
        if table in IGNORED_TABLES:
            return
        self.tables.add(table)
        if row_id not in (None, ""):
            self.ids.setdefault(table, set()).add(str(row_id))
        if student_id is not None:
            self.student_ids.add(student_id)

    def statement(self, table: str) -> None:
        if table in IGNORED_TABLES:
            return
        self.tables.add(table)
        if not self.flushing:
            self.statements.add(table)

    def __bool__(self) -> bool:
        return bool(self.tables)

    def change(self) -> Change:
        return Change(
            frozenset(self.tables),
            MappingProxyType({t: frozenset(ids) for t, ids in self.ids.items()}),
            frozenset(self.student_ids),
            # A bulk insert names its rows in the audit entries it writes; a bulk UPDATE
            # whose rows nobody named could have touched any row of its table.
            frozenset(self.statements - self.ids.keys()),
        )


# The write transaction running on this thread, if any (set by Database.write).
current_collector: ContextVar[ChangeCollector | None] = ContextVar(
    "school_office_changes", default=None
)

Listener = Callable[[Change], Any]


class ChangeFeed:
    """A plain listener registry. `publish` runs on the thread that committed; a listener that
    fails is logged, never raised: the data is already saved."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Add a listener; returns the function that removes it again."""
        with self._lock:
            self._listeners.append(listener)
        return lambda: self.unsubscribe(listener)

    def unsubscribe(self, listener: Listener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def publish(self, change: Change) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(change)
            except Exception:
                log.exception("a change listener failed")


class OwnCounters:
    """The change-counter values this process's own commits set (the last few thousand)."""

    def __init__(self, keep: int = 4096) -> None:
        self._order: deque[int] = deque(maxlen=keep)
        self._values: set[int] = set()
        self._lock = threading.Lock()

    def add(self, value: int) -> None:
        with self._lock:
            if len(self._order) == self._order.maxlen:
                self._values.discard(self._order[0])
            self._order.append(value)
            self._values.add(value)

    def discard(self, value: int) -> None:
        """A commit that failed after its counter was taken: that value was never ours."""
        with self._lock:
            self._values.discard(value)

    def all_ours(self, values: Iterable[int]) -> bool:
        with self._lock:
            return all(v in self._values for v in values)


class CounterWatch:
    """Polls the change counter: did someone else write since the last look?"""

    MAX_GAP = 1000  # more commits than this between two looks: do not check them one by one

    def __init__(self, read_counter: Callable[[], int], own: OwnCounters) -> None:
        self._read = read_counter
        self._own = own
        self.seen: int | None = None

    def poll(self) -> bool:
        """True when the counter moved because of a write that was not ours."""
        value = self._read()
        seen, self.seen = self.seen, value
        if seen is None or value == seen:
            return False
        if value < seen or value - seen > self.MAX_GAP:
            return True  # the counter went back (a restored database) or jumped far
        return not self._own.all_ours(range(seen + 1, value + 1))
