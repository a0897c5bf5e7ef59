"""Bias corrections use t before it is incremented."""
# expect-fail: adam_step/does-not-modify-grads
# expect-fail: adam_step/matches-torch-adam
# expect-fail: adam_step/matches-reference
# expect-fail: adam_step/trajectory-matches-reference
# expect-fail: adam_step/default-hyperparameters
import numpy as np


def dropout_forward(a, keep_prob, rng):
    if not 0 < keep_prob <= 1:
        raise ValueError("keep_prob must be in (0, 1]")
    mask = rng.random(a.shape) < keep_prob
    out = a * mask / keep_prob
    return out, mask


def dropout_backward(dout, mask, keep_prob):
    return dout * mask / keep_prob


def adam_init(params):
    return {"t": 0,
            "m": {k: np.zeros_like(p) for k, p in params.items()},
            "v": {k: np.zeros_like(p) for k, p in params.items()}}


def adam_step(params, grads, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"]
    state["t"] += 1
    for k in params:
        g = grads[k]
        state["m"][k] = beta1 * state["m"][k] + (1 - beta1) * g
        state["v"][k] = beta2 * state["v"][k] + (1 - beta2) * g ** 2
        m_hat = state["m"][k] / (1 - beta1 ** t)
        v_hat = state["v"][k] / (1 - beta2 ** t)
        params[k] -= lr * m_hat / (np.sqrt(v_hat) + eps)
    return params, state
