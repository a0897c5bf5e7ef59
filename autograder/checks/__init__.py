"""The check engine: checks declared as data, run against a student's functions.

- ``model``: ``Check`` and ``CheckList`` (what a check is) and ``CheckFailure``.
- ``trial``: what a running check can do: call the student's function in its
  sandboxed process, ask the reference (hidden checks only), draw inputs.
- ``compare``: tolerance rules of the contract and messages that show where values differ.
- ``properties``: hypothesis, seeded and shrinking to a small counterexample.
- ``strategies``: shared hypothesis strategies (arrays, tensors, boxes, sentences).
"""

from .model import Check, CheckFailure, CheckList
from .trial import Trial

__all__ = ["Check", "CheckFailure", "CheckList", "Trial"]
