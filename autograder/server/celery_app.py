"""Scale-out: the same grading task on Celery workers, with Redis as broker and results.

The server stays the owner of every submission. ``CeleryDispatcher`` (in the server)
claims jobs from the store with a lease like any local worker, sends each to Celery
with the submission id as the task id, renews the leases while the tasks run, and
commits each result into the store with ``JobQueue.complete``, so the exactly-once
rules of the embedded queue hold here too. If the server dies, the leases expire (or
are released at once on restart); the next server finds a finished task's result in
Redis under the same id, or sends the task again. Workers (``course worker --queue``)
need no access to the server's disk: the submission travels in the message.
"""

from __future__ import annotations

import base64
import logging
import tempfile
import threading
import time
from dataclasses import asdict
from pathlib import Path

from celery import Celery, states

from ..config import CourseConfig
from ..grading import Grader
from .grading_task import grade_bytes
from .queue import Job, JobQueue, Outcome, local_owner
from .store import Store

log = logging.getLogger(__name__)

TASK_NAME = "autograder.grade_submission"
GPU_LOCKS = Path(tempfile.gettempdir()) / "course-gpu-locks"


def make_celery(url: str) -> Celery:
    app = Celery("autograder", broker=url, backend=url)
    app.conf.update(
        task_serializer="json", result_serializer="json", accept_content=["json"],
        task_acks_late=True,               # a job is acknowledged after it is graded ...
        task_reject_on_worker_lost=True,   # ... and redelivered if its worker dies
        worker_prefetch_multiplier=1,      # a busy worker does not hoard jobs
        result_expires=7 * 24 * 3600,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )
    app.task(name=TASK_NAME, bind=True)(grade_submission)
    return app


class WorkerState:
    """What a Celery worker process keeps between tasks: the course and a warm Grader."""

    course: CourseConfig | None = None
    grader: Grader | None = None
    gpu_jobs: int = 1


def grade_submission(task, assignment: str, filename: str, content_b64: str) -> dict:
    if WorkerState.grader is None:
        WorkerState.grader = Grader(WorkerState.course)
    outcome = grade_bytes(WorkerState.grader, assignment, filename,
                          base64.b64decode(content_b64), worker=task.request.hostname,
                          gpu_locks=GPU_LOCKS, gpu_jobs=WorkerState.gpu_jobs)
    return asdict(outcome)


def run_celery_worker(url: str, course: CourseConfig, *, concurrency: int = 1,
                      name: str | None = None, gpu_jobs: int = 1) -> int:
    WorkerState.course = course
    WorkerState.gpu_jobs = gpu_jobs
    argv = ["worker", "--loglevel", "INFO", "--concurrency", str(concurrency),
            "--pool", "prefork", "--without-gossip", "--without-mingle"]
    if name:
        argv += ["--hostname", name]
    make_celery(url).worker_main(argv)
    return 0


class CeleryDispatcher:
    """The server's side of the Celery queue: claim, send, collect, commit."""

    def __init__(self, url: str, store: Store, *, lease_seconds: float = 30.0,
                 poll_seconds: float = 0.25):
        self.app = make_celery(url)
        self.store = store
        self.queue = JobQueue(store, local_owner(), lease_seconds=lease_seconds)
        self.poll_seconds = poll_seconds
        self.in_flight: dict[str, Job] = {}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True, name="celery-dispatch")

    def start(self) -> None:
        released = self.queue.release_orphans()
        if released:
            log.warning("requeued %d jobs of a server that died", released)
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=10)

    def alive(self) -> None:
        return None  # Celery workers live on other machines; Celery's own tools count them

    def run(self) -> None:
        renewed = time.monotonic()
        while not self.stopping.is_set():
            try:
                busy = self.send_new() + self.collect()
                if time.monotonic() - renewed > self.queue.lease_seconds / 3:
                    self.queue.renew()
                    renewed = time.monotonic()
            except Exception:  # Redis or the database away for a moment: try again
                log.exception("dispatching to Celery failed")
                busy = 0
            if not busy:
                self.stopping.wait(self.poll_seconds)

    def send_new(self) -> int:
        sent = 0
        while (job := self.queue.claim()) is not None:
            try:
                assignment, filename, content = self.store.content(job.submission_id)
                if self.task_meta([job.submission_id])[0] is None:
                    self.app.send_task(TASK_NAME, task_id=job.submission_id, args=[
                        assignment, filename, base64.b64encode(content).decode()])
            except Exception:
                self.queue.release(job)  # not sent: back to the queue, not leased for ever
                raise
            self.in_flight[job.submission_id] = job
            sent += 1
        return sent

    def task_meta(self, task_ids: list[str]) -> list[dict | None]:
        """Each task's finished state from the result backend, or None while it runs."""
        backend = self.app.backend
        values = backend.mget([backend.get_key_for_task(t) for t in task_ids])
        metas = [backend.decode_result(v) if v else None for v in values]
        return [m if m and m["status"] in states.READY_STATES else None for m in metas]

    def collect(self) -> int:
        if not self.in_flight:
            return 0
        ids = list(self.in_flight)
        done = 0
        for submission_id, meta in zip(ids, self.task_meta(ids), strict=True):
            if meta is None:
                continue
            job = self.in_flight.pop(submission_id)
            if meta["status"] == states.SUCCESS:
                outcome = Outcome(**meta["result"])
            else:
                outcome = Outcome("error", "celery", 0.0,
                                  error=f"the grading task failed on its worker: "
                                        f"{meta['result']}")
            self.queue.complete(job, outcome)
            done += 1
        return done
