"""Where an assignment's submissions run: the device mode and the fork server.

This module imports neither hypothesis nor the checks, so that a command can start the fork
server first and do the grader's own imports while the server does its own (about a
third of a second each on a cold start, on different cores).
"""

from __future__ import annotations

from . import exercises
from .config import GradingConfig
from .sandbox.forkserver import ForkServer, fork_server

DEVICE_NAMES = {"cuda": "cuda", "cpu": "cpu", "emulate": "cpu (emulated grading device)"}


def resolve_device(setting: str, uses_torch: bool) -> str:
    """The child's device mode: "cuda", "cpu", or "emulate" (a GPU emulated on the CPU).
    References run on CUDA in the first case, on the CPU otherwise."""
    if not uses_torch:
        return "cpu"
    import torch

    if setting == "cuda" or (setting == "auto" and torch.cuda.is_available()):
        if not torch.cuda.is_available():
            raise RuntimeError("grading.device is 'cuda' but this machine has no CUDA device")
        return "cuda"
    return "cpu" if setting == "cpu" else "emulate"


def sandbox_for(settings: GradingConfig, assignment_id: str) -> tuple[ForkServer, str]:
    """The assignment's shared fork server (started in the background on first use) and its
    device mode."""
    spec = exercises.spec(assignment_id)
    mode = resolve_device(settings.device, spec.uses_torch)
    return fork_server(spec.libraries, mode, settings.sandbox.model_dump()), mode
