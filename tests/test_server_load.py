"""Load on loopback: 300 submissions from 30 concurrent clients, all accepted, all graded
for real, none lost. Prints (and records as test properties) the throughput and the
p50/p95 latencies of an upload and of a submission's grading."""

import asyncio
import statistics
import time
from datetime import datetime

import httpx
import pytest
from serverlib import A1, ServerProcess, make_tokens, wait_graded, write_small_course

CLIENTS = 30
PER_CLIENT = 10
FILES = ["correct_naive.py", "bug_exp_ratio.py", "correct_tanh.py"]


def percentile(values, q):
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


async def one_client(url, token, index, upload_seconds):
    ids = []
    async with httpx.AsyncClient(base_url=url, timeout=60,
                                 headers={"Authorization": f"Bearer {token}"}) as http:
        for n in range(PER_CLIENT):
            path = A1 / FILES[(index + n) % len(FILES)]
            started = time.perf_counter()
            response = await http.post(
                "/api/submissions", data={"assignment": "a1-activations"},
                headers={"Idempotency-Key": f"{index}-{n}"},
                files={"file": (path.name, path.read_bytes())})
            upload_seconds.append(time.perf_counter() - started)
            assert response.status_code == 202, response.text
            ids.append((response.json()["id"], path.name))
    return ids


@pytest.mark.slow
def test_300_concurrent_submissions(tmp_path, record_property):
    course_file = write_small_course(tmp_path)
    data = tmp_path / "data"
    students = [f"s{i:02d}" for i in range(CLIENTS)]
    tokens = make_tokens(data, students)
    with ServerProcess(course_file, data, "--workers", "2",
                       "--rate-limit", f"{PER_CLIENT}/60") as server:
        upload_seconds = []

        async def all_clients():
            batches = await asyncio.gather(*[
                one_client(server.url, tokens[s], i, upload_seconds)
                for i, s in enumerate(students)])
            return [item for batch in batches for item in batch]

        started = time.monotonic()
        submitted = asyncio.run(all_clients())
        uploaded = time.monotonic() - started
        with httpx.Client(base_url=server.url, timeout=30,
                          headers={"Authorization": f"Bearer {tokens['prof']}"}) as prof:
            results = wait_graded(prof, [sid for sid, _ in submitted], timeout=600)
        elapsed = time.monotonic() - started

    assert len(submitted) == len(results) == CLIENTS * PER_CLIENT
    expected = {"correct_naive.py": 5.0, "correct_tanh.py": 5.0}
    for sid, name in submitted:
        assert results[sid]["status"] == "done"
        assert results[sid]["score"] == expected.get(name, 3.5), (name, results[sid])
    graded = [datetime.fromisoformat(r["graded_at"]) - datetime.fromisoformat(
        r["submitted_at"]) for r in results.values()]
    latency = [d.total_seconds() for d in graded]
    numbers = {
        "submissions": len(results), "upload_seconds": round(uploaded, 2),
        "total_seconds": round(elapsed, 2),
        "throughput_per_second": round(len(results) / elapsed, 2),
        "upload_p50_ms": round(1000 * percentile(upload_seconds, 50), 1),
        "upload_p95_ms": round(1000 * percentile(upload_seconds, 95), 1),
        "graded_p50_s": round(percentile(latency, 50), 2),
        "graded_p95_s": round(percentile(latency, 95), 2),
    }
    for key, value in numbers.items():
        record_property(key, value)
    print("\nload test:", numbers)
