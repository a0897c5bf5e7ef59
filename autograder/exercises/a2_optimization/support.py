"""Helpers shared by the public and hidden checks of a2-optimization: reading what
dropout_forward and adam_step return, and running adam_step the way a training loop
does (each call given the params and state the previous call returned)."""

from __future__ import annotations

import numpy as np

from ...checks.compare import find_mismatch, kind_of, render
from ...checks.model import CheckFailure
from ...sandbox.child import wire
from ...sandbox.process import StudentError

HYPER_NAMES = ("lr", "beta1", "beta2", "eps")


# ------------------------------------------------------------------ inputs


def sample(shape, dtype, seed: int, scale: float = 3.0) -> np.ndarray:
    """Normal values of the given scale, shape and dtype, from a fixed seed (an array even
    when 0-d, never a numpy scalar)."""
    return np.asarray(scale * np.random.default_rng(seed).standard_normal(shape), dtype)


def gradients(params: dict, steps: int, seed: int) -> list:
    """Gradients of mixed magnitudes (1e-5 to 1, a few exact zeros), signs at random: the
    small ones make eps matter, the changes of scale make beta1 and beta2 matter."""
    rng = np.random.default_rng(seed)
    seq = []
    for _ in range(steps):
        grads = {}
        for k, p in params.items():
            g = rng.choice((-1.0, 1.0), p.shape) * 10.0 ** rng.uniform(-5, 0, p.shape)
            grads[k] = np.where(rng.random(p.shape) < 0.1, 0.0, g).astype(p.dtype)
        seq.append(grads)
    return seq


# ------------------------------------------------------------------ dropout


def as_array(t, value, what: str) -> np.ndarray:
    """A returned numpy array (a numpy scalar counts as 0-d), or a failure naming ``what``."""
    if not isinstance(value, (np.ndarray, np.generic)):
        t.fail(f"{what} should be a numpy array, but it is {kind_of(value)}",
               received=render(value))
    return np.asarray(value)


def dropout_pair(t, result) -> tuple:
    """The (out, mask) pair dropout_forward returned."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        t.fail("dropout_forward must return a pair (out, mask)", received=render(result))
    return result


def dropout_mask(t, a: np.ndarray, result) -> np.ndarray:
    """The returned mask as a bool array of a's shape, whatever dtype it came in."""
    mask = as_array(t, dropout_pair(t, result)[1], "mask")
    if mask.shape != a.shape:
        t.fail(f"mask has shape {mask.shape}, expected a's shape {a.shape} (one independent "
               "draw per entry of a)", received=render(result[1]))
    return mask != 0


def expect_dropout_format(t, a: np.ndarray, result) -> None:
    """mask is a bool array of a's shape; out an array of a's shape and dtype."""
    out, mask = dropout_pair(t, result)
    for what, value, dtype in (("mask", mask, np.dtype(bool)), ("out", out, a.dtype)):
        got = as_array(t, value, what)
        if got.dtype != dtype or got.shape != a.shape:
            t.fail(f"{what} must have shape {a.shape} and dtype {dtype}, but it has shape "
                   f"{got.shape} and dtype {got.dtype}", received=render(value))


def expect_out_from_mask(t, a: np.ndarray, keep_prob: float, result) -> None:
    """out == np.where(mask, a / keep_prob, 0) for the student's own mask, in a's dtype.

    The dtypes are the format check's business: here out is read in a's dtype and the
    mask as bool, so one wrong dtype does not also cost this check.
    """
    mask = dropout_mask(t, a, result)
    out = as_array(t, result[0], "out")
    if out.shape != a.shape or out.dtype.kind not in "fiub":
        t.fail(f"out must be a float array of a's shape {a.shape}, but it has shape "
               f"{out.shape} and dtype {out.dtype}", received=render(result[0]))
    with np.errstate(all="ignore"):
        want = np.where(mask, a / keep_prob, 0).astype(a.dtype)
        problem = find_mismatch(out.astype(a.dtype), want,
                                "out (compared with np.where(mask, a / keep_prob, 0) for "
                                "the mask your function returned)")
    if problem:
        t.fail(problem, expected=render(want), received=render(result[0]))


