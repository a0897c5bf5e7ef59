"""Asks for 3 GB (over the 2 GB budget, yet harmless on the test machine if unlimited)."""
# attacked: sigmoid_derivative
# message: MemoryError
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_derivative(z):
    hog = np.ones(3 * 2**30, dtype=np.uint8)
    return hog[: np.size(z)].reshape(np.shape(z)).astype(np.asarray(z).dtype)
