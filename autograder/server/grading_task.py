"""The grading task both queues run: stored bytes in, an ``Outcome`` out.

The submission is written under its stored file name to a fresh folder and graded with
``Grader.grade_file``, exactly as ``course grade`` would grade that file.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import time
from pathlib import Path

from .. import exercises
from ..grading import Grader
from ..placement import resolve_device
from ..submission import SubmissionError
from .gpu import gpu_slot
from .queue import Outcome

log = logging.getLogger(__name__)


def uses_cuda(grader: Grader, assignment_id: str) -> bool:
    spec = exercises.spec(assignment_id)
    return resolve_device(grader.course.grading.device, spec.uses_torch) == "cuda"


def grade_bytes(grader: Grader, assignment_id: str, filename: str, content: bytes, *,
                worker: str, gpu_locks: Path | None = None, gpu_jobs: int = 1) -> Outcome:
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="submission-") as folder:
            path = Path(folder) / filename
            path.write_bytes(content)
            slot = (gpu_slot(gpu_locks, gpu_jobs)
                    if gpu_locks is not None and uses_cuda(grader, assignment_id)
                    else contextlib.nullcontext())
            with slot:
                result = grader.grade_file(path, assignment_id)
    except (SubmissionError, exercises.UnknownAssignment) as exc:
        return Outcome("error", worker, time.monotonic() - started, error=str(exc))
    except Exception as exc:  # a fault of the grader, not of the submission: say so
        log.exception("grading %s failed", filename)
        return Outcome("error", worker, time.monotonic() - started,
                       error=f"the grader failed ({type(exc).__name__}: {exc}); "
                             "ask the course staff")
    return Outcome("done", worker, time.monotonic() - started, result=result.to_json())
