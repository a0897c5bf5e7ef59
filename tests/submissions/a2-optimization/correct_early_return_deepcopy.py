"""keep_prob == 1 handled first (no draw); float32 uniforms for the mask; adam_init
through copy.deepcopy of one zero dict; powers instead of np.sqrt."""
import copy

import numpy as np


def dropout_forward(a, keep_prob, rng):
    if np.isnan(keep_prob) or keep_prob <= 0.0 or keep_prob > 1.0:
        raise ValueError(f"keep_prob={keep_prob} is not in (0, 1]")
    if keep_prob == 1.0:
        return a.copy(), np.ones(a.shape, dtype=bool)
    mask = rng.random(a.shape, dtype=np.float32) < keep_prob
    out = np.multiply(a, mask, dtype=a.dtype) * (1.0 / keep_prob)
    return out, mask


def dropout_backward(dout, mask, keep_prob):
    return np.multiply(dout, mask, dtype=dout.dtype) / keep_prob


def adam_init(params):
    m = {name: p * 0 for name, p in params.items()}
    return {"t": 0, "m": m, "v": copy.deepcopy(m)}


def adam_step(params, grads, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"] = state["t"] + 1
    for name in params:
        g = grads[name]
        m = state["m"][name] = beta1 * state["m"][name] + (1 - beta1) * g
        v = state["v"][name] = beta2 * state["v"][name] + (1 - beta2) * np.power(g, 2)
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        params[name] = params[name] - lr * m_hat / (v_hat**0.5 + eps)
    return params, state
