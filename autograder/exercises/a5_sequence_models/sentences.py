"""Hypothesis strategies for the BLEU checks: tokenised sentences over a small vocabulary (so
n-grams repeat and clipping matters), references of different lengths, and candidates that are
near copies of a reference (so higher-order n-grams match and BLEU is not always 0).

Sentences are drawn as bytes (byte b is word b mod |vocab|) and edited in plain Python: one
draw per sentence, and the same few strategy objects every time, keeps generation and
shrinking fast; shrinking still gives short sentences of the first words.
"""

from __future__ import annotations

from hypothesis import strategies as st

# with 4 words or more, distinct n-grams glue into the same string ("a" + "ba" == "ab" + "a"):
# n-grams must be compared as token sequences
WORDS = ("a", "b", "ab", "ba", "the", "cat", "mat", ".")
EDITS = st.binary(max_size=9)  # up to three edits of three bytes: which edit, where, which word


def words(data: bytes, vocab) -> list[str]:
    return [vocab[byte % len(vocab)] for byte in data]


def near_copy(reference: list[str], edits: bytes, vocab) -> list[str]:
    """``reference`` with tokens inserted, replaced or deleted as ``edits`` says."""
    tokens = list(reference)
    for k in range(0, len(edits) - 2, 3):
        op, i, word = edits[k] % 3, edits[k + 1] % (len(tokens) + 1), edits[k + 2]
        word = vocab[word % len(vocab)]
        if op == 0:
            tokens.insert(i, word)
        elif i < len(tokens):
            if op == 1:
                tokens[i] = word
            else:
                del tokens[i]
    return tokens


@st.composite
def bleu_examples(draw, vocab=None, n_references=None, max_references: int = 4,
                  max_len: int = 10):
    """(candidate, references): 1 to ``max_references`` references (or exactly
    ``n_references``) of 1 to ``max_len`` tokens, most of them near copies of one sentence
    (references of one sentence share n-grams), and a candidate (possibly empty) that is
    random or a near copy of that sentence, of a reference or of two references in a row."""
    vocab = vocab or WORDS[:draw(st.integers(2, 6))]
    count = n_references or draw(st.integers(1, max_references))
    base = words(draw(st.binary(min_size=1, max_size=max_len)), vocab)
    references = []
    for _ in range(count):
        if draw(st.integers(0, 2)) == 0:
            references.append(words(draw(st.binary(min_size=1, max_size=max_len)), vocab))
        else:
            references.append(near_copy(base, draw(EDITS), vocab) or base)
    # 0: random; 1: near the sentence; 2..count + 1: near a reference; count + 2: near two
    # references one after the other (n-grams repeated more than in any one reference)
    source = draw(st.integers(0, count + 2))
    if source == 0:
        candidate = words(draw(st.binary(max_size=max_len)), vocab)
    else:
        near = [base, *references, references[0] + references[-1]][source - 1]
        candidate = near_copy(near, draw(EDITS), vocab)
    return candidate, references


@st.composite
def corpora(draw, same_reference_count: bool = False):
    """(candidates, references) for corpus BLEU: 1 to 4 sentences over one vocabulary, 1 to 3
    references each; with ``same_reference_count`` every sentence has as many references."""
    vocab = WORDS[:draw(st.integers(2, 6))]
    n_references = draw(st.integers(1, 3)) if same_reference_count else None
    sentence_pairs = bleu_examples(vocab, n_references, max_references=3, max_len=8)
    pairs = draw(st.lists(sentence_pairs, min_size=1, max_size=4))
    return [c for c, _ in pairs], [r for _, r in pairs]


def max_ns(low: int = 1, high: int = 5):
    return st.integers(low, high)


def bleu_kwargs(max_n: int) -> dict:
    """max_n as a keyword, left out when it is the default 4 (so the default is graded too)."""
    return {} if max_n == 4 else {"max_n": max_n}
