"""The server's durable state in one SQLite file (WAL): tokens, submissions, jobs, results.

A submission, its job and its idempotency key are written in one transaction, so an
accepted submission is never without its job. A result's primary key is its submission
id: a submission can have at most one result, whatever crashes and retries happen.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    token_sha256 TEXT PRIMARY KEY,
    person TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('student', 'instructor')),
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS tokens_by_person ON tokens (person);
CREATE TABLE IF NOT EXISTS submissions (
    id TEXT PRIMARY KEY,
    student TEXT NOT NULL,
    assignment TEXT NOT NULL,
    filename TEXT NOT NULL,
    content BLOB NOT NULL,
    sha256 TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS submissions_by_student ON submissions (student, created);
CREATE TABLE IF NOT EXISTS idempotency_keys (
    student TEXT NOT NULL,
    key TEXT NOT NULL,
    request_sha256 TEXT NOT NULL,
    submission_id TEXT NOT NULL REFERENCES submissions (id),
    PRIMARY KEY (student, key)
);
CREATE TABLE IF NOT EXISTS jobs (
    submission_id TEXT PRIMARY KEY REFERENCES submissions (id),
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'error')),
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_expires REAL,
    queued_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL
);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status, queued_at);
CREATE TABLE IF NOT EXISTS results (
    submission_id TEXT PRIMARY KEY REFERENCES submissions (id),
    status TEXT NOT NULL CHECK (status IN ('done', 'error')),
    score REAL,
    max_score REAL,
    result_json TEXT,
    error TEXT,
    device TEXT,
    grading_seconds REAL NOT NULL,
    worker TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    created REAL NOT NULL
);
"""

SUBMISSION_COLUMNS = """s.id, s.student, s.assignment, s.filename, s.sha256, s.created,
    j.status, j.attempts, j.queued_at, j.started_at, j.finished_at,
    r.score, r.max_score, r.result_json, r.error, r.device, r.grading_seconds, r.worker"""

SUBMISSION_QUERY = f"""SELECT {SUBMISSION_COLUMNS} FROM submissions s
    JOIN jobs j ON j.submission_id = s.id
    LEFT JOIN results r ON r.submission_id = s.id"""


class IdempotencyConflict(Exception):
    """The idempotency key was used before for a different request."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Store:
    """One SQLite database; each thread gets its own connection."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self.db.executescript(SCHEMA)

    @classmethod
    def in_directory(cls, data_dir: Path) -> Store:
        return cls(Path(data_dir) / "grader.sqlite3")

    @property
    def db(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None,
                                   check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")  # accepted means on disk
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
        return conn

    @contextmanager
    def transaction(self):
        """A write transaction that takes the lock up front (no upgrade deadlocks)."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # ------------------------------------------------------------------ tokens

    def add_token(self, token_sha256: str, person: str, role: str, *,
                  replace: bool = False) -> None:
        with self.transaction() as db:
            if replace:
                db.execute("DELETE FROM tokens WHERE person = ? AND role = ?", (person, role))
            db.execute("INSERT INTO tokens VALUES (?, ?, ?, ?)",
                       (token_sha256, person, role, time.time()))

    def people_with_tokens(self, role: str) -> set[str]:
        rows = self.db.execute("SELECT DISTINCT person FROM tokens WHERE role = ?", (role,))
        return {row["person"] for row in rows}

    def token_owner(self, token_sha256: str) -> tuple[str, str] | None:
        row = self.db.execute("SELECT person, role FROM tokens WHERE token_sha256 = ?",
                              (token_sha256,)).fetchone()
        return (row["person"], row["role"]) if row else None

    # ------------------------------------------------------------------ submissions

    def add_submission(self, student: str, assignment: str, filename: str, content: bytes,
                       idempotency_key: str | None = None) -> tuple[str, bool]:
        """Store a submission and queue its job; returns (id, whether it is new).

        With an idempotency key seen before for the same request, returns the first id."""
        digest = sha256(content)
        request = sha256(f"{assignment}\0{filename}\0{digest}".encode())
        with self.transaction() as db:
            if idempotency_key is not None:
                row = db.execute("SELECT request_sha256, submission_id FROM idempotency_keys "
                                 "WHERE student = ? AND key = ?",
                                 (student, idempotency_key)).fetchone()
                if row is not None:
                    if row["request_sha256"] != request:
                        raise IdempotencyConflict(idempotency_key)
                    return row["submission_id"], False
            submission_id = uuid.uuid4().hex
            now = time.time()
            db.execute("INSERT INTO submissions VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (submission_id, student, assignment, filename, content, digest, now))
            db.execute("INSERT INTO jobs (submission_id, status, queued_at) "
                       "VALUES (?, 'queued', ?)", (submission_id, now))
            if idempotency_key is not None:
                db.execute("INSERT INTO idempotency_keys VALUES (?, ?, ?, ?)",
                           (student, idempotency_key, request, submission_id))
        return submission_id, True

    def submission(self, submission_id: str) -> dict | None:
        row = self.db.execute(f"{SUBMISSION_QUERY} WHERE s.id = ?",
                              (submission_id,)).fetchone()
        return dict(row) if row else None

    def submissions(self, student: str | None = None) -> list[dict]:
        if student is None:
            rows = self.db.execute(f"{SUBMISSION_QUERY} ORDER BY s.created, s.rowid")
        else:
            rows = self.db.execute(f"{SUBMISSION_QUERY} WHERE s.student = ? "
                                   "ORDER BY s.created, s.rowid", (student,))
        return [dict(row) for row in rows]

    def content(self, submission_id: str) -> tuple[str, str, bytes]:
        """(assignment, filename, bytes) of a submission, for a worker."""
        row = self.db.execute("SELECT assignment, filename, content FROM submissions "
                              "WHERE id = ?", (submission_id,)).fetchone()
        return row["assignment"], row["filename"], bytes(row["content"])

    # ------------------------------------------------------------------ numbers

    def job_counts(self) -> dict[str, int]:
        rows = self.db.execute("SELECT status, COUNT(*) AS n FROM jobs GROUP BY status")
        counts = dict.fromkeys(("queued", "running", "done", "error"), 0)
        counts.update({row["status"]: row["n"] for row in rows})
        return counts

    def grading_seconds(self, bounds) -> tuple[list[int], int, float]:
        """Results at or under each bound, their count and their total seconds."""
        buckets = "".join(f", SUM(grading_seconds <= {float(b)!r})" for b in bounds)
        row = self.db.execute(f"SELECT COUNT(*), TOTAL(grading_seconds){buckets} "
                              "FROM results").fetchone()
        return [n or 0 for n in row[2:]], row[0], row[1]
