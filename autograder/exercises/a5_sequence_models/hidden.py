"""Hidden checks of a5-sequence-models: BLEU against the reference on random sentences (small
vocabularies, several references of different lengths, empty candidates, max_n 1..5), and beam
search against the reference on random toy language models, with the number and the contents of
log_prob_fn's calls compared too."""

import itertools
import math

from hypothesis import strategies as st

from ...checks import CheckList
from .sentences import bleu_examples, bleu_kwargs, corpora, max_ns
from .toy_lm import (
    MARGIN,
    NEVER,
    BeamCase,
    ToyLanguageModel,
    beam_cases,
    expect_hypotheses,
    fail_with_model,
    run_beam_search,
)

CHECKS = CheckList(hidden=True)

# ---------------------------------------------------------------- BLEU

BLEU_EXAMPLES = 40  # random inputs per BLEU comparison with the reference
BLEU_INPUTS = {  # function -> (strategy of (args, kwargs), what the inputs cover)
    "modified_precision": (
        st.tuples(bleu_examples(), max_ns(1, 5)).map(lambda x: ((*x[0], x[1]), {})),
        "n = 1..5, 1 to 4 references of different lengths, empty candidates and candidates "
        "shorter than n"),
    "brevity_penalty": (
        st.tuples(st.integers(0, 30), st.lists(st.integers(1, 30), min_size=1, max_size=5))
        .map(lambda x: (x, {})),
        "c = 0..30 and 1 to 5 reference lengths"),
    "sentence_bleu": (
        st.tuples(bleu_examples(), max_ns(1, 5)).map(lambda x: (x[0], bleu_kwargs(x[1]))),
        "max_n = 1..5, 1 to 4 references of different lengths, empty candidates"),
    "corpus_bleu": (
        st.tuples(corpora(), max_ns(1, 5)).map(lambda x: (x[0], bleu_kwargs(x[1]))),
        "1 to 4 sentences with different numbers of references, empty candidates, "
        "max_n = 1..5"),
}
RULES = {
    "modified_precision": "(numerator, denominator) as ints: clipped counts of the candidate's "
                          "distinct n-grams (clipped by the max count in any one reference) and "
                          "the number of n-grams in the candidate",
    "brevity_penalty": "r = the closest reference length (tie: the shorter); 1.0 if c > r, "
                       "exp(1 - r/c) if 0 < c <= r, 0.0 if c == 0",
    "sentence_bleu": "BP * exp(sum of log(p_n) / max_n for n = 1..max_n), 0.0 if any "
                     "numerator or denominator is 0 (no smoothing)",
    "corpus_bleu": "numerators, denominators, c and r (each sentence's closest reference "
                   "length) summed over the corpus before BP and the geometric mean",
}

for _function, (_inputs, _covers) in BLEU_INPUTS.items():

    @CHECKS.add(_function, "matches-reference", weight=3,
                rule=f"{RULES[_function]}; random inputs: {_covers}")
    def bleu_matches_reference(t, inputs=_inputs):
        @t.for_all(call=inputs, max_examples=BLEU_EXAMPLES)
        def prop(call):
            args, kwargs = call
            t.expect(t.call(*args, **kwargs), t.reference()(*args, **kwargs))

    @CHECKS.add(_function, "does-not-modify-input", weight=0.5,
                rule="the arguments (token lists, reference lists, lengths) must not be "
                "modified in place (e.g. no .sort() or .pop() on them)")
    def bleu_unchanged(t, inputs=_inputs):
        @t.for_all(call=inputs, max_examples=10)
        def prop(call):
            args, kwargs = call
            t.expect_unchanged(*args, **kwargs)


@st.composite
def tied_lengths(draw):
    """(c, reference lengths) with two lengths equally far from c, c - d and c + d, the others
    farther away, in any order."""
    c = draw(st.integers(2, 25))
    d = draw(st.integers(1, c - 1))
    farther = [r for r in range(1, 41) if abs(r - c) > d]
    others = draw(st.lists(st.sampled_from(farther), max_size=3)) if farther else []
    return c, draw(st.permutations([c - d, c + d, *others]))


@CHECKS.add("brevity_penalty", "tie-goes-to-shorter", weight=1, rule="when two reference "
            "lengths are equally close to c (c - d and c + d), r is the shorter one, c - d, so "
            "BP = 1.0")
def tie_goes_to_shorter(t):
    @t.for_all(case=tied_lengths(), max_examples=20)
    def prop(case):
        c, lengths = case
        t.expect(t.call(c, lengths), t.reference()(c, list(lengths)))


# ---------------------------------------------------------------- beam search

BEAM_EXAMPLES = 25  # random models per beam search check


