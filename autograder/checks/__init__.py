"""The check engine: checks declared as data, run against a student's functions.

- ``model``: ``Check`` and ``CheckList`` (what a check is) and ``CheckFailure``.
- ``trial``: what a running check can do: call the student's function in its
  sandboxed process, ask the reference (hidden checks only), draw inputs.
- ``compare``: tolerance rules of the contract and messages that show where values differ.
- ``hypothesis_run``: one hypothesis run of a property: search for a failing input, or
  shrink one found before; ``hypothesis_setup``: hypothesis configured for grading.
- ``recordings``: the inputs of passing properties, replayed on the next submission.
- ``prefetch``: the calls of replayed inputs, sent to the sandbox in one batch.
- ``strategies``: shared hypothesis strategies (arrays, tensors, boxes, sentences).
"""

from .model import Check, CheckFailure, CheckList

__all__ = ["Check", "CheckFailure", "CheckList"]
