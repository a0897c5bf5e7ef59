"""a2-optimization: inverted dropout and the Adam optimiser, in numpy."""

FUNCTIONS = {
    "dropout_forward": "(a, keep_prob, rng)",
    "dropout_backward": "(dout, mask, keep_prob)",
    "adam_init": "(params)",
    "adam_step": "(params, grads, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)",
}
LIBRARIES = ("numpy",)
