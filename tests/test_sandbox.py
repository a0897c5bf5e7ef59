"""Attacks on the grader, each bounded so that it cannot harm the machine even if the
sandbox failed. Every one must end with 0 for the attacked function, a clear message,
full marks for the function it leaves alone, and the next submission graded right."""

import os
import re
import socket
import threading
import time
from pathlib import Path

import pytest

from conftest import ROOT, SUBMISSIONS

ATTACKS = sorted((Path(__file__).parent / "attacks").glob("*.py"))
CORRECT = SUBMISSIONS / "a1-activations" / "correct_naive.py"
SANDBOX_UIDS = range(61000, 65000)
os.environ["GRADER_SECRET"] = "s3cret-in-the-graders-environment"


def header(path, key, default=None):
    match = re.search(rf"^# {key}: (.+)$", path.read_text(), re.MULTILINE)
    return match.group(1).strip() if match else default


@pytest.fixture
def listener():
    """A TCP server on loopback that records whether anything connected."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    hits = []
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                hits.append(conn.recv(100))
                conn.close()
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], hits
    stop.set()
    thread.join()
    server.close()


def sandbox_processes():
    """Processes below this test process that run as a sandbox user."""
    parents, uids = {}, {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            parents[int(pid)] = int(stat.rsplit(")", 1)[1].split()[1])
            uids[int(pid)] = os.stat(f"/proc/{pid}").st_uid
        except (OSError, ValueError, IndexError):
            pass

    def below_us(pid):
        while pid > 1:
            pid = parents.get(pid, 0)
            if pid == os.getpid():
                return True
        return False

    return [pid for pid, uid in uids.items() if uid in SANDBOX_UIDS and below_us(pid)]


def no_sandbox_processes_left(seconds=3.0):
    deadline = time.monotonic() + seconds
    while sandbox_processes():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.parametrize("attack", ATTACKS, ids=[p.stem for p in ATTACKS])
def test_attack_is_contained(quick_grader, tmp_path, listener, attack):
    port, hits = listener
    source = attack.read_text().replace("PORT", str(port)).replace("REPO", repr(str(ROOT)))
    path = tmp_path / attack.name
    path.write_text(source)
    result = quick_grader.grade_file(path, header(attack, "assignment", "a1-activations"))
    scores = {e.function: e for e in result.exercises}
    attacked = header(attack, "attacked")
    assert scores[attacked].score == 0, [c.message for c in scores[attacked].checks if c.passed]
    messages = "\n".join(c.message for c in scores[attacked].checks)
    assert header(attack, "message") in messages, messages[:3000]
    for function, exercise in scores.items():
        if function != attacked:
            assert exercise.score == exercise.max_score, exercise
    assert hits == [], "the child reached a server on the loopback"
    assert no_sandbox_processes_left(), "a process of the submission outlived its grading"
    after = quick_grader.grade_file(CORRECT, "a1-activations")
    assert after.score == after.max_score, after.to_json()


@pytest.mark.skipif(os.geteuid() != 0, reason="namespaces and user switching need root here")
def test_every_layer_is_on_and_reported(grader):
    result = grader.grade_file(CORRECT, "a1-activations")
    assert set(result.sandbox) >= {
        "pid-namespace", "network-namespace", "mount-namespace", "filesystem-view",
        "memory_mb", "cpu_seconds", "processes", "open_files", "file_mb",
        "unprivileged-user", "clean-environment"}
    assert result.to_json()["sandbox"] == result.sandbox


def test_every_worker_starts_the_global_random_generators_alike(course):
    """A submission that draws from np.random (against the contract) gets the same
    feedback from two graders, whose fork servers started with different random states."""
    from autograder.grading import Grader

    path = SUBMISSIONS / "a2-optimization" / "bug_dropout_global_random.py"
    first, second = (Grader(course).grade_file(path, "a2-optimization").to_json()
                     for _ in range(2))
    assert first["score"] < first["max_score"]
    assert first == second
