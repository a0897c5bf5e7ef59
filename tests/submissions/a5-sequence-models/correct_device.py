"""n-grams with zip, BLEU as a product of precisions, sentence BLEU as a one-sentence corpus; beam
search on the device in the model's own dtype (float32 sums when the model is float32), with
torch.sort instead of topk and a boolean mask for the finished hypotheses."""
import math
from collections import Counter

import torch


def _grams(tokens, n):
    return Counter(zip(*[tokens[i:] for i in range(n)], strict=False))


def modified_precision(candidate, references, n):
    cand = _grams(candidate, n)
    clip = {}
    for ref in references:
        for gram, count in _grams(ref, n).items():
            if count > clip.get(gram, 0):
                clip[gram] = count
    matched = sum(min(count, clip.get(gram, 0)) for gram, count in cand.items())
    return int(matched), int(sum(cand.values()))


def _closest(c, lengths):
    return sorted(lengths, key=lambda r: (abs(c - r), r))[0]


def brevity_penalty(candidate_len, reference_lens):
    if candidate_len == 0:
        return 0.0
    r = _closest(candidate_len, reference_lens)
    return 1.0 if candidate_len > r else math.exp(1 - r / candidate_len)


def corpus_bleu(candidates, references, max_n=4):
    matched = [0] * max_n
    possible = [0] * max_n
    c = sum(len(cand) for cand in candidates)
    r = sum(_closest(len(cand), [len(ref) for ref in refs])
            for cand, refs in zip(candidates, references, strict=False))
    for cand, refs in zip(candidates, references, strict=False):
        for n in range(max_n):
            num, den = modified_precision(cand, refs, n + 1)
            matched[n] += num
            possible[n] += den
    if any(m == 0 for m in matched) or any(p == 0 for p in possible):
        return 0.0
    precisions = [m / p for m, p in zip(matched, possible, strict=False)]
    return brevity_penalty(c, [r]) * math.prod(precisions) ** (1 / max_n)


def sentence_bleu(candidate, references, max_n=4):
    return corpus_bleu([candidate], [references], max_n=max_n)


def beam_search(log_prob_fn, bos, eos, beam_width, max_len, alpha=0.0):
    prefixes = torch.tensor([[bos]], dtype=torch.int64)
    scores = None
    done_tokens, done_scores = [], []
    for _ in range(max_len):
        log_probs = log_prob_fn(prefixes)
        if scores is None:
            scores = torch.zeros(1, dtype=log_probs.dtype, device=log_probs.device)
            prefixes = prefixes.to(log_probs.device)
        _k, vocab = log_probs.shape
        flat = (scores.unsqueeze(1) + log_probs).view(-1)
        ordered, order = torch.sort(flat, descending=True)
        ordered, order = ordered[:beam_width], order[:beam_width]
        rows = torch.div(order, vocab, rounding_mode="floor")
        cols = order - rows * vocab
        prefixes = torch.cat([prefixes[rows], cols.unsqueeze(1)], dim=1)
        is_eos = cols == eos
        done_tokens += [p[1:] for p in prefixes[is_eos].tolist()]
        done_scores += ordered[is_eos].tolist()
        prefixes, scores = prefixes[~is_eos], ordered[~is_eos]
        if len(done_tokens) >= beam_width or prefixes.shape[0] == 0:
            break
    if len(done_tokens) < beam_width:
        done_tokens += [p[1:] for p in prefixes.tolist()]
        done_scores += scores.tolist()
    lengths = torch.tensor([len(t) for t in done_tokens], dtype=torch.float64)
    final = torch.tensor(done_scores, dtype=torch.float64) / lengths ** alpha
    best = torch.argsort(final, descending=True)[:beam_width]
    return [(done_tokens[i], final[i].item()) for i in best.tolist()]
