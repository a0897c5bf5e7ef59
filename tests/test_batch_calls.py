"""Many calls in one exchange with the sandboxed worker (``StudentProcess.call_batch``),
as replayed properties send them (``autograder/checks/prefetch.py``): the same replies as
one call at a time, in the same order, ending at the first exception, hang or crash."""

import copy
import math
import time

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from autograder.checks.prefetch import PlannedCall, Prefetched, prefetch
from autograder.sandbox.child.wire import Ref
from autograder.sandbox.forkserver import fork_server
from autograder.sandbox.process import (
    CallOutcome,
    StudentCrash,
    StudentError,
    StudentProcess,
    call_request,
)

SOURCE = """
import os, time
import numpy as np
CALLS = []

def double(x):
    CALLS.append(x)
    return x * 2

def fails_on_three(x):
    CALLS.append(x)
    if x == 3:
        raise ValueError("three")
    return x

def hangs_on_three(x):
    CALLS.append(x)
    while x == 3:
        time.sleep(0.01)
    return x

def dies_on_three(x):
    CALLS.append(x)
    if x == 3:
        os._exit(9)
    return x

def calls_so_far():
    return list(CALLS)
"""
NAMES = ["double", "fails_on_three", "hangs_on_three", "dies_on_three", "calls_so_far"]


@pytest.fixture
def process(course):
    worker = StudentProcess(fork_server(("numpy",), "cpu", course.grading.sandbox.model_dump()),
                            [{"name": "cell", "source": SOURCE}], NAMES)
    worker.start()
    yield worker
    worker.close()


def batch(function, values):
    return [call_request(function, (v,), None) for v in values]


def test_a_batch_gives_each_call_its_reply_in_order(process):
    values = [1.5, np.arange(4.0), np.float32(2), 7]
    replies = process.call_batch(batch("double", values), [5.0] * len(values))
    assert all(isinstance(r, CallOutcome) for r in replies)
    expected = [3.0, np.arange(4.0) * 2, np.float32(4), 14]
    for reply, want in zip(replies, expected, strict=True):
        assert np.array_equal(reply.value, want)
        assert type(reply.value) is type(want)
    assert process.call("calls_so_far", timeout=5).value[-1] == 7


def test_a_batch_stops_at_the_first_exception(process):
    replies = process.call_batch(batch("fails_on_three", [1, 2, 3, 4, 5]), [5.0] * 5)
    assert [r.value for r in replies[:2]] == [1, 2]
    assert isinstance(replies[2], StudentError) and replies[2].type_name == "ValueError"
    assert len(replies) == 3
    assert process.call("calls_so_far", timeout=5).value == [1, 2, 3]  # 4 and 5 never ran


@pytest.mark.parametrize("function", ["hangs_on_three", "dies_on_three"])
def test_a_hang_or_a_crash_ends_the_batch_at_that_call(process, function):
    replies = process.call_batch(batch(function, [1, 2, 3, 4]), [5.0, 5.0, 1.0, 5.0])
    assert [r.value for r in replies[:2]] == [1, 2]
    assert isinstance(replies[2], StudentCrash) and len(replies) == 3
    if function == "hangs_on_three":
        assert str(replies[2]) == "timed out"
    assert process.call("double", (4,), timeout=5).value == 8  # a fresh worker took over


def test_the_checks_deadline_ends_a_batch_without_blaming_the_call(process):
    """Each call is within its own limit, but the check runs out of time: the batch stops
    there, and the check (not the call) fails for lack of time, as one by one."""
    started = time.monotonic()
    replies = process.call_batch(batch("hangs_on_three", [1, 2, 3, 4]), [5.0] * 4,
                                 deadline=started + 1.0)
    assert time.monotonic() - started < 3.0
    assert [r.value for r in replies] == [1, 2]
    assert process.call("double", (4,), timeout=5).value == 8


def test_a_call_that_was_not_planned_gets_no_reply_from_the_batch(process):
    planned = [PlannedCall("double", (v,), None, {}, 5.0) for v in (1, 2)]
    replies = Prefetched()
    replies.add([(0, 0), (1, 0)], planned, prefetch(process, planned, float("inf")))
    assert replies.reply((1, 0), PlannedCall("double", (2,), None, {})).value == 4
    assert replies.take((0, 0), PlannedCall("double", (1,), None, {})).value == 2
    assert replies.take((1, 1), PlannedCall("double", (2,), None, {})) is None  # not planned
    assert replies.take((1, 0), PlannedCall("double", (2.0,), None, {})) is None  # not an int
    assert replies.take((1, 0), PlannedCall("double", (2,), None, {})) is None  # taken


def test_calls_that_need_the_grader_while_running_are_not_batched(process):
    timed = [PlannedCall("double", (v,), None, {"cpu_time": True}, 5.0) for v in (1, 2)]
    assert prefetch(process, timed, float("inf")) is None
    assert prefetch(process, [PlannedCall("double", (1,), None, {}, 5.0), None],
                    float("inf")) is None
    assert Prefetched().take((0, 0), timed[0]) is None


def test_only_calls_that_keep_and_use_nothing_in_the_worker_may_be_reordered():
    assert PlannedCall("double", (np.ones(2),), None, {}).reorderable
    assert not PlannedCall("step", (1,), None, {"keep": "state"}).reorderable
    assert not PlannedCall("step", (Ref("state"),), None, {}).reorderable
    assert not PlannedCall("step", ({"state": Ref("state")},), None, {}).reorderable


# values that often agree in ==, but not always in what is sent: 1, 1.0 and True; 0.0 and
# -0.0; one array in two dtypes or two byte orders
LEAVES = st.one_of(
    st.none(), st.sampled_from([0, 1, True, 0.0, -0.0, 1.0, math.nan, math.inf, "1"]),
    st.sampled_from([np.array([1.0]), np.array([1.0], ">f8"), np.array([1], np.int32),
                     np.array([1.0, -0.0]), np.array([1.0, 0.0]), np.array(1.0)]),
    st.just(Ref("state")))
VALUES = st.recursive(LEAVES, lambda inner: st.one_of(
    st.lists(inner, max_size=2), st.lists(inner, max_size=2).map(tuple),
    st.dictionaries(st.sampled_from(["a", "b"]), inner, max_size=2)), max_leaves=4)


@given(VALUES, VALUES)
@example(-0.0, 0.0)
@example(1, 1.0)
@example(True, 1)
@example(math.nan, math.nan)
@example(np.array([1.0, -0.0]), np.array([1.0, 0.0]))
@example(np.array([1.0]), np.array([1], np.int32))
@example([Ref("state")], [Ref("state")])
def test_a_call_counts_as_the_planned_one_only_if_it_would_send_the_same_message(a, b):
    planned, made = PlannedCall("f", (a,), {"x": b}, {}), PlannedCall("f", (b,), {"x": a}, {})
    if planned.same_as(made):
        assert planned.key == made.key
    assert planned.same_as(PlannedCall("f", (copy.deepcopy(a),), {"x": copy.deepcopy(b)}, {}))
    assert not planned.same_as(PlannedCall("g", (a,), None, {}))
    assert not planned.same_as(PlannedCall("f", (a,), None, {"report_inputs": True}))
