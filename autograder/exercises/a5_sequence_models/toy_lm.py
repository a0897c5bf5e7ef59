"""Toy language models for the beam_search checks, and how a check calls beam_search with one.

A toy model's next-token log-probabilities are a deterministic function of the whole prefix
(random logits seeded by the prefix), so two runs of the same search see the same numbers. The
model is handed to the student's beam_search as its ``log_prob_fn``: a callback answered here,
in the grader, which validates every batch of prefixes and counts the calls where the student's
code cannot touch the count. ``bos`` is never a likely next token, so a returned hypothesis that
holds ``bos`` kept it by mistake.
"""

from __future__ import annotations

import functools
import math
import numbers
from dataclasses import dataclass

import numpy as np
import torch
from hypothesis import strategies as st

from ...checks.compare import kind_of, render, tolerance
from ...sandbox.child import wire
from ...sandbox.process import StudentError

NEVER = -1000.0  # a logit bias that keeps a token out of every beam
MARGIN = 1e-4  # no graded decision closer than this: float32 and float64 sums agree on it
EOS_BIASES = (NEVER, -1.0, 0.0, 1.0, 2.0, 3.0)  # eos never, rarely, ... or very soon
ALPHAS = (0.0, 0.6, 1.0)


@dataclass(frozen=True)
class ModelSpec:
    """What fixes a toy model: its vocabulary, seed, dtype and how likely eos is."""

    vocab_size: int
    seed: int
    dtype: str  # "float32" or "float64"
    bos: int
    eos: int
    eos_bias: float
    scale: float  # spread of the logits: larger is peakier

    def describe(self) -> str:
        eos = "never likely" if self.eos_bias == NEVER else f"logit bias {self.eos_bias:+g}"
        return (f"log_prob_fn is a toy language model over {self.vocab_size} tokens returning "
                f"{self.dtype} log-probabilities that depend on the whole prefix; bos={self.bos}, "
                f"eos={self.eos} ({eos})")


@dataclass(frozen=True)
class BeamCase:
    """One graded call: a model and beam_search's other arguments."""

    model: ModelSpec
    beam_width: int
    max_len: int
    alpha: float

    def args(self, log_prob_fn) -> tuple[tuple, dict]:
        """Positional arguments, and alpha as a keyword (left out when 0: the default)."""
        m = self.model
        kwargs = {"alpha": self.alpha} if self.alpha else {}
        return (log_prob_fn, m.bos, m.eos, self.beam_width, self.max_len), kwargs


@functools.lru_cache(maxsize=1 << 14)
def next_log_probs(spec: ModelSpec, prefix: tuple[int, ...]) -> np.ndarray:
    """The model's log-probabilities after ``prefix``, cached: a check asks the same model
    several times (decision margins, the reference, the student)."""
    logits = np.random.default_rng([spec.seed, *prefix]).normal(0.0, spec.scale, spec.vocab_size)
    logits[spec.eos] += spec.eos_bias
    logits[spec.bos] += NEVER
    top = logits.max()
    log_probs = logits - (top + np.log(np.exp(logits - top).sum()))
    values = log_probs.astype(spec.dtype).astype(np.float64)
    values.flags.writeable = False
    return values


