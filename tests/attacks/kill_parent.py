"""Tries to kill the process that started it (the fork server, or the grader)."""
# attacked: sigmoid_derivative
# message: but it is None
import os
import signal

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_derivative(z):
    parent = os.getppid()
    if parent > 1:
        os.kill(parent, signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)
