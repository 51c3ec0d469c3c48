"""Why a check-in's p99 is long on SQLite: writers waiting for the write lock.

Onward takes SQLite's write lock up front (BEGIN IMMEDIATE) with `PRAGMA busy_timeout=5000`,
as webapp/database.py does. A writer that finds the lock taken is parked by SQLite's busy
handler, which sleeps and polls (1, 2, 5, 10 ... 100 ms between tries) rather than queueing.
Under contention that is unfair: most writers get in at once, a few wait very long.

This compares, in one process with THREADS threads (gunicorn's default here: 1 worker x 8
threads), the busy handler alone with writers queued on a Python lock before BEGIN IMMEDIATE.
Each transaction inserts a row and holds the lock ~1 ms, about a check-in's write.

  .venv/bin/python scripts/bench_sqlite_writers.py [THREADS] [WRITES_PER_THREAD]
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path


def run(path: Path, threads: int, writes: int, queue_in_python: bool) -> str:
    lock = threading.Lock()
    waits: list[float] = []
    failures = 0

    def writer() -> None:
        nonlocal failures
        con = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        con.execute("PRAGMA busy_timeout=5000")
        con.execute("PRAGMA synchronous=NORMAL")
        for _ in range(writes):
            started = time.perf_counter()
            if queue_in_python:
                lock.acquire()
            try:
                con.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:  # "database is locked" after 5 s
                failures += 1
                if queue_in_python:
                    lock.release()
                continue
            waits.append((time.perf_counter() - started) * 1000)
            con.execute("INSERT INTO t (v) VALUES (?)", ("x" * 200,))
            time.sleep(0.001)  # the rest of the request's work inside the transaction
            con.execute("COMMIT")
            if queue_in_python:
                lock.release()
        con.close()

    workers = [threading.Thread(target=writer) for _ in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    waits.sort()

    def at(q: float) -> float:
        return waits[min(len(waits) - 1, int(q * len(waits)))] if waits else float("nan")

    name = "queued on a Python lock" if queue_in_python else "SQLite's busy handler  "
    return (f"{name}: {len(waits) / elapsed:5.0f} writes/s; wait for the lock p50 "
            f"{at(0.5):6.2f} ms, p99 {at(0.99):7.2f} ms, p99.9 {at(0.999):7.2f} ms, "
            f"max {waits[-1] if waits else 0:7.0f} ms; 'database is locked': {failures}")


def main() -> None:
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    writes = int(sys.argv[2]) if len(sys.argv) > 2 else 150
    with tempfile.TemporaryDirectory(prefix="onward-writers.") as tmp:
        path = Path(tmp) / "writers.db"
        con = sqlite3.connect(path)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        con.commit()
        con.close()
        print(f"{threads} threads x {writes} writes, SQLite {sqlite3.sqlite_version}, WAL")
        for round_no in range(2):  # interleaved, so machine noise hits both alike
            for queued in (False, True):
                print(f"  round {round_no + 1}, {run(path, threads, writes, queued)}")


if __name__ == "__main__":
    main()
