"""Hidden checks of a2-optimization: dropout's randomness (reproducible, from rng only,
kept with probability keep_prob, entry by entry) and random inputs of every shape, and
dropout_backward, adam_init and adam_step against the reference on random inputs,
hyperparameters and runs of several steps."""

import math

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ...checks import CheckFailure, CheckList
from ...checks.compare import find_mismatch, render
from ...checks.strategies import float_arrays, seeds
from ...sandbox.child import wire
from .support import (
    copy_tree,
    dropout_mask,
    expect_dropout_format,
    expect_out_from_mask,
    expect_step,
    fresh_state,
    gradients,
    run_adam,
    sample,
    step_result,
)

CHECKS = CheckList(hidden=True)


# ------------------------------------------------------------------ dropout_forward


def ones_call(shape, keep_prob, seed, dtype=np.float32) -> tuple[np.ndarray, tuple, str]:
    """An input of ones (out then shows the mask: 1 / keep_prob where kept), the call's
    arguments, and the call as a student can type it."""
    a = np.ones(shape, dtype)
    text = (f"dropout_forward(np.ones({shape}, np.{a.dtype}), {keep_prob}, "
            f"numpy.random.default_rng({seed}))")
    return a, (a, keep_prob, wire.Rng(seed)), text


def draw(t, shape, keep_prob, seed) -> tuple[np.ndarray, tuple, str]:
    """(mask as bool, the result, the call's text) of dropout_forward on ones."""
    a, args, text = ones_call(shape, keep_prob, seed)
    try:
        result = t.call(*args)
        return dropout_mask(t, a, result), result, text
    except CheckFailure as failure:
        failure.counterexample = text
        raise


def fail(text: str, message: str, **details) -> None:
    raise CheckFailure(message, counterexample=text, **details)


@CHECKS.add("dropout_forward", "same-seed-same-mask",
            rule="all randomness comes from rng: two calls with generators of the same seed "
            "give the same mask and out (never use np.random.* or the random module)")
def same_seed_same_mask(t):
    for seed, keep_prob, shape in ((0, 0.5, (8, 16)), (123, 0.3, (200,)),
                                   (2**31 + 5, 0.7, (4, 5, 6))):
        first_mask, first, text = draw(t, shape, keep_prob, seed)
        second_mask, second, _ = draw(t, shape, keep_prob, seed)
        differ = int(np.sum(first_mask != second_mask))
        if differ:
            fail(text, f"two identical calls returned masks that differ in {differ} of "
                 f"{first_mask.size} entries: draw the mask from rng (e.g. rng.random(a.shape)), "
                 "not from np.random.* or random.*", expected=render(first[1]),
                 received=render(second[1]))
        problem = find_mismatch(second[0], first[0], "out of the second of two identical calls")
        if problem:
            fail(text, problem, expected=render(first[0]), received=render(second[0]))


@CHECKS.add("dropout_forward", "different-seeds-different-masks",
            rule="the mask is drawn from rng: generators with different seeds give different "
            "masks (do not seed a generator of your own)")
def different_seeds_different_masks(t):
    for s1, s2 in ((0, 1), (7, 8), (1234, 4321)):
        mask1, _, text1 = draw(t, (10, 20), 0.5, s1)
        mask2, result, text2 = draw(t, (10, 20), 0.5, s2)
        if np.array_equal(mask1, mask2):
            fail(f"{text1} and {text2}", "generators with different seeds gave the same mask "
                 f"on {mask1.size} entries: the mask must come from the rng argument",
                 received=render(result[1]))


@CHECKS.add("dropout_forward", "keep-fraction", weight=2,
            rule="each entry of mask is True with probability keep_prob: over many entries the "
            "fraction of True is close to keep_prob (True means kept)")
def keep_fraction(t):
    for seed, p in enumerate((0.1, 0.3, 0.5, 0.75, 0.9)):
        mask, _, text = draw(t, (100, 200), p, 100 + seed)
        frac = float(mask.mean())
        bound = 6 * math.sqrt(p * (1 - p) / mask.size)  # six standard deviations
        if abs(frac - p) > bound:
            fail(text, f"{frac:.4f} of the {mask.size} mask entries are True; expected about "
                 f"{p} (within {bound:.4f}): True marks a kept entry, kept with probability "
                 "keep_prob")


