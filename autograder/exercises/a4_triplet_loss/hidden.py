"""Hidden checks of a4-triplet-loss: values and gradients against the reference on random
batches (both dtypes, margins, reductions; repeated and singleton labels), batches without a
valid anchor, and inputs left unmodified. Every drawn input keeps each hinge and each hardest
pair clear of ties (see support)."""

import numpy as np
from hypothesis import strategies as st

from ...checks import CheckList
from ...checks.strategies import float_dtypes, seeds
from .support import (
    expect_gradients,
    grid_values,
    labelled_batches,
    margin_kwargs,
    on_device,
    plus_zero,
    reference_gradients,
    student_gradients,
    to_send,
    triplet_batches,
)

CHECKS = CheckList(hidden=True)
INPUTS = ("anchor", "positive", "negative")


def reduction_kwargs(margin, reduction) -> dict:
    """The call's keyword arguments; None leaves the argument out (its default)."""
    kwargs = margin_kwargs(margin)
    return kwargs if reduction is None else {**kwargs, "reduction": reduction}


def expect_reference_value(t, arrays, kwargs, *, unchanged: bool = False) -> None:
    """Call the function under test and compare with the reference on the same inputs
    (with ``unchanged``, also fail if the call modified an input)."""
    call = t.expect_unchanged if unchanged else t.call
    received = call(*[to_send(a) for a in arrays], **kwargs)
    t.expect(received, plus_zero(t.reference()(*[on_device(t, a) for a in arrays], **kwargs)))


def expect_reference_gradients(t, arrays, kwargs, wrt, names) -> None:
    """Value and gradients of the function under test against the reference's."""
    value, grads = student_gradients(t, arrays, kwargs, wrt)
    want_value, want_grads = reference_gradients(t, arrays, kwargs, wrt)
    t.expect(value, want_value)
    expect_gradients(t, grads, want_grads, names)


# ---------------------------------------------------------------- triplet_loss


@CHECKS.add("triplet_loss", "matches-reference", weight=3,
            rule="loss_i = max(d(a_i, p_i) - d(a_i, n_i) + margin, 0) with squared distances, "
            "reduced by mean, sum or none, with the inputs' dtype and device, on random "
            "[B, D] batches (B >= 1, both float dtypes, several margins, defaults included)")
def triplet_matches_reference(t):
    @t.for_all(batch=triplet_batches(), max_examples=40,
               reduction=st.sampled_from((None, "mean", "sum", "none")))
    def prop(batch, reduction):
        *arrays, margin = batch
        expect_reference_value(t, arrays, reduction_kwargs(margin, reduction))


@CHECKS.add("triplet_loss", "gradients-match-reference", weight=3,
            rule="differentiable with autograd: the gradients with respect to anchor, "
            "positive and negative match the reference's (mean and sum reductions, random "
            "batches, both float dtypes)")
def triplet_gradients(t):
    @t.for_all(batch=triplet_batches(), max_examples=30,
               reduction=st.sampled_from((None, "mean", "sum")))
    def prop(batch, reduction):
        *arrays, margin = batch
        expect_reference_gradients(t, arrays, reduction_kwargs(margin, reduction),
                                   [0, 1, 2], INPUTS)


@CHECKS.add("triplet_loss", "does-not-modify-inputs",
            rule="anchor, positive and negative must not be modified in place (and the "
            "result must still be right)")
def triplet_unchanged(t):
    @t.for_all(batch=triplet_batches(), max_examples=10,
               reduction=st.sampled_from(("mean", "sum", "none")))
    def prop(batch, reduction):
        *arrays, margin = batch
        expect_reference_value(t, arrays, reduction_kwargs(margin, reduction), unchanged=True)


# ---------------------------------------------------------------- batch_hard_triplet_loss


@CHECKS.add("batch_hard_triplet_loss", "matches-reference", weight=3,
            rule="the mean over anchors with a positive and a negative of max(hardest "
            "positive - hardest negative + margin, 0), on random batches of 2 to 24 images "
            "with repeated and singleton labels (both float dtypes, several margins); a 0-d "
            "tensor with the dtype and device of embeddings")
def batch_matches_reference(t):
    @t.for_all(batch=labelled_batches(), max_examples=40)
    def prop(batch):
        embeddings, labels, margin = batch
        expect_reference_value(t, (embeddings, labels), margin_kwargs(margin))


@CHECKS.add("batch_hard_triplet_loss", "gradients-match-reference", weight=3,
            rule="differentiable with autograd: the gradient with respect to embeddings "
            "matches the reference's on random batches (both float dtypes)")
def batch_gradients(t):
    @t.for_all(batch=labelled_batches(), max_examples=30)
    def prop(batch):
        embeddings, labels, margin = batch
        expect_reference_gradients(t, (embeddings, labels), margin_kwargs(margin), [0],
                                   ["embeddings"])


@st.composite
def batches_without_valid_anchor(draw):
    """Random embeddings whose labels are all equal or all different."""
    dtype = draw(float_dtypes())
    size, dim = draw(st.integers(1, 8)), draw(st.integers(1, 4))
    embeddings = grid_values(np.random.default_rng(draw(seeds())), (size, dim), dtype)
    labels = np.arange(size) * 3 if draw(st.booleans()) else np.full(size, 4)
    return embeddings, labels.astype(np.int64)


@CHECKS.add("batch_hard_triplet_loss", "no-valid-anchor-random",
            rule="a batch with one label only, or with all labels different, gives a 0-d "
            "zero with the dtype and device of embeddings, connected to embeddings (zero "
            "gradient)")
def batch_no_valid_anchor(t):
    @t.for_all(batch=batches_without_valid_anchor(), max_examples=15)
    def prop(batch):
        expect_reference_gradients(t, batch, {}, [0], ["embeddings"])


@CHECKS.add("batch_hard_triplet_loss", "does-not-modify-inputs",
            rule="embeddings and labels must not be modified in place (and the result must "
            "still be right)")
def batch_unchanged(t):
    @t.for_all(batch=labelled_batches(), max_examples=10)
    def prop(batch):
        embeddings, labels, margin = batch
        expect_reference_value(t, [embeddings, labels], margin_kwargs(margin), unchanged=True)
