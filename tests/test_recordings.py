"""Replayed inputs: the same results as hypothesis alone, only faster.

A recording holds the inputs hypothesis drew for a property that passed; the next
submission is checked on them first, and hypothesis runs only when one fails. These tests
grade the same submissions with and without recordings and compare every field of the
results, and check the codec, the disk store and its refusals.
"""

import collections
import dataclasses
import json
import math
import os

import numpy as np
import pytest

from autograder.checks import recordings
from autograder.checks.recordings import Recordings, Unrecordable, decode, encode
from autograder.checks.trial import Trial
from autograder.exercises.a5_sequence_models.toy_lm import BeamCase, ModelSpec
from autograder.grading import Grader
from autograder.sandbox.process import StudentProcess

from conftest import ROOT, SUBMISSIONS


def without_timings(value):
    if isinstance(value, dict):
        return {k: without_timings(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [without_timings(v) for v in value]
    return value


def same_kind(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same_kind(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_kind(a[k], b[k]) for k in a)
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a)
                                                     == math.copysign(1, b))
    if dataclasses.is_dataclass(a):
        return same_kind(dataclasses.asdict(a), dataclasses.asdict(b))
    return a == b


VALUES = [
    None, True, 0, -7, 2**70, "text", 1.5, -0.0, math.inf, -math.inf, math.nan,
    [1, [2.0, "x"]], (1, (2, None)), {"a": (1.0,), "b": [np.float32(2.5)]},
    np.arange(6, dtype=np.int64).reshape(2, 3), np.zeros((0, 4), np.float32),
    np.array(3.25), np.array([True, False]), np.array([np.nan, -0.0, np.inf], np.float64),
    np.float64(1e-300), np.int32(-3), np.bool_(True),
    np.dtype("float32"), np.float32, np.float64,
]


@pytest.mark.parametrize("value", VALUES, ids=[repr(v)[:30] for v in VALUES])
def test_every_drawn_kind_survives_recording(value):
    data = json.loads(json.dumps(encode(value)))
    assert same_kind(decode(data), value)


def test_a_dataclass_of_ours_survives_recording():
    case = BeamCase(model=ModelSpec(vocab_size=5, seed=3, dtype="float32", bos=0, eos=1,
                                    eos_bias=0.5, scale=2.0), beam_width=2, max_len=4, alpha=0.7)
    assert same_kind(decode(json.loads(json.dumps(encode(case)))), case)


@pytest.mark.parametrize("value", [object(), np.array([object()]), lambda: 1, {1: "int key"},
                                   np.arange(6).reshape(2, 3).T])
def test_values_it_cannot_write_exactly_are_refused(value):
    with pytest.raises(Unrecordable):
        encode(value)


@dataclasses.dataclass
class Derived:
    value: int
    twice: int = dataclasses.field(init=False)

    def __post_init__(self):
        self.twice = 2 * self.value


def test_a_value_that_cannot_be_rebuilt_is_not_recorded(monkeypatch):
    monkeypatch.setattr(Derived, "__module__", "autograder.checks.recordings")
    monkeypatch.setattr(recordings, "Derived", Derived, raising=False)
    with pytest.raises(Unrecordable):
        recordings.encode_example({"x": Derived(3)})


def test_a_recording_cannot_name_a_class_outside_the_grader():
    with pytest.raises(ValueError, match="refusing"):
        decode({"dataclass": "subprocess:Popen", "fields": {}})


def test_recordings_are_shared_through_a_private_folder(tmp_path):
    first = Recordings("a1-activations", "f" * 20, tmp_path)
    first.put("sigmoid/x#0", [{"z": encode(np.ones(3))}])
    second = Recordings("a1-activations", "f" * 20, tmp_path)
    assert second.get("sigmoid/x#0") == [{"z": encode(np.ones(3))}]
    assert second.get("sigmoid/other#0") is None
    assert oct(first.folder.stat().st_mode & 0o777) == "0o700"
    first.folder.chmod(0o777)  # anybody could have planted inputs in it: not trusted
    assert Recordings("a1-activations", "f" * 20, tmp_path).get("sigmoid/x#0") is None


def test_a_new_fingerprint_replaces_the_old_recordings(tmp_path):
    Recordings("a1-activations", "a" * 20, tmp_path).put("k", [])
    Recordings("a1-activations-extra", "b" * 20, tmp_path).put("k", [])
    Recordings("a1-activations", "c" * 20, tmp_path).put("k", [])
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "a1-activations-" + "c" * 20, "a1-activations-extra-" + "b" * 20]


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    return tmp_path


