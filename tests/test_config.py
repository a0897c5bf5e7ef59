"""course.yml loads into typed objects; a bad key is reported with its line."""

import pytest

from autograder.config import CourseConfigError, load_course

VALID = """\
title: T
assignments:
  - id: a1-activations
    title: Activations
    notebook: assignments/a1-activations.ipynb
    exercises:
      - {function: sigmoid, points: 5}
"""


def load(tmp_path, text):
    path = tmp_path / "course.yml"
    path.write_text(text)
    return load_course(path)


def test_the_repository_course_is_valid(course):
    assert [a.id for a in course.assignments] == [
        "a1-activations", "a2-optimization", "a3-detection", "a4-triplet-loss",
        "a5-sequence-models"]
    functions = [e.function for a in course.assignments for e in a.exercises]
    assert len(functions) == 19
    assert course.grading.device == "auto"


def test_defaults_fill_the_grading_section(tmp_path):
    course = load(tmp_path, VALID)
    assert course.grading.call_timeout == 10.0
    assert course.assignment("a1-activations").max_score == 5


@pytest.mark.parametrize("bad, where", [
    (VALID.replace("points: 5", "points: -1"),
     ":7: assignments[0].exercises[0].points: Input should be greater than 0"),
    (VALID.replace("sigmoid,", "sigmod,"), ":3: assignments[0]: Value error, sigmod not in the"),
    (VALID.replace("title: T", "title: T\ngradng: {}"), ":2: gradng: Extra inputs are not"),
    (VALID.replace("id: a1-activations", "id: a9-nope"), ":3: assignments[0]: Value error, "
                                                          "unknown assignment 'a9-nope'"),
    (VALID + "grading: {device: tpu}\n", ":8: grading.device: Input should be 'auto'"),
    ("title: [unclosed\n", ": not valid YAML"),
])
def test_errors_name_the_line_and_key(tmp_path, bad, where):
    with pytest.raises(CourseConfigError) as info:
        load(tmp_path, bad)
    assert where in str(info.value)
    assert str(info.value).startswith(str(tmp_path / "course.yml"))
