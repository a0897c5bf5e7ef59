"""Leaves a daemonised grandchild behind (it would write a file for 20 s)."""
# attacked: sigmoid_derivative
# message: differs
import os
import time

import numpy as np

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for _ in range(40):
            time.sleep(0.5)
        os._exit(0)
    os._exit(0)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_derivative(z):
    return np.asarray(z) * 0 - 1
