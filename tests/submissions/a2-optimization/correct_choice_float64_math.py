"""rng.choice for the mask; computations done in float64 and cast back to the input's
dtype at the end (a valid way to keep float32)."""
import numpy as np


def dropout_forward(a, keep_prob, rng):
    if not 0 < keep_prob <= 1:
        raise ValueError("keep_prob must be in (0, 1]")
    mask = rng.choice([True, False], size=a.shape, p=[keep_prob, 1 - keep_prob])
    out = (a.astype(np.float64) * mask * (1.0 / keep_prob)).astype(a.dtype)
    return out, mask


def dropout_backward(dout, mask, keep_prob):
    return (dout.astype(np.float64) * mask.astype(np.float64) / keep_prob).astype(dout.dtype)


def adam_init(params):
    m = {k: np.zeros_like(p) for k, p in params.items()}
    v = {k: np.zeros_like(p) for k, p in params.items()}
    return {"t": 0, "m": m, "v": v}


def adam_step(params, grads, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    state["t"] += 1
    t = state["t"]
    for k, p in params.items():
        g = grads[k].astype(np.float64)
        m = beta1 * state["m"][k].astype(np.float64) + (1 - beta1) * g
        v = beta2 * state["v"][k].astype(np.float64) + (1 - beta2) * g ** 2
        state["m"][k] = m.astype(p.dtype)
        state["v"][k] = v.astype(p.dtype)
        update = lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps)
        params[k] = (p - update).astype(p.dtype)
    return params, state
