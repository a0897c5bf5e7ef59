"""Entry-by-entry loops for dropout (one rng draw per entry) and rng.choice; Adam with
copies of the state and the bias-corrected moments spelled out."""
import copy

import numpy as np


def dropout_forward(a, keep_prob, rng):
    if keep_prob != keep_prob or not 0.0 < keep_prob <= 1.0:
        raise ValueError("keep_prob out of range")
    mask = np.zeros(a.shape, dtype=bool)
    out = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        if rng.random() < keep_prob:
            mask[idx] = True
            out[idx] = a[idx] / keep_prob
    return out, mask


def dropout_backward(dout, mask, keep_prob):
    da = np.zeros_like(dout)
    for idx in np.ndindex(dout.shape):
        if mask[idx]:
            da[idx] = dout[idx] / keep_prob
    return da


def adam_init(params):
    state = {"t": 0, "m": {}, "v": {}}
    for name in params:
        state["m"][name] = np.zeros_like(params[name])
        state["v"][name] = np.zeros_like(params[name])
    return state


def adam_step(params, grads, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    state = copy.deepcopy(state)
    params = dict(params)
    state["t"] += 1
    for name in grads:
        g = grads[name]
        state["m"][name] = beta1 * state["m"][name] + (1.0 - beta1) * g
        state["v"][name] = beta2 * state["v"][name] + (1.0 - beta2) * (g * g)
        m_hat = state["m"][name] / (1.0 - beta1 ** state["t"])
        v_hat = state["v"][name] / (1.0 - beta2 ** state["t"])
        params[name] = params[name] - lr * m_hat / (np.sqrt(v_hat) + eps)
    return params, state
