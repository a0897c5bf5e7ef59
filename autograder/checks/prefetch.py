"""Replayed inputs' calls sent to the sandbox in batches instead of one call at a time.

When no recorded input's calls need the grader's help while they run (as a callback or a
CPU-time reading does), the calls are known before the property runs: a planning pass runs
the property on each input up to its first call, which it plans instead of making; the
worker runs all of them from one message, in order, and stops at the first exception. An
input that made more calls is planned again up to its second call, the first answered from
the batch, and so on: one batch per call position. Then the property runs for real and
takes each call's reply from the batches. A call that is not the one planned goes to the
worker on its own.

Within a batch the calls run in the order of the inputs, so an input's second call runs
after every input's first: that is only done where no call keeps an object in the worker
or refers to one (``keep=``, ``Ref``), and a function's results depend on its arguments
alone, as the contract requires. Where each input makes one call, the order is that of
calls made one at a time.
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

    @property
    def reorderable(self) -> bool:
        """Whether the call may run before an earlier input's later calls: it neither keeps
        an object in the worker nor uses one kept."""
        return not self.options.get("keep") and '"$ref"' not in self.key[0]


Slot = tuple[int, int]  # (input, call position within that input)


class Prefetched:
    """The batches' replies, by input and call position."""

    def __init__(self):
        self.replies: dict[Slot, tuple[PlannedCall, object]] = {}

    def add(self, slots: list[Slot], planned: list[PlannedCall], results: list) -> None:
        """A batch's replies (up to where it stopped) for the calls planned at ``slots``."""
        for slot, call, result in zip(slots, planned, results, strict=False):
            self.replies[slot] = (call, result)

    def reply(self, slot: Slot, call: PlannedCall):
        """The reply for ``call`` (a CallOutcome, or the exception to raise), or None when
        the batches have none for it: a batch stopped earlier, or the call is not the one
        planned."""
        entry = self.replies.get(slot)
        if entry is None or not call.batchable or entry[0].key != call.key:
            return None
        return entry[1]

    def take(self, slot: Slot, call: PlannedCall):
        """``reply``, used up: each slot answers one call of the real pass."""
        reply = self.reply(slot, call)
        self.replies.pop(slot, None)
        return reply


def prefetch(process, planned: list[PlannedCall | None], deadline: float) -> list | None:
    """Send the planned calls (None where planning failed) in one batch and return the
    replies, all due by the check's ``deadline``, up to where the batch stopped; None where
    batching does not apply."""
    if len(planned) < 2 or not all(c is not None and c.batchable for c in planned):
        return None
    try:
        return process.call_batch([c.request for c in planned], [c.limit for c in planned],
                                  deadline)
    except wire.WireError:  # the batch would be over the message size limit
        return None
