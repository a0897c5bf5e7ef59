"""Public checks of a5-sequence-models: hand-worked BLEU values, sacrebleu as an oracle, and
beam search checked by greedy decoding, by counting log_prob_fn's calls and by the form and
consistency of its result. No reference needed."""

import functools
import math

import sacrebleu
from hypothesis import strategies as st

from ...checks import CheckList
from ...checks.compare import kind_of
from .sentences import bleu_examples, bleu_kwargs, corpora, max_ns
from .toy_lm import (
    MARGIN,
    NEVER,
    ToyLanguageModel,
    beam_cases,
    expect_hypotheses,
    fail_with_model,
    format_problem,
    run_beam_search,
    score_tolerance,
    sorting_problem,
    valid_tokens,
)

CHECKS = CheckList(hidden=False)


def toks(text: str) -> list[str]:
    """A sentence written as text, as the list of tokens the functions take."""
    return text.split()


THE_CAT = (toks("the the the the the the the"),
           [toks("the cat is on the mat"), toks("there is a cat on the mat")])
A_A_A_B = (toks("a a a b"), [toks("a b"), toks("a a c")])


# ---------------------------------------------------------------- sacrebleu, the public oracle


@functools.cache
def sacrebleu_metric(max_n: int):
    return sacrebleu.metrics.BLEU(tokenize="none", smooth_method="none", max_ngram_order=max_n)


def sacrebleu_score(candidates, references, max_n: int):
    """sacrebleu's corpus statistics on the space-joined tokens (every sentence must have the
    same number of references)."""
    streams = [[" ".join(refs[j]) for refs in references] for j in range(len(references[0]))]
    return sacrebleu_metric(max_n).corpus_score([" ".join(c) for c in candidates], streams)


def expect_python_float(t, received) -> None:
    if not isinstance(received, float):
        t.fail(f"{t.function} must return a Python float (write 0.0 and 1.0, not 0 and 1), "
               f"but it returned {kind_of(received)}: {received!r}")


# ---------------------------------------------------------------- modified_precision


@CHECKS.add("modified_precision", "contract-example", rule="the contract's example: candidate "
            "'the the the the the the the', references 'the cat is on the mat' and 'there is a "
            "cat on the mat': n=1 gives (2, 7) and n=2 gives (0, 6); both ints")
def contract_example(t):
    candidate, references = THE_CAT
    t.expect(t.call(candidate, references, 1), (2, 7))
    t.expect(t.call(candidate, references, 2), (0, 6))


@CHECKS.add("modified_precision", "worked-values", rule="numerator = sum over the candidate's "
            "distinct n-grams (sequences of tokens) of min(count in candidate, max count in any "
            "ONE reference); denominator = number of n-grams in the candidate (len - n + 1, or "
            "0 when the candidate is shorter than n or empty)")
def modified_precision_worked(t):
    candidate, references = A_A_A_B
    # 'a' is clipped at 2 (the second reference), not 1 (the first) nor 3 (the sum of both)
    for n, want in ((1, (3, 4)), (2, (2, 3)), (3, (0, 2)), (4, (0, 1)), (5, (0, 0))):
        t.expect(t.call(candidate, references, n), want)
    for n in (1, 2):
        t.expect(t.call([], references, n), (0, 0))
    # n-grams are sequences of tokens: ('a', 'ba') is not ('ab', 'a'), though both glue to 'aba'
    t.expect(t.call(toks("a ba"), [toks("ab a")], 2), (0, 1))


@CHECKS.add("modified_precision", "matches-sacrebleu", weight=2, rule="(numerator, "
            "denominator) equal sacrebleu's matched and total n-gram counts for the same "
            "sentence (n = 1..4, several references, small vocabularies so n-grams repeat)")
def modified_precision_sacrebleu(t):
    @t.for_all(example=bleu_examples(), n=max_ns(1, 4), max_examples=30)
    def prop(example, n):
        candidate, references = example
        stats = sacrebleu_score([candidate], [references], n)
        t.expect(t.call(candidate, references, n), (stats.counts[n - 1], stats.totals[n - 1]))


# ---------------------------------------------------------------- brevity_penalty

