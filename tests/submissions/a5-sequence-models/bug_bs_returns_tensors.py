"""Returns the tokens and the scores as tensors instead of Python ints and floats."""
# expect-fail: beam_search/greedy-when-width-1
# expect-fail: beam_search/result-form
import math
from collections import Counter

import torch


def ngrams(tokens, n):
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def modified_precision(candidate, references, n):
    counts = ngrams(candidate, n)
    max_ref = Counter()
    for ref in references:
        for gram, count in ngrams(ref, n).items():
            max_ref[gram] = max(max_ref[gram], count)
    clipped = sum(min(count, max_ref[gram]) for gram, count in counts.items())
    return clipped, sum(counts.values())


def closest_ref_length(c, reference_lens):
    return min(reference_lens, key=lambda r: (abs(r - c), r))


def brevity_penalty(candidate_len, reference_lens):
    r = closest_ref_length(candidate_len, reference_lens)
    if candidate_len == 0:
        return 0.0
    if candidate_len > r:
        return 1.0
    return math.exp(1 - r / candidate_len)


def geometric_mean_bleu(nums, dens, bp):
    if 0 in nums or 0 in dens:
        return 0.0
    return bp * math.exp(sum(math.log(n / d) for n, d in zip(nums, dens, strict=False)) / len(nums))


def sentence_bleu(candidate, references, max_n=4):
    counts = [modified_precision(candidate, references, n) for n in range(1, max_n + 1)]
    nums, dens = zip(*counts, strict=True)
    bp = brevity_penalty(len(candidate), [len(r) for r in references])
    return geometric_mean_bleu(nums, dens, bp)


def corpus_bleu(candidates, references, max_n=4):
    nums, dens = [0] * max_n, [0] * max_n
    c = r = 0
    for cand, refs in zip(candidates, references, strict=False):
        for n in range(1, max_n + 1):
            num, den = modified_precision(cand, refs, n)
            nums[n - 1] += num
            dens[n - 1] += den
        c += len(cand)
        r += closest_ref_length(len(cand), [len(ref) for ref in refs])
    return geometric_mean_bleu(nums, dens, brevity_penalty(c, [r]))


def beam_search(log_prob_fn, bos, eos, beam_width, max_len, alpha=0.0):
    beams = torch.tensor([[bos]])
    beam_scores = torch.zeros(1, dtype=torch.float64)
    finished = []
    for _ in range(max_len):
        log_probs = log_prob_fn(beams)
        device = log_probs.device
        beams, beam_scores = beams.to(device), beam_scores.to(device)
        vocab = log_probs.shape[-1]
        total = (beam_scores[:, None] + log_probs.double()).reshape(-1)
        best, idx = total.topk(beam_width)
        tokens = idx % vocab
        beams = torch.cat([beams[idx // vocab], tokens[:, None]], dim=1)
        done = tokens == eos
        for seq, score in zip(beams[done], best[done], strict=False):
            finished.append((seq[1:], score))
        beams, beam_scores = beams[~done], best[~done]
        if len(finished) >= beam_width or len(beams) == 0:
            break
    if len(finished) < beam_width:
        for seq, score in zip(beams, beam_scores, strict=False):
            finished.append((seq[1:], score))
    results = [(seq, score / len(seq) ** alpha) for seq, score in finished]
    results.sort(key=lambda item: -item[1])
    return results[:beam_width]
