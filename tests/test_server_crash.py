"""Accepted means graded exactly once: kill -9 the workers, then the whole server, while
50 submissions are being graded; after a restart every one has exactly one result, with
the score a clean run gives.

Each submission sleeps half a second as it loads, so that grading stays behind the uploads
and there is always work in progress to kill, however fast grading or slow uploads are.
"""

import os
import signal
import time

import pytest
from serverlib import (
    A1,
    ServerProcess,
    client,
    make_tokens,
    upload,
    wait_graded,
    write_small_course,
)

from autograder.config import load_course
from autograder.grading import Grader
from autograder.server.store import Store

FILES = ["correct_naive.py", "bug_exp_ratio.py", "bug_clip_20.py", "correct_tanh.py",
         "bug_returns_list.py"]
COUNT = 50


def wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


@pytest.mark.slow
def test_kill_9_mid_way_loses_and_duplicates_nothing(tmp_path):
    course_file = write_small_course(tmp_path)
    slow = tmp_path / "slow"
    slow.mkdir()
    for name in FILES:
        (slow / name).write_text("import time\ntime.sleep(0.5)\n" + (A1 / name).read_text())
    grader = Grader(load_course(course_file))
    clean = {name: grader.grade_file(slow / name, "a1-activations").score for name in FILES}
    data = tmp_path / "data"
    students = [f"student{i}" for i in range(5)]
    tokens = make_tokens(data, students)
    store = Store.in_directory(data)
    plan = [(students[i % 5], FILES[i % len(FILES)], f"key-{i}") for i in range(COUNT)]

    server = ServerProcess(course_file, data, "--workers", "2", "--rate-limit", "1000/60",
                           "--lease", "5").start()
    ids = {}
    try:
        for student, name, key in plan:
            with client(server, tokens[student]) as http:
                response = upload(http, slow / name, key=key)
            assert response.status_code == 202
            ids[key] = response.json()["id"]
        # kill -9 both workers while they grade; the pool starts new ones
        wait_for(lambda: store.job_counts()["running"] == 2 and store.job_counts()["done"] >= 5)
        for pid in server.worker_pids():
            os.kill(pid, signal.SIGKILL)
        # then kill -9 the server and its workers together, mid-way again
        wait_for(lambda: store.job_counts()["done"] >= 20 and store.job_counts()["running"] > 0)
        server.kill()
    finally:
        server.stop()
    counts = store.job_counts()
    assert 0 < counts["done"] < COUNT, counts

    with ServerProcess(course_file, data, "--workers", "2", "--lease", "5") as restarted:
        # a client retrying its uploads after the crash gets the same submissions back
        for student, name, key in plan[:10]:
            with client(restarted, tokens[student]) as http:
                assert upload(http, slow / name, key=key).json()["id"] == ids[key]
        with client(restarted, make_tokens(data, [], ["staff"])["staff"]) as staff:
            results = wait_graded(staff, ids.values(), timeout=180)

    assert len(results) == COUNT
    assert store.db.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == COUNT
    assert store.db.execute("SELECT COUNT(*) FROM results").fetchone()[0] == COUNT
    for student, name, key in plan:
        result = results[ids[key]]
        assert (result["status"], result["student"]) == ("done", student)
        assert result["score"] == clean[name], (name, result)
    retried = [r for r in results.values() if r["attempts"] > 1]
    assert len(retried) >= 2, "the killed workers' jobs should have been graded again"