class ToyLanguageModel:
    """A callable ``log_prob_fn``: int64 prefixes [K, t] -> log-probabilities [K, V]."""

    def __init__(self, spec: ModelSpec):
        self.spec = spec
        self.batches: list[list[tuple[int, ...]]] = []  # the prefixes of every call, in order

    @property
    def calls(self) -> int:
        return len(self.batches)

    def log_probs(self, prefix: tuple[int, ...]) -> np.ndarray:
        """Next-token log-probabilities after ``prefix`` (float64 holding the dtype's values)."""
        return next_log_probs(self.spec, prefix)

    def token_log_probs(self, tokens) -> list[float]:
        """The log-prob of each token of ``tokens`` (without bos) after the ones before it."""
        prefix = (self.spec.bos,)
        out = []
        for token in tokens:
            out.append(float(self.log_probs(prefix)[token]))
            prefix += (int(token),)
        return out

    def score(self, tokens, alpha: float) -> float:
        """The contract's score: summed log-prob / L**alpha, L = len(tokens)."""
        total = 0.0
        for value in self.token_log_probs(tokens):
            total += value
        return total / len(tokens) ** alpha

    def __call__(self, prefixes) -> torch.Tensor:
        """Answer one call of log_prob_fn: validate, record, return [K, V] on the CPU."""
        rows = self.validate(prefixes)
        self.batches.append(rows)
        table = np.zeros((len(rows), self.spec.vocab_size), dtype=self.spec.dtype)
        for i, row in enumerate(rows):
            table[i] = self.log_probs(row)
        return torch.from_numpy(table)

    def validate(self, prefixes) -> list[tuple[int, ...]]:
        """The rows of a valid batch of prefixes; ValueError (seen by the student) otherwise."""
        if isinstance(prefixes, torch.Tensor):  # a reference, calling in the grader
            values = prefixes.detach().cpu().numpy()
        elif isinstance(prefixes, wire.TensorData):
            values = prefixes.values
        else:
            raise ValueError("log_prob_fn takes one int64 torch tensor of prefixes, shape "
                             f"[K, t]; it received {kind_of(prefixes)}")
        if values.dtype != np.int64:
            raise ValueError(f"log_prob_fn takes an int64 (torch.long) tensor of prefixes; it "
                             f"received dtype {values.dtype}")
        if values.ndim != 2 or values.shape[1] == 0:
            raise ValueError(f"log_prob_fn takes prefixes of shape [K, t] with t >= 1 (one row "
                             f"per live hypothesis); it received shape {tuple(values.shape)}")
        bos, vocab_size = self.spec.bos, self.spec.vocab_size
        for i, row in enumerate(values.tolist()):
            if row[0] != bos:
                raise ValueError(f"every prefix passed to log_prob_fn must start with bos={bos}; "
                                 f"row {i} is {row}")
            bad = [token for token in row if not 0 <= token < vocab_size]
            if bad:
                raise ValueError(f"prefix row {i} ({row}) holds token {bad[0]}, outside the "
                                 f"vocabulary 0..{vocab_size - 1}")
        return [tuple(row) for row in values.tolist()]

    def greedy(self, max_len: int, alpha: float) -> tuple[list, float]:
        """Greedy decoding (beam_width 1) and the smallest gap between the best and the second
        best next token along the way (a decision float rounding could flip if it is tiny)."""
        prefix, total, margin = (self.spec.bos,), 0.0, math.inf
        for _ in range(max_len):
            log_probs = self.log_probs(prefix)
            second, best = np.argsort(log_probs)[-2:]
            margin = min(margin, log_probs[best] - log_probs[second])
            total += float(log_probs[best])
            prefix += (int(best),)
            if best == self.spec.eos:
                break
        tokens = list(prefix[1:])
        return [(tokens, total / len(tokens) ** alpha)], margin

    def explain(self, hypotheses, alpha: float) -> str:
        """Each hypothesis with the model's per-token log-probs, to debug a wrong score."""
        lines = []
        for tokens, _ in hypotheses:
            if not valid_tokens(tokens, self.spec.vocab_size):
                continue
            values = self.token_log_probs(tokens)
            shown = ", ".join(f"{v:.6g}" for v in values)
            total, length = sum(values), len(tokens)
            lines.append(f"  {list(tokens)}: token log-probs [{shown}], sum {total:.8g}, "
                         f"L={length}, score {total / length**alpha:.8g} at alpha={alpha:g}")
        return "\n".join(lines)


# ---------------------------------------------------------------- strategies


DTYPES = st.sampled_from(("float32", "float64"))
SCALES = st.sampled_from((1.0, 1.5, 2.5))


@st.composite
def model_specs(draw, eos_biases=EOS_BIASES):
    vocab_size = draw(st.integers(7, 12))  # at least beam_width + 2: bos and eos stay out
    bos = draw(st.integers(0, vocab_size - 1))
    eos = (bos + 1 + draw(st.integers(0, vocab_size - 2))) % vocab_size
    return ModelSpec(vocab_size=vocab_size, seed=draw(st.integers(0, 2**32 - 1)),
                     dtype=draw(DTYPES), bos=bos, eos=eos,
                     eos_bias=draw(st.sampled_from(eos_biases)), scale=draw(SCALES))


@st.composite
def beam_cases(draw, widths=(1, 5), max_lens=(1, 6), alphas=ALPHAS, eos_biases=EOS_BIASES):
    return BeamCase(model=draw(model_specs(eos_biases)),
                    beam_width=draw(st.integers(*widths)),
                    max_len=draw(st.integers(*max_lens)),
                    alpha=draw(st.sampled_from(alphas)))


# ---------------------------------------------------------------- calling and comparing


