"""sigmoid(z) = exp(-log(1 + exp(-z))) with np.logaddexp, no scipy needed."""
import numpy as np


def sigmoid(z):
    return np.exp(-np.logaddexp(0, -z))


def sigmoid_derivative(z):
    return np.exp(-np.logaddexp(0, -z) - np.logaddexp(0, z))
