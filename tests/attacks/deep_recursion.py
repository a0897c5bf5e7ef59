"""Lifts the recursion limit, then recurses in C (json of a deeply nested list) until
the C stack overflows and the process dies."""
# attacked: sigmoid_derivative
# message: could not finish
import json
import sys

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_derivative(z):
    sys.setrecursionlimit(10**8)
    nested = []
    for _ in range(500_000):
        nested = [nested]
    return json.dumps(nested, check_circular=False)
