"""exp(z) / (1 + exp(z)) overflows to inf / inf = NaN for large z."""
import numpy as np

# expect-fail: sigmoid/extreme-values
# expect-fail: sigmoid_derivative/extreme-values


def sigmoid(z):
    return np.exp(z) / (1 + np.exp(z))


def sigmoid_derivative(z):
    s = sigmoid(z)
    return s * (1 - s)
