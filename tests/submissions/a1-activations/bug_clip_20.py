"""Clipping z to [-20, 20] leaves sigmoid(-20) = 2e-9 where the answer is ~0: over the
float64 tolerance (atol 1e-9) for z below about -21."""
import numpy as np

# expect-fail: sigmoid/known-values
# expect-fail: sigmoid_derivative/known-values


def sigmoid(z):
    z = np.clip(z, -20, 20)
    return 1 / (1 + np.exp(-z))


def sigmoid_derivative(z):
    s = sigmoid(z)
    return s * (1 - s)