def graders(course):
    """A grader that replays recordings and one that runs hypothesis every time."""
    plain = course.grading.model_copy(update={"replay_inputs": False})
    return Grader(course), Grader(course.model_copy(update={"grading": plain}))


def test_a_second_submission_is_checked_on_the_recorded_inputs(course, private_cache,
                                                               monkeypatch):
    replaying, _ = graders(course)
    reference = ROOT / "solutions" / "a1_activations.py"
    replaying.grade_file(reference, "a1-activations")
    assert list(private_cache.glob("examples/a1-activations-*/*.json"))
    replays = []
    original = Trial.replay

    def spy(self, prop, recorded):
        replays.append(original(self, prop, recorded))
        return replays[-1]

    monkeypatch.setattr(Trial, "replay", spy)
    result = replaying.grade_file(SUBMISSIONS / "a1-activations" / "correct_logaddexp.py",
                                  "a1-activations")
    assert result.score == result.max_score
    assert replays and all(failed_at is None for failed_at in replays)


def test_an_input_making_two_calls_replays_in_one_batch_per_call(course, private_cache,
                                                                  monkeypatch):
    """sigmoid/symmetry-and-range calls s(z), then s(-z), on each input: replayed, every
    first call goes in one batch and every second call in another. Adam's trajectory keeps
    its state in the worker, so its calls cannot be reordered: they go one at a time."""
    replaying, _ = graders(course)
    a1, a2 = ROOT / "solutions" / "a1_activations.py", ROOT / "solutions" / "a2_optimization.py"
    replaying.grade_file(a1, "a1-activations")
    replaying.grade_file(a2, "a2-optimization")
    check, batches, singles = [""], collections.defaultdict(list), collections.Counter()
    start, call, call_batch = Trial.__init__, StudentProcess.call, StudentProcess.call_batch

    def spy_start(self, *args, check_id="", **kwargs):
        check[0] = check_id
        start(self, *args, check_id=check_id, **kwargs)

    def spy_call(self, *args, **kwargs):
        singles[check[0]] += 1
        return call(self, *args, **kwargs)

    def spy_batch(self, requests, *args, **kwargs):
        batches[check[0]].append(len(requests))
        return call_batch(self, requests, *args, **kwargs)

    monkeypatch.setattr(Trial, "__init__", spy_start)
    monkeypatch.setattr(StudentProcess, "call", spy_call)
    monkeypatch.setattr(StudentProcess, "call_batch", spy_batch)
    assert replaying.grade_file(a1, "a1-activations").score == 10
    symmetry = batches["sigmoid/symmetry-and-range"]
    assert len(symmetry) == 2 and symmetry[0] == symmetry[1] > 10
    assert singles["sigmoid/symmetry-and-range"] == 0
    result = replaying.grade_file(a2, "a2-optimization")
    assert result.score == result.max_score
    assert not batches["adam_step/trajectory-matches-reference"]
    assert singles["adam_step/trajectory-matches-reference"] > 10


def test_a_corrupt_recording_falls_back_to_hypothesis(course, private_cache):
    replaying, plain = graders(course)
    path = SUBMISSIONS / "a1-activations" / "bug_clip_20.py"
    replaying.grade_file(ROOT / "solutions" / "a1_activations.py", "a1-activations")
    for stored in private_cache.glob("examples/a1-activations-*/*.json"):
        data = json.loads(stored.read_text())
        data["examples"] = [{"z": {"no such kind": 1}}]
        stored.write_text(json.dumps(data))
    recordings._shared.clear()  # a new process: read from disk
    assert without_timings(replaying.grade_file(path, "a1-activations").to_json()) == \
        without_timings(plain.grade_file(path, "a1-activations").to_json())


