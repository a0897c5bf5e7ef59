"""Reference for assignment a1-activations: a numerically stable sigmoid and its derivative."""

import numpy as np


def _exp_neg_abs(z: np.ndarray) -> np.ndarray:
    """exp(-|z|): it lies in [0, 1], so it never overflows, whatever the size of z."""
    return np.exp(-np.abs(z))


def sigmoid(z: np.ndarray | float) -> np.ndarray:
    """1 / (1 + exp(-z)) elementwise in z's dtype and shape; finite everywhere, 1 and 0 at +-inf.

    With e = exp(-|z|) no exponential overflows: 1 / (1 + e) for z >= 0, e / (1 + e) below.
    """
    z = np.asarray(z)
    e = _exp_neg_abs(z)
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_derivative(z: np.ndarray | float) -> np.ndarray:
    """sigmoid(z) * (1 - sigmoid(z)) elementwise in z's dtype and shape; 0 at +-inf.

    Computed as e / (1 + e)**2 with e = exp(-|z|) (the derivative is even), which avoids both
    overflow and the cancellation in 1 - sigmoid(z) for large z.
    """
    e = _exp_neg_abs(np.asarray(z))
    return e / (1 + e) ** 2
