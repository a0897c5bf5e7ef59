"""Local workers: processes that claim jobs from the embedded queue and grade them.

Each worker keeps one ``Grader`` for its whole life, so its fork servers stay warm and a
submission costs a fork, not an interpreter start. ``WorkerPool`` starts them as
``course worker --data DIR`` processes, replaces any that die, and gives each a GPU of
its own in turn when the machine has several.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from ..config import CourseConfig
from ..grading import Grader
from .gpu import gpu_count
from .grading_task import grade_bytes
from .queue import LEASE_SECONDS, JobQueue, local_owner
from .store import Store

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Ask the kernel to kill us when the process that started us dies (even by kill -9)."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # it died before we asked
        os._exit(1)


def run_worker(course: CourseConfig, data_dir: Path, *, lease_seconds: float = LEASE_SECONDS,
               poll_seconds: float = 0.2, gpu_jobs: int = 1,
               stop: threading.Event | None = None) -> None:
    """Claim, grade and complete jobs until ``stop`` is set (or for ever)."""
    store = Store.in_directory(data_dir)
    queue = JobQueue(store, local_owner(), lease_seconds=lease_seconds)
    grader = Grader(course)
    stop = stop or threading.Event()
    threading.Thread(target=keep_leases, args=(queue, stop), daemon=True,
                     name="lease-heartbeat").start()
    while not stop.is_set():
        job = queue.claim()
        if job is None:
            stop.wait(poll_seconds)
            continue
        assignment, filename, content = store.content(job.submission_id)
        outcome = grade_bytes(grader, assignment, filename, content, worker=queue.owner,
                              gpu_locks=Path(data_dir) / "locks", gpu_jobs=gpu_jobs)
        if not queue.complete(job, outcome):
            log.info("submission %s already had a result; this one was dropped",
                     job.submission_id)


def keep_leases(queue: JobQueue, stop: threading.Event) -> None:
    while not stop.wait(queue.lease_seconds / 3):
        try:
            queue.renew()
        except Exception:  # a busy database now and then must not end the heartbeat
            log.exception("renewing leases failed")


class WorkerPool:
    """``count`` local worker processes, restarted when they die."""

    def __init__(self, course_file: Path, data_dir: Path, count: int, *,
                 lease_seconds: float = LEASE_SECONDS, gpu_jobs: int = 1):
        self.course_file = Path(course_file).resolve()
        self.data_dir = Path(data_dir).resolve()
        self.count = count
        self.lease_seconds = lease_seconds
        self.gpu_jobs = gpu_jobs
        self.gpus = gpu_count()
        self.processes: list[subprocess.Popen | None] = [None] * count
        self.stopping = threading.Event()
        self.queue = JobQueue(Store.in_directory(self.data_dir), local_owner())

    def command(self) -> list[str]:
        return [sys.executable, "-m", "autograder", "--course", str(self.course_file),
                "worker", "--data", str(self.data_dir), "--lease", str(self.lease_seconds),
                "--gpu-jobs", str(self.gpu_jobs), "--parent", str(os.getpid())]

    def spawn(self, index: int) -> None:
        env = dict(os.environ)
        if self.gpus > 1:
            env["CUDA_VISIBLE_DEVICES"] = str(index % self.gpus)
        self.processes[index] = subprocess.Popen(self.command(), env=env,
                                                 stdin=subprocess.DEVNULL)

    def start(self) -> None:
        released = self.queue.release_orphans()
        if released:
            log.warning("requeued %d jobs whose workers died", released)
        for index in range(self.count):
            self.spawn(index)
        threading.Thread(target=self.supervise, daemon=True, name="worker-pool").start()

    def supervise(self) -> None:
        while not self.stopping.wait(1.0):
            for index, process in enumerate(self.processes):
                if process is not None and process.poll() is not None:
                    log.warning("worker %d (pid %d) exited with %s; starting another",
                                index, process.pid, process.returncode)
                    self.queue.release_orphans()
                    self.spawn(index)

    def alive(self) -> int:
        return sum(p is not None and p.poll() is None for p in self.processes)

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        for process in self.processes:
            if process is not None and process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + timeout
        for process in self.processes:
            if process is None:
                continue
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.queue.release_orphans()
