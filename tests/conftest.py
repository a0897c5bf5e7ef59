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
