"""Run checks on functions that live in this very process: a student's own Jupyter kernel.

Only public checks run this way (``autograder.notebook``), for the student's own
feedback; grading always uses ``StudentProcess``. Calls still go through the wire
format, so a student sees the same results here as from the grader.
"""

from __future__ import annotations

import time

from .child import wire
from .child.runtime import Device, Session
from .process import CallOutcome, LoadReport, outcome_from_reply, serve_callback


class InProcess:
    """The ``StudentProcess`` interface over a namespace of this process (no sandbox)."""

    def __init__(self, namespace: dict, names: list, device_mode: str = "cpu"):
        self.callbacks: dict = {}
        self.session = Session(Device(device_mode), rpc=self.rpc)
        self.session.namespace = namespace
        self.report = LoadReport(functions={n: self.session.describe_function(n)
                                            for n in names})

    def start(self) -> LoadReport:
        return self.report

    def rpc(self, name, tree, buffers):
        return serve_callback({"name": name, "args": tree}, buffers, self.callbacks)

    def call(self, function: str, args=(), kwargs=None, *, timeout: float, keep=None,
             grad=None, report_inputs=False, callbacks=None, cpu_time=False,
             on_cpu=False) -> CallOutcome:
        tree, buffers = wire.encode([list(args), dict(kwargs or {})])
        self.callbacks = callbacks or {}
        request = {"function": function, "args": tree, "keep": keep, "grad": grad,
                   "report_inputs": report_inputs, "on_cpu": on_cpu}
        start = time.monotonic()
        header, out = self.session.call(request, buffers)
        return outcome_from_reply(header, out, time.monotonic() - start)

    def close(self) -> None:
        self.session.kept.clear()
