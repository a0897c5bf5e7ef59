"""The derivative with a sign slip: s * (1 + s)."""
import numpy as np

# expect-fail: sigmoid_derivative/known-values
# expect-fail: sigmoid_derivative/keeps-shape-and-dtype
# expect-fail: sigmoid_derivative/finite-differences
# expect-fail: sigmoid_derivative/matches-reference
# expect-fail: sigmoid_derivative/extreme-values
# expect-fail: sigmoid_derivative/python-float-input
# expect-fail: sigmoid_derivative/does-not-modify-input


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_derivative(z):
    s = sigmoid(z)
    return s * (1 + s)
