"""The child's side: a fork server that keeps numpy and torch warm, and the worker
loop that loads one submission and calls its functions on the grader's request.

Requests and replies are ``wire`` messages. The worker never decides a score: it
only runs the student's function and sends back what came out.
"""

from __future__ import annotations

import gc
import io
import json
import os
import random
import signal
import socket
import sys
import time
import traceback

from . import wire

MAX_TEXT = 20_000
UID_BASE, UID_RANGE = 61000, 4000  # each worker runs as its own unprivileged user


class CappedText(io.TextIOBase):
    """A stdout/stderr stand-in that keeps only the first ``MAX_TEXT`` characters."""

    def __init__(self):
        self.parts, self.size, self.dropped = [], 0, 0

    def writable(self):
        return True

    def write(self, s):
        s = str(s)
        room = MAX_TEXT - self.size
        self.parts.append(s[:room])
        self.size += min(len(s), max(room, 0))
        self.dropped += max(len(s) - max(room, 0), 0)
        return len(s)

    def text(self):
        out = "".join(self.parts)
        return out + (f"\n[... {self.dropped} more characters cut]" if self.dropped else "")


class Captured:
    """Redirect Python-level stdout and stderr for the duration of a block."""

    def __enter__(self):
        self.out = CappedText()
        self.saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = self.out
        return self.out

    def __exit__(self, *exc):
        sys.stdout, sys.stderr = self.saved


def student_traceback(exc: BaseException) -> str:
    """The traceback limited to the student's own frames (cells and files)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if f.filename.startswith("<") and not f.filename.startswith("<frozen")]
    lines = traceback.format_list(frames[-8:])
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines)[-4000:]


def describe_exception(exc: BaseException) -> dict:
    try:
        message = str(exc)[:2000]
    except Exception:  # a student exception whose __str__ itself fails
        message = "<unprintable message>"
    return {"type": type(exc).__name__, "message": message,
            "traceback": student_traceback(exc)}


class Device:
    """Where torch inputs live: real CUDA, plain CPU, or the emulated grading device."""

    def __init__(self, mode: str, gpu_memory_mb: int | None = None):
        self.mode = mode  # "cpu" | "cuda" | "emulate"
        self.gpu_memory_mb = gpu_memory_mb
        self.emulation = None
        if mode == "emulate":
            from . import emulation
            self.emulation = emulation

    def place(self, t):
        if self.mode == "cuda":
            if self.gpu_memory_mb:  # the budget, set once CUDA is up (first use)
                import torch

                total = torch.cuda.get_device_properties(0).total_memory
                torch.cuda.set_per_process_memory_fraction(
                    min(1.0, self.gpu_memory_mb * 2**20 / total))
                self.gpu_memory_mb = None
            return t.to("cuda")
        if self.emulation is not None:
            return self.emulation.place(t)
        return t

    def view(self, t):
        """A plain tensor with ``t``'s data, and the wire name of its device."""
        if self.emulation is not None:
            if self.emulation.is_placed(t):
                return self.emulation.release(t), "grading"
            return t, str(t.device)
        on_grading = t.device.type == ("cuda" if self.mode == "cuda" else "cpu")
        return t, ("grading" if on_grading else str(t.device))

    def active(self):
        if self.emulation is not None:
            return self.emulation.EmulatedDevice()
        return NullContext()


