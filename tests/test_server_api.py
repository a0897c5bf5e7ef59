"""The grading server's API against a real ``course serve`` process: SQLite store, local
worker processes, real grading."""

import csv
import io
import json
import subprocess
import sys

import nbformat
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

MAX_UPLOAD = 100_000
STUDENTS = ["ann", "bob", "cat", "dan"]


@pytest.fixture(scope="module")
def course_file(tmp_path_factory):
    return write_small_course(tmp_path_factory.mktemp("course"))


@pytest.fixture(scope="module")
def server(course_file, tmp_path_factory):
    data = tmp_path_factory.mktemp("server") / "data"
    tokens = make_tokens(data, STUDENTS)
    with ServerProcess(course_file, data, "--workers", "2", "--rate-limit", "5/600",
                       "--max-upload-mb", str(MAX_UPLOAD / 1e6)) as process:
        process.tokens = tokens
        yield process


@pytest.fixture(scope="module")
def ann(server):
    with client(server, server.tokens["ann"]) as http:
        yield http


@pytest.fixture(scope="module")
def graded(server, ann):
    """ann's correct and buggy submissions, graded."""
    ids = {name: upload(ann, A1 / name).json()["id"]
           for name in ("correct_naive.py", "bug_exp_ratio.py")}
    results = wait_graded(ann, ids.values())
    return {name: results[sid] for name, sid in ids.items()}


def test_upload_is_graded_with_the_json_of_course_grade(graded, course_file):
    for name, submission in graded.items():
        assert submission["status"] == "done"
        cli = subprocess.run([sys.executable, "-m", "autograder", "--course", str(course_file),
                              "grade", str(A1 / name), "-a", "a1-activations", "--json"],
                             capture_output=True, text=True, check=True)
        assert submission["result"] == json.loads(cli.stdout)
        assert submission["score"] == submission["result"]["score"]
    assert graded["correct_naive.py"]["score"] == 5.0
    assert graded["bug_exp_ratio.py"]["score"] < 5.0


def test_status_of_a_fresh_upload_and_the_feedback_page(ann, graded):
    submission = graded["bug_exp_ratio.py"]
    page = ann.get(f"/api/submissions/{submission['id']}/feedback")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert f"{submission['score']:g} / 5" in page.text
    assert "known-values" in page.text and "failed" in page.text
    fresh = upload(ann, A1 / "correct_tanh.py")
    assert fresh.status_code == 202
    status = ann.get(fresh.json()["url"]).json()["status"]
    assert status in ("queued", "running", "done")
    wait_graded(ann, [fresh.json()["id"]])


def test_a_notebook_names_its_own_assignment(server):
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["course"] = {"assignment": "a1-activations"}
    notebook.cells = [nbformat.v4.new_markdown_cell("# my work"),
                      nbformat.v4.new_code_cell((A1 / "correct_naive.py").read_text())]
    with client(server, server.tokens["dan"]) as http:
        response = http.post("/api/submissions", files={
            "file": ("mine.ipynb", nbformat.writes(notebook).encode())})
        assert response.status_code == 202, response.text
        result = wait_graded(http, [response.json()["id"]])[response.json()["id"]]
    assert result["assignment"] == "a1-activations"
    assert result["score"] == 5.0


def test_students_see_only_their_own_submissions(server, graded):
    submission = graded["correct_naive.py"]
    with client(server, server.tokens["bob"]) as bob:
        for path in (f"/api/submissions/{submission['id']}",
                     f"/api/submissions/{submission['id']}/feedback"):
            response = bob.get(path)
            assert response.status_code == 404
            assert response.json()["error"] == "no_such_submission"
        assert all(s["student"] == "bob" for s in bob.get("/api/submissions").json())
        assert bob.get("/api/scores.csv").status_code == 403


