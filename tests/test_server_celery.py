"""Scale-out on Celery: a real redis-server on loopback, two ``course worker --queue``
processes, and ``course serve --queue``; the results are those of the embedded grader and
land in the server's store, even across a kill -9 of the server."""

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from serverlib import (
    A1,
    ServerProcess,
    client,
    free_port,
    make_tokens,
    upload,
    wait_graded,
    write_small_course,
)

from autograder.config import load_course
from autograder.grading import Grader
from autograder.server.store import Store

FILES = ["correct_naive.py", "bug_exp_ratio.py", "bug_clip_20.py", "correct_tanh.py",
         "bug_returns_list.py", "bug_math_exp.py"]

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    shutil.which("redis-server") is None,
    reason="needs Debian's redis-server (make system-deps installs it)")]


def start(command, log_path, **kwargs) -> subprocess.Popen:
    with open(log_path, "wb") as log:
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True, **kwargs)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_for_line(path, text, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in path.read_text(errors="replace"):
            return
        time.sleep(0.2)
    raise AssertionError(f"{text!r} not in {path}:\n{path.read_text()[-2000:]}")


@pytest.fixture
def redis_url(tmp_path):
    port = free_port()
    log = tmp_path / "redis.log"
    process = start(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                     "--save", "", "--appendonly", "no", "--dir", str(tmp_path)], log)
    wait_for_line(log, "Ready to accept connections")
    yield f"redis://127.0.0.1:{port}/0"
    stop(process)


def test_two_celery_workers_grade_like_the_embedded_queue(tmp_path, redis_url):
    course_file = write_small_course(tmp_path)
    grader = Grader(load_course(course_file))
    expected = {name: grader.grade_file(A1 / name, "a1-activations").to_json()
                for name in FILES}
    workers = []
    for name in ("w1", "w2"):
        log = tmp_path / f"{name}.log"
        workers.append((log, start(
            [sys.executable, "-m", "autograder", "--course", str(course_file), "worker",
             "--queue", redis_url, "--name", f"{name}@%h"], log)))
    data = tmp_path / "data"
    tokens = make_tokens(data, ["ann"])
    try:
        for log, _ in workers:
            wait_for_line(log, "ready.")
        server = ServerProcess(course_file, data, "--queue", redis_url).start()
        try:
            with client(server, tokens["ann"]) as ann:
                ids = {name: upload(ann, A1 / name).json()["id"] for name in FILES}
                wait_graded(ann, [ids[FILES[0]]])
            server.kill()  # kill -9 with tasks still on the workers
        finally:
            server.stop()
        with ServerProcess(course_file, data, "--queue", redis_url) as restarted, \
                client(restarted, tokens["ann"]) as ann:
            results = wait_graded(ann, ids.values())
            assert restarted.worker_pids() == []  # no local workers in Celery mode
    finally:
        for _, process in workers:
            stop(process)

    for name, submission_id in ids.items():
        assert results[submission_id]["status"] == "done"
        assert results[submission_id]["result"] == expected[name], name
    assert {r["worker"].split("@")[0] for r in results.values()} == {"w1", "w2"}
    store = Store.in_directory(data)
    assert store.db.execute("SELECT COUNT(*) FROM results").fetchone()[0] == len(FILES)
