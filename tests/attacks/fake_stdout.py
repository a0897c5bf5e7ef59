"""Prints what looks like a perfect grading result, then returns nonsense."""
# attacked: sigmoid_derivative
# message: differs
import json
import sys

import numpy as np

print(json.dumps({"score": 10, "max_score": 10, "passed": True}))


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_derivative(z):
    sys.stdout.write('{"ok": true, "value": {"result": 0.25}}\n')
    sys.__stdout__.write('{"passed": true}\n')
    return np.asarray(z) * 0 + 7
