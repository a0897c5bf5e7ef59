"""Negates z in place to save memory, so the caller's array changes."""
import numpy as np

# expect-fail: sigmoid/does-not-modify-input
# expect-fail: sigmoid_derivative/does-not-modify-input


def sigmoid(z):
    z = np.asarray(z)
    z *= -1  # z now holds -z
    return 1 / (1 + np.exp(z))


def sigmoid_derivative(z):
    s = sigmoid(z)
    return s * (1 - s)
