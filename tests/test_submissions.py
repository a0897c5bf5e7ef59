"""Grade the corpus of planted submissions in tests/submissions/<assignment>/.

- ``correct_*.py`` must get full marks.
- ``bug_*.py`` names, in ``# expect-fail: FUNCTION/CHECK`` lines, the checks its bug must
  fail; those checks fail with a message naming their rule, the file loses points, and
  every function it does not name still gets full marks.
"""

import re

import pytest

from autograder.exercises import ASSIGNMENT_IDS, module_name

from conftest import ROOT, SUBMISSIONS

EXPECT = re.compile(r"^# expect-fail: (\w+)/([\w-]+)\s*$", re.MULTILINE)
FILES = sorted(SUBMISSIONS.glob("*/*.py"))


def expectations(path):
    return {(m.group(1), m.group(2)) for m in EXPECT.finditer(path.read_text())}


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.stem}" for p in FILES])
def test_submission(grader, path):
    result = grader.grade_file(path, path.parent.name)
    failed = {(e.function, c.name): c for e in result.exercises for c in e.checks
              if not c.passed}
    report = "\n".join(f"{f}/{n}: {c.message[:400]}" for (f, n), c in failed.items())
    if path.stem.startswith("correct"):
        assert not failed, f"a correct submission lost points:\n{report}\n{result.errors}"
        assert result.score == pytest.approx(result.max_score)
        return
    expected = expectations(path)
    assert expected, f"{path.name} has no '# expect-fail: FUNCTION/CHECK' line"
    missing = expected - set(failed)
    assert not missing, f"these checks should have failed: {sorted(missing)}\n{report}"
    for key in expected:
        assert failed[key].message.startswith("Rule: "), failed[key].message
    named = {function for function, _ in expected}
    collateral = {key: c for key, c in failed.items() if key[0] not in named}
    assert not collateral, "functions the bug does not touch lost points:\n" + "\n".join(
        f"{f}/{n}: {c.message[:300]}" for (f, n), c in collateral.items())
    assert result.score < result.max_score


@pytest.mark.parametrize("assignment_id", ASSIGNMENT_IDS)
def test_every_reference_gets_full_marks(grader, assignment_id):
    path = ROOT / "solutions" / f"{module_name(assignment_id)}.py"
    result = grader.grade_file(path, assignment_id)
    failed = [f"{e.function}/{c.name}: {c.message[:300]}" for e in result.exercises
              for c in e.checks if not c.passed]
    assert not failed and not result.errors, failed + result.errors
    assert result.score == result.max_score > 0
