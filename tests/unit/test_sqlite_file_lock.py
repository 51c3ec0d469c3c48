"""SQLite's writers queue across processes on a file lock (webapp/database.py FileLock)."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest

from webapp.database import FileLock

fork = multiprocessing.get_context("fork")


def _try_in_child(lock: FileLock, timeout: float, answer, then=None) -> None:
    """In a forked child: try for the lock and say whether it came; hold on until `then`."""
    answer.put(lock.acquire(timeout))
    if then is not None:
        then.wait(10)


@pytest.fixture
def lock(tmp_path: Path) -> FileLock:
    return FileLock(str(tmp_path / "onward.db-writelock"))


def test_a_forked_worker_waits_for_the_lock_its_parent_holds(lock: FileLock):
    # The same object in the child: an inherited descriptor would share the parent's lock.
    assert lock.acquire(1)
    answer = fork.Queue()
    child = fork.Process(target=_try_in_child, args=(lock, 0.3, answer))
    child.start()
    assert answer.get(timeout=10) is False
    child.join(10)
    lock.release()


def test_a_waiting_writer_gets_the_lock_as_soon_as_it_is_let_go(lock: FileLock, tmp_path):
    assert lock.acquire(1)
    answer = fork.Queue()
    other = FileLock(str(tmp_path / "onward.db-writelock"))
    child = fork.Process(target=_try_in_child, args=(other, 10, answer))
    child.start()
    time.sleep(0.3)  # the child is waiting in flock() by now (and must still be)
    assert answer.empty()
    lock.release()
    assert answer.get(timeout=5) is True
    child.join(10)
    assert child.exitcode == 0


def test_a_writer_that_gave_up_holds_nothing(lock: FileLock, tmp_path):
    assert lock.acquire(1)
    answer, done = fork.Queue(), fork.Event()
    other = FileLock(str(tmp_path / "onward.db-writelock"))
    child = fork.Process(target=_try_in_child, args=(other, 0.2, answer, done))
    child.start()
    assert answer.get(timeout=10) is False
    lock.release()
    # The child is still alive after giving up: it must hold no lock (nor keep trying for
    # one), or this would wait for the child to exit.
    assert lock.acquire(3)
    lock.release()
    done.set()
    child.join(10)


def test_the_lock_of_a_process_that_died_is_free(lock: FileLock, tmp_path):
    answer, done = fork.Queue(), fork.Event()
    other = FileLock(str(tmp_path / "onward.db-writelock"))
    child = fork.Process(target=_try_in_child, args=(other, 1, answer, done))
    child.start()
    assert answer.get(timeout=10) is True  # the child holds it...
    child.kill()  # ...and dies without letting go
    child.join(10)
    assert lock.acquire(3)
    lock.release()
