"""rng.binomial for the mask and np.where for out; Adam in Kingma and Ba's "efficient"
form (step size and eps folded with the bias corrections), returning new dicts."""
import math

import numpy as np


def dropout_forward(a, keep_prob, rng):
    if math.isnan(keep_prob) or keep_prob <= 0 or keep_prob > 1:
        raise ValueError(f"invalid keep_prob {keep_prob}")
    mask = rng.binomial(1, keep_prob, size=a.shape).astype(bool)
    out = np.where(mask, a / keep_prob, 0).astype(a.dtype)
    return out, mask


def dropout_backward(dout, mask, keep_prob):
    return np.where(mask, dout / keep_prob, 0).astype(dout.dtype)


def adam_init(params):
    m, v = {}, {}
    for name, p in params.items():
        m[name] = np.zeros(p.shape, dtype=p.dtype)
        v[name] = np.zeros(p.shape, dtype=p.dtype)
    return {"t": 0, "m": m, "v": v}


def adam_step(params, grads, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"] + 1
    bc1 = 1 - math.pow(beta1, t)
    bc2 = 1 - math.pow(beta2, t)
    step_size = lr * math.sqrt(bc2) / bc1
    eps_hat = eps * math.sqrt(bc2)
    new_params, new_m, new_v = {}, {}, {}
    for name, p in params.items():
        g = grads[name]
        new_m[name] = beta1 * state["m"][name] + (1 - beta1) * g
        new_v[name] = beta2 * state["v"][name] + (1 - beta2) * np.square(g)
        new_params[name] = p - step_size * new_m[name] / (np.sqrt(new_v[name]) + eps_hat)
    return new_params, {"t": t, "m": new_m, "v": new_v}