BREVITY_CASES = (  # (c, reference lengths, BP): why each one is there
    (12, [10], 1.0),                      # c > r
    (10, [10], 1.0),                      # c == r: exp(0)
    (8, [10], math.exp(1 - 10 / 8)),      # exp(1 - r/c), not exp(1 - c/r)
    (0, [3], 0.0),                        # empty candidate
    (0, [1, 4], 0.0),
    (10, [5, 11], math.exp(1 - 11 / 10)),  # the closest reference, not the shortest
    (6, [7, 20], math.exp(1 - 7 / 6)),     # the closest reference, not the longest
    (10, [12, 8], 1.0),                   # tie between 8 and 12: the shorter, 8
    (5, [3, 7], 1.0),                     # tie between 3 and 7: the shorter, 3
    (4, [6, 2, 9], 1.0),                  # tie between 2 and 6: the shorter, 2
)


@CHECKS.add("brevity_penalty", "worked-values", weight=2, rule="r = the reference length "
            "closest to c (on a tie, the shorter); BP = 1.0 if c > r, exp(1 - r/c) if "
            "0 < c <= r, 0.0 if c == 0")
def brevity_worked(t):
    for c, lengths, want in BREVITY_CASES:
        t.expect(t.call(c, list(lengths)), want)


@CHECKS.add("brevity_penalty", "returns-python-float", weight=0.5,
            rule="the result is a Python float in every case (1.0 and 0.0, not 1 and 0)")
def brevity_float(t):
    for c, lengths in ((12, [10]), (0, [3]), (8, [10])):
        expect_python_float(t, t.call(c, lengths))


# ---------------------------------------------------------------- sentence_bleu


@CHECKS.add("sentence_bleu", "perfect-match", rule="a candidate equal to one of its references "
            "(at least max_n tokens long) scores exactly 1.0")
def perfect_match(t):
    sentence = toks("the cat sat on the mat")
    t.expect(t.call(sentence, [sentence]), 1.0)
    t.expect(t.call(sentence, [toks("a cat sat on a mat ."), sentence]), 1.0)
    t.expect(t.call(sentence[:4], [sentence[:4], sentence]), 1.0)
    t.expect(t.call(sentence, [sentence], max_n=2), 1.0)


@CHECKS.add("sentence_bleu", "no-smoothing", rule="no smoothing: if any n-gram order has no "
            "match, or the candidate has no n-grams (shorter than n, or empty), BLEU is 0.0")
def no_smoothing(t):
    reference = toks("the cat sat on the mat")
    t.expect(t.call(toks("the cat sat"), [reference]), 0.0)  # no 4-grams at all
    t.expect(t.call(toks("the cat sat"), [reference], max_n=3), math.exp(1 - 6 / 3))
    t.expect(t.call(toks("the cat on the mat"), [reference]), 0.0)  # no 4-gram matches
    t.expect(t.call([], [reference]), 0.0)
    t.expect(t.call(toks("dog dog"), [reference], max_n=1), 0.0)


@CHECKS.add("sentence_bleu", "worked-values", rule="BLEU = BP * exp(sum over n = 1..max_n of "
            "log(p_n) / max_n) with p_n = numerator / denominator of modified_precision, and BP "
            "from the reference length closest to the candidate's (tie: the shorter)")
def sentence_worked(t):
    # p1 = 2/3, p2 = 1/2, BP = 1: (1/3) ** (1/2)
    t.expect(t.call(toks("a b d"), [toks("a b c")], max_n=2), math.sqrt(1 / 3))
    # p1 = p2 = 1, c = 2, r = 4: BP = exp(1 - 4/2)
    t.expect(t.call(toks("a b"), [toks("a b c d")], max_n=2), math.exp(-1))
    # p1 = 4/5, p2 = 2/4, p3 = 1/3, p4 = 0/2 -> 0; with max_n = 3 the cube root of 2/15
    t.expect(t.call(toks("a b c e d"), [toks("a b c d")], max_n=3), (2 / 15) ** (1 / 3))
    # clipped counts: p1 = 3/4 ('a' counts twice, its max in one reference), BP = 1 (c=4, r=3)
    t.expect(t.call(*A_A_A_B, max_n=1), 3 / 4)
    # p1 = 1; r = 4, the closest length (not the shortest, 1): BP = exp(1 - 4/3)
    t.expect(t.call(toks("a b c"), [toks("a b c d"), toks("a")], max_n=1), math.exp(-1 / 3))
    # 1 and 5 are equally close to c = 3: r = 1, the shorter, so BP = 1
    t.expect(t.call(toks("a b c"), [toks("a b c d e"), toks("a")], max_n=1), 1.0)
    # p2 = 0/1: the bigram ('a', 'ba') is not ('ab', 'a')
    t.expect(t.call(toks("a ba"), [toks("ab a")], max_n=2), 0.0)


