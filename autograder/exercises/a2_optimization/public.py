"""Public checks of a2-optimization: worked values, the rules on keep_prob, shapes and
dtypes, inputs left alone, and Adam's trajectory against torch.optim.Adam. No reference
needed."""

import math

import numpy as np

from ...checks import CheckFailure, CheckList
from ...checks.compare import find_mismatch, render
from ...sandbox.child import wire
from ...sandbox.process import StudentError
from .support import (
    dropout_mask,
    expect_dropout_format,
    expect_out_from_mask,
    expect_step,
    fresh_state,
    gradients,
    run_adam,
    sample,
    step_mismatch,
    step_result,
)

CHECKS = CheckList(hidden=False)


# Arrays of both dtypes, 0-d and empty included.
ARRAYS = (sample((4, 5), np.float32, 1), sample((7,), np.float64, 2),
          sample((), np.float32, 3), sample((0, 3), np.float64, 4),
          sample((2, 3, 4), np.float64, 5))


# ------------------------------------------------------------------ dropout_forward


@CHECKS.add("dropout_forward", "keep-prob-one",
            rule="keep_prob == 1 keeps every entry: mask is all True and out equals a")
def keep_prob_one(t):
    for seed, a in enumerate(ARRAYS):
        result = t.call(a, 1.0, wire.Rng(seed))
        if not dropout_mask(t, a, result).all():
            t.fail("with keep_prob == 1 every entry must be kept, but the mask has False "
                   "entries", received=render(result[1]))
        expect_out_from_mask(t, a, 1.0, result)


@CHECKS.add("dropout_forward", "rejects-invalid-keep-prob",
            rule="keep_prob outside (0, 1], or NaN, raises ValueError")
def rejects_invalid_keep_prob(t):
    a = sample((3, 4), np.float64, 0)
    for keep_prob in (0.0, -0.5, 1.5, math.nan, 1.001):
        t.expect_raises("ValueError", a, keep_prob, wire.Rng(0))


@CHECKS.add("dropout_forward", "mask-and-out-format",
            rule="mask is a bool array of a's shape; out has a's shape and dtype (any shape, "
            "0-d and empty included; float32 stays float32)")
def mask_and_out_format(t):
    for seed, a in enumerate(ARRAYS):
        expect_dropout_format(t, a, t.call(a, 0.6, wire.Rng(seed)))


@CHECKS.add("dropout_forward", "out-is-inverted-dropout", weight=2,
            rule="out = np.where(mask, a / keep_prob, 0) for the mask returned with it "
            "(inverted dropout: kept entries are divided by keep_prob, dropped ones are 0)")
def out_is_inverted_dropout(t):
    for seed, keep_prob in enumerate((0.5, 0.8, 0.25, 0.9, 0.6)):
        a = ARRAYS[seed]
        expect_out_from_mask(t, a, keep_prob, t.call(a, keep_prob, wire.Rng(seed)))


@CHECKS.add("dropout_forward", "does-not-modify-a",
            rule="a must not be modified in place (and out must still be right)")
def dropout_does_not_modify_a(t):
    for seed, a in enumerate(ARRAYS[:2]):
        expect_out_from_mask(t, a, 0.5, t.expect_unchanged(a, 0.5, wire.Rng(seed)))


# ------------------------------------------------------------------ dropout_backward


@CHECKS.add("dropout_backward", "known-values",
            rule="da = dout * mask / keep_prob, in dout's dtype and shape")
def backward_known_values(t):
    dout = np.array([[1.0, -2.0, 0.5], [3.0, 4.0, -1.0]])
    mask = np.array([[True, False, True], [False, True, True]])
    worked = {  # keep_prob -> da, by hand
        0.5: [[2.0, 0.0, 1.0], [0.0, 8.0, -2.0]],
        0.25: [[4.0, 0.0, 2.0], [0.0, 16.0, -4.0]],
        1.0: [[1.0, 0.0, 0.5], [0.0, 4.0, -1.0]],
    }
    for dtype in (np.float64, np.float32):
        for keep_prob, da in worked.items():
            t.expect(t.call(dout.astype(dtype), mask, keep_prob), np.array(da, dtype))
    t.expect(t.call(np.array(3.0), np.array(True), 0.5), np.array(6.0))  # 0-d


@CHECKS.add("dropout_backward", "does-not-modify-inputs",
            rule="dout and mask must not be modified in place (and da must still be right)")
def backward_does_not_modify_inputs(t):
    for seed, dtype in enumerate((np.float64, np.float32)):
        dout = sample((5, 6), dtype, seed)
        mask = np.random.default_rng(seed).random((5, 6)) < 0.5
        t.expect(t.expect_unchanged(dout, mask, 0.5), np.where(mask, dout / 0.5, 0))


# ------------------------------------------------------------------ adam_init

PARAM_SETS = (
    {"W1": sample((3, 4), np.float32, 10), "b1": sample((4,), np.float32, 11)},
    {"W": sample((2, 5), np.float64, 12), "b": sample((5,), np.float64, 13),
     "gamma": sample((), np.float64, 14)},
    {"w": sample((6,), np.float64, 15), "scale": sample((1, 2), np.float32, 16),
     "unused": sample((0, 3), np.float32, 17)},
)


@CHECKS.add("adam_init", "zeros-like-params", weight=2,
            rule='adam_init returns {"t": 0, "m": {...}, "v": {...}}: t is the int 0, m and v '
            "have the keys of params and zeros of each parameter's shape and dtype")
