"""On a machine with a CUDA device, the server's workers grade torch exercises on it."""

import pytest
import torch
from serverlib import ServerProcess, client, make_tokens, upload, wait_graded

from conftest import SUBMISSIONS

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(
    not torch.cuda.is_available(), reason="needs a CUDA device; this machine has none")]

COURSE = """\
title: GPU server test
grading: {device: auto, max_examples: 5}
assignments:
  - id: a4-triplet-loss
    title: Face verification
    notebook: assignments/a4-triplet-loss.ipynb
    exercises:
      - {function: triplet_loss, points: 8}
      - {function: batch_hard_triplet_loss, points: 12}
"""


def test_a_torch_submission_is_graded_on_cuda_by_a_server_worker(tmp_path):
    course_file = tmp_path / "course.yml"
    course_file.write_text(COURSE)
    data = tmp_path / "data"
    tokens = make_tokens(data, ["ann"])
    path = sorted((SUBMISSIONS / "a4-triplet-loss").glob("correct_*.py"))[0]
    with ServerProcess(course_file, data, "--workers", "1") as server, \
            client(server, tokens["ann"]) as ann:
        submission_id = upload(ann, path, assignment="a4-triplet-loss").json()["id"]
        result = wait_graded(ann, [submission_id], timeout=300)[submission_id]
    assert result["result"]["device"] == "cuda"
    assert result["score"] == result["max_score"] == 20.0
    assert list((data / "locks").glob("gpu0-slot0.lock"))  # it held the GPU's job slot
