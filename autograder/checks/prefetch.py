"""Replayed inputs sent to the sandbox in one batch instead of one call at a time.

When every recorded input of a property led to exactly one call of the student's code (and
none needs the grader's help during the call, as a callback or a CPU-time reading does),
the calls are known before the property runs: a first pass runs the property on each input
up to its call, which it plans instead of making; the worker runs all of them from one
message, in the same order as one by one, and stops at the first exception; then the
property runs for real and takes each call's reply from the batch. A call that is not the
one planned goes to the worker on its own. Results are those of calls made one at a time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property

from ..sandbox.child import wire
from ..sandbox.process import call_request


class Planned(BaseException):
    """Stops a property at its call during the planning pass."""


@dataclass
class PlannedCall:
    function: str
    args: tuple
    kwargs: dict | None
    options: dict = field(default_factory=dict)
    limit: float = 0.0

    @cached_property
    def request(self) -> tuple[dict, list]:
        """The call as sent to the worker (encoded once: for the batch and for ``key``)."""
        return call_request(self.function, self.args, self.kwargs, **self.options)

    @cached_property
    def key(self) -> tuple:
        """What identifies the call: the request and the bytes sent (as text: 2 is not 2.0)."""
        request, buffers = self.request
        return json.dumps(request), [bytes(b) for b in buffers]

    @property
    def batchable(self) -> bool:
        return not (self.options.get("callbacks") or self.options.get("cpu_time"))


class Prefetched:
    """The batch's replies, by example: each example's first call takes its own."""

    def __init__(self, planned: list[PlannedCall], results: list):
        self.replies = {i: (call, result) for i, (call, result) in
                        enumerate(zip(planned, results, strict=False))}

    def take(self, example: int, call: PlannedCall):
        """The reply for ``call`` (a CallOutcome, or the exception to raise), or None when
        the batch has none for it: the batch stopped earlier, or the call is not the one
        planned."""
        entry = self.replies.pop(example, None)
        if entry is None or not call.batchable or entry[0].key != call.key:
            return None
        return entry[1]


def prefetch(process, planned: list[PlannedCall | None], deadline: float) -> Prefetched | None:
    """Send the planned calls (one per input; None where planning failed) in one batch and
    return the replies, all due by the check's ``deadline``; None where batching does not
    apply."""
    if len(planned) < 2 or not all(c is not None and c.batchable for c in planned):
        return None
    try:
        results = process.call_batch([c.request for c in planned], [c.limit for c in planned],
                                     deadline)
    except wire.WireError:  # the batch would be over the message size limit
        return None
    return Prefetched(planned, results)
