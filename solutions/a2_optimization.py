"""Reference for assignment a2-optimization: inverted dropout and the Adam optimiser, in numpy."""

import numpy as np


def dropout_forward(
    a: np.ndarray, keep_prob: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Inverted dropout: keep each entry with probability keep_prob, scaled by 1 / keep_prob.

    Returns (out, mask) with out in a's dtype; the mask comes from rng only. A keep_prob outside
    (0, 1], or NaN, raises ValueError.
    """
    if not 0 < keep_prob <= 1:  # also true for NaN
        raise ValueError(f"keep_prob must be in (0, 1], got {keep_prob}")
    mask = rng.random(a.shape) < keep_prob
    out = np.where(mask, a / keep_prob, 0).astype(a.dtype, copy=False)
    return out, mask


def dropout_backward(dout: np.ndarray, mask: np.ndarray, keep_prob: float) -> np.ndarray:
    """Gradient of inverted dropout: dout * mask / keep_prob, in dout's dtype."""
    return (dout * mask / keep_prob).astype(dout.dtype, copy=False)


def adam_init(params: dict[str, np.ndarray]) -> dict:
    """Fresh Adam state: step 0 and zero moments of each parameter's shape and dtype."""
    return {
        "t": 0,
        "m": {name: np.zeros_like(p) for name, p in params.items()},
        "v": {name: np.zeros_like(p) for name, p in params.items()},
    }


def adam_step(
    params: dict[str, np.ndarray],
    grads: dict[str, np.ndarray],
    state: dict,
    lr: float = 1e-3,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
) -> tuple[dict[str, np.ndarray], dict]:
    """One bias-corrected Adam step (eps outside the square root), the same as torch.optim.Adam.

    Updates params and state in place and returns them; grads are only read; dtypes are kept.
    """
    state["t"] += 1
    t = state["t"]
    for name, g in grads.items():
        m = state["m"][name] = beta1 * state["m"][name] + (1 - beta1) * g
        v = state["v"][name] = beta2 * state["v"][name] + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        params[name] -= lr * m_hat / (np.sqrt(v_hat) + eps)
    return params, state
