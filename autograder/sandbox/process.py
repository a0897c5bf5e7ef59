"""One submission's worker as the grader sees it: load the code, call its functions.

Every value that comes back is decoded by ``wire`` into plain numbers and numpy
arrays before any check looks at it. A worker that dies, hangs or breaks the
protocol is killed (its whole process group) and replaced by a fresh one on the
next call, so one bad call costs one check, not the submission.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import tempfile
import time
from dataclasses import dataclass, field

from .child import wire
from .forkserver import ForkServer

STOPPED = "the process running the code stopped (it crashed, exited or was killed)"


class StudentCrash(Exception):
    """The worker died, hung or broke the protocol: the call has no result."""


class StudentError(Exception):
    """The student's function raised an exception (the worker is still fine)."""

    def __init__(self, type_name: str, message: str, traceback: str = "", stdout: str = ""):
        super().__init__(f"{type_name}: {message}" if message else type_name)
        self.type_name, self.message, self.traceback, self.stdout = (
            type_name, message, traceback, stdout)


@dataclass
class CallOutcome:
    value: object
    grads: list | None = None
    inputs_after: object = None
    stdout: str = ""
    wall_time: float = 0.0
    cpu_time: float | None = None  # the worker's CPU time for the call, when asked for


@dataclass
class LoadReport:
    errors: list = field(default_factory=list)
    stdout: str = ""
    functions: dict = field(default_factory=dict)
    sandbox: list = field(default_factory=list)