@CHECKS.add("dropout_forward", "independent-entries",
            rule="the entries of mask are drawn independently: no value repeated along an axis "
            "(one draw per entry of a), and the number of kept entries varies from call to "
            "call (it is binomial, not a fixed count)")
def independent_entries(t):
    for seed, p in enumerate((0.5, 0.3)):
        mask, _, text = draw(t, (30, 40, 50), p, 200 + seed)
        q = p * p + (1 - p) * (1 - p)  # chance that two independent entries agree
        for axis, n in enumerate(mask.shape):
            agree = float(np.mean(np.take(mask, range(1, n), axis) ==
                                  np.take(mask, range(n - 1), axis)))
            if abs(agree - q) > 0.03:  # about ten standard deviations
                fail(text, f"neighbouring mask entries along axis {axis} are equal in "
                     f"{agree:.3f} of cases; independent entries are equal in {q:.3f}: draw "
                     "one value per entry, do not repeat a draw along an axis")
    counts = {int(draw(t, (40,), 0.5, 300 + seed)[0].sum()) for seed in range(12)}
    if len(counts) == 1:
        fail("dropout_forward(np.ones((40,), np.float32), 0.5, numpy.random.default_rng(s)) "
             "for s = 300, ..., 311",
             f"every call (each with its own seed) kept exactly {counts.pop()} of the 40 "
             "entries; with independent entries the count varies (a fixed number of kept "
             "entries, e.g. from rng.permutation or rng.choice without replacement, is not "
             "independent dropout)")


@CHECKS.add("dropout_forward", "random-inputs", weight=2,
            rule="on random a (float32 and float64, any shape, 0-d and empty included) and "
            "keep_prob in (0, 1]: mask is bool of a's shape, out = np.where(mask, a / "
            "keep_prob, 0) in a's dtype")
def random_inputs(t):
    @t.for_all(a=float_arrays(low=-10, high=10), keep_prob=st.floats(0.05, 1.0),
               seed=seeds(), max_examples=40)
    def prop(a, keep_prob, seed):
        result = t.call(a, keep_prob, wire.Rng(seed))
        expect_dropout_format(t, a, result)
        expect_out_from_mask(t, a, keep_prob, result)


# ------------------------------------------------------------------ dropout_backward


@st.composite
def backward_inputs(draw):
    dout = draw(float_arrays(low=-10, high=10))
    return dout, draw(hnp.arrays(bool, dout.shape)), draw(st.floats(0.05, 1.0))


@CHECKS.add("dropout_backward", "matches-reference", weight=2,
            rule="da = dout * mask / keep_prob on random inputs (float32 and float64, any "
            "shape, 0-d and empty included), in dout's dtype")
def backward_matches_reference(t):
    @t.for_all(inputs=backward_inputs(), max_examples=40)
    def prop(inputs):
        dout, mask, keep_prob = inputs
        t.expect(t.call(dout, mask, keep_prob),
                 t.reference()(dout.copy(), mask.copy(), keep_prob))


# ------------------------------------------------------------------ adam

NAMES = ("W1", "b1", "W2", "b2", "gamma")


@st.composite
def param_dicts(draw, max_params: int = 3):
    """1 to max_params named arrays in [-1, 1], each of its own dtype and shape."""
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=max_params,
                          unique=True))
    return {n: draw(float_arrays(low=-1, high=1, max_dims=3)) for n in names}


def hyperparameters():
    """lr, beta1, beta2 and eps over the ranges used in practice (eps up to 1e-3, so that
    eps inside or outside the square root makes a visible difference)."""
    return st.fixed_dictionaries({
        "lr": st.floats(1e-4, 0.05),
        "beta1": st.floats(0.5, 0.99),
        "beta2": st.floats(0.9, 0.9999),
        "eps": st.sampled_from((1e-8, 1e-7, 1e-6, 1e-4, 1e-3)),
    })


