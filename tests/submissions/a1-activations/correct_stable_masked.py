"""Boolean masks select each entry's stable branch; nothing overflows."""
import numpy as np


def sigmoid(z):
    z = np.asarray(z)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def sigmoid_derivative(z):
    e = np.exp(-np.abs(np.asarray(z)))
    return e / (1 + e) ** 2
