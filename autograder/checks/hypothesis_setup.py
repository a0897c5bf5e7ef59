"""Hypothesis as grading needs it: the same inputs everywhere, no files written, and no
work per example that grading does not use.

Hypothesis mixes constants found in the source of "local" modules (those outside
site-packages) into the data it draws, and caches them under ``./.hypothesis``. Which
modules are loaded differs between the CLI, a server worker, a test run and a student's
kernel, so the same seed would draw different inputs there; and the cache would copy the
hidden checks' constants into whatever folder a notebook runs in. The grader uses none.

Hypothesis also saves, reseeds and restores the global random generators (``random``,
numpy's) around every example, for tests that draw from them, and copies ``random``'s
state before and after every draw, to warn about strategies that use it. Checks and
references draw only from hypothesis and from generators they seed themselves, and
students' code runs in workers that seed their own; saving numpy's generator state twice
per example cost about a tenth of a shrinking check's time, the copies another 1%.

For every failing example, hypothesis names where the failure was raised, from the
traceback trimmed of its own frames; the trimming looks up each frame's source file on
disk (about 1.5% of a shrinking check), and the place named, the last frame, is one it
never trims.
"""

import contextlib

import hypothesis.control
import hypothesis.core
from hypothesis.internal import escalation
from hypothesis.internal.conjecture import providers
from hypothesis.internal.constants_ast import Constants
from hypothesis.strategies._internal import core as strategies_core


def no_local_constants() -> Constants:
    return Constants()


providers._get_local_constants = no_local_constants
hypothesis.core.deterministic_PRNG = contextlib.nullcontext


def unwatched_random(*description) -> contextlib.nullcontext:
    return contextlib.nullcontext()


hypothesis.control.deprecate_random_in_strategy = unwatched_random
strategies_core.deprecate_random_in_strategy = unwatched_random


def untrimmed_traceback(exception: BaseException):
    return exception.__traceback__


escalation.get_trimmed_traceback = untrimmed_traceback  # read only by InterestingOrigin
