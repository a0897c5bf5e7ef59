"""What a failed check carries: its details are written as text only when read (a failure
thrown away while hypothesis shrinks costs no rendering), and read, they are the texts."""

import numpy as np
import pytest

from autograder.checks.compare import expect_match, render
from autograder.checks.model import CheckFailure, Later


def test_a_later_detail_is_written_once_and_only_when_read():
    writes = []
    failure = CheckFailure("broken", expected=Later(lambda: writes.append(1) or "one"))
    assert writes == []
    assert failure.expected == "one"
    assert failure.expected == "one"
    assert writes == [1]
    assert failure.received is None


def test_a_mismatch_shows_both_values_as_text():
    received, expected = np.array([1.0, 2.0]), np.array([1.0, 3.0])
    with pytest.raises(CheckFailure) as caught:
        expect_match(received, expected, counterexample="f(x)")
    failure = caught.value
    assert failure.expected == render(expected)
    assert failure.received == render(received)
    assert failure.full_message().splitlines()[1:] == [
        "Input: f(x)", f"Expected: {render(expected)}", f"Received: {render(received)}"]
