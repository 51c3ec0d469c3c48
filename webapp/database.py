"""Per-connection database settings, and the portable idempotent insert."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from functools import cache
from typing import Any, TypeAlias, TypeVar

from flask import Flask, g, has_request_context, request
from sqlalchemy import bindparam, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import ColumnElement

from webapp.extensions import db

T = TypeVar("T")
# What a query-building function compares with: a Python value, or a bound parameter
# (`bindparam("name")`) when a page builds the statement once and runs it with its values.
SQLValue: TypeAlias = T | ColumnElement[T]

# One SQLite writer at a time per process, queued on a Python lock before BEGIN IMMEDIATE.
# SQLite's own busy handler sleeps and polls (1, 2, 5 ... 100 ms between tries), which is
# unfair under contention: measured with 8 threads writing in one process, most writers got
# the lock at once but some waited 5-7 s and a few hit the 5 s timeout ("database is
# locked"), while with this lock the longest wait was under 1 s and throughput rose 1.4-4x
# (scripts/bench_sqlite_writers.py). In make bench (8 connections, same run of each), the
# check-in's p99 went from 1127 ms to 269 ms and the share page's (a GET that writes) from
# 1866 ms to 332 ms.
# Between processes (gunicorn's workers, the job worker) the queue is a file lock
# (FileLock); SQLite's busy timeout is left as the last resort.
_WRITE_LOCK = threading.Lock()
WRITE_LOCK_WAIT = 5.0  # seconds; then fall back to SQLite's busy handler, never hang
_HOLDS_LOCK = "onward_holds_write_lock"
_HOLDS_FILE_LOCK = "onward_holds_file_lock"


class FileLock:
    """The same queue across processes: an exclusive flock() on a file beside the database,
    taken by the one thread of each process that holds `_WRITE_LOCK`.

    With two gunicorn workers (and the job worker) SQLite's busy handler was back between
    processes: in make bench, 2 workers x 4 threads, the check-in's p99 was about 600 ms
    (one process's writer slept up to 100 ms between tries while the other's took the lock
    back to back). Here a waiting writer tries again within 2 ms, and the kernel lets the
    lock go if its holder dies. Like the thread lock's, the wait is bounded (`timeout`),
    and tried in the writer's own thread: no helper thread in the web process.
    """

    SHORTEST_PAUSE = 0.0002  # seconds between tries, doubling up to
    LONGEST_PAUSE = 0.002

    def __init__(self, path: str) -> None:
        self.path = path
        self._held: int | None = None  # the descriptor holding the lock (one writer at a time)

    def acquire(self, timeout: float) -> bool:
        # A descriptor of its own each time: flock() belongs to the open file, so one shared
        # with the parent across fork() would share its lock.
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + timeout
        pause = self.SHORTEST_PAUSE
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    return False
                time.sleep(pause)
                pause = min(pause * 2, self.LONGEST_PAUSE)
            else:
                self._held = fd
                return True

    def release(self) -> None:
        fd, self._held = self._held, None
        if fd is not None:
            # Unlocked first, not only closed: a child forked meanwhile holds a copy of the
            # descriptor, and the lock would stay until the child closed it too.
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def _release_write_lock(info: dict) -> None:
    """Let the next writer in, if this connection (its `info`) holds the lock."""
    file_lock = info.pop(_HOLDS_FILE_LOCK, None)
    if file_lock is not None:
        file_lock.release()
    if info.pop(_HOLDS_LOCK, False):
        _WRITE_LOCK.release()


def configure_engine_events(app: Flask) -> None:
    """SQLite: WAL, foreign keys, a busy timeout, and BEGIN IMMEDIATE for writes (DB-01/02).

    pysqlite's own transaction handling is switched off so SQLAlchemy's `begin` event can
    issue the BEGIN itself; taking the write lock up front means the busy timeout applies
    instead of a read transaction failing when it later tries to write.
    """
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    database = engine.url.database
    on_disk = database not in (None, "", ":memory:")
    file_lock = FileLock(f"{database}-writelock") if on_disk else None

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        if on_disk:
            cursor.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: consistent always; the last commits may roll back after a power
            # cut (not after an app crash). A trade documented in the README.
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn: Any) -> None:
        # Reads (GET/HEAD) stay deferred so they never queue behind a writer. A request that
        # changes something takes the write lock with its first statement and gives it up
        # at its commit; rendering the answer afterwards only reads, so it goes deferred.
        if has_request_context():
            writes = request.method not in ("GET", "HEAD") or g.get("_writes_on_get", False)
            writing = writes and not g.get("_committed")
        else:
            writing = True
        if not writing:
            conn.exec_driver_sql("BEGIN")
            return
        if _WRITE_LOCK.acquire(timeout=WRITE_LOCK_WAIT):
            conn.info[_HOLDS_LOCK] = True
            if has_request_context():
                g._write_lock_info = conn.info
            if file_lock is not None and file_lock.acquire(WRITE_LOCK_WAIT):
                conn.info[_HOLDS_FILE_LOCK] = file_lock
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release_write_lock(conn.info)
            raise

    @event.listens_for(engine, "commit")
    def _sqlite_commit(conn: Any) -> None:
        _release_write_lock(conn.info)
        if has_request_context():
            g._committed = True

    @event.listens_for(engine, "rollback")
    def _sqlite_rollback(conn: Any) -> None:
        _release_write_lock(conn.info)

    @app.teardown_request
    def _sqlite_release_write_lock(_error: BaseException | None) -> None:
        # A last guard: a transaction that ended with no commit or rollback event (the
        # pool's own reset, an invalidated connection) must not keep every later writer out.
        info = g.pop("_write_lock_info", None)
        if info is not None:
            _release_write_lock(info)


def finish_transaction() -> None:
    """Commit what is pending and end the transaction, so slow work that follows (hashing a
    password takes about 0.2 s) doesn't hold SQLite's write lock. Loaded objects stay
    usable; the next statement starts a new transaction of the same kind."""
    db.session.commit()
    g.pop("_committed", None)


def write_during_get() -> None:
    """End this GET's read and let its next transaction take the write lock up front
    (BEGIN IMMEDIATE on SQLite), as a form post's does, so the write waits its turn instead
    of failing when a read turns into a write. For the one GET that writes: opening a share
    link counts the visit (TRUST.md SHR-12)."""
    finish_transaction()
    g._writes_on_get = True


def insert_ignoring_conflicts(model: type, index_elements: list[str], **values: Any) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING on both databases (DB-07, OFF-02).

    Returns True when a row was written, False when one with the same key already existed.
    """
    statement = _insert_ignoring(db.session.get_bind().dialect.name, model,
                                 tuple(index_elements), tuple(sorted(values)))
    # RETURNING gives a row only when the insert happened: a rowcount is not reliable for
    # ON CONFLICT statements across drivers.
    return db.session.execute(statement, values).first() is not None


@cache
def _insert_ignoring(dialect: str, model: type, index_elements: tuple[str, ...],
                     columns: tuple[str, ...]) -> Any:
    """The statement for these columns, built once with a bound parameter for each: every
    check-in runs it, and building an INSERT of ten values (and its cache key) cost more
    Python than running it."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(model)
        .values({name: bindparam(name) for name in columns})
        .on_conflict_do_nothing(index_elements=list(index_elements))
        .returning(model.id)  # type: ignore[attr-defined]
    )
