"""Writes a 200 MB file (over the 64 MB file limit)."""
# attacked: sigmoid_derivative
# message: sigmoid_derivative raised
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_derivative(z):
    with open("big.bin", "wb") as f:
        for _ in range(200):
            f.write(b"\0" * 2**20)
    s = sigmoid(z)
    return s * (1 - s)
