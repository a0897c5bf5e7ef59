"""A complement draw for the mask and in-place edits of a copy; Adam written like
torch's single-tensor loop (in-place moments, sqrt(v) / sqrt(bc2) + eps)."""
import math

import numpy as np


def dropout_forward(a, keep_prob, rng):
    if not (keep_prob > 0 and keep_prob <= 1):
        raise ValueError("keep_prob must lie in (0, 1]")
    mask = rng.random(size=a.shape) >= 1.0 - keep_prob
    out = a.copy()
    out[~mask] = 0
    out /= keep_prob
    return out, mask


def dropout_backward(dout, mask, keep_prob):
    da = dout.copy()
    da[~mask] = 0
    da /= keep_prob
    return da


def adam_init(params):
    return {"t": 0,
            "m": {name: np.zeros_like(p) for name, p in params.items()},
            "v": {name: np.zeros_like(p) for name, p in params.items()}}


def adam_step(params, grads, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    state["t"] = t = state["t"] + 1
    bias_correction1 = 1 - beta1 ** t
    bias_correction2_sqrt = math.sqrt(1 - beta2 ** t)
    for name, param in params.items():
        grad = grads[name]
        m, v = state["m"][name], state["v"][name]
        m += (1 - beta1) * (grad - m)  # lerp towards grad
        v *= beta2
        v += (1 - beta2) * grad * grad
        denom = np.sqrt(v) / bias_correction2_sqrt + eps
        param -= (lr / bias_correction1) * m / denom
    return params, state