@CHECKS.add("sentence_bleu", "matches-sacrebleu", weight=2, rule="equals sacrebleu's BLEU "
            "(tokenize='none', smooth_method='none', max_ngram_order=max_n) / 100 of the "
            "sentence against its references")
def sentence_sacrebleu(t):
    @t.for_all(example=bleu_examples(), max_n=max_ns(1, 4), max_examples=30)
    def prop(example, max_n):
        candidate, references = example
        want = sacrebleu_score([candidate], [references], max_n).score / 100
        t.expect(t.call(candidate, references, **bleu_kwargs(max_n)), want)


@CHECKS.add("sentence_bleu", "returns-python-float", weight=0.5,
            rule="the result is a Python float in every case (0.0, not 0)")
def sentence_float(t):
    reference = toks("the cat sat on the mat")
    for candidate in (reference, [], toks("the cat"), toks("dog dog dog dog")):
        expect_python_float(t, t.call(candidate, [reference]))


# ---------------------------------------------------------------- corpus_bleu


@CHECKS.add("corpus_bleu", "sums-counts-over-sentences", rule="numerators and denominators "
            "are summed over all sentences before dividing: corpus BLEU is not the average of "
            "the sentence BLEUs, nor built from averaged precisions")
def sums_counts(t):
    # sentence BLEUs are 1.0 and 0.0 (no 4-grams), but corpus p1..p4 = 6/6, 4/4, 2/2, 1/1
    candidates = [toks("a b c d"), toks("a b")]
    t.expect(t.call(candidates, [[candidates[0]], [candidates[1]]]), 1.0)
    # p1 = (3 + 1) / (4 + 1) with clipped counts; averaging the precisions would give 7/8
    candidate, references = A_A_A_B
    t.expect(t.call([candidate, toks("a")], [references, [toks("a")]], max_n=1), 4 / 5)
    # a sentence shorter than n adds no n-grams: p2 = (0 + 1) / (0 + 1), so BLEU = 1
    candidates = [toks("a"), toks("a b")]
    t.expect(t.call(candidates, [[toks("a")], [toks("a b")]], max_n=2), 1.0)


@CHECKS.add("corpus_bleu", "closest-length-per-sentence", rule="c = total candidate length, "
            "r = the sum over sentences of each one's closest reference length (tie: the "
            "shorter); BP = exp(1 - r/c) once for the corpus when c <= r")
def closest_length_per_sentence(t):
    # closest lengths 5 (not the shortest, 2) and 4: r = 9 against c = 7; every token matches
    candidates = [toks("a b c d"), toks("d e f")]
    references = [[toks("a b"), toks("a b c d e")], [toks("d e f g")]]
    t.expect(t.call(candidates, references, max_n=1), math.exp(1 - 9 / 7))
    # a tie between 2 and 4 for c = 3 goes to 2, so r = 2 + 3 = 5 against c = 6: BP = 1
    candidates = [toks("a b c"), toks("a b c")]
    references = [[toks("a b c d"), toks("a b")], [toks("a b c")]]
    t.expect(t.call(candidates, references, max_n=1), 1.0)


@CHECKS.add("corpus_bleu", "matches-sacrebleu", weight=3, rule="equals sacrebleu's corpus BLEU "
            "(tokenize='none', smooth_method='none', max_ngram_order=max_n) / 100 on the "
            "space-joined tokens")
def corpus_sacrebleu(t):
    @t.for_all(corpus=corpora(same_reference_count=True), max_n=max_ns(1, 4), max_examples=30)
    def prop(corpus, max_n):
        candidates, references = corpus
        want = sacrebleu_score(candidates, references, max_n).score / 100
        t.expect(t.call(candidates, references, **bleu_kwargs(max_n)), want)


@CHECKS.add("corpus_bleu", "returns-python-float", weight=0.5,
            rule="the result is a Python float in every case (0.0, not 0)")
def corpus_float(t):
    reference = toks("the cat sat on the mat")
    for candidates in ([reference], [[]], [toks("the cat")], [[], reference]):
        expect_python_float(t, t.call(candidates, [[reference]] * len(candidates)))


