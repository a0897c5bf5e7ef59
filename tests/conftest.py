"""Shared fixtures: the course and one grader for the whole session (warm fork servers)."""

from pathlib import Path

import pytest

from autograder.config import load_course
from autograder.grading import Grader

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = Path(__file__).resolve().parent / "submissions"


@pytest.fixture(scope="session")
def course():
    return load_course(ROOT / "course.yml")


@pytest.fixture(scope="session")
def grader(course):
    return Grader(course)


@pytest.fixture(scope="session")
def quick_grader(course):
    """A grader with short time limits, for submissions that hang on purpose."""
    grading = course.grading.model_copy(update={"call_timeout": 1.0, "check_timeout": 4.0})
    return Grader(course.model_copy(update={"grading": grading}))
