"""The grader's handle on the fork server: a warm interpreter that forks workers.

The fork server runs ``python -I -S`` with a ``sys.path`` of the standard library and
the site-packages that hold numpy and torch, and loads only ``sandbox/child``. Starting
it costs an interpreter and the imports once; each worker after that is a ``fork``.
"""

from __future__ import annotations

import atexit
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import sysconfig
import threading
from pathlib import Path

from .child import wire

CHILD_DIR = Path(__file__).parent / "child"

BOOTSTRAP = """
import importlib.util, json, sys
cfg = json.loads(sys.argv[1])
sys.path[:] = cfg["path"]
spec = importlib.util.spec_from_file_location(
    "agchild", cfg["child_dir"] + "/__init__.py", submodule_search_locations=[cfg["child_dir"]])
module = importlib.util.module_from_spec(spec)
sys.modules["agchild"] = module
spec.loader.exec_module(module)
from agchild.runtime import serve_forks
serve_forks(int(sys.argv[2]), cfg)
"""


def child_sys_path(preload) -> list[str]:
    """The standard library plus the folders that hold the preloaded libraries."""
    paths = [p for p in sys.path if p and Path(p).resolve().is_relative_to(
        Path(sysconfig.get_paths()["stdlib"]).resolve())]
    for name in preload:
        origin = importlib.util.find_spec(name).origin  # found, not imported: the server
        folder = str(Path(origin).resolve().parent.parent)  # starts sooner
        if folder not in paths:
            paths.append(folder)
    return paths


class ForkServer:
    """A running fork server; ``spawn`` returns a connected socket and the worker's pid.
    It starts in the background: the first ``spawn`` waits until it is ready."""

    def __init__(self, preload=("numpy",), device="cpu", sandbox: dict | None = None):
        self.preload = tuple(preload)
        self.device = device
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        config = {"path": child_sys_path(self.preload), "child_dir": str(CHILD_DIR),
                  "preload": list(self.preload), "device": device, "sandbox": sandbox or {}}
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", BOOTSTRAP, json.dumps(config), str(child.fileno())],
            pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL,
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
            start_new_session=True,
        )
        child.close()
        self.sock = parent
        self.lock = threading.Lock()
        self.ready = False
        self._ready_lock = threading.Lock()

    def wait_ready(self) -> None:
        """Wait for the server's imports to finish; the grader does its own meanwhile."""
        with self._ready_lock:
            if self.ready:
                return
            self.sock.settimeout(120)
            try:
                message, _ = wire.recv(self.sock)
            except (EOFError, OSError, wire.WireError) as exc:
                raise RuntimeError(f"the fork server did not start ({exc})") from None
            if not message.get("ready"):
                raise RuntimeError("the fork server did not start")
            self.sock.settimeout(None)
            self.ready = True

    def spawn(self, workdir: str) -> tuple[socket.socket, int]:
        self.wait_ready()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            with self.lock:
                socket.send_fds(self.sock, [json.dumps({"workdir": workdir}).encode()],
                                [theirs.fileno()])
                (pid,) = wire.HEADER.unpack(wire.recv_exact(self.sock, wire.HEADER.size))
        finally:
            theirs.close()
        return ours, pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        try:
            self.sock.close()
        finally:
            if self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


_servers: dict = {}
_servers_lock = threading.Lock()


def fork_server(preload=("numpy",), device="cpu", sandbox: dict | None = None) -> ForkServer:
    """The shared fork server for these libraries, device and sandbox, started on first use."""
    key = (tuple(preload), device, json.dumps(sandbox, sort_keys=True))
    with _servers_lock:
        server = _servers.get(key)
        if server is None or not server.alive():
            server = _servers[key] = ForkServer(preload, device, sandbox)
        return server


@atexit.register
def _close_all() -> None:
    for server in _servers.values():
        server.close()
    _servers.clear()
