"""Shared fixtures: the course and one grader for the whole session (warm fork servers).

Recorded inputs (``autograder/checks/recordings.py``) go to .pytest_cache, shared by the
test processes and the commands they start, never to the user's own cache.
"""

import os
from pathlib import Path

import pytest

from autograder.config import load_course
from autograder.grading import Grader

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = Path(__file__).resolve().parent / "submissions"
os.environ.setdefault("COURSE_CACHE_DIR", str(ROOT / ".pytest_cache" / "course-cache"))


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
