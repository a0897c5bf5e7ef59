"""Sleeps instead of answering."""
# attacked: sigmoid_derivative
# message: did not return within
import time

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_derivative(z):
    time.sleep(30)
