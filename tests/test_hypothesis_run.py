"""A property's run in two steps: search for the first failing input, then shrink it
from its choice sequence, without drawing the inputs before it again
(``autograder/checks/hypothesis_run.py``)."""

import pytest
from hypothesis import strategies as st

from autograder.checks.hypothesis_run import choice_bytes, run_hypothesis
from autograder.checks.model import CheckFailure

STRATEGIES = {"x": st.integers(0, 10**9)}


def over_1000(seen: list, captured: list | None = None):
    def example(drawn, data):
        seen.append(drawn["x"])
        if drawn["x"] > 1000:
            if captured is not None:
                captured.append(choice_bytes(data))
            raise CheckFailure(f"{drawn['x']} is over 1000")
    return example


def run(example, **options):
    run_hypothesis(example, STRATEGIES, function="f", seed=3, max_examples=50, **options)


def search_for_failure() -> tuple[list, list, CheckFailure]:
    seen, captured = [], []
    with pytest.raises(CheckFailure) as failure:
        run(over_1000(seen, captured))
    return seen, captured, failure.value


def test_a_search_stops_at_the_first_failure_and_does_not_shrink_it():
    seen, captured, failure = search_for_failure()
    passed_before = [x for x in seen if x <= 1000]
    assert seen[-1] > 1000 and failure.message == f"{seen[-1]} is over 1000"
    assert seen[-1] != 1001  # not shrunk
    assert len(seen) == len(passed_before) + 2  # found, then replayed once to report it
    assert captured[-1] == captured[0]


def test_a_shrink_starts_at_the_failing_input_and_reaches_the_smallest():
    _, captured, first = search_for_failure()
    seen = []
    with pytest.raises(CheckFailure) as failure:
        run(over_1000(seen), shrink=True, shrink_from=captured[-1])
    assert failure.value.message == "1001 is over 1000"
    assert seen[0] == int(first.message.split()[0])  # no passing input drawn before it


def test_shrinking_from_the_search_gives_what_one_full_run_gives():
    _, captured, _ = search_for_failure()
    messages = []
    for options in ({"shrink": True, "shrink_from": captured[-1]}, {"shrink": True}):
        with pytest.raises(CheckFailure) as failure:
            run(over_1000([]), **options)
        messages.append(failure.value.message)
    assert messages == ["1001 is over 1000"] * 2


def test_a_start_that_passes_now_ends_the_shrink_without_a_failure():
    seen = []
    run(lambda drawn, data: seen.append(drawn["x"]), shrink=True,
        shrink_from=search_for_failure()[1][-1])
    assert len(seen) == 1


def test_a_result_that_changes_for_the_same_input_is_a_failure_that_says_so():
    calls = []

    def flaky(drawn, data):
        calls.append(drawn["x"])
        if len(calls) == 1:
            raise CheckFailure("failed once")

    with pytest.raises(CheckFailure, match="f gave different results for the same input"):
        run(flaky)
