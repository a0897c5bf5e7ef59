"""Clipping z to [-500, 500] changes sigmoid by less than 1e-200: within tolerance."""
import numpy as np


def sigmoid(z):
    z = np.clip(z, -500, 500)
    return 1 / (1 + np.exp(-z))


def sigmoid_derivative(z):
    s = sigmoid(z)
    return s * (1 - s)