def run_beam_search(t, case: BeamCase):
    """Call the student's beam_search with a fresh model as log_prob_fn: (result, model)."""
    model = ToyLanguageModel(case.model)
    args, kwargs = case.args(wire.CallbackMarker("log_prob_fn"))
    try:
        outcome = t.invoke(args=args, kwargs=kwargs, callbacks={"log_prob_fn": model})
    except StudentError as err:
        failure = t.raised(err, t.function, args, kwargs)
        failure.message += "\n" + case.model.describe()
        raise failure from None
    return outcome.value, model


def valid_tokens(tokens, vocab_size: int) -> bool:
    return isinstance(tokens, (list, tuple)) and all(
        is_int(x) and 0 <= x < vocab_size for x in tokens)


def is_int(x) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, (bool, np.bool_))


def format_problem(received, beam_width: int) -> str | None:
    """What breaks the result's form: a list of (list of Python ints, Python float) pairs,
    beam_width of them (with a vocabulary larger than beam_width there are always that many),
    sorted by decreasing score. None when the form is right."""
    if not isinstance(received, (list, tuple)):
        return ("beam_search must return a list of (tokens, score) pairs, but it returned "
                f"{kind_of(received)}")
    if len(received) != beam_width:
        return (f"beam_search returned {len(received)} hypotheses; it must return beam_width = "
                f"{beam_width} (the vocabulary is larger than beam_width, so at least that many "
                "are always finished or live at the end)")
    for i, item in enumerate(received):
        if not isinstance(item, (list, tuple)) or len(item) != 2:
            return f"item {i} of the result must be a (tokens, score) pair, not {render(item, 200)}"
        tokens, score = item
        if not isinstance(tokens, (list, tuple)):
            return (f"the tokens of item {i} must be a list of Python ints (e.g. from "
                    f".tolist()), but they are {kind_of(tokens)}")
        wrong = [x for x in tokens if not is_int(x)]
        if wrong:
            return (f"the tokens of item {i} must be Python ints (e.g. from .tolist()), but one "
                    f"is {kind_of(wrong[0])}")
        if isinstance(score, (bool, np.bool_)) or not isinstance(score, numbers.Real):
            return (f"the score of item {i} must be a Python float (e.g. from .item()), but it "
                    f"is {kind_of(score)}")
    return None


def score_tolerance(dtype: str, value: float) -> float:
    rtol, atol = tolerance(dtype)
    return atol + rtol * abs(value)


def sorting_problem(received, dtype: str) -> str | None:
    scores = [float(score) for _, score in received]
    for i in range(len(scores) - 1):
        if scores[i + 1] > scores[i] + score_tolerance(dtype, scores[i]):
            return (f"the result must be sorted by decreasing score, but item {i + 1}'s score "
                    f"{scores[i + 1]!r} is above item {i}'s {scores[i]!r}")
    return None


def comparison_problem(received, expected, dtype: str) -> str | None:
    """The first difference from the expected hypotheses (tokens exactly, scores within the
    tolerance of the model's dtype), or None."""
    for i, ((tokens, score), (want_tokens, want_score)) in enumerate(
            zip(received, expected, strict=True)):
        if [int(x) for x in tokens] != want_tokens:
            return (f"item {i} of the result has tokens {[int(x) for x in tokens]}, expected "
                    f"{want_tokens} (with scores {float(score)!r} and {want_score!r})")
        if abs(float(score) - want_score) > score_tolerance(dtype, want_score):
            return (f"item {i} ({want_tokens}) has score {float(score)!r}, expected "
                    f"{want_score!r}")
    return None


def expect_hypotheses(t, received, expected, case: BeamCase, model: ToyLanguageModel) -> None:
    """Fail unless ``received`` has the right form and equals ``expected``."""
    problem = (format_problem(received, case.beam_width)
               or sorting_problem(received, case.model.dtype)
               or comparison_problem(received, expected, case.model.dtype))
    if problem:
        fail_with_model(t, problem, case, model, expected=expected, received=received)


def fail_with_model(t, problem: str, case: BeamCase, model: ToyLanguageModel, *,
                    expected=None, received=None) -> None:
    """Fail with the model described and the per-token log-probs of the hypotheses shown."""
    parts = [problem, case.model.describe()]
    for label, hypotheses in (("expected", expected), ("received", received)):
        if isinstance(hypotheses, (list, tuple)) and all(
                isinstance(h, (list, tuple)) and len(h) == 2 for h in hypotheses):
            text = model.explain(hypotheses, case.alpha)
            if text:
                parts.append(f"The model's log-probs along the {label} hypotheses:\n{text}")
    details = {}
    if expected is not None:
        details["expected"] = render(expected)
    if received is not None:
        details["received"] = render(received)
    t.fail("\n".join(parts), **details)
