"""What a running check can do: call the student's function, consult the reference,
draw inputs with hypothesis, and fail with a message a student can act on."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

import numpy as np

from ..sandbox.child import wire
from ..sandbox.process import CallOutcome, StudentCrash, StudentError, StudentProcess
from .compare import expect_match, render
from .hypothesis_run import choice_bytes, run_hypothesis
from .model import CheckFailure, Later
from .prefetch import Planned, PlannedCall, Prefetched, prefetch
from .recordings import (
    Recordings,
    Unrecordable,
    decode_example,
    encode_choices,
    encode_example,
    recorded_choices,
)


class Abort(BaseException):
    """Stops a check at once, through hypothesis, without shrinking (a crash, a timeout)."""

    def __init__(self, failure: CheckFailure):
        super().__init__(failure.message)
        self.failure = failure


class Trial:
    """The context handed to a check's ``run`` function."""

    def __init__(self, process: StudentProcess, *, function: str, references=None,
                 mode: str = "cpu", deadline: float, seed: int, max_examples: int = 60,
                 call_timeout: float = 10.0, recordings: Recordings | None = None,
                 check_id: str = ""):
        self.process = process
        self.function = function
        self._references = references
        self.device = "cuda" if mode == "cuda" else "cpu"  # where the references run
        self.deadline = deadline
        self.seed = seed
        self.max_examples = max_examples
        self.call_timeout = call_timeout
        self.examples_run = 0
        self.recordings = recordings
        self.check_id = check_id
        self.properties_run = 0  # numbers this check's properties, to key their recordings
        self.calls_made = 0
        self.unbatchable_calls = 0  # calls that need the grader while they run
        self._planning: list | None = None  # the planning pass of a batch (see prefetch)
        self._prefetched: Prefetched | None = None
        self._example = 0  # the replayed example running now
        self._call_place = 0  # the place of the next call within the example
        self.last_call = ""  # the latest call, shown as the input of a failure
        self.timed_out = False

    # ---------------------------------------------------------------- calling
    def invoke(self, function: str | None = None, args=(), kwargs=None, *,
               timeout: float | None = None, **options) -> CallOutcome:
        """Call a student function in the sandbox; student exceptions become StudentError."""
        function = function or self.function
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise Abort(CheckFailure("the check ran out of time (its time limit was reached)"))
        limit = min(remaining, timeout or self.call_timeout)
        self.last_call = (function, args, kwargs)
        planned = PlannedCall(function, args, kwargs, options, limit)
        slot = (self._example, self._call_place)
        self._call_place += 1
        if self._planning is not None:
            reply = self._prefetched.reply(slot, planned)
            if reply is None:
                self._planning.append((slot[1], planned))
                raise Planned
        else:
            self.calls_made += 1
            self.unbatchable_calls += not planned.batchable
            reply = self._prefetched.take(slot, planned) if self._prefetched else None
        try:
            if reply is None:
                return self.process.call(function, args, kwargs, timeout=limit, **options)
            if isinstance(reply, Exception):
                raise reply
            return reply
        except StudentCrash as crash:
            inputs = self.describe_call(function, args, kwargs)
            if str(crash) == "timed out":
                self.timed_out = True
                message = (f"{function} did not return within {limit:.1f} s (the time limit "
                           f"for one call); the process running it was stopped")
            else:
                message = f"{function} could not finish: {crash}"
            raise Abort(CheckFailure(message, counterexample=inputs)) from None

    def call(self, *args, **kwargs):
        """Call the function under test and return its result, failing on an exception."""
        return self.call_function(self.function, *args, **kwargs)

    def call_function(self, function: str, *args, **kwargs):
        try:
            return self.invoke(function, args, kwargs).value
        except StudentError as err:
            raise self.raised(err, function, args, kwargs) from None

    def raised(self, err: StudentError, function, args, kwargs) -> CheckFailure:
        hint = ""
        if err.type_name == "NotImplementedError":
            hint = " (it is not implemented yet)"
        printed = f"\nIt printed: {err.stdout[:500]}" if err.stdout.strip() else ""
        return CheckFailure(
            f"{function} raised {err.type_name}: {err.message}{hint}\n{err.traceback}".rstrip()
            + printed, counterexample=self.described(function, args, kwargs))

    def expect_raises(self, exc_type: str, *args, **kwargs) -> None:
        """The function under test must raise ``exc_type`` (by name) on these arguments."""
        try:
            value = self.invoke(self.function, args, kwargs).value
        except StudentError as err:
            if err.type_name != exc_type:
                raise CheckFailure(
                    f"{self.function} must raise {exc_type}, but it raised {err.type_name}: "
                    f"{err.message}", counterexample=self.described(
                        self.function, args, kwargs)) from None
            return
        raise CheckFailure(f"{self.function} must raise {exc_type}, but it returned normally",
                           counterexample=self.described(self.function, args, kwargs),
                           received=render(value))

    @property
    def last_call(self) -> str:
        """The latest call as text, written only when a message needs it (most checks pass)."""
        if isinstance(self._last_call, tuple):
            self._last_call = self.describe_call(*self._last_call)
        return self._last_call

    @last_call.setter
    def last_call(self, call: str | tuple) -> None:
        self._last_call = call

    @staticmethod
    def describe_call(function, args, kwargs) -> str:
        parts = [render(received_form(a, sent=True), 300) for a in args]
        parts += [f"{k}={render(received_form(v, sent=True), 300)}"
                  for k, v in (kwargs or {}).items()]
        return f"{function}({', '.join(parts)})"

    # ---------------------------------------------------------------- references
    def reference(self, function: str | None = None) -> Callable:
        if self._references is None:
            raise RuntimeError("public checks have no access to the references")
        return getattr(self._references, function or self.function)

    def expected(self, value):
        """A reference result as the grader sees received values (tensors as TensorData)."""
        return received_form(value, grading_device=self.device)

    def expect(self, received, expected, *, what="the result", check_device=True):
        """Fail unless ``received`` matches the grader-side value ``expected``."""
        with self.showing_last_call():
            expect_match(received, self.expected(expected), what=what,
                         check_device=check_device)

    @contextlib.contextmanager
    def showing_last_call(self):
        """A failure inside names the latest call as its input (described only then)."""
        try:
            yield
        except CheckFailure as failure:
            if failure.counterexample is None:
                failure.counterexample = self.described_last_call()
            raise

    def described(self, function, args, kwargs) -> Later:
        """A call, described only if the failure that names it is shown."""
        return Later(lambda: self.describe_call(function, args, kwargs))

    def described_last_call(self) -> str | Later:
        call = self._last_call
        return self.described(*call) if isinstance(call, tuple) else call

    @staticmethod
    def assume(condition) -> None:
        """Reject the current input when ``condition`` is false (say, a value too close to a
        threshold to grade fairly): it is no example, and hypothesis draws another. Unlike
        ``hypothesis.assume`` it also works on a replayed input, outside hypothesis."""
        if not condition:
            from hypothesis.errors import UnsatisfiedAssumption

            raise UnsatisfiedAssumption()

    def fail(self, message: str, **details) -> None:
        raise CheckFailure(message, counterexample=self.described_last_call(), **details)

    def expect_unchanged(self, *args, **kwargs):
        """Call the function under test and fail if it modified any of its inputs."""
        try:
            outcome = self.invoke(self.function, args, kwargs, report_inputs=True)
        except StudentError as err:
            raise self.raised(err, self.function, args, kwargs) from None
        after_args, after_kwargs = outcome.inputs_after
        pairs = [(f"argument {i + 1}", a, b) for i, (a, b) in enumerate(zip(
            args, after_args, strict=True))]
        pairs += [(f"argument {k}", v, after_kwargs.get(k)) for k, v in kwargs.items()]
        for label, sent, after in pairs:
            if isinstance(sent, (wire.Rng, wire.Ref, wire.CallbackMarker)):
                continue
            with self.showing_last_call():
                expect_match(after, received_form(sent), what=f"{label} after the call "
                             "(inputs must not be modified in place)", check_device=False)
        return outcome.value

    # ---------------------------------------------------------------- properties
    def for_all(self, max_examples: int | None = None, **strategies):
        """Run the decorated property on inputs drawn by hypothesis (seeded), and on
        failure raise the CheckFailure of the smallest failing input it can find.

        The first failing input is looked for among the recorded inputs of a run that
        passed, when there is one (see ``recordings``), else by hypothesis's search, which
        records the inputs if all pass. Then hypothesis shrinks that input. Both ways reach
        the same input with the same seed, so the counterexample is the same; a replayed
        failure skips drawing the inputs before it again (see ``hypothesis_run``)."""

        def decorate(prop):
            examples = max_examples or self.max_examples
            key = f"{self.check_id}#{self.properties_run}:seed={self.seed}:n={examples}"
            self.properties_run += 1
            recorded = self.recordings.get(key) if self.recordings else None
            failing = None
            if recorded is not None:
                failed_at = self.replay(prop, recorded)
                if failed_at is None:
                    return prop
                failing = recorded_choices(recorded[failed_at])
            if failing is None:
                failing = self.search(prop, strategies, examples, key)
                if failing is None:
                    return prop
            self.shrink(prop, strategies, examples, failing)
            return prop

        return decorate

    def search(self, prop, strategies: dict, examples: int, key: str) -> bytes | None:
        """Hypothesis draws inputs until one fails: None if none did (their record then
        kept for later runs), else the choice sequence of the one that failed."""
        recording: list | None = [] if self.recordings else None
        failing: list = []  # the failure raised, and hypothesis's record of its input

        def example(drawn: dict, data) -> None:
            nonlocal recording
            encoded = None
            if recording is not None:
                try:
                    encoded = encode_example(drawn)  # before the property can touch it
                except Unrecordable:
                    recording = None
            calls, unbatchable = self.calls_made, self.unbatchable_calls
            try:
                self.drawn_example(prop, drawn)
            except Exception as exc:
                failing[:] = [exc, data]
                raise
            if recording is not None:
                recording.append({"drawn": encoded,
                                  "choices": encode_choices(choice_bytes(data)),
                                  "calls": self.calls_made - calls,
                                  "batchable": self.unbatchable_calls == unbatchable})

        try:
            run_hypothesis(example, strategies, function=self.function, seed=self.seed,
                           max_examples=examples)
        except Exception as exc:
            if failing and exc is failing[0]:
                return choice_bytes(failing[1])
            raise
        if recording is not None:
            self.recordings.put(key, recording)
        return None

    def shrink(self, prop, strategies: dict, examples: int, failing: bytes) -> None:
        """Raise the failure of the smallest input hypothesis finds from the failing one.
        Should that input pass this time (a function whose results depend on earlier
        calls, or vary), hypothesis runs from the start instead, searching and shrinking
        in one run."""
        for start in (failing, None):
            run_hypothesis(lambda drawn, data: self.drawn_example(prop, drawn), strategies,
                           function=self.function, seed=self.seed, max_examples=examples,
                           shrink=True, shrink_from=start)

    def drawn_example(self, prop, drawn: dict) -> None:
        """``run_example`` on an input hypothesis drew; one it rejects is not counted."""
        from hypothesis.errors import UnsatisfiedAssumption

        try:
            self.run_example(prop, drawn)
        except UnsatisfiedAssumption:
            self.examples_run -= 1
            raise

    def run_example(self, prop, drawn: dict) -> None:
        self.examples_run += 1
        self._call_place = 0
        if time.monotonic() > self.deadline:
            raise Abort(CheckFailure("the check ran out of time (its time limit was reached)"))
        prop(**drawn)

    def replay(self, prop, recorded: list[dict]) -> int | None:
        """Run ``prop`` on recorded inputs: None if all passed, else the place of the first
        that failed (hypothesis shrinks it). Inputs the property rejected were not
        recorded; a timeout or crash stops the check, as it does under hypothesis. The calls
        go to the worker in batches where they can (``prefetch``)."""
        last_call_before = self._last_call  # unwritten: reading last_call renders it
        failed_at = 0
        try:
            if hasattr(self.process, "call_batch") and all(
                    isinstance(e, dict) and e.get("batchable") is True
                    and isinstance(e.get("calls"), int) for e in recorded):
                self._prefetched = self.prefetch_calls(prop, recorded)
                self.last_call = last_call_before
            for failed_at, example in enumerate(recorded):
                self._example = failed_at
                self.run_example(prop, decode_example(example["drawn"]))
        except Exception:  # hypothesis shrinks this input
            self.last_call = last_call_before
            return failed_at
        finally:
            self._prefetched = None
        return None

    def prefetch_calls(self, prop, recorded: list[dict]) -> Prefetched:
        """The replies to the calls the recorded inputs will make: one batch of every
        input's first call, then one of the second calls of those that made two, and so on
        while every input plans its call. Batches that would run an input's later call
        after another input's calls need every call to be reorderable (see ``prefetch``)."""
        prefetched = self._prefetched = Prefetched()
        counts = [e["calls"] for e in recorded]
        for place in range(max(counts, default=0)):
            inputs = [i for i, n in enumerate(counts) if n > place]
            planned = [self.plan_call(prop, decode_example(recorded[i]["drawn"]), i, place)
                       for i in inputs]
            if max(counts) > 1 and not all(c is not None and c.reorderable for c in planned):
                break
            replies = prefetch(self.process, planned, self.deadline)
            if replies is None:
                break
            prefetched.add([(i, place) for i in inputs], planned, replies)
            if len(replies) < len(planned) or isinstance(replies[-1], Exception):
                break  # the batch stopped at an exception; the real pass goes on from there
        return prefetched

    def plan_call(self, prop, drawn: dict, example: int, place: int) -> PlannedCall | None:
        """The call ``prop`` makes at ``place`` on ``drawn``, found by running it up to that
        call (the calls before it answered from the batches so far)."""
        self._planning, self._example, self._call_place = [], example, 0
        try:
            prop(**drawn)
        except Planned:
            planned_place, call = self._planning[0]
            return call if planned_place == place else None
        except Exception:
            return None
        finally:
            self._planning = None
        return None


# values that come out of the wire as they went in (floats too, inf and nan included; an
# int or a text too large to send is given back as it is)
SENT_AS_THEY_ARE = frozenset({type(None), bool, int, str, float, np.float64, np.float32})


def received_form(value, grading_device: str | None = None, *, sent: bool = False):
    """Pass a grader-side value through the wire format, so it looks like a received one.

    Tensors on ``grading_device`` count as on the grading device; with ``sent``, every
    tensor does (the child puts every tensor argument there).
    """
    if type(value) in SENT_AS_THEY_ARE:
        return value
    if type(value) is np.ndarray and value.dtype.isnative \
            and wire.dtype_name(value.dtype) in wire.DTYPES:
        return value.copy()  # what decoding it gives: the same values, a C-ordered copy

    def view(t):
        on_grading = sent or (grading_device is not None and t.device.type == grading_device)
        return t, ("grading" if on_grading else str(t.device))

    try:
        tree, buffers = wire.encode(value, tensor_view=view)
        return wire.decode(tree, buffers)
    except wire.WireError:
        return value
