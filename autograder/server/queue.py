"""The embedded job queue: jobs live in the store's ``jobs`` table and are handed out
with leases.

Exactly once, under kill -9 at any moment:

- a worker *claims* a job in one transaction (status ``running``, a lease that expires,
  the attempt counted) and renews the lease while it grades;
- it *completes* the job in one transaction that inserts the result and marks the job
  done; the result's primary key is the submission id, so a second completion of the
  same job (a worker whose lease expired while it was still grading) inserts nothing;
- a job whose worker died is claimed again once its lease expires, or at once when the
  server sees that the process holding it on this machine is gone. Grading is
  deterministic, so the retry gives the score the first attempt would have given.

A job that kills its worker ``max_attempts`` times is failed with a message instead of
being retried for ever.
"""

from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import dataclass

from .store import Store

LEASE_SECONDS = 30.0
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Job:
    submission_id: str
    attempt: int


@dataclass
class Outcome:
    """What grading a job gave: a result (``done``) or a reason it could not run (``error``)."""

    status: str
    worker: str
    seconds: float
    result: dict | None = None
    error: str | None = None


def owner_prefix() -> str:
    """This machine and PID namespace: a container sharing the host's name is told apart."""
    try:
        namespace = os.readlink("/proc/self/ns/pid").removeprefix("pid:")
    except OSError:
        namespace = "[]"
    return f"{socket.gethostname()}{namespace}:"


def local_owner(pid: int | None = None) -> str:
    """The lease owner name of a process of this machine (and PID namespace)."""
    return f"{owner_prefix()}{pid or os.getpid()}"


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class JobQueue:
    def __init__(self, store: Store, owner: str, *, lease_seconds: float = LEASE_SECONDS,
                 max_attempts: int = MAX_ATTEMPTS):
        self.store = store
        self.owner = owner
        self.lease_seconds = lease_seconds
        self.max_attempts = max_attempts

    def has_work(self) -> bool:
        """A cheap read, so idle workers do not take the write lock to find nothing."""
        return self.store.db.execute(
            "SELECT 1 FROM jobs WHERE status = 'queued' OR "
            "(status = 'running' AND lease_expires < ?) LIMIT 1",
            (time.time(),)).fetchone() is not None

    def claim(self) -> Job | None:
        """The oldest job that is queued or whose lease expired, leased to us; or None."""
        if not self.has_work():
            return None
        with self.store.transaction() as db:
            while True:
                now = time.time()
                row = db.execute(
                    "SELECT submission_id, attempts FROM jobs WHERE status = 'queued' OR "
                    "(status = 'running' AND lease_expires < ?) "
                    "ORDER BY queued_at, rowid LIMIT 1", (now,)).fetchone()
                if row is None:
                    return None
                if row["attempts"] >= self.max_attempts:
                    self._give_up(db, row["submission_id"], row["attempts"], now)
                    continue
                db.execute("UPDATE jobs SET status = 'running', attempts = attempts + 1, "
                           "lease_owner = ?, lease_expires = ?, started_at = ? "
                           "WHERE submission_id = ?",
                           (self.owner, now + self.lease_seconds, now, row["submission_id"]))
                return Job(row["submission_id"], row["attempts"] + 1)

    def _give_up(self, db, submission_id: str, attempts: int, now: float) -> None:
        db.execute("INSERT INTO results (submission_id, status, error, grading_seconds, worker, "
                   "attempt, created) VALUES (?, 'error', ?, 0, 'queue', ?, ?) "
                   "ON CONFLICT (submission_id) DO NOTHING",
                   (submission_id, f"grading was interrupted {attempts} times (the worker "
                    "died each time); ask the course staff", attempts, now))
        db.execute("UPDATE jobs SET status = 'error', finished_at = ?, lease_owner = NULL, "
                   "lease_expires = NULL WHERE submission_id = ?", (now, submission_id))

    def renew(self) -> int:
        """Extend the leases of every job this owner holds; returns how many."""
        with self.store.transaction() as db:
            return db.execute("UPDATE jobs SET lease_expires = ? WHERE status = 'running' "
                              "AND lease_owner = ?",
                              (time.time() + self.lease_seconds, self.owner)).rowcount

    def release(self, job: Job) -> None:
        """Put a claimed job back, unstarted: its claim does not count as an attempt."""
        with self.store.transaction() as db:
            db.execute("UPDATE jobs SET status = 'queued', attempts = attempts - 1, "
                       "lease_owner = NULL, lease_expires = NULL "
                       "WHERE submission_id = ? AND status = 'running' AND lease_owner = ?",
                       (job.submission_id, self.owner))

    def complete(self, job: Job, outcome: Outcome) -> bool:
        """Commit the result and the job's end together; False if it already had a result."""
        result = outcome.result or {}
        with self.store.transaction() as db:
            inserted = db.execute(
                "INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (submission_id) DO NOTHING",
                (job.submission_id, outcome.status, result.get("score"),
                 result.get("max_score"), json_text(outcome.result), outcome.error,
                 result.get("device"), outcome.seconds, outcome.worker, job.attempt,
                 time.time())).rowcount == 1
            if inserted:
                db.execute("UPDATE jobs SET status = ?, finished_at = ?, lease_owner = NULL, "
                           "lease_expires = NULL WHERE submission_id = ?",
                           (outcome.status, time.time(), job.submission_id))
        return inserted

    def release_orphans(self) -> int:
        """Requeue at once the jobs leased to processes of this machine that are gone."""
        prefix = owner_prefix()
        with self.store.transaction() as db:
            rows = db.execute("SELECT submission_id, lease_owner FROM jobs "
                              "WHERE status = 'running' AND lease_owner LIKE ?",
                              (prefix + "%",)).fetchall()
            dead = [row["submission_id"] for row in rows
                    if row["lease_owner"][len(prefix):].isdigit()
                    and not process_alive(int(row["lease_owner"][len(prefix):]))]
            db.executemany("UPDATE jobs SET status = 'queued', lease_owner = NULL, "
                           "lease_expires = NULL WHERE submission_id = ?",
                           [(sid,) for sid in dead])
        return len(dead)


def json_text(value) -> str | None:
    return None if value is None else json.dumps(value)
