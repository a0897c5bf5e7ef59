"""Reference for assignment a5-sequence-models: BLEU (plain Python) and beam search (torch)."""

import math
from collections import Counter
from collections.abc import Callable, Sequence

import torch
from torch import Tensor


def _ngram_counts(tokens: Sequence[str], n: int) -> Counter:
    """Occurrences of every n-gram (as a tuple) of tokens."""
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def modified_precision(
    candidate: Sequence[str], references: Sequence[Sequence[str]], n: int
) -> tuple[int, int]:
    """(clipped matches, n-grams in candidate): an n-gram counts at most its max in a reference."""
    candidate_counts = _ngram_counts(candidate, n)
    max_reference_counts = Counter()
    for reference in references:
        max_reference_counts |= _ngram_counts(reference, n)  # | keeps the larger count
    clipped = candidate_counts & max_reference_counts  # & keeps the smaller count
    return sum(clipped.values()), sum(candidate_counts.values())


def _closest_length(candidate_len: int, reference_lens: Sequence[int]) -> int:
    """The reference length closest to candidate_len; the shorter one on a tie."""
    return min(reference_lens, key=lambda ref_len: (abs(ref_len - candidate_len), ref_len))


def brevity_penalty(candidate_len: int, reference_lens: Sequence[int]) -> float:
    """r = the closest reference length: 1 if c > r, exp(1 - r / c) if 0 < c <= r, 0 if c == 0."""
    r = _closest_length(candidate_len, reference_lens)
    if candidate_len == 0:
        return 0.0
    if candidate_len > r:
        return 1.0
    return math.exp(1 - r / candidate_len)


def _bleu(numerators: Sequence[int], denominators: Sequence[int], penalty: float) -> float:
    """penalty times the geometric mean of the precisions; 0.0 if any count is 0 (no smoothing)."""
    if 0 in numerators or 0 in denominators:
        return 0.0
    log_precisions = [
        math.log(num / den) for num, den in zip(numerators, denominators, strict=True)
    ]
    return penalty * math.exp(sum(log_precisions) / len(log_precisions))


def sentence_bleu(
    candidate: Sequence[str], references: Sequence[Sequence[str]], max_n: int = 4
) -> float:
    """Unsmoothed BLEU of one candidate against its references, n-gram orders 1..max_n."""
    counts = [modified_precision(candidate, references, n) for n in range(1, max_n + 1)]
    numerators, denominators = zip(*counts, strict=True)
    penalty = brevity_penalty(len(candidate), [len(reference) for reference in references])
    return _bleu(numerators, denominators, penalty)


def corpus_bleu(
    candidates: Sequence[Sequence[str]],
    references: Sequence[Sequence[Sequence[str]]],
    max_n: int = 4,
) -> float:
    """Unsmoothed corpus BLEU: counts and lengths summed over sentences first, as sacrebleu does."""
    numerators = [0] * max_n
    denominators = [0] * max_n
    candidate_len = reference_len = 0
    for candidate, refs in zip(candidates, references, strict=True):
        for n in range(1, max_n + 1):
            num, den = modified_precision(candidate, refs, n)
            numerators[n - 1] += num
            denominators[n - 1] += den
        candidate_len += len(candidate)
        reference_len += _closest_length(len(candidate), [len(ref) for ref in refs])
    return _bleu(numerators, denominators, brevity_penalty(candidate_len, [reference_len]))


def beam_search(
    log_prob_fn: Callable[[Tensor], Tensor],
    bos: int,
    eos: int,
    beam_width: int,
    max_len: int,
    alpha: float = 0.0,
) -> list[tuple[list[int], float]]:
    """The best beam_width hypotheses, best first, as (tokens without bos, log_prob / L**alpha).

    Each step calls log_prob_fn once on all live prefixes ([K, t] int64), keeps the beam_width
    best expansions by total log-prob (summed in float64) and moves those ending in eos to the
    finished ones; it stops once beam_width are finished or none is live. Live hypotheses join
    the finished ones at the end if fewer than beam_width finished.
    """
    prefixes = torch.full((1, 1), bos, dtype=torch.int64)  # on the CPU until log_prob_fn answers
    prefix_log_probs = torch.zeros(1, dtype=torch.float64)
    finished: list[tuple[list[int], float]] = []  # (tokens after bos, log-prob)
    for _ in range(max_len):
        step_log_probs = log_prob_fn(prefixes)  # [K, V]
        vocab_size = step_log_probs.shape[1]
        totals = prefix_log_probs.to(step_log_probs.device)[:, None] + step_log_probs.double()
        top_log_probs, top = totals.flatten().topk(min(beam_width, totals.numel()))
        tokens = top % vocab_size
        expanded = torch.cat([prefixes.to(top.device)[top // vocab_size], tokens[:, None]], dim=1)
        ends = tokens == eos
        finished += zip(expanded[ends, 1:].tolist(), top_log_probs[ends].tolist(), strict=True)
        prefixes, prefix_log_probs = expanded[~ends], top_log_probs[~ends]
        if len(finished) >= beam_width or len(prefixes) == 0:
            break
    if len(finished) < beam_width:
        finished += zip(prefixes[:, 1:].tolist(), prefix_log_probs.tolist(), strict=True)
    scored = [(tokens, log_prob / len(tokens) ** alpha) for tokens, log_prob in finished]
    return sorted(scored, key=lambda hypothesis: hypothesis[1], reverse=True)[:beam_width]
