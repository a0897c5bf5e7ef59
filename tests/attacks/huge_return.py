"""Returns 400 MB, over the size cap of a result."""
# attacked: sigmoid_derivative
# message: over the limit
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_derivative(z):
    return np.zeros(50 * 2**20)
