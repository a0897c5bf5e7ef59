"""numpy for the BLEU arithmetic (np.float64 results, numpy counts turned into ints); beam search
with heapq.nlargest over (score, hypothesis) pairs, the model's output moved to the CPU, float32
sums when the model is float32, and a for-else for the live hypotheses joining at max_len."""
import heapq
from collections import Counter

import numpy as np
import torch


def ngram_counts(tokens, n):
    return Counter(" ".join(tokens[i:i + n]) for i in range(len(tokens) + 1 - n))


def modified_precision(candidate, references, n):
    cand = ngram_counts(candidate, n)
    refs = [ngram_counts(ref, n) for ref in references]
    clipped = np.array([min(c, max(r[g] for r in refs)) for g, c in cand.items()], dtype=np.int64)
    return int(clipped.sum()), int(np.sum(list(cand.values()), dtype=np.int64))


def brevity_penalty(candidate_len, reference_lens):
    lens = np.array(reference_lens)
    diffs = np.abs(lens - candidate_len)
    r = lens[diffs == diffs.min()].min()
    if candidate_len == 0:
        return 0.0
    return float(np.exp(min(0.0, 1 - r / candidate_len)))


def _bleu(nums, dens, bp):
    nums, dens = np.array(nums, dtype=np.float64), np.array(dens, dtype=np.float64)
    if (nums == 0).any() or (dens == 0).any():
        return 0.0
    return bp * np.exp(np.mean(np.log(nums) - np.log(dens)))


def sentence_bleu(candidate, references, max_n=4):
    counts = np.array([modified_precision(candidate, references, n) for n in range(1, max_n + 1)])
    bp = brevity_penalty(len(candidate), [len(r) for r in references])
    return _bleu(counts[:, 0], counts[:, 1], bp)


def corpus_bleu(candidates, references, max_n=4):
    totals = np.zeros((max_n, 2), dtype=np.int64)
    c = r = 0
    for cand, refs in zip(candidates, references, strict=True):
        totals += [modified_precision(cand, refs, n) for n in range(1, max_n + 1)]
        lens = np.array([len(ref) for ref in refs])
        diffs = np.abs(lens - len(cand))
        c, r = c + len(cand), r + int(lens[diffs == diffs.min()].min())
    return _bleu(totals[:, 0], totals[:, 1], brevity_penalty(c, [r]))


def beam_search(log_prob_fn, bos, eos, beam_width, max_len, alpha=0.0):
    live = [(torch.zeros(()), (bos,))]
    finished = []
    for _ in range(max_len):
        table = log_prob_fn(torch.tensor([seq for _, seq in live])).cpu()
        expansions = []
        for (score, seq), row in zip(live, table, strict=True):
            totals = score.to(row.dtype) + row
            expansions += [(totals[tok], (*seq, tok)) for tok in range(row.shape[0])]
        kept = heapq.nlargest(beam_width, expansions, key=lambda item: item[0].item())
        finished += [item for item in kept if item[1][-1] == eos]
        live = [item for item in kept if item[1][-1] != eos]
        if len(finished) >= beam_width or not live:
            break
    else:
        finished += live
    scored = [(list(seq[1:]), score.item() / (len(seq) - 1) ** alpha) for score, seq in finished]
    return heapq.nlargest(beam_width, scored, key=lambda item: item[1])
