"""Builds the result entry by entry in a Python list and returns the list."""
import numpy as np

# expect-fail: sigmoid/known-values
# expect-fail: sigmoid/keeps-shape-and-dtype
# expect-fail: sigmoid/matches-reference
# expect-fail: sigmoid/extreme-values
# expect-fail: sigmoid/python-float-input
# expect-fail: sigmoid/does-not-modify-input


def sigmoid(z):
    out = []
    for x in np.asarray(z).flat:
        out.append(1 / (1 + np.exp(-x)))
    return out


def sigmoid_derivative(z):
    s = 1 / (1 + np.exp(-np.asarray(z)))
    return s * (1 - s)
