"""a5-sequence-models: BLEU in plain Python, and beam search in torch."""

FUNCTIONS = {
    "modified_precision": "(candidate, references, n)",
    "brevity_penalty": "(candidate_len, reference_lens)",
    "sentence_bleu": "(candidate, references, max_n=4)",
    "corpus_bleu": "(candidates, references, max_n=4)",
    "beam_search": "(log_prob_fn, bos, eos, beam_width, max_len, alpha=0.0)",
}
LIBRARIES = ("numpy", "torch")