class StudentProcess:
    """The child process that runs one submission's cells, recreated after a crash."""

    def __init__(self, server: ForkServer, cells: list, names: list, load_timeout: float = 60.0):
        self.server, self.cells, self.names = server, cells, names
        self.load_timeout = load_timeout
        self.sock: socket.socket | None = None
        self.pid: int | None = None
        self.workdir: str | None = None
        self.report: LoadReport | None = None

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> LoadReport:
        self.workdir = tempfile.mkdtemp(prefix="ag-work-")
        self.sock, self.pid = self.server.spawn(self.workdir)
        header, _ = self.exchange({"op": "load", "cells": self.cells, "names": self.names},
                                  [], time.monotonic() + self.load_timeout, {})
        self.report = LoadReport(header.get("errors", []), header.get("stdout", ""),
                                 header.get("functions", {}), header.get("sandbox", []))
        return self.report

    def ensure_started(self) -> None:
        if self.sock is None:
            self.start()

    def kill(self) -> None:
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signal.SIGKILL)
        if self.sock is not None:
            self.sock.close()
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
        self.sock = self.pid = self.workdir = None

    def close(self) -> None:
        if self.sock is not None:
            with contextlib.suppress(OSError):
                wire.send(self.sock, {"op": "exit"})
        self.kill()

    # ---------------------------------------------------------------- calls
    def call(self, function: str, args=(), kwargs=None, *, timeout: float, keep=None,
             grad=None, report_inputs=False, callbacks=None, cpu_time=False,
             on_cpu=False) -> CallOutcome:
        self.ensure_started()
        pid, cpu_before = self.pid, cpu_seconds(self.pid) if cpu_time else None
        request, buffers = call_request(function, args, kwargs, keep=keep, grad=grad,
                                        report_inputs=report_inputs, on_cpu=on_cpu)
        start = time.monotonic()
        header, reply_buffers = self.exchange(request, buffers, start + timeout, callbacks or {})
        outcome = self.outcome(header, reply_buffers, time.monotonic() - start)
        if cpu_before is not None and self.pid == pid:
            cpu_after = cpu_seconds(pid)
            outcome.cpu_time = cpu_after - cpu_before if cpu_after is not None else None
        return outcome

    def call_batch(self, calls: list[tuple[dict, list]], timeouts: list[float],
                   deadline: float = float("inf")) -> list:
        """Run calls (each ``call_request``'s request and buffers) in order in one exchange,
        the k-th reply due within ``timeouts[k]`` of the one before, and all by ``deadline``.
        One entry per call up to the first that is not a result: a CallOutcome, or the
        StudentError or StudentCrash that the same call alone would have raised (the batch
        ends there). At ``deadline`` the worker is stopped and the list ends without an
        entry for the call that was running: the check has run out of time."""
        self.ensure_started()
        requests, buffers = [], []
        for request, call_buffers in calls:
            requests.append(dict(request, buffers=len(call_buffers)))
            buffers += call_buffers
        message = wire.pack({"op": "calls", "calls": requests}, buffers)  # WireError: too big
        results: list = []
        try:
            wire.write(self.sock, message)
            start = time.monotonic()
            for limit in timeouts:
                try:
                    header, reply_buffers = self.receive(min(start + limit, deadline))
                except TimeoutError:
                    self.kill()
                    if time.monotonic() < start + limit:
                        break  # the check's deadline, not the call's own limit
                    raise
                now = time.monotonic()
                if header.get("op") == "callback":
                    raise wire.WireError("a callback in a batch of calls")
                results.append(self.outcome(header, reply_buffers, now - start))
                start = now
        except StudentError as err:
            results.append(err)
        except StudentCrash as crash:
            results.append(crash)
        except TimeoutError:
            results.append(StudentCrash("timed out"))
        except (EOFError, ConnectionError, BrokenPipeError):
            self.kill()
            results.append(StudentCrash(STOPPED))
        except wire.WireError as exc:
            self.kill()
            results.append(StudentCrash(f"the worker broke the protocol ({exc})"))
        return results

    def outcome(self, header, reply_buffers, wall: float) -> CallOutcome:
        try:
            return outcome_from_reply(header, reply_buffers, wall)
        except wire.WireError as exc:
            self.kill()
            raise StudentCrash(f"the worker sent a malformed reply ({exc})") from None

    def exchange(self, request, buffers, deadline, callbacks):
        """Send a request and wait for its reply, serving callbacks in between."""
        try:
            wire.send(self.sock, request, buffers)
            while True:
                header, reply_buffers = self.receive(deadline)
                if header.get("op") != "callback":
                    return header, reply_buffers
                self.answer_callback(header, reply_buffers, callbacks)
        except TimeoutError:
            self.kill()
            raise StudentCrash("timed out") from None
        except (EOFError, ConnectionError, BrokenPipeError):
            self.kill()
            raise StudentCrash(STOPPED) from None
        except wire.WireError as exc:
            self.kill()
            raise StudentCrash(f"the worker broke the protocol ({exc})") from None

    def receive(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        self.sock.settimeout(remaining)
        return wire.recv(self.sock)

    def answer_callback(self, header, buffers, callbacks):
        reply, out = serve_callback(header, buffers, callbacks)
        wire.send(self.sock, reply, out)


def call_request(function: str, args, kwargs, *, keep=None, grad=None, report_inputs=False,
                 on_cpu=False) -> tuple[dict, list]:
    tree, buffers = wire.encode([list(args), dict(kwargs or {})])
    return {"op": "call", "function": function, "args": tree, "keep": keep, "grad": grad,
            "report_inputs": report_inputs, "on_cpu": on_cpu}, buffers


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process, read where the student's code cannot touch
    it (the kernel's accounting); None where /proc cannot tell."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def serve_callback(header: dict, buffers: list, callbacks: dict) -> tuple[dict, list]:
    """Run the grader-side function a child asked for, on decoded arguments."""
    handler = callbacks.get(header.get("name"))
    try:
        if handler is None:
            raise ValueError(f"no callback named {header.get('name')!r}")
        call = wire.decode(header.get("args"), buffers)
        if not (isinstance(call, list) and len(call) == 2 and isinstance(call[0], list)
                and isinstance(call[1], dict)):
            raise ValueError("malformed callback arguments")
        tree, out = wire.encode(handler(*call[0], **call[1]))
        return {"ok": True, "value": tree}, out
    except Exception as exc:  # a refused call fails the student's code, never the grader
        message = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
        return {"ok": False, "error": message}, []


def outcome_from_reply(header: dict, buffers: list, wall: float) -> CallOutcome:
    """Decode a call's reply strictly; a student exception becomes StudentError."""
    if not header.get("ok"):
        err = header.get("error") or {}
        raise StudentError(str(err.get("type", "Error")), str(err.get("message", "")),
                           str(err.get("traceback", "")), str(header.get("stdout", "")))
    try:
        value = wire.decode(header["value"], buffers)
    except (KeyError, TypeError) as exc:
        raise wire.WireError(str(exc)) from None
    if not isinstance(value, dict) or "result" not in value:
        raise wire.WireError("the reply has no result")
    return CallOutcome(value["result"], value.get("grads"), value.get("inputs_after"),
                       str(header.get("stdout", "")), wall)
