"""The embedded queue's exactly-once rules on a real SQLite store, without grading."""

import subprocess
import sys
import time

import pytest
from serverlib import free_port

from autograder.server.celery_app import CeleryDispatcher
from autograder.server.queue import JobQueue, Outcome, local_owner
from autograder.server.store import IdempotencyConflict, Store


def outcome(score, worker):
    return Outcome("done", worker, 0.1, result={"score": score, "max_score": 5.0,
                                                "device": "cpu"})


def test_a_job_whose_lease_expired_is_claimed_again_and_completed_once(tmp_path):
    store = Store.in_directory(tmp_path)
    sid, _ = store.add_submission("ann", "a1-activations", "a.py", b"x = 1\n")
    slow = JobQueue(store, "host:1", lease_seconds=0.05)
    fast = JobQueue(store, "host:2", lease_seconds=30)
    first = slow.claim()
    assert first.attempt == 1 and fast.claim() is None
    time.sleep(0.1)
    second = fast.claim()
    assert second.submission_id == sid and second.attempt == 2
    assert fast.complete(second, outcome(5.0, "host:2"))
    assert not slow.complete(first, outcome(5.0, "host:1"))  # the stale worker adds nothing
    row = store.submission(sid)
    assert (row["status"], row["worker"], row["attempts"]) == ("done", "host:2", 2)
    assert store.db.execute("SELECT COUNT(*) FROM results").fetchone()[0] == 1
    assert fast.claim() is None


def test_a_job_that_keeps_killing_its_worker_is_failed_with_a_reason(tmp_path):
    store = Store.in_directory(tmp_path)
    sid, _ = store.add_submission("ann", "a1-activations", "a.py", b"x = 1\n")
    queue = JobQueue(store, "host:1", lease_seconds=0.01, max_attempts=2)
    assert queue.claim().attempt == 1
    time.sleep(0.02)
    assert queue.claim().attempt == 2
    time.sleep(0.02)
    assert queue.claim() is None
    row = store.submission(sid)
    assert row["status"] == "error" and "interrupted 2 times" in row["error"]


def test_jobs_of_dead_local_processes_are_released_at_once(tmp_path):
    store = Store.in_directory(tmp_path)
    sid, _ = store.add_submission("ann", "a1-activations", "a.py", b"x = 1\n")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    JobQueue(store, local_owner(int(dead))).claim()
    assert JobQueue(store, local_owner()).claim() is None  # leased for 30 s
    assert JobQueue(store, local_owner()).release_orphans() == 1
    assert JobQueue(store, local_owner()).claim().submission_id == sid


def test_idempotency_keys(tmp_path):
    store = Store.in_directory(tmp_path)
    first = store.add_submission("ann", "a1-activations", "a.py", b"x = 1\n", "k")
    assert store.add_submission("ann", "a1-activations", "a.py", b"x = 1\n", "k") == (
        first[0], False)
    assert store.add_submission("bob", "a1-activations", "a.py", b"x = 1\n", "k")[1]
    with pytest.raises(IdempotencyConflict):
        store.add_submission("ann", "a1-activations", "a.py", b"x = 2\n", "k")
    assert store.job_counts()["queued"] == 2


def test_a_job_that_cannot_reach_celery_goes_back_to_the_queue(tmp_path):
    store = Store.in_directory(tmp_path)
    sid, _ = store.add_submission("ann", "a1-activations", "a.py", b"x = 1\n")
    dispatcher = CeleryDispatcher(f"redis://127.0.0.1:{free_port()}/0", store)
    dispatcher.app.conf.broker_connection_max_retries = 0
    dispatcher.app.conf.redis_socket_connect_timeout = 0.5
    with pytest.raises(Exception, match=r"(?i)connect"):
        dispatcher.send_new()
    row = store.submission(sid)
    assert (row["status"], row["attempts"]) == ("queued", 0)
