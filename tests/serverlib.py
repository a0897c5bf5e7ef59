"""Helpers for the grading-server tests: a small course, a real ``course serve`` process,
tokens, and waiting for results."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from autograder.server.auth import issue_tokens
from autograder.server.store import Store

from conftest import SUBMISSIONS

A1 = SUBMISSIONS / "a1-activations"

# One exercise and two hypothesis examples per property: a submission costs well under a
# second to grade, so the server tests can afford hundreds of them (really graded).
SMALL_COURSE = """\
title: Server test course
grading:
  max_examples: 2
  seed: 0
assignments:
  - id: a1-activations
    title: Activations
    notebook: assignments/a1-activations.ipynb
    exercises:
      - {function: sigmoid, points: 5}
"""


def write_small_course(folder: Path) -> Path:
    path = folder / "course.yml"
    path.write_text(SMALL_COURSE)
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_tokens(data_dir: Path, students: list[str], instructors=("prof",)) -> dict[str, str]:
    store = Store.in_directory(data_dir)
    issued = issue_tokens(store, students, "student") + issue_tokens(
        store, list(instructors), "instructor")
    store.close()
    return dict(issued)


class ServerProcess:
    """``course serve`` in its own process group, so a test can kill -9 all of it."""

    def __init__(self, course_file: Path, data_dir: Path, *args: str):
        self.course_file = course_file
        self.data_dir = data_dir
        self.args = args
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.log = data_dir.parent / f"serve-{self.port}.log"

    def start(self, timeout: float = 60) -> ServerProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "autograder", "--course", str(self.course_file), "serve",
                 "--data", str(self.data_dir), "--port", str(self.port), *self.args],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"course serve exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"course serve did not answer: {self.log.read_text()[-3000:]}")

    def worker_pids(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True,
                             text=True).stdout
        return [int(pid) for pid in out.split()]

    def kill(self) -> None:
        """kill -9 the server and its workers at once."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.kill()

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def client(server: ServerProcess, token: str | None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=server.url, headers=headers, timeout=30)


def upload(http: httpx.Client, path: Path, assignment: str | None = "a1-activations",
           key: str | None = None) -> httpx.Response:
    data = {"assignment": assignment} if assignment else {}
    headers = {"Idempotency-Key": key} if key else {}
    return http.post("/api/submissions", data=data, headers=headers,
                     files={"file": (path.name, path.read_bytes())})


def wait_graded(http: httpx.Client, ids, timeout: float = 120) -> dict[str, dict]:
    """Poll until every submission is done or failed; returns them (with their results)."""
    deadline = time.monotonic() + timeout
    pending = set(ids)
    seen = {}
    while pending and time.monotonic() < deadline:
        for submission in http.get("/api/submissions").json():
            if submission["id"] in pending and submission["status"] in ("done", "error"):
                seen[submission["id"]] = http.get(f"/api/submissions/{submission['id']}").json()
                pending.discard(submission["id"])
        if pending:
            time.sleep(0.3)
    assert not pending, f"{len(pending)} submissions not graded after {timeout} s"
    return seen
