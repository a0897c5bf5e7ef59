"""np.float64(1) is a strong float64 scalar: float32 inputs come back as float64."""
import numpy as np

# expect-fail: sigmoid/known-values
# expect-fail: sigmoid/keeps-shape-and-dtype
# expect-fail: sigmoid/matches-reference
# expect-fail: sigmoid/extreme-values
# expect-fail: sigmoid_derivative/known-values
# expect-fail: sigmoid_derivative/keeps-shape-and-dtype
# expect-fail: sigmoid_derivative/matches-reference
# expect-fail: sigmoid_derivative/extreme-values
# expect-fail: sigmoid/does-not-modify-input
# expect-fail: sigmoid_derivative/does-not-modify-input


def sigmoid(z):
    one = np.float64(1)
    return one / (one + np.exp(-z))


def sigmoid_derivative(z):
    s = sigmoid(z)
    return s * (1 - s)