def test_the_instructor_sees_everything_and_downloads_scores(server, graded):
    with client(server, server.tokens["prof"]) as prof:
        everyone = prof.get("/api/submissions").json()
        assert {s["id"] for s in graded.values()} <= {s["id"] for s in everyone}
        response = prof.get("/api/scores.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = {row["submission"]: row for row in csv.DictReader(io.StringIO(response.text))}
    for submission in graded.values():
        assert rows[submission["id"]]["student"] == "ann"
        assert float(rows[submission["id"]]["score"]) == submission["score"]


@pytest.mark.parametrize("token, error", [(None, "missing_token"), ("forged", "invalid_token")])
def test_requests_without_a_valid_token_are_refused(server, token, error):
    with client(server, token) as http:
        for response in (http.get("/api/submissions"), upload(http, A1 / "correct_naive.py")):
            assert response.status_code == 401
            assert response.json()["error"] == error
            assert response.headers["www-authenticate"] == "Bearer"


def test_bad_uploads_get_a_clear_4xx(server):
    with client(server, server.tokens["cat"]) as cat:
        cases = [
            (upload(cat, A1 / "correct_naive.py", assignment="a9-nonsense"), 422,
             "unknown_assignment"),
            (upload(cat, A1 / "correct_naive.py", assignment=None), 422, "missing_assignment"),
            (cat.post("/api/submissions", files={"file": ("mine.ipynb", b'{"cells": [')}), 422,
             "malformed_notebook"),
            (cat.post("/api/submissions", data={"assignment": "a1-activations"},
                      files={"file": ("mine.txt", b"print(1)")}), 422, "unsupported_file_type"),
            (cat.post("/api/submissions", data={"assignment": "a1-activations"},
                      files={"file": ("big.py", b"#" * (MAX_UPLOAD + 1))}), 413,
             "file_too_large"),
            (cat.post("/api/submissions", data={"assignment": "a1-activations"},
                      files={"file": ("huge.py", b"#" * (4 * MAX_UPLOAD))}), 413,
             "file_too_large"),
        ]
        for response, status, error in cases:
            assert response.status_code == status, response.text
            assert response.json()["error"] == error
            assert response.json()["detail"]
        no_file = cat.post("/api/submissions", data={"assignment": "a1-activations"})
        assert no_file.status_code == 422 and "file" in no_file.json()["detail"]
        assert cat.get("/api/submissions").json() == []


def test_an_idempotency_key_gives_one_submission(server):
    with client(server, server.tokens["dan"]) as dan:
        before = len(dan.get("/api/submissions").json())
        first = upload(dan, A1 / "bug_clip_20.py", key="retry-1")
        again = upload(dan, A1 / "bug_clip_20.py", key="retry-1")
        assert first.status_code == again.status_code == 202
        assert first.json()["id"] == again.json()["id"]
        assert again.headers["idempotent-replayed"] == "true"
        other = upload(dan, A1 / "correct_naive.py", key="retry-1")
        assert other.status_code == 409
        assert other.json()["error"] == "idempotency_key_reused"
        assert len(dan.get("/api/submissions").json()) == before + 1
        wait_graded(dan, [first.json()["id"]])


def test_uploads_are_rate_limited_per_student(server):
    with client(server, server.tokens["bob"]) as bob:
        statuses = [upload(bob, A1 / "bug_returns_list.py").status_code for _ in range(6)]
        assert statuses == [202] * 5 + [429]
        refused = upload(bob, A1 / "bug_returns_list.py")
        assert int(refused.headers["retry-after"]) > 0
        assert refused.json()["error"] == "rate_limited"
        wait_graded(bob, [s["id"] for s in bob.get("/api/submissions").json()])
    with client(server, server.tokens["cat"]) as cat:  # another student is not held back
        assert upload(cat, A1 / "correct_naive.py").status_code == 202


def test_service_endpoints(server, graded):
    with client(server, None) as http:
        assert http.get("/healthz").json()["status"] == "ok"
        assert {a["id"] for a in http.get("/api/assignments").json()} == {"a1-activations"}
        schema = http.get("/openapi.json").json()
        assert {"/api/submissions", "/api/submissions/{submission_id}",
                "/api/submissions/{submission_id}/feedback", "/api/scores.csv"} <= set(
            schema["paths"])
        assert http.get("/api/submissions").status_code == 401  # counted as missing_token
        metrics = http.get("/metrics")
    assert metrics.headers["content-type"].startswith("text/plain")
    values = dict(line.rsplit(" ", 1) for line in metrics.text.splitlines()
                  if line and not line.startswith("#"))
    assert int(values['grader_results_total{status="done"}']) >= 2
    assert int(values["grader_grading_seconds_count"]) >= 2
    assert "grader_queue_depth" in values
    assert int(values["grader_local_workers"]) == 2
    assert int(values['grader_refused_requests_total{reason="missing_token"}']) >= 1


def test_tokens_command(tmp_path, course_file):
    roster = tmp_path / "roster.csv"
    roster.write_text("Email,Name\nann@example.org,Ann\nbob@example.org,Bob\n")
    out = tmp_path / "tokens.csv"

    def run(*args):
        return subprocess.run([sys.executable, "-m", "autograder", "--course", str(course_file),
                               "tokens", *args, "--data", str(tmp_path / "data")],
                              capture_output=True, text=True)

    first = run(str(roster), "--instructor", "prof", "-o", str(out))
    assert first.returncode == 0, first.stderr
    rows = list(csv.DictReader(out.open()))
    assert [(r["person"], r["role"]) for r in rows] == [
        ("ann@example.org", "student"), ("bob@example.org", "student"), ("prof", "instructor")]
    assert len({r["token"] for r in rows}) == 3
    assert out.stat().st_mode & 0o077 == 0
    again = run(str(roster))
    assert "already has a token" in again.stdout
    reissued = run(str(roster), "--reissue")
    assert rows[0]["token"] not in reissued.stdout
    missing = run()
    assert missing.returncode == 2 and "roster" in missing.stderr
