"""Starts busy threads that keep running after the function returns."""
# attacked: sigmoid_derivative
# message: did not return within
import threading

import numpy as np


def spin():
    while True:
        pass


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_derivative(z):
    for _ in range(4):
        threading.Thread(target=spin, daemon=True).start()
    spin()