def test_a_replayed_failure_is_shrunk_without_drawing_the_inputs_before_it(
        course, private_cache, monkeypatch):
    """bug_clip_20 passes sigmoid/matches-reference's recorded inputs until one below -21:
    hypothesis starts from that input, not from the first of the recording."""
    from hypothesis.control import _current_build_context

    replaying, _ = graders(course)
    replaying.grade_file(ROOT / "solutions" / "a1_activations.py", "a1-activations")
    runs, original = [], Trial.run_example

    def spy(self, prop, drawn):
        passed = False
        try:
            original(self, prop, drawn)
            passed = True
        finally:
            if self.check_id == "sigmoid/matches-reference":
                runs.append((_current_build_context.value is not None, passed))

    monkeypatch.setattr(Trial, "run_example", spy)
    replaying.grade_file(SUBMISSIONS / "a1-activations" / "bug_clip_20.py", "a1-activations")
    replayed = [passed for under_hypothesis, passed in runs if not under_hypothesis]
    shrinking = [passed for under_hypothesis, passed in runs if under_hypothesis]
    assert replayed[-1] is False and replayed.count(True) == len(replayed) - 1 > 10
    assert shrinking[0] is False and len(shrinking) > 5


def test_a_recorded_start_that_no_longer_fails_falls_back_to_a_full_run(course,
                                                                        private_cache):
    """Every recorded input given the choices of the first (which passes): the shrink
    starts from a passing input, so hypothesis runs from the start and still fails the
    same checks with the same score."""
    replaying, plain = graders(course)
    path = SUBMISSIONS / "a1-activations" / "bug_clip_20.py"
    replaying.grade_file(ROOT / "solutions" / "a1_activations.py", "a1-activations")
    for stored in private_cache.glob("examples/a1-activations-*/*.json"):
        data = json.loads(stored.read_text())
        for example in data["examples"]:
            example["choices"] = data["examples"][0]["choices"]
        stored.write_text(json.dumps(data))
    recordings._shared.clear()

    def failed(result):
        return {(e["function"], c["name"]) for e in result["exercises"] for c in e["checks"]
                if not c["passed"]}

    replayed = replaying.grade_file(path, "a1-activations").to_json()
    alone = plain.grade_file(path, "a1-activations").to_json()
    assert replayed["score"] == alone["score"] < alone["max_score"]
    assert failed(replayed) == failed(alone)


SAME_RESULTS = [
    "a1-activations/bug_clip_20.py", "a1-activations/bug_derivative_naive_ratio.py",
    "a1-activations/bug_math_exp.py",  # fails a property whose inputs make two calls each
    "a3-detection/bug_iou_plus_one.py", "a3-detection/bug_nms_index_order.py",
    "a4-triplet-loss/bug_bh_max_negative.py", "a5-sequence-models/bug_bs_sorted_by_log_prob.py",
    "a5-sequence-models/bug_mp_every_occurrence.py",
    "a2-optimization/bug_adam_no_bias_correction.py",
]


@pytest.mark.slow
@pytest.mark.parametrize("name", SAME_RESULTS)
def test_replaying_gives_exactly_the_results_of_hypothesis_alone(course, private_cache, name):
    """Buggy submissions fail on a replayed input, which hypothesis then shrinks; without a
    recording, hypothesis's search reaches the same input first and the same shrink
    follows, so every message, input and score agrees."""
    path = SUBMISSIONS / name
    assert path.is_file(), name
    assignment_id = path.parent.name
    replaying, plain = graders(course)
    replaying.grade_file(ROOT / "solutions" / f"{assignment_id.replace('-', '_')}.py",
                         assignment_id)
    replayed = replaying.grade_file(path, assignment_id).to_json()
    alone = plain.grade_file(path, assignment_id).to_json()
    assert replayed["score"] < replayed["max_score"]
    assert without_timings(replayed) == without_timings(alone)
    assert os.environ["COURSE_CACHE_DIR"] == str(private_cache)
