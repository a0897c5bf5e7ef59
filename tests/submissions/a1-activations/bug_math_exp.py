"""math.exp works on Python floats only: arrays raise TypeError."""
import math

# expect-fail: sigmoid/known-values
# expect-fail: sigmoid/keeps-shape-and-dtype
# expect-fail: sigmoid/symmetry-and-range
# expect-fail: sigmoid/matches-reference
# expect-fail: sigmoid/extreme-values
# expect-fail: sigmoid/does-not-modify-input
# expect-fail: sigmoid_derivative/known-values
# expect-fail: sigmoid_derivative/keeps-shape-and-dtype
# expect-fail: sigmoid_derivative/finite-differences
# expect-fail: sigmoid_derivative/matches-reference
# expect-fail: sigmoid_derivative/extreme-values
# expect-fail: sigmoid_derivative/does-not-modify-input


def sigmoid(z):
    return 1 / (1 + math.exp(-z))


def sigmoid_derivative(z):
    s = sigmoid(z)
    return s * (1 - s)
