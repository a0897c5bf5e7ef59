"""Applies the length normalisation at every step and keeps the normalised value as the
hypothesis's log-prob."""
# expect-fail: beam_search/length-normalisation
import math

import torch


def count_ngrams(tokens, n):
    counts = {}
    for i in range(len(tokens) - n + 1):
        gram = tuple(tokens[i:i + n])
        counts[gram] = counts.get(gram, 0) + 1
    return counts


def modified_precision(candidate, references, n):
    cand_counts = count_ngrams(candidate, n)
    ref_counts = [count_ngrams(ref, n) for ref in references]
    numerator = 0
    for gram, count in cand_counts.items():
        best = 0
        for counts in ref_counts:
            if counts.get(gram, 0) > best:
                best = counts.get(gram, 0)
        numerator += min(count, best)
    denominator = max(len(candidate) - n + 1, 0)
    return numerator, denominator


def brevity_penalty(candidate_len, reference_lens):
    c = candidate_len
    r = None
    for length in reference_lens:
        closer = r is None or abs(length - c) < abs(r - c)
        if closer or (abs(length - c) == abs(r - c) and length < r):
            r = length
    if c == 0:
        return 0.0
    if c > r:
        return 1.0
    return math.exp(1.0 - r / c)


def sentence_bleu(candidate, references, max_n=4):
    log_sum = 0.0
    for n in range(1, max_n + 1):
        num, den = modified_precision(candidate, references, n)
        if num == 0 or den == 0:
            return 0.0
        log_sum += math.log(num) - math.log(den)
    bp = brevity_penalty(len(candidate), [len(ref) for ref in references])
    return bp * math.exp(log_sum / max_n)


def corpus_bleu(candidates, references, max_n=4):
    total_c = 0
    total_r = 0
    nums = [0 for _ in range(max_n)]
    dens = [0 for _ in range(max_n)]
    for i in range(len(candidates)):
        cand = candidates[i]
        refs = references[i]
        total_c += len(cand)
        lengths = sorted(len(ref) for ref in refs)
        total_r += min(lengths, key=lambda length: abs(length - len(cand)))
        for n in range(1, max_n + 1):
            num, den = modified_precision(cand, refs, n)
            nums[n - 1] += num
            dens[n - 1] += den
    if total_c == 0 or min(nums) == 0 or min(dens) == 0:
        return 0.0
    precision_product = 1.0
    for num, den in zip(nums, dens, strict=False):
        precision_product *= num / den
    bp = 1.0 if total_c > total_r else math.exp(1 - total_r / total_c)
    return bp * precision_product ** (1.0 / max_n)


def beam_search(log_prob_fn, bos, eos, beam_width, max_len, alpha=0.0):
    live = [([bos], 0.0)]
    finished = []
    for _step in range(max_len):
        batch = torch.tensor([seq for seq, _ in live], dtype=torch.long)
        table = log_prob_fn(batch).tolist()
        candidates = []
        for (seq, logp), row in zip(live, table, strict=False):
            for token, token_logp in enumerate(row):
                candidates.append(((logp + token_logp) / (len(seq) ** alpha), [*seq, token]))
        candidates.sort(key=lambda c: c[0], reverse=True)
        live = []
        for logp, seq in candidates[:beam_width]:
            if seq[-1] == eos:
                finished.append((seq, logp))
            else:
                live.append((seq, logp))
        if len(finished) >= beam_width or not live:
            break
    if len(finished) < beam_width:
        finished.extend(live)
    scored = []
    for seq, logp in finished:
        scored.append((seq[1:], logp))
    scored.sort(key=lambda item: item[1], reverse=True)
    return scored[:beam_width]
