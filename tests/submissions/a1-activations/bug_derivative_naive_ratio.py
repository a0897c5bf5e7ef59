"""exp(-z) / (1 + exp(-z))**2 is inf / inf = NaN for large negative z."""
import numpy as np

# expect-fail: sigmoid_derivative/known-values
# expect-fail: sigmoid_derivative/extreme-values


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_derivative(z):
    e = np.exp(-z)
    return e / (1 + e) ** 2