class NullContext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class Session:
    """One submission's namespace and the objects kept between calls."""

    def __init__(self, device: Device, rpc=None):
        self.namespace = {"__name__": "__student__", "__builtins__": __builtins__}
        self.kept: dict = {}
        self.device = device
        self.rpc = rpc  # rpc(name, tree, buffers) -> (tree, buffers), for callbacks

    # ---------------------------------------------------------------- loading
    def load(self, cells: list, names: list) -> dict:
        errors = []
        with Captured() as out:
            for cell in cells:
                try:
                    code = compile(cell["source"], f"<{cell['name']}>", "exec")
                    exec(code, self.namespace)
                except BaseException as exc:
                    errors.append({"cell": cell["name"], **describe_exception(exc)})
        return {"errors": errors, "stdout": out.text(),
                "functions": {n: self.describe_function(n) for n in names}}

    def describe_function(self, name: str) -> dict:
        import inspect

        obj = self.namespace.get(name)
        if obj is None:
            return {"defined": False}
        if not callable(obj):
            return {"defined": True, "callable": False, "type": wire.describe_type(obj)}
        try:
            sig = inspect.signature(obj)
            params = [[p.name, p.kind.name, p.default is not p.empty]
                      for p in sig.parameters.values()]
            return {"defined": True, "callable": True, "signature": str(sig)[:500],
                    "parameters": params}
        except (TypeError, ValueError):
            return {"defined": True, "callable": True, "signature": None, "parameters": None}

    # ---------------------------------------------------------------- calling
    def materialize(self, tag, node, arr):
        if tag == "array":
            if node["kind"] == "numpy":
                return arr
            if node["kind"] == "numpy-scalar":
                return arr[()]
            import torch

            t = self.device.place(torch.from_numpy(arr))
            if node.get("requires_grad"):
                t.requires_grad_(True)
            return t
        if tag == "$rng":
            import numpy as np

            return np.random.default_rng(int(node["$rng"]))
        if tag == "$ref":
            if node["$ref"] not in self.kept:
                raise wire.WireError(f"no kept object named {node['$ref']!r} (the process "
                                     "that held it was restarted)")
            obj = self.kept[node["$ref"]]
            for key in node.get("path", []):
                obj = obj[key]
            return obj
        if tag == "$callback":
            return self.make_callback(node["$callback"])
        raise wire.WireError(f"unknown tag {tag}")

    def make_callback(self, name: str):
        def callback(*args, **kwargs):
            tree, buffers = self.encode([list(args), kwargs])
            reply, reply_buffers = self.rpc(name, tree, buffers)
            if not reply.get("ok"):
                raise ValueError(reply.get("error", "the grader refused this call"))
            return wire.decode(reply["value"], reply_buffers, materialize=self.materialize)

        callback.__name__ = callback.__qualname__ = name
        return callback

    def encode(self, value):
        return wire.encode(value, tensor_view=self.device.view)

    def call(self, request: dict, buffers: list) -> tuple[dict, list]:
        """Run one call of a student function; ``on_cpu`` makes it a plain CPU call whatever
        the grading device (for rules the contract states on a CPU, such as nms's speed)."""
        grading_device = self.device
        if request.get("on_cpu"):
            self.device = Device("cpu")
        try:
            return self.run_call(request, buffers)
        finally:
            self.device = grading_device

    def run_call(self, request: dict, buffers: list) -> tuple[dict, list]:
        """Run one call of a student function and encode what came out."""
        fn = self.namespace.get(request["function"])
        if not callable(fn):
            return {"ok": False, "error": {"type": "NameError", "traceback": "",
                                           "message": f"{request['function']} is not defined"}}, []
        args, kwargs = wire.decode(request["args"], buffers, materialize=self.materialize)
        with Captured() as out:
            start = time.perf_counter()
            try:
                with self.device.active():
                    result = fn(*args, **kwargs)
                    grads = self.gradients(result, args, request.get("grad"))
            except BaseException as exc:
                return {"ok": False, "error": describe_exception(exc), "stdout": out.text()}, []
            elapsed = time.perf_counter() - start
        reply_value = {"result": result}
        if grads is not None:
            reply_value["grads"] = grads
        try:
            tree, out_buffers = self.encode(reply_value)
            if request.get("report_inputs"):
                inputs, out_buffers = wire.encode([args, kwargs], tensor_view=self.device.view,
                                                  lenient=True, buffers=out_buffers)
                tree["$dict"].append(["inputs_after", inputs])
        except wire.WireError as exc:
            return {"ok": False, "error": {"type": "ReturnTypeError", "message": str(exc),
                                           "traceback": ""}, "stdout": out.text()}, []
        if request.get("keep"):
            self.kept[request["keep"]] = result
        header = {"ok": True, "value": tree, "stdout": out.text(), "elapsed": elapsed}
        return header, out_buffers

    def gradients(self, result, args, spec):
        """Gradients of ``result`` with respect to the chosen arguments, or None."""
        if not spec:
            return None
        import torch

        if not isinstance(result, torch.Tensor):
            raise TypeError("expected a tensor result to differentiate, got "
                            f"{type(result).__name__}")
        if not result.requires_grad:
            raise RuntimeError("the result is not connected to the inputs' autograd graph "
                               "(it does not require grad)")
        inputs = [args[i] for i in spec["wrt"]]
        grad_output = None
        if spec.get("grad_output") is not None:
            grad_output = self.device.place(torch.tensor(spec["grad_output"], dtype=result.dtype))
        grads = torch.autograd.grad(result, inputs, grad_outputs=grad_output, allow_unused=True)
        return list(grads)


# -------------------------------------------------------------------- processes


