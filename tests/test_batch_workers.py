"""``course grade --all``'s worker processes: each on a core of its own."""

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor

import pytest

from autograder.instructor.batch import pin_to_own_core


def cores_of_this_process(_) -> tuple:
    time.sleep(0.2)  # long enough that both workers take tasks
    return tuple(sorted(os.sched_getaffinity(0)))


def test_each_worker_keeps_to_a_core_of_its_own():
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        pytest.skip("needs two cores; this machine has one")
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=context, initializer=pin_to_own_core,
                             initargs=(context.Value("i", 0),)) as pool:
        seen = set(pool.map(cores_of_this_process, range(8)))
    assert seen == {(cores[0],), (cores[1],)}
