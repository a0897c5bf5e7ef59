"""Checks the hidden reference implementations against public oracles and hand-computed values."""

import itertools
import math
import time
import warnings

import numpy as np
import pytest
import sacrebleu
import torch

from solutions.a1_activations import sigmoid, sigmoid_derivative
from solutions.a2_optimization import adam_init, adam_step, dropout_backward, dropout_forward
from solutions.a3_detection import (
    batched_nms,
    box_iou,
    nms,
    yolo_boxes_to_corners,
    yolo_filter_boxes,
    yolo_non_max_suppression,
)
from solutions.a4_triplet_loss import batch_hard_triplet_loss, triplet_loss
from solutions.a5_sequence_models import (
    beam_search,
    brevity_penalty,
    corpus_bleu,
    modified_precision,
    sentence_bleu,
)

# ---------------------------------------------------------------- a1-activations


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_at_extremes_is_exact_and_silent(dtype):
    z = np.array([-np.inf, -1e4, -50.0, 0.0, 50.0, 1e4, np.inf], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s, ds = sigmoid(z), sigmoid_derivative(z)
    assert s.dtype == dtype and ds.dtype == dtype and s.shape == z.shape
    assert np.all(np.isfinite(s)) and np.all(np.isfinite(ds))
    assert s[0] == 0 and s[1] == 0 and s[3] == 0.5 and s[5] == 1 and s[6] == 1
    assert ds[0] == 0 and ds[1] == 0 and ds[3] == 0.25 and ds[5] == 0 and ds[6] == 0
    np.testing.assert_allclose(s[[2, 4]], [math.exp(-50), 1.0], rtol=1e-6)
    np.testing.assert_allclose(ds[[2, 4]], [math.exp(-50)] * 2, rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_matches_the_formula(dtype):
    z = np.random.default_rng(0).uniform(-30, 30, size=(3, 4, 5))
    expected = np.array([1 / (1 + math.exp(-x)) for x in z.ravel()]).reshape(z.shape)
    expected_derivative = np.array(
        [math.exp(-x) / (1 + math.exp(-x)) ** 2 for x in z.ravel()]
    ).reshape(z.shape)
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    z_cast = z.astype(dtype)
    np.testing.assert_allclose(sigmoid(z_cast), expected.astype(dtype), rtol=rtol)
    np.testing.assert_allclose(
        sigmoid_derivative(z_cast), expected_derivative.astype(dtype), rtol=rtol
    )
    assert sigmoid(z_cast).dtype == dtype and sigmoid_derivative(z_cast).shape == z.shape


def test_sigmoid_scalars():
    assert float(sigmoid(0.0)) == 0.5 and np.asarray(sigmoid(0.0)).dtype == np.float64
    assert float(sigmoid_derivative(0.0)) == 0.25
    zero_d = sigmoid(np.array(2.0, dtype=np.float32))
    assert np.shape(zero_d) == () and zero_d.dtype == np.float32


# ---------------------------------------------------------------- a2-optimization


def test_dropout_forward_and_backward():
    a = np.random.default_rng(1).standard_normal((200, 300)).astype(np.float32)
    out, mask = dropout_forward(a, 0.7, np.random.default_rng(5))
    out_again, mask_again = dropout_forward(a, 0.7, np.random.default_rng(5))
    assert mask.dtype == bool and mask.shape == a.shape and np.array_equal(mask, mask_again)
    assert out.dtype == np.float32 and np.array_equal(out, out_again)
    np.testing.assert_allclose(out, np.where(mask, a / 0.7, 0), rtol=1e-6)
    assert abs(mask.mean() - 0.7) < 0.01
    dout = np.random.default_rng(2).standard_normal(a.shape).astype(np.float32)
    da = dropout_backward(dout, mask, 0.7)
    assert da.dtype == np.float32
    np.testing.assert_allclose(da, dout * mask / 0.7, rtol=1e-6)


def test_dropout_keep_all_and_invalid_keep_prob():
    a = np.random.default_rng(1).standard_normal((4, 5))
    out, mask = dropout_forward(a, 1.0, np.random.default_rng(0))
    assert mask.all() and np.array_equal(out, a)
    for keep_prob in (0.0, -0.1, 1.5, math.nan):
        with pytest.raises(ValueError):
            dropout_forward(a, keep_prob, np.random.default_rng(0))


@pytest.mark.parametrize(("dtype", "rtol"), [(np.float64, 1e-9), (np.float32, 1e-5)])
def test_adam_follows_torch_optim_adam(dtype, rtol):
    rng = np.random.default_rng(3)
    params = {
        "w": rng.standard_normal((3, 4)).astype(dtype),
        "b": rng.standard_normal(4).astype(dtype),
    }
    hyper = {"lr": 0.05, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6}
    torch_params = {name: torch.tensor(p, requires_grad=True) for name, p in params.items()}
    optimizer = torch.optim.Adam(
        torch_params.values(),
        lr=hyper["lr"],
        betas=(hyper["beta1"], hyper["beta2"]),
        eps=hyper["eps"],
    )
    state = adam_init(params)
    assert state["t"] == 0 and all(m.dtype == dtype and not m.any() for m in state["m"].values())
    for step in range(1, 8):
        grads = {name: rng.standard_normal(p.shape).astype(dtype) for name, p in params.items()}
        grads_before = {name: g.copy() for name, g in grads.items()}
        for name, p in torch_params.items():
            p.grad = torch.tensor(grads[name])
        optimizer.step()
        params, state = adam_step(params, grads, state, **hyper)
        assert state["t"] == step
        for name, p in params.items():
            assert p.dtype == dtype and np.array_equal(grads[name], grads_before[name])
            np.testing.assert_allclose(p, torch_params[name].detach().numpy(), rtol=rtol, atol=1e-7)


# ---------------------------------------------------------------- a3-detection

# Six boxes, shifted to negative coordinates. Greedy order by score: 5, 0, 1, 2, 4, 3. At IoU
# threshold 0.5 box 0 suppresses box 1 (IoU 81/119) and box 5 suppresses box 2 (81/119); box 4
# overlaps box 1 (81/119) and box 0 (64/136 < 0.5) only, and box 1 is already gone, so greedy NMS
# keeps box 4.
HAND_BOXES = [
    [0, 0, 10, 10],
    [1, 1, 11, 11],
    [20, 20, 30, 30],
    [-5, -5, -1, -1],
    [2, 2, 12, 12],
    [21, 21, 31, 31],
]
HAND_SCORES = [0.9, 0.8, 0.7, 0.5, 0.6, 0.95]


def _hand_example(dtype):
    return torch.tensor(HAND_BOXES, dtype=dtype) - 100, torch.tensor(HAND_SCORES, dtype=dtype)


def _greedy_nms_oracle(boxes, scores, iou_threshold):
    """Greedy NMS over Python floats, straight from the definition."""

    def iou(a, b):
        inter = max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(
            0.0, min(a[3], b[3]) - max(a[1], b[1])
        )
        union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
        return inter / union if union > 0 else 0.0

    remaining = sorted(range(len(boxes)), key=lambda i: -scores[i])
    keep = []
    while remaining:
        best = remaining.pop(0)
        keep.append(best)
        remaining = [i for i in remaining if iou(boxes[best], boxes[i]) <= iou_threshold]
    return keep


def _random_boxes(n, generator, dtype=torch.float64, offset=0.0):
    xy = torch.rand(n, 2, generator=generator, dtype=dtype) * 100 + offset
    wh = torch.rand(n, 2, generator=generator, dtype=dtype) * 30
    return torch.cat([xy, xy + wh], dim=1), torch.rand(n, generator=generator, dtype=dtype)


def test_box_iou_values_and_zero_union():
    boxes1 = torch.tensor([[0.0, 0, 2, 2], [1, 1, 1, 1]])
    boxes2 = torch.tensor([[1.0, 1, 3, 3], [1, 1, 1, 1], [5, 5, 6, 6]])
    expected = torch.tensor([[1 / 7, 0, 0], [0, 0, 0]])
    iou = box_iou(boxes1, boxes2)
    assert iou.dtype == torch.float32 and not iou.isnan().any()
    torch.testing.assert_close(iou, expected)
    assert box_iou(torch.zeros(0, 4, dtype=torch.float64), boxes2.double()).shape == (0, 3)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_nms_and_batched_nms_hand_example(dtype):
    boxes, scores = _hand_example(dtype)
    keep = nms(boxes, scores, 0.5)
    assert keep.dtype == torch.int64 and keep.tolist() == [5, 0, 4, 3]
    assert nms(boxes, scores, 0.68).tolist() == [5, 0, 4, 3]
    assert nms(boxes, scores, 0.69).tolist() == [5, 0, 1, 2, 4, 3]
    assert nms(boxes, scores, 0.4).tolist() == [5, 0, 3]  # box 0 now suppresses box 4 too
    classes = torch.tensor([0, 1, 0, 0, 0, 1])
    assert batched_nms(boxes, scores, classes, 0.5).tolist() == [5, 0, 1, 2, 4, 3]
    same_class = torch.zeros(6, dtype=torch.int64)
    assert batched_nms(boxes, scores, same_class, 0.5).tolist() == [5, 0, 4, 3]


def test_nms_on_empty_input():
    empty = torch.zeros(0, 4)
    for keep in (
        nms(empty, torch.zeros(0), 0.5),
        batched_nms(empty, torch.zeros(0), torch.zeros(0, dtype=torch.long), 0.5),
    ):
        assert keep.dtype == torch.int64 and keep.shape == (0,)


@pytest.mark.parametrize("iou_threshold", [0.1, 0.3, 0.5, 0.8])
def test_nms_and_batched_nms_match_the_greedy_oracle(iou_threshold):
    generator = torch.Generator().manual_seed(int(iou_threshold * 10))
    boxes, scores = _random_boxes(300, generator, torch.float32, offset=-60.0)
    classes = torch.randint(0, 4, (300,), generator=generator)
    box_list, score_list = boxes.tolist(), scores.tolist()
    assert nms(boxes, scores, iou_threshold).tolist() == _greedy_nms_oracle(
        box_list, score_list, iou_threshold
    )
    members = [[i for i in range(300) if classes[i] == c] for c in range(4)]
    expected = [
        members[c][j]
        for c in range(4)
        for j in _greedy_nms_oracle(
            [box_list[i] for i in members[c]], [score_list[i] for i in members[c]], iou_threshold
        )
    ]
    expected.sort(key=lambda i: -score_list[i])
    assert batched_nms(boxes, scores, classes, iou_threshold).tolist() == expected


def test_nms_speed_on_5000_boxes():
    boxes, scores = _random_boxes(5000, torch.Generator().manual_seed(0), torch.float32)
    boxes = boxes * 10  # spread over 1,000 x 1,000 with sizes up to 300
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # CPU time of this thread: other work on the machine does not count
    try:
        timings = []
        for _ in range(3):
            start = time.thread_time()
            nms(boxes, scores, 0.5)
            timings.append(time.thread_time() - start)
    finally:
        torch.set_num_threads(threads)
    assert min(timings) < 2.0


def test_yolo_boxes_to_corners():
    corners = yolo_boxes_to_corners(torch.tensor([[[1.0, 2.0]]]), torch.tensor([[[4.0, 6.0]]]))
    torch.testing.assert_close(corners, torch.tensor([[[-1.0, -1.0, 3.0, 5.0]]]))


def test_yolo_filter_boxes_and_non_max_suppression():
    # A 2 x 2 grid with one anchor per cell and three classes.
    confidence = torch.tensor([1.0, 0.5, 0.9, 0.8]).reshape(2, 2, 1, 1)
    probs = torch.tensor(
        [[0.2, 0.7, 0.1], [0.5, 0.4, 0.1], [0.45, 0.45, 0.1], [0.1, 0.1, 0.8]]
    ).reshape(2, 2, 1, 3)
    boxes = torch.arange(16, dtype=torch.float32).reshape(2, 2, 1, 4)
    scores, kept_boxes, classes = yolo_filter_boxes(confidence, boxes, probs, threshold=0.4)
    torch.testing.assert_close(scores, torch.tensor([0.7, 0.405, 0.64]))
    # Anchor 2 ties classes 0 and 1: the lowest index wins.
    assert classes.dtype == torch.int64 and classes.tolist() == [1, 0, 2]
    torch.testing.assert_close(kept_boxes, boxes.reshape(4, 4)[[0, 2, 3]])

    boxes, scores = _hand_example(torch.float32)
    classes = torch.tensor([0, 1, 0, 0, 0, 1])
    out_scores, out_boxes, out_classes = yolo_non_max_suppression(
        scores, boxes, classes, max_boxes=3
    )
    torch.testing.assert_close(out_scores, scores[[5, 0, 1]])
    torch.testing.assert_close(out_boxes, boxes[[5, 0, 1]])
    assert out_classes.tolist() == [1, 0, 1]


# ---------------------------------------------------------------- a4-triplet-loss


def _squared_distance(x, y):
    return sum((x[k] - y[k]) ** 2 for k in range(len(x)))


def _gradients(loss, inputs):
    return torch.autograd.grad(loss, inputs)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_triplet_loss_matches_a_loop(reduction):
    generator = torch.Generator().manual_seed(4)
    anchor, positive, negative = (
        torch.randn(6, 3, generator=generator, dtype=torch.float64, requires_grad=True)
        for _ in range(3)
    )
    losses = torch.stack(
        [
            torch.clamp(
                _squared_distance(anchor[i], positive[i])
                - _squared_distance(anchor[i], negative[i])
                + 0.5,
                min=0,
            )
            for i in range(6)
        ]
    )
    assert 0 < (losses > 0).sum() < 6  # both sides of the hinge are exercised
    expected = {"mean": losses.mean(), "sum": losses.sum(), "none": losses}[reduction]
    actual = triplet_loss(anchor, positive, negative, margin=0.5, reduction=reduction)
    torch.testing.assert_close(actual, expected)
    weights = torch.rand(expected.shape, generator=generator, dtype=torch.float64)
    for got, want in zip(
        _gradients((actual * weights).sum(), (anchor, positive, negative)),
        _gradients((expected * weights).sum(), (anchor, positive, negative)),
        strict=True,
    ):
        torch.testing.assert_close(got, want)


def test_triplet_loss_rejects_unknown_reduction():
    x = torch.zeros(2, 3)
    with pytest.raises(ValueError):
        triplet_loss(x, x, x, reduction="max")


def _batch_hard_loop(embeddings, labels, margin):
    losses = []
    for i in range(len(labels)):
        positives = [
            _squared_distance(embeddings[i], embeddings[j])
            for j in range(len(labels))
            if j != i and labels[j] == labels[i]
        ]
        negatives = [
            _squared_distance(embeddings[i], embeddings[k])
            for k in range(len(labels))
            if labels[k] != labels[i]
        ]
        if positives and negatives:
            losses.append(torch.clamp(max(positives) - min(negatives) + margin, min=0))
    return torch.stack(losses).mean()


def test_batch_hard_triplet_loss_matches_a_loop():
    generator = torch.Generator().manual_seed(6)
    embeddings = torch.randn(9, 4, generator=generator, dtype=torch.float64, requires_grad=True)
    # Label 3 has no positive, so anchor 6 is left out.
    labels = torch.tensor([0, 1, 0, 2, 1, 0, 3, 1, 2])
    actual = batch_hard_triplet_loss(embeddings, labels, margin=1.0)
    expected = _batch_hard_loop(embeddings, labels.tolist(), margin=1.0)
    torch.testing.assert_close(actual, expected)
    torch.testing.assert_close(
        _gradients(actual, embeddings)[0], _gradients(expected, embeddings)[0]
    )


@pytest.mark.parametrize("labels", [[0, 0, 0], [0, 1, 2], [4]])
def test_batch_hard_triplet_loss_without_valid_anchors(labels):
    embeddings = torch.randn(len(labels), 3, requires_grad=True)
    loss = batch_hard_triplet_loss(embeddings, torch.tensor(labels), margin=0.2)
    assert loss.shape == () and loss.item() == 0
    loss.backward()
    assert torch.equal(embeddings.grad, torch.zeros_like(embeddings))


# ---------------------------------------------------------------- a5-sequence-models


def test_modified_precision_contract_example():
    candidate = ["the"] * 7
    references = [
        ["the", "cat", "is", "on", "the", "mat"],
        ["there", "is", "a", "cat", "on", "the", "mat"],
    ]
    assert modified_precision(candidate, references, 1) == (2, 7)
    assert modified_precision(candidate, references, 2) == (0, 6)
    assert modified_precision(["a"], references, 2) == (0, 0)


def test_brevity_penalty():
    assert brevity_penalty(5, [4, 6]) == 1.0  # tie between 4 and 6: the shorter one, 4
    assert brevity_penalty(5, [6, 4]) == 1.0
    assert brevity_penalty(4, [9, 6]) == pytest.approx(math.exp(1 - 6 / 4))
    assert brevity_penalty(6, [6]) == 1.0
    assert brevity_penalty(0, [3]) == 0.0
    assert isinstance(brevity_penalty(4, [9]), float)


def test_sentence_bleu_hand_values():
    reference = ["a", "b", "c", "d", "e", "f"]
    assert sentence_bleu(reference, [reference]) == 1.0
    assert sentence_bleu(["a", "b", "c"], [reference]) == 0.0  # no 4-grams
    assert sentence_bleu([], [reference]) == 0.0
    # 1- and 2-gram precisions 3/3 and 1/2; closest reference length 6 > 3.
    expected = math.exp(1 - 6 / 3) * math.sqrt(1 / 2)
    assert sentence_bleu(["a", "b", "d"], [reference], max_n=2) == pytest.approx(
        expected, rel=1e-12
    )


def _random_corpus(rng, n_sentences, n_references):
    """Random references; each candidate a noisy, cut and extended copy of one of them."""
    vocabulary = [f"w{i}" for i in range(8)]

    def words(n):
        return [str(word) for word in rng.choice(vocabulary, size=n)]

    references = [
        [words(int(rng.integers(1, 15))) for _ in range(n_references)] for _ in range(n_sentences)
    ]
    candidates = []
    for refs in references:
        source = refs[int(rng.integers(n_references))]
        noisy = [words(1)[0] if rng.random() < 0.2 else word for word in source]
        cut = int(rng.integers(0, len(noisy) + 1))
        candidates.append(noisy[:cut] + words(int(rng.integers(0, 6))))
    return candidates, references


@pytest.mark.parametrize(("seed", "n_references"), [(0, 1), (1, 1), (2, 2), (3, 3), (4, 2)])
def test_corpus_bleu_matches_sacrebleu(seed, n_references):
    candidates, references = _random_corpus(np.random.default_rng(seed), 20, n_references)
    bleu = sacrebleu.metrics.BLEU(tokenize="none", smooth_method="none")
    reference_streams = [[" ".join(refs[k]) for refs in references] for k in range(n_references)]
    expected = bleu.corpus_score([" ".join(c) for c in candidates], reference_streams).score / 100
    actual = corpus_bleu(candidates, references)
    assert isinstance(actual, float) and actual > 0
    assert actual == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert corpus_bleu(candidates[:1], references[:1]) == pytest.approx(
        sentence_bleu(candidates[0], references[0]), rel=1e-12
    )


class _RandomLanguageModel:
    """Next-token log-probs that depend on the position and the last token; counts its calls."""

    def __init__(self, seed, vocab_size, max_len):
        generator = torch.Generator().manual_seed(seed)
        self.table = (
            torch.randn(max_len + 1, vocab_size, vocab_size, generator=generator)
            .mul(2)
            .log_softmax(dim=-1)
        )
        self.calls = 0

    def __call__(self, prefixes):
        assert prefixes.dtype == torch.int64 and prefixes.dim() == 2
        self.calls += 1
        return self.table[prefixes.shape[1], prefixes[:, -1]]

    def log_prob(self, tokens):
        return sum(
            float(self.table[t + 1, tokens[t], tokens[t + 1]]) for t in range(len(tokens) - 1)
        )


@pytest.mark.parametrize(("seed", "alpha"), [(0, 0.0), (1, 0.7), (2, 1.0), (3, 0.0), (4, 0.5)])
def test_beam_width_one_is_greedy_decoding(seed, alpha):
    bos, eos, max_len = 0, 1, 8
    model = _RandomLanguageModel(seed, vocab_size=5, max_len=max_len)
    tokens = [bos]
    for _ in range(max_len):
        tokens.append(int(model.table[len(tokens), tokens[-1]].argmax()))
        if tokens[-1] == eos:
            break
    expected_score = model.log_prob(tokens) / (len(tokens) - 1) ** alpha
    [(best, score)] = beam_search(model, bos, eos, beam_width=1, max_len=max_len, alpha=alpha)
    assert best == tokens[1:] and all(type(t) is int for t in best)
    assert type(score) is float and score == pytest.approx(expected_score, rel=1e-6)
    assert model.calls == len(best)


@pytest.mark.parametrize("alpha", [0.0, 0.8])
def test_wide_beam_is_exhaustive_search(alpha):
    bos, eos, vocab_size, max_len = 0, 2, 3, 4
    model = _RandomLanguageModel(7, vocab_size, max_len)
    hypotheses = [
        [*tail, eos]
        for length in range(max_len)
        for tail in itertools.product([0, 1], repeat=length)
    ] + [list(seq) for seq in itertools.product([0, 1], repeat=max_len)]
    expected = sorted(
        ((tokens, model.log_prob([bos, *tokens]) / len(tokens) ** alpha) for tokens in hypotheses),
        key=lambda h: -h[1],
    )
    beam_width = len(hypotheses)
    actual = beam_search(model, bos, eos, beam_width=beam_width, max_len=max_len, alpha=alpha)
    assert [tokens for tokens, _ in actual] == [tokens for tokens, _ in expected]
    np.testing.assert_allclose([s for _, s in actual], [s for _, s in expected], rtol=1e-6)


def test_beam_search_stops_once_beam_width_are_finished():
    # Every step: token 1 (eos) has probability 0.5, token 2 0.3, token 0 0.2. Step 1 keeps [1]
    # (finished) and [2]; step 2 keeps [2, 1] (finished) and [2, 2], and stops with two finished.
    log_probs = torch.tensor([0.2, 0.5, 0.3]).log()
    calls = []

    def log_prob_fn(prefixes):
        calls.append(prefixes.tolist())
        return log_probs.expand(len(prefixes), -1)

    result = beam_search(log_prob_fn, bos=0, eos=1, beam_width=2, max_len=5)
    assert calls == [[[0]], [[0, 2]]]
    assert [tokens for tokens, _ in result] == [[1], [2, 1]]
    np.testing.assert_allclose([score for _, score in result], [math.log(0.5), math.log(0.15)])
    # alpha = 2 divides by L**2 = 1 and 4, which puts the longer hypothesis first.
    result = beam_search(log_prob_fn, bos=0, eos=1, beam_width=2, max_len=5, alpha=2.0)
    assert [tokens for tokens, _ in result] == [[2, 1], [1]]
    np.testing.assert_allclose([score for _, score in result], [math.log(0.15) / 4, math.log(0.5)])
