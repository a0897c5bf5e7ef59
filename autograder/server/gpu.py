"""GPU jobs: one at a time per device unless configured, across every worker of a machine.

Each device has ``jobs_per_gpu`` slots, each a lock file in the data directory; a worker
holds one (an ``flock``, released by the kernel if the worker dies) while it grades on
that device.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path


def gpu_count() -> int:
    """How many NVIDIA devices this machine has, without importing torch."""
    return sum(1 for name in os.listdir("/dev") if name.startswith("nvidia")
               and name[len("nvidia"):].isdigit())


def visible_device() -> str:
    return (os.environ.get("CUDA_VISIBLE_DEVICES") or "0").split(",")[0]


@contextmanager
def gpu_slot(lock_dir: Path, jobs_per_gpu: int = 1, poll_seconds: float = 0.05):
    """Wait for a free slot of this worker's GPU and hold it."""
    lock_dir.mkdir(parents=True, exist_ok=True)
    device = visible_device()
    with contextlib.ExitStack() as stack:
        files = [stack.enter_context(open(lock_dir / f"gpu{device}-slot{i}.lock", "w"))
                 for i in range(jobs_per_gpu)]
        while True:
            for handle in files:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue
                try:
                    yield device
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)
                return
            time.sleep(poll_seconds)
