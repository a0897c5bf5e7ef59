"""On a machine with a CUDA device, torch exercises are graded on it."""

import pytest
import torch

from conftest import SUBMISSIONS

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(
    not torch.cuda.is_available(), reason="needs a CUDA device; this machine has none")]


@pytest.mark.parametrize("assignment_id", ["a3-detection", "a4-triplet-loss"])
def test_torch_assignment_is_graded_on_cuda(course, assignment_id):
    from autograder.grading import Grader

    grading = course.grading.model_copy(update={"device": "cuda"})
    grader = Grader(course.model_copy(update={"grading": grading}))
    path = sorted((SUBMISSIONS / assignment_id).glob("correct_*.py"))[0]
    result = grader.grade_file(path, assignment_id)
    assert result.device == "cuda"
    assert result.score == pytest.approx(result.max_score), result.to_json()