# ---------------------------------------------------------------- beam_search


@CHECKS.add("beam_search", "greedy-when-width-1", weight=3, rule="beam_width == 1 is greedy "
            "decoding: take the most likely next token until eos or max_len tokens; the result "
            "is [(tokens without bos, log-prob / L**alpha)]")
def greedy(t):
    @t.for_all(case=beam_cases(widths=(1, 1)), max_examples=30)
    def prop(case):
        expected, margin = ToyLanguageModel(case.model).greedy(case.max_len, case.alpha)
        t.assume(margin >= MARGIN)
        received, model = run_beam_search(t, case)
        expect_hypotheses(t, received, expected, case, model)


@CHECKS.add("beam_search", "one-call-per-step", weight=2, rule="log_prob_fn is called once per "
            "step, with all live hypotheses in one [K, t] batch: greedy decoding calls it once "
            "per generated token, and a search in which eos never enters the beam calls it "
            "max_len times")
def one_call_per_step(t):
    greedy_cases = beam_cases(widths=(1, 1))
    no_eos_cases = beam_cases(widths=(2, 5), eos_biases=(NEVER,))

    @t.for_all(case=st.one_of(greedy_cases, no_eos_cases), max_examples=20)
    def prop(case):
        steps = case.max_len
        if case.beam_width == 1:
            [(tokens, _)], margin = ToyLanguageModel(case.model).greedy(case.max_len, case.alpha)
            t.assume(margin >= MARGIN)
            steps = len(tokens)
        _, model = run_beam_search(t, case)
        if model.calls != steps:
            sizes = ", ".join(f"{len(batch)}x{len(batch[0]) if batch else 0}"
                              for batch in model.batches)
            fail_with_model(t, f"log_prob_fn was called {model.calls} times (prefix batches "
                            f"[K x t]: {sizes or 'none'}); this search runs {steps} steps, so "
                            f"it must be called {steps} times: once per step, with all live "
                            "hypotheses in one batch", case, model)


@CHECKS.add("beam_search", "result-form", weight=2, rule="the result is a list of beam_width "
            "(tokens, score) pairs sorted by decreasing score; tokens: Python ints without bos, "
            "eos only as the last token, at most max_len of them (exactly max_len unless the "
            "last is eos), no two alike; score: a Python float equal to the sum of the tokens' "
            "log-probs / L**alpha, with L = len(tokens) (eos counted, bos not)")
def result_form(t):
    @t.for_all(case=beam_cases(), max_examples=25)
    def prop(case):
        received, model = run_beam_search(t, case)
        problem = (format_problem(received, case.beam_width)
                   or sorting_problem(received, case.model.dtype)
                   or consistency_problem(received, case, model))
        if problem:
            fail_with_model(t, problem, case, model, received=received)


def consistency_problem(received, case, model: ToyLanguageModel) -> str | None:
    """What makes a returned hypothesis impossible for this model and these arguments."""
    spec, seen = case.model, []
    for i, (tokens, score) in enumerate(received):
        tokens = [int(x) for x in tokens]
        where = f"item {i} ({tokens})"
        if not valid_tokens(tokens, spec.vocab_size):
            return f"{where} holds a token id outside the vocabulary 0..{spec.vocab_size - 1}"
        if spec.bos in tokens:
            return f"{where} holds bos={spec.bos}: return the tokens after bos, without it"
        if not 1 <= len(tokens) <= case.max_len:
            return f"{where} has {len(tokens)} tokens; it must have 1 to max_len={case.max_len}"
        if spec.eos in tokens[:-1]:
            return (f"{where} goes on after eos={spec.eos}: a hypothesis ending in eos is "
                    "finished and must not be expanded")
        if tokens[-1] != spec.eos and len(tokens) != case.max_len:
            return (f"{where} does not end in eos={spec.eos}, so it must be a live hypothesis "
                    f"that joined at the end, with max_len={case.max_len} tokens")
        if tokens in seen:
            return f"{where} is returned twice"
        seen.append(tokens)
        want = model.score(tokens, case.alpha)
        if abs(float(score) - want) > score_tolerance(spec.dtype, want):
            return (f"{where} has score {float(score)!r}, but its log-prob / L**alpha is "
                    f"{want!r} (L = {len(tokens)}, alpha = {case.alpha:g})")
    return None