def reference_run(t, params, state, grads_seq, hyper) -> list:
    """The reference's (params, state) after each step, on copies of the inputs."""
    params, state = copy_tree(params), copy_tree(state)
    out = []
    for grads in grads_seq:
        params, state = t.reference("adam_step")(params, copy_tree(grads), state, **hyper)
        out.append(copy_tree((params, state)))
    return out


@CHECKS.add("adam_init", "matches-reference",
            rule="zeros of each parameter's shape and dtype in m and v, and t = 0, for random "
            "params (any shape, 0-d and empty included, float32 and float64)")
def init_matches_reference(t):
    @t.for_all(params=param_dicts(max_params=4), max_examples=25)
    def prop(params):
        state = t.call(params)
        if not isinstance(state, dict) or not {"t", "m", "v"} <= set(state):
            t.fail('adam_init must return a dict with the keys "t", "m" and "v"',
                   received=render(state))
        t.expect({k: state[k] for k in ("t", "m", "v")}, t.reference()(copy_tree(params)),
                 what="the state")


@CHECKS.add("adam_step", "matches-reference", weight=3,
            rule="one adam_step from a state some steps into training (t up to 15) matches "
            "the contract's update of t, m, v and params, with random hyperparameters, "
            "shapes (0-d and empty included) and dtypes (float32 stays float32)")
def step_matches_reference(t):
    @t.for_all(params=param_dicts(), hyper=hyperparameters(), warm=st.integers(0, 15),
               seed=seeds(), max_examples=40)
    def prop(params, hyper, warm, seed):
        grads_seq = gradients(params, warm + 1, seed)
        warmed = reference_run(t, params, fresh_state(params), grads_seq[:warm], hyper)
        start, state = warmed[-1] if warmed else (params, fresh_state(params))
        expected = reference_run(t, start, state, grads_seq[-1:], hyper)[0]
        received = step_result(t.call(start, grads_seq[-1], state, **hyper),
                               context=t.last_call)
        expect_step(received, expected, when="after the call", context=t.last_call)


@CHECKS.add("adam_step", "trajectory-matches-reference", weight=2,
            rule="several adam_step calls in a row, each given the params and state the "
            "previous one returned (as in a training loop), follow the reference's "
            "trajectory for random hyperparameters, shapes and dtypes")
def trajectory_matches_reference(t):
    @t.for_all(params=param_dicts(), hyper=hyperparameters(), steps=st.integers(2, 5),
               seed=seeds(), max_examples=12)
    def prop(params, hyper, steps, seed):
        grads_seq = gradients(params, steps, seed)
        expected = reference_run(t, params, fresh_state(params), grads_seq, hyper)
        for step, received, context in run_adam(t, params, fresh_state(params), grads_seq,
                                                hyper):
            expect_step(received, expected[step - 1], when=f"after call {step}",
                        context=context)


@CHECKS.add("adam_step", "default-hyperparameters",
            rule="hyperparameters not passed take the contract's defaults: lr=1e-3, beta1=0.9, "
            "beta2=0.999, eps=1e-8")
def default_hyperparameters(t):
    params = {"W": sample((3, 4), np.float64, 70, 1.0), "b": sample((4,), np.float64, 71, 1.0)}
    # small gradients (1e-7 to 1e-2) so that sqrt(v_hat) comes near eps and eps shows
    grads_seq = [{k: g * 1e-2 for k, g in grads.items()} for grads in gradients(params, 5, 72)]
    params, state = reference_run(t, params, fresh_state(params), grads_seq[:4], {})[-1]
    for given in ({}, {"lr": 0.01}, {"beta1": 0.8}, {"beta2": 0.99}, {"eps": 1e-6}):
        expected = reference_run(t, params, state, grads_seq[4:], given)[0]
        received = step_result(t.call(params, grads_seq[4], state, **given),
                               context=t.last_call)
        expect_step(received, expected, when="after the call", context=t.last_call)
