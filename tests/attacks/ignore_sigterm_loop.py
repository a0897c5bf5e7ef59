"""Ignores SIGTERM and SIGINT, then spins forever."""
# attacked: sigmoid_derivative
# message: did not return within
import signal

import numpy as np

signal.signal(signal.SIGTERM, signal.SIG_IGN)
signal.signal(signal.SIGINT, signal.SIG_IGN)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_derivative(z):
    while True:
        pass