def zeros_like_params(t):
    for params in PARAM_SETS:
        state = t.call(params)
        if not isinstance(state, dict) or not {"t", "m", "v"} <= set(state):
            t.fail('adam_init must return a dict with the keys "t", "m" and "v"',
                   received=render(state))
        t.expect({k: state[k] for k in ("t", "m", "v")}, fresh_state(params),
                 what="the state")


@CHECKS.add("adam_init", "fresh-state-for-adam-step",
            rule="the state from adam_init works in adam_step exactly like a fresh state: m "
            "and v are separate zero arrays (not one array or one dict shared by m and v)")
def fresh_state_for_adam_step(t):
    """Your adam_step from your adam_init's state must give what it gives from a fresh
    state built by the grader; both runs use your own adam_step, so only what adam_init
    returns (shared buffers, typically) can make them differ."""
    params = {"W": sample((3, 2), np.float32, 20, 1.0), "b": sample((2,), np.float64, 21, 1.0)}
    grads_seq = [{k: sample(p.shape, p.dtype, 30 + i, 0.5) for k, p in params.items()}
                 for i in range(3)]
    hyper = {"lr": 0.05}
    try:
        t.invoke("adam_init", (params,), keep="init")
    except StudentError as err:
        raise t.raised(err, "adam_init", (params,), None) from None
    try:
        baseline = [r for _, r, _ in run_adam(t, params, fresh_state(params), grads_seq, hyper)]
    except CheckFailure:
        return  # adam_step fails from a fresh state too: nothing to compare adam_init with
    for step, received, context in run_adam(t, params, wire.Ref("init"), grads_seq, hyper):
        found = step_mismatch(received, baseline[step - 1])
        if found:
            problem, got, want = found
            raise CheckFailure(
                f"your adam_step gives different results from the state your adam_init "
                f"returned and from a fresh state {{'t': 0, 'm': zeros, 'v': zeros}} built "
                f"separately: after call {step}, {problem} (expected: from the fresh state); "
                "m and v must be separate arrays in separate dicts, e.g. np.zeros_like for each",
                counterexample=context, expected=render(want, 1500), received=render(got, 1500))


# ------------------------------------------------------------------ adam_step


def torch_adam(params: dict, grads_seq: list, hyper: dict) -> list:
    """The (params, state) after each step of torch.optim.Adam, as numpy values."""
    import torch

    tensors = {k: torch.tensor(p.copy(), requires_grad=True) for k, p in params.items()}
    options = {"lr": hyper.get("lr", 1e-3), "eps": hyper.get("eps", 1e-8),
               "betas": (hyper.get("beta1", 0.9), hyper.get("beta2", 0.999))}
    optimizer = torch.optim.Adam(list(tensors.values()), foreach=False, **options)
    trajectory = []
    for step, grads in enumerate(grads_seq, start=1):
        for k, g in grads.items():
            tensors[k].grad = torch.tensor(g.copy())
        optimizer.step()
        moments = {k: optimizer.state[p] for k, p in tensors.items()}
        trajectory.append((
            {k: p.detach().numpy().copy() for k, p in tensors.items()},
            {"t": step, "m": {k: s["exp_avg"].numpy().copy() for k, s in moments.items()},
             "v": {k: s["exp_avg_sq"].numpy().copy() for k, s in moments.items()}}))
    return trajectory


TORCH_CASES = (  # (params, hyperparameters given to adam_step, steps)
    ({"W": sample((3, 4), np.float64, 40, 1.0), "b": sample((4,), np.float64, 41, 1.0)}, {}, 6),
    ({"W": sample((2, 3), np.float32, 42, 1.0), "b": sample((3,), np.float32, 43, 1.0)},
     {"lr": 0.01, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6}, 6),
    ({"kernel": sample((2, 2, 3), np.float32, 44, 1.0), "bias": sample((3,), np.float64, 45, 1.0),
      "scale": sample((), np.float64, 46, 1.0)},
     {"lr": 0.05, "beta1": 0.5, "beta2": 0.9, "eps": 1e-3}, 5),
)


@CHECKS.add("adam_step", "matches-torch-adam", weight=3,
            rule="several adam_step calls in a row (each given the params and state the "
            "previous one returned) follow torch.optim.Adam with the same hyperparameters: "
            "params, t, m (exp_avg) and v (exp_avg_sq) after every step; float32 stays float32")
def matches_torch_adam(t):
    for case, (params, hyper, steps) in enumerate(TORCH_CASES):
        grads_seq = gradients(params, steps, seed=50 + case)
        expected = torch_adam(params, grads_seq, hyper)
        for step, received, context in run_adam(t, params, fresh_state(params), grads_seq,
                                                hyper):
            expect_step(received, expected[step - 1], context=context,
                        when=f"after call {step}, compared with torch.optim.Adam")


@CHECKS.add("adam_step", "does-not-modify-grads", rule="grads must not be modified (neither "
            "its arrays nor the dict; params and state may be updated in place), and the step "
            "must still be right")
def does_not_modify_grads(t):
    for params, hyper, _ in TORCH_CASES[1:]:
        grads = gradients(params, 1, seed=60)[0]
        args = (params, grads, fresh_state(params))
        try:
            outcome = t.invoke("adam_step", args, hyper, report_inputs=True)
        except StudentError as err:
            raise t.raised(err, "adam_step", args, hyper) from None
        problem = find_mismatch(outcome.inputs_after[0][1], grads,
                                "grads after the call (grads must not be modified)")
        if problem:
            t.fail(problem, expected=render(grads), received=render(outcome.inputs_after[0][1]))
        expect_step(step_result(outcome.value, context=t.last_call),
                    torch_adam(params, [grads], hyper)[0], context=t.last_call,
                    when="after the call, compared with torch.optim.Adam")