# ------------------------------------------------------------------ adam


def fresh_state(params: dict) -> dict:
    """The contract's initial Adam state, built by the grader (not by adam_init)."""
    return {"t": 0, "m": {k: np.zeros_like(p) for k, p in params.items()},
            "v": {k: np.zeros_like(p) for k, p in params.items()}}


def copy_tree(value):
    """A deep copy of nested dicts, lists and arrays, numpy scalars made 0-d arrays (what
    the reference returns is given to the student, and the contract's state holds arrays,
    which an in-place update needs)."""
    if isinstance(value, dict):
        return {k: copy_tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(copy_tree(v) for v in value)
    if isinstance(value, (np.ndarray, np.generic)):
        return np.array(value)
    return value


def step_result(result, *, context: str) -> tuple[dict, dict]:
    """(params, state) from adam_step's result, the state cut to the contract's keys."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise CheckFailure("adam_step must return the pair (params, state)",
                           counterexample=context, received=render(result))
    params, state = result
    if not isinstance(state, dict) or not {"t", "m", "v"} <= set(state):
        raise CheckFailure('the state adam_step returns must be a dict with the keys "t", '
                           '"m" and "v"', counterexample=context, received=render(state))
    return params, {k: state[k] for k in ("t", "m", "v")}


def step_mismatch(received: tuple, expected: tuple):
    """(the first difference as a sentence, received part, expected part), or None."""
    for label, got, want in (("params", received[0], expected[0]),
                             ("state", received[1], expected[1])):
        problem = find_mismatch(got, want, label)
        if problem:
            return problem, got, want
    return None


def expect_step(received: tuple, expected: tuple, *, when: str, context: str) -> None:
    """Compare (params, state) pairs; the failure names the first entry that differs."""
    found = step_mismatch(received, expected)
    if found:
        problem, got, want = found
        raise CheckFailure(f"{when}: {problem}", counterexample=context,
                           expected=render(want, 1500), received=render(got, 1500))


def describe_state(state) -> str:
    """How a run's first state reads in a failure message."""
    if isinstance(state, wire.Ref):
        return "the state your adam_init returned"
    if state["t"] == 0 and not any(np.any(m) for m in state["m"].values()):
        return "a fresh state (t=0, zero m and v)"
    return f"state={render(state, 800)}"


def describe_run(params, state, grads_seq, hyper, upto: int) -> str:
    """The inputs of a run of ``upto`` adam_step calls, as a student would read them."""
    given = ", ".join(f"{k}={hyper[k]!r}" for k in HYPER_NAMES if k in hyper)
    lines = [f"adam_step called {upto} time(s) in a row, starting from "
             f"{describe_state(state)}, params={render(params, 800)}, "
             f"{given or 'the default hyperparameters'}; each call was given the params and "
             "state the previous call returned"]
    lines += [f"grads of call {i + 1}: {render(g, 600)}" for i, g in enumerate(grads_seq[:upto])]
    return "\n".join(lines)


def run_adam(t, params: dict, state, grads_seq: list, hyper: dict, *, keep: str = "adam"):
    """Call adam_step once per grads in ``grads_seq`` like a training loop, from ``params``
    and ``state`` (values, or ``wire.Ref``s to objects kept in the child); yield
    (call number, (params, state) received, context text) after each call."""
    returned_params, returned_state = wire.Ref(keep, (0,)), wire.Ref(keep, (1,))
    for i, grads in enumerate(grads_seq):
        context = describe_run(params, state, grads_seq, hyper, i + 1)
        args = (params, grads, state) if i == 0 else (returned_params, grads, returned_state)
        try:
            outcome = t.invoke("adam_step", args, hyper, keep=keep)
        except StudentError as err:
            failure = t.raised(err, "adam_step", args, hyper)
            raise CheckFailure(failure.message, counterexample=context) from None
        yield i + 1, step_result(outcome.value, context=context), context