def decision_margin(case: BeamCase) -> float:
    """The smallest gap, in float64, of any decision the contract's algorithm takes on this
    case: the beam_width-th best expansion against the next at every step, and neighbouring
    final scores. Inputs where it is tiny are not graded (float32 sums could flip them)."""
    model, spec = ToyLanguageModel(case.model), case.model
    live, finished, margin = [((spec.bos,), 0.0)], [], math.inf
    for _ in range(case.max_len):
        expansions = sorted(((log_prob + float(value), (*prefix, token))
                             for prefix, log_prob in live
                             for token, value in enumerate(model.log_probs(prefix))),
                            reverse=True)
        keep = min(case.beam_width, len(expansions))
        if keep < len(expansions):
            margin = min(margin, expansions[keep - 1][0] - expansions[keep][0])
        kept = [(prefix, log_prob) for log_prob, prefix in expansions[:keep]]
        finished += [h for h in kept if h[0][-1] == spec.eos]
        live = [h for h in kept if h[0][-1] != spec.eos]
        if len(finished) >= case.beam_width or not live:
            break
    if len(finished) < case.beam_width:
        finished += live
    scores = sorted(log_prob / (len(prefix) - 1) ** case.alpha for prefix, log_prob in finished)
    return min([margin, *(b - a for a, b in itertools.pairwise(scores))])


def reference_run(t, case: BeamCase):
    """The reference's result (tokens, float) and the model it called (its calls recorded)."""
    t.assume(decision_margin(case) >= MARGIN)
    model = ToyLanguageModel(case.model)
    args, kwargs = case.args(model)
    result = t.reference()(*args, **kwargs)
    return [(list(tokens), float(score)) for tokens, score in result], model


def calls_problem(model: ToyLanguageModel, reference: ToyLanguageModel) -> str | None:
    """How the student's calls of log_prob_fn differ from the reference's, or None."""
    if model.calls != reference.calls:
        return (f"log_prob_fn was called {model.calls} times; this search runs "
                f"{reference.calls} steps, so it must be called {reference.calls} times (once "
                "per step, with all live hypotheses in one batch; the search stops once "
                "beam_width hypotheses are finished or none is live)")
    for step, (got, want) in enumerate(zip(model.batches, reference.batches, strict=True), 1):
        if set(got) != set(want):
            return (f"call {step} of log_prob_fn received the prefixes "
                    f"{[list(p) for p in got]}, but the live hypotheses at step {step} are "
                    f"{sorted(list(p) for p in want)} (in any order; finished hypotheses are "
                    "not expanded)")
    return None


BEAM_SCENARIOS = (  # name, weight, rule, cases, which cases count, whether to compare calls
    ("matches-reference", 4,
     "the result equals the contract's algorithm on random toy models: beam widths 1-5, "
     "max_len 1-6, alpha 0, 0.6 or 1, eos likely, unlikely or never",
     beam_cases(), None, False),
    ("stops-when-enough-finished", 2,
     "the search stops after the step at which beam_width or more hypotheses are finished "
     "(every one of that step's kept expansions that ends in eos counts, so a step can take "
     "the count past beam_width), before max_len; fewer calls of log_prob_fn and the same "
     "result as the contract's algorithm",
     beam_cases(widths=(3, 5), max_lens=(4, 6), eos_biases=(1.0, 2.0, 3.0)),
     lambda case, reference, _: reference.calls < case.max_len, True),
    ("live-join-at-max-len", 1.5,
     "after max_len steps with fewer than beam_width finished, the live hypotheses join the "
     "finished ones, and the best beam_width of all are returned",
     beam_cases(widths=(2, 5), max_lens=(1, 5), eos_biases=(NEVER, -1.0, 0.0)),
     lambda case, _, expected: any(tokens[-1] != case.model.eos for tokens, _s in expected),
     False),
    ("length-normalisation", 2,
     "finished hypotheses are ranked by log_prob / L**alpha, L = number of tokens after bos "
     "(eos counted), applied only to the final ranking (the search keeps the expansions with "
     "the highest summed log-prob)",
     beam_cases(widths=(2, 5), max_lens=(2, 6), alphas=(0.6, 1.0),
                eos_biases=(0.0, 1.0, 2.0)),
     lambda case, _, expected: len({len(tokens) for tokens, _s in expected}) > 1, False),
)


for _name, _weight, _rule, _cases, _wanted, _with_calls in BEAM_SCENARIOS:

    @CHECKS.add("beam_search", _name, weight=_weight, rule=_rule)
    def beam_matches_reference(t, cases=_cases, wanted=_wanted, with_calls=_with_calls):
        @t.for_all(case=cases, max_examples=BEAM_EXAMPLES)
        def prop(case):
            expected, reference = reference_run(t, case)
            t.assume(wanted is None or wanted(case, reference, expected))
            received, model = run_beam_search(t, case)
            problem = with_calls and calls_problem(model, reference)
            if problem:
                fail_with_model(t, problem, case, model)
            expect_hypotheses(t, received, expected, case, model)


@CHECKS.add("beam_search", "live-prefixes-per-call", weight=2, rule="each step calls "
            "log_prob_fn once, on exactly the live hypotheses of that step ([K, t] int64, "
            "rows in any order): not once per hypothesis, not on finished ones, and not after "
            "the search has stopped")
def live_prefixes(t):
    @t.for_all(case=beam_cases(), max_examples=BEAM_EXAMPLES)
    def prop(case):
        _, reference = reference_run(t, case)
        _, model = run_beam_search(t, case)
        problem = calls_problem(model, reference)
        if problem:
            fail_with_model(t, problem, case, model)
