"""Exits the process from inside the function, in several ways."""
# attacked: sigmoid_derivative
# message: could not finish
import os

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_derivative(z):
    os._exit(0)
