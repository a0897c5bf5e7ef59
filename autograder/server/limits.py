"""Per-student rate limit on uploads: at most ``count`` in any ``window`` seconds."""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque


class RateLimiter:
    def __init__(self, count: int, window: float):
        self.count = count
        self.window = window
        self.history: dict[str, deque[float]] = defaultdict(deque)
        self.lock = threading.Lock()

    def retry_after(self, person: str) -> int | None:
        """None if ``person`` may go ahead now (and counts it); else seconds to wait."""
        now = time.monotonic()
        with self.lock:
            times = self.history[person]
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) >= self.count:
                return max(1, math.ceil(times[0] + self.window - now))
            times.append(now)
            return None
