"""What ``course serve`` was asked to run: where the data lives, which queue, which limits."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .queue import LEASE_SECONDS


@dataclass(frozen=True)
class ServerSettings:
    data_dir: Path
    course_file: Path
    workers: int = 2                  # local worker processes (embedded queue only)
    queue_url: str | None = None      # redis://... sends jobs to Celery workers instead
    max_upload_bytes: int = 5_000_000
    rate_limit: int = 20              # uploads per student ...
    rate_window: float = 60.0         # ... in this many seconds
    lease_seconds: float = LEASE_SECONDS
    gpu_jobs: int = 1                 # grading jobs at once per GPU

    @property
    def uses_celery(self) -> bool:
        return bool(self.queue_url)
