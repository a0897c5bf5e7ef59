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

import numpy as np

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

    def same_as(self, other: PlannedCall) -> bool:
        """Whether ``other`` would send what this call sends. Plain values are compared as
        they are, so the real pass encodes nothing; others by their encoded ``key``."""
        same = sent_alike((self.function, self.args, self.kwargs, self.options),
                          (other.function, other.args, other.kwargs, other.options))
        return self.key == other.key if same is None else same

    @property
    def batchable(self) -> bool:
        return not (self.options.get("callbacks") or self.options.get("cpu_time"))

    @property
    def reorderable(self) -> bool:
        """Whether the call may run before an earlier input's later calls: it neither keeps
        an object in the worker nor uses one kept."""
        return not self.options.get("keep") and not holds_ref((self.args, self.kwargs))


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
        if entry is None or not call.batchable or not entry[0].same_as(call):
            return None
        return entry[1]

    def take(self, slot: Slot, call: PlannedCall):
        """``reply``, used up: each slot answers one call of the real pass."""
        reply = self.reply(slot, call)
        self.replies.pop(slot, None)
        return reply


def holds_ref(value) -> bool:
    """Whether ``value`` is, or contains, a ``Ref`` to an object kept in the worker."""
    if isinstance(value, wire.Ref):
        return True
    if isinstance(value, dict):
        return any(holds_ref(k) or holds_ref(v) for k, v in value.items())
    return isinstance(value, (list, tuple)) and any(holds_ref(v) for v in value)


def sent_alike(a, b) -> bool | None:
    """Whether two values would go to the worker as the same message: True or False, or
    None for a value of a type this does not compare (its encoding decides). Stricter than
    ``==``: 2 is not 2.0, -0.0 is not 0.0, and arrays must agree in dtype and bytes."""
    kind = type(a)
    if kind is not type(b):
        return False
    if kind is np.ndarray:
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    if kind is float:
        return repr(a) == repr(b)  # exact: the shortest text that reads back as the float
    if a is None or kind in (bool, int, str):
        return a == b
    if kind is dict:
        a, b = list(a.items()), list(b.items())
    elif kind not in (tuple, list):
        return None
    if len(a) != len(b):
        return False
    alike = [sent_alike(x, y) for x, y in zip(a, b, strict=True)]
    return False if False in alike else None if None in alike else True


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
