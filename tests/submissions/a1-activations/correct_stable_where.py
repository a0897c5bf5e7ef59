"""The two stable branches, both computed, picked with np.where (warnings, no NaN)."""
import numpy as np


def sigmoid(z):
    z = np.asarray(z)
    with np.errstate(over="ignore"):
        positive = 1 / (1 + np.exp(-z))
        negative = np.exp(z) / (1 + np.exp(z))
    return np.where(z >= 0, positive, negative)


def sigmoid_derivative(z):
    s = sigmoid(z)
    return s * (1 - s)
