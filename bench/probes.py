"""What a grading process can report about itself without changing a grade: the hidden
examples and calls each check ran, and the peak memory of its processes.

``install`` wraps ``grading.run_check`` and ``StudentProcess`` in this process only: the
wrappers count and read ``/proc``, then call the original, so scores stay the same.
"""

from __future__ import annotations

from collections import defaultdict

from autograder import grading
from autograder.sandbox import forkserver
from autograder.sandbox.process import StudentProcess


def vm_hwm_mb(pid: int | str = "self") -> float | None:
    """A process's peak resident memory (VmHWM) in MB, or None where /proc cannot tell."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class Probes:
    """Counts per (function, check) and peak memory, gathered while grading."""

    def __init__(self):
        self.examples = defaultdict(int)   # (function, check, hidden) -> property examples
        self.calls = defaultdict(int)      # (function, check, hidden) -> calls into the sandbox
        self.worker_hwm_mb: list[float] = []  # each student worker's, read as it closes
        self._check = None

    def reset(self) -> None:
        self.examples.clear()
        self.calls.clear()
        self.worker_hwm_mb.clear()

    def per_function(self, *, hidden: bool = True) -> dict[str, dict]:
        out: dict[str, dict] = {}
        for (function, check, is_hidden), n in self.examples.items():
            if is_hidden == hidden:
                entry = out.setdefault(function, {"checks": 0, "examples": 0, "calls": 0})
                entry["checks"] += 1
                entry["examples"] += n
                entry["calls"] += self.calls.get((function, check, is_hidden), 0)
        return out

    @staticmethod
    def fork_servers_hwm_mb() -> dict[str, float]:
        """Each fork server's peak memory, by what it preloads and its device mode."""
        peaks = {f"{'+'.join(s.preload)} ({s.device})": vm_hwm_mb(s.process.pid)
                 for s in forkserver._servers.values()}
        return {k: v for k, v in peaks.items() if v is not None}


def install() -> Probes:
    """Wrap the grader's check runner and worker handle in this process; the recorder."""
    probes = Probes()
    run_check, call, close = grading.run_check, StudentProcess.call, StudentProcess.close

    def counted_run_check(check, trial, max_points, seed):
        probes._check = (check.function, check.name, check.hidden)
        try:
            return run_check(check, trial, max_points, seed)
        finally:
            probes.examples[probes._check] += trial.examples_run
            probes._check = None

    def counted_call(self, *args, **kwargs):
        if probes._check is not None:
            probes.calls[probes._check] += 1
        return call(self, *args, **kwargs)

    def measured_close(self):
        if self.pid is not None:
            peak = vm_hwm_mb(self.pid)
            if peak is not None:
                probes.worker_hwm_mb.append(peak)
        return close(self)

    grading.run_check = counted_run_check
    StudentProcess.call = counted_call
    StudentProcess.close = measured_close
    return probes