def worker_main(sock: socket.socket, config: dict, layers: list) -> None:
    """Serve one submission over ``sock`` until told to exit or the grader goes."""

    def rpc(name, tree, buffers):
        wire.send(sock, {"op": "callback", "name": name, "args": tree}, buffers)
        reply, reply_buffers = wire.recv(sock)
        return reply, reply_buffers

    budget = (config.get("sandbox") or {}).get("gpu_memory_mb")
    session = Session(Device(config.get("device", "cpu"), budget), rpc=rpc)
    while True:
        try:
            request, buffers = wire.recv(sock)
        except EOFError:
            return
        op = request.get("op")
        if op == "load":
            reply = session.load(request["cells"], request.get("names", []))
            wire.send(sock, dict(reply, sandbox=layers))
        elif op == "call":
            wire.send(sock, *answer_call(session, request, buffers))
        elif op == "calls":
            answer_calls(sock, session, request.get("calls"), buffers)
        elif op == "exit":
            return
        else:
            wire.send(sock, {"ok": False, "error": {"type": "ProtocolError",
                                                    "message": f"unknown op {op!r}",
                                                    "traceback": ""}})


def answer_call(session: Session, request: dict, buffers: list) -> tuple[dict, list]:
    try:
        return session.call(request, buffers)
    except wire.WireError as exc:
        return {"ok": False, "error": {"type": "WireError", "message": str(exc),
                                       "traceback": ""}}, []


def answer_calls(sock: socket.socket, session: Session, calls, buffers: list) -> None:
    """Run a batch of calls in order, each with its own slice of the buffers, sending each
    reply as soon as it is ready; stop after the first that is not a result (the grader
    then goes on call by call, as it would have without the batch)."""
    start = 0
    for request in calls if isinstance(calls, list) else []:
        count = request.get("buffers") if isinstance(request, dict) else None
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            wire.send(sock, {"ok": False, "error": {"type": "ProtocolError", "traceback": "",
                                                    "message": "malformed batch of calls"}})
            return
        header, out_buffers = answer_call(session, request, buffers[start:start + count])
        start += count
        wire.send(sock, header, out_buffers)
        if not header.get("ok"):
            return


def become_worker(conn: socket.socket, server: socket.socket, request: dict) -> None:
    """In a freshly forked child: detach, enter the sandbox, serve; never return."""
    try:
        os.setsid()
        server.close()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.close(devnull)
        os.chdir(request["workdir"])
        seed_global_generators()
        layers = []
        if (request.get("sandbox") or {}).get("enabled"):
            from . import isolation

            layers = isolation.enter(request)
        worker_main(conn, request, layers)
    finally:
        os._exit(0)


def seed_global_generators(seed: int = 0) -> None:
    """Every worker starts the global random generators from the same seed: a submission
    that draws from them (against the contract) still gets the same results, and the same
    feedback, every time it is graded."""
    random.seed(seed)
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed(seed)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(seed)


def fork_worker(conn: socket.socket, server: socket.socket, request: dict) -> int:
    """Fork a worker; with a sandbox, as PID 1 of a new PID namespace (through a
    short-lived launcher), so that killing it kills everything it started."""
    if not (request.get("sandbox") or {}).get("enabled") or os.geteuid() != 0:
        pid = os.fork()
        if pid == 0:
            become_worker(conn, server, request)
        return pid
    from . import isolation

    read_end, write_end = os.pipe()
    if os.fork() == 0:  # the launcher
        try:
            os.close(read_end)
            request["pid_namespace"] = isolation.new_pid_namespace()
            pid = os.fork()
            if pid == 0:
                os.close(write_end)
                become_worker(conn, server, request)
            os.write(write_end, wire.HEADER.pack(pid))
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read(wire.HEADER.size)
    return wire.HEADER.unpack(data)[0] if len(data) == wire.HEADER.size else 0


def serve_forks(fd: int, config: dict) -> None:
    """The fork server: import the heavy libraries once, then fork a worker per request."""
    for name in config.get("preload", []):
        __import__(name)
    if "numpy" in sys.modules:  # numpy imports it on first use; every worker seeds it
        __import__("numpy.random")
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(int(config.get("threads", 1)))
        # autograd imports this (and sympy) on its first call with grad_outputs: ~1 s
        __import__("torch.fx.experimental.symbolic_shapes")
    if config.get("device") == "emulate":
        from . import emulation  # noqa: F401 - warm it up before forking
    if (config.get("sandbox") or {}).get("enabled"):
        from . import isolation

        isolation.become_subreaper()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # workers are reaped automatically
    # What the workers inherit stays out of their collector's passes: they neither walk
    # torch's objects nor write to (and so copy) the pages that hold them
    gc.freeze()
    server = socket.socket(fileno=fd)
    wire.send(server, {"ready": True, "pid": os.getpid()})
    spawned = 0
    while True:
        try:
            msg, fds, _, _ = socket.recv_fds(server, 1 << 16, 1)
        except OSError:
            return
        if not msg:
            return
        spawned += 1
        request = dict(config, **json.loads(msg), uid=UID_BASE + spawned % UID_RANGE)
        conn = socket.socket(fileno=fds[0])
        pid = fork_worker(conn, server, request)
        conn.close()
        server.sendall(wire.HEADER.pack(pid))
