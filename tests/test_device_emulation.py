"""The emulated CUDA grading device catches device bugs on a CPU-only grader.

Each idiom runs twice: on plain CPU tensors (a student's laptop) and on emulated-device tensors (the
GPU grader). Correct device-agnostic code must give the same values, on the emulated device; buggy
code, which works on the laptop, must raise as CUDA would or return a tensor that is not on it.
"""

import copy
import time

import numpy as np
import pytest
import torch

from autograder.sandbox.child.emulation import (
    GRADING_DEVICE,
    EmulatedDevice,
    is_placed,
    place,
    release,
)

MISMATCH = "Expected all tensors to be on the same device, but found at least two devices"


@pytest.fixture
def emulated():
    with EmulatedDevice() as mode:
        yield mode


def random_boxes(n, seed=0):
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(n, 2, generator=g) * 50
    return torch.cat([xy, xy + torch.rand(n, 2, generator=g) * 20 + 1], dim=1)


def random_scores(n, seed=0):
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed)).double() / n


def tensors_in(result):
    if isinstance(result, torch.Tensor):
        return [result]
    if isinstance(result, (list, tuple)):
        return [t for r in result for t in tensors_in(r)]
    return []


def on_device(inputs):
    return [place(a) if isinstance(a, torch.Tensor) else a for a in inputs]


CORRECT = {}  # name: (idiom, its inputs)
BUGGY = {}  # name: (idiom, its inputs, how the emulation catches it: an exception or "cpu")


def correct(make_inputs, name=None):
    def register(fn):
        CORRECT[name or fn.__name__] = (fn, make_inputs)
        return fn

    return register


def buggy(make_inputs, caught_as):
    def register(fn):
        BUGGY[fn.__name__] = (fn, make_inputs, caught_as)
        return fn

    return register


def nms_inputs(n=30):
    return random_boxes(n), random_scores(n)


def class_inputs():
    return *nms_inputs(), torch.arange(30) % 3


def iou_inputs():
    return random_boxes(6), random_boxes(4, seed=1)


def triplet_inputs():
    return torch.randn(4, 3), torch.randn(4, 3), torch.randn(4, 3)


def batch_hard_inputs():
    return torch.randn(8, 3), torch.tensor([0, 1, 0, 1, 2, 2, 0, 1])


def beam_inputs():
    return (torch.randn(6, 5).log_softmax(dim=-1),)


def vector_inputs():
    return (torch.tensor([0.1, 0.9, 0.4, 0.6]),)


# ------------------------------------------------------------------ correct, device-agnostic idioms


@correct(lambda: (random_boxes(0), random_boxes(3)), name="box_iou_empty")
@correct(iou_inputs)
def box_iou(b1, b2):
    area1 = (b1[:, 2] - b1[:, 0]) * (b1[:, 3] - b1[:, 1])
    area2 = (b2[:, 2] - b2[:, 0]) * (b2[:, 3] - b2[:, 1])
    lt = torch.max(b1[:, None, :2], b2[None, :, :2])
    rb = torch.min(b1[:, None, 2:], b2[None, :, 2:])
    wh = (rb - lt).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    union = area1[:, None] + area2[None, :] - inter
    return torch.where(union > 0, inter / union, torch.zeros_like(union))


@correct(nms_inputs)
def nms_list_of_ints(boxes, scores, threshold=0.3):
    order = scores.argsort(descending=True)
    keep = []
    while order.numel() > 0:
        i = order[0].item()
        keep.append(i)
        ious = box_iou(boxes[i : i + 1], boxes[order[1:]])[0]
        order = order[1:][ious <= threshold]
    return torch.tensor(keep, dtype=torch.long, device=boxes.device)


@correct(lambda: nms_inputs(0), name="nms_stacked_empty")
@correct(nms_inputs)
def nms_stacked(boxes, scores, threshold=0.3):
    if len(boxes) == 0:
        return torch.empty(0, dtype=torch.long, device=boxes.device)
    _, order = torch.sort(scores, descending=True)
    keep = []
    while len(order):
        keep.append(order[0])
        rest = order[1:]
        order = rest[box_iou(boxes[order[0]].unsqueeze(0), boxes[rest]).squeeze(0) <= threshold]
    return torch.stack(keep)


@correct(nms_inputs)
def nms_suppressed_mask(boxes, scores, threshold=0.3):
    order = scores.argsort(descending=True)
    ious = box_iou(boxes[order], boxes[order])
    suppressed = torch.zeros(len(boxes), dtype=torch.bool, device=boxes.device)
    for i in range(len(boxes)):
        if not suppressed[i]:
            later = torch.arange(len(boxes), device=boxes.device) > i
            suppressed |= (ious[i] > threshold) & later
    return order[~suppressed]


@correct(class_inputs)
def batched_nms_offsets(boxes, scores, classes, threshold=0.3):
    offsets = classes.to(boxes) * (boxes.max() + 1)
    return nms_list_of_ints(boxes + offsets[:, None], scores, threshold)


@correct(class_inputs)
def batched_nms_per_class(boxes, scores, classes, threshold=0.3):
    keep = boxes.new_zeros(0, dtype=torch.long)
    for c in classes.unique():
        idx = torch.where(classes == c)[0]
        keep = torch.cat([keep, idx[nms_stacked(boxes[idx], scores[idx], threshold)]])
    return keep[scores[keep].argsort(descending=True)]


@correct(lambda: (torch.rand(3, 3, 2, 1), torch.rand(3, 3, 2, 4), torch.rand(3, 3, 2, 5)))
def yolo_filter_boxes(confidence, boxes, class_probs, threshold=0.3):
    scores, classes = (confidence * class_probs).max(dim=-1)
    mask = scores >= threshold
    return scores[mask], boxes[mask], classes[mask]


@correct(lambda: (torch.rand(5, 2), torch.rand(5, 2)))
def yolo_boxes_to_corners(xy, wh):
    return torch.cat([xy - wh / 2, xy + wh / 2], dim=-1)


@correct(triplet_inputs)
def triplet_loss_with_backward(anchor, positive, negative, margin=0.2):
    anchor, positive, negative = (t.detach().requires_grad_() for t in (anchor, positive, negative))
    d_pos = ((anchor - positive) ** 2).sum(dim=1)
    d_neg = ((anchor - negative) ** 2).sum(dim=1)
    loss = (d_pos - d_neg + margin).clamp(min=0).mean()
    loss.backward()
    return loss, anchor.grad, positive.grad, negative.grad


@correct(triplet_inputs)
def triplet_loss_autograd_grad(anchor, positive, negative, margin=0.2):
    anchor = anchor.clone().requires_grad_(True)
    d_pos, d_neg = (anchor - positive).pow(2).sum(1), (anchor - negative).pow(2).sum(1)
    losses = torch.relu(d_pos - d_neg + margin)
    return losses.sum(), *torch.autograd.grad(losses.sum(), anchor)


@correct(lambda: (torch.randn(4, 3), torch.zeros(4, dtype=torch.long)), name="batch_hard_no_valid")
@correct(batch_hard_inputs)
def batch_hard_triplet_loss(embeddings, labels, margin=0.2):
    embeddings = embeddings.detach().requires_grad_()
    n = len(labels)
    dist = torch.cdist(embeddings, embeddings) ** 2
    same = labels.unsqueeze(0) == labels.unsqueeze(1)
    positive = same & ~torch.eye(n, dtype=torch.bool, device=embeddings.device)
    negative = ~same
    valid = positive.any(dim=1) & negative.any(dim=1)
    if not valid.any():
        loss = embeddings.sum() * 0
    else:
        hardest_pos = torch.where(positive, dist, torch.zeros((), device=embeddings.device))
        hardest_pos = hardest_pos.max(dim=1).values
        hardest_neg = dist.masked_fill(~negative, float("inf")).min(dim=1)[0]
        loss = (hardest_pos - hardest_neg + margin).clamp(min=0)[valid].mean()
    loss.backward()
    return loss, embeddings.grad


@correct(beam_inputs)
def beam_search(table, bos=0, eos=1, beam_width=3, max_len=5):
    """A beam search whose log_prob_fn answers on the table's device."""

    def log_prob_fn(prefixes):
        return table[prefixes[:, -1]]

    prefixes = torch.full((1, 1), bos, dtype=torch.long, device=table.device)
    totals = torch.zeros(1, dtype=table.dtype, device=table.device)
    finished = []
    for _ in range(max_len):
        step = totals[:, None] + log_prob_fn(prefixes)
        best, flat = step.flatten().topk(min(beam_width, step.numel()))
        rows, tokens = flat // step.shape[1], flat % step.shape[1]
        expanded = torch.cat([prefixes[rows], tokens.unsqueeze(1)], dim=1)
        ends = tokens == eos
        finished += zip(expanded[ends, 1:].tolist(), best[ends].tolist(), strict=True)
        prefixes, totals = expanded[~ends], best[~ends]
        if len(finished) >= beam_width or len(prefixes) == 0:
            break
    finished += list(zip(prefixes[:, 1:].tolist(), totals.tolist(), strict=True))
    return sorted(finished, key=lambda h: h[1], reverse=True)[:beam_width]


@correct(vector_inputs)
def factories(x):
    return (
        torch.zeros((), device=x.device),
        x.new_zeros(3),
        x.new_ones(2, 2),
        x.new_full((2,), 7.0),
        x.new_empty(0),
        x.new_tensor([1, 2, 3]),
        torch.arange(len(x), device=x.device),
        torch.eye(3, dtype=torch.bool, device=x.device),
        torch.ones_like(x),
        torch.full_like(x, 3.0),
        torch.empty_like(x).fill_(1),
        torch.linspace(0, 1, 5, device="cuda"),
        torch.zeros(2, device="cuda:0").fill_(2),
        torch.ones(2, device=torch.device("cuda")),
        torch.full((2,), 1.5, device=0),
        torch.tensor([1.0, 2.0], device=x.device),
        torch.as_tensor([3, 4], device=x.device),
        torch.rand(3, device=x.device).mul(0),
        torch.randperm(4, device=x.device).sort().values,
    )


@correct(vector_inputs)
def operands_cuda_allows_on_the_cpu(x):
    mask_cpu = torch.tensor([True, False, True, False])
    y = x.clone()
    y[torch.tensor([0, 1])] = 0.5
    y[mask_cpu] = torch.tensor(2.0)
    return (
        x * torch.tensor(2.0),
        torch.tensor(3.0) - x,
        torch.where(x > 0.5, x, torch.tensor(0.0)),
        x.clamp(min=torch.tensor(0.2)),
        x[torch.tensor([3, 0])],
        x[mask_cpu],
        y,
    )


@correct(lambda: (*vector_inputs(), torch.ones(2)))
def transfers_and_dtypes(x, other):
    return (
        x.to("cuda"),
        x.to(x.device),
        x.to(other),
        x.cuda(),
        x.to(torch.float64),
        x.long(),
        x.float(),
        x.double().to(device="cuda", dtype=torch.float32),
        torch.tensor([1, 2]).to(x.device),
        torch.tensor([1, 2]).cuda(),
        torch.tensor([1, 2]).to(x),
        torch.tensor([1, 2]).type_as(x),
        torch.as_tensor(torch.ones(2), device="cuda"),
    )


@correct(vector_inputs)
def misc_ops(x):
    top = torch.topk(x, 2)
    values, indices = x.reshape(2, 2).max(dim=1)
    sorted_x = torch.sort(x, descending=True)
    d = torch.cdist(x[:, None], x[:, None])
    unique, counts = torch.unique(x.round(), return_counts=True)
    return (
        top.values, top.indices, values, indices, sorted_x.values, sorted_x.indices, d,
        unique, counts, *x.unbind(), *x.split(2), *torch.where(x > 0.3), x.argsort(descending=True),
        x.clone(), x.detach(), x.nonzero(), x.cumsum(0), x.sum() * 0, torch.stack([x, x]),
        torch.cat([x, x.new_zeros(1)]), [row for row in x.reshape(2, 2)], x.reshape(2, 2).T @ x[:2],
    )


@correct(vector_inputs)
def in_place_ops(x):
    y = x.clone()
    assert y.add_(1) is y and y.clamp_(max=1.2) is y and y.mul_(torch.tensor(2.0)) is y
    y[0] = 5
    y[1:3] = torch.tensor([1.0, 2.0])  # basic indexing copies from any device, as on CUDA
    y[y > 4] = -1
    return y


@pytest.mark.parametrize("name", CORRECT)
def test_correct_idiom_stays_on_the_emulated_device(name, emulated):
    fn, make_inputs = CORRECT[name]
    inputs = make_inputs()
    expected = fn(*inputs)
    result = fn(*on_device(inputs))
    got, want = tensors_in(result), tensors_in(expected)
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert is_placed(g), f"{name}: a result is not on the emulated device"
        assert g.device == GRADING_DEVICE and g.dtype == w.dtype
        assert torch.equal(release(g), release(w))
    if not want:  # plain Python results, e.g. beam search's hypotheses
        assert result == expected


def test_code_that_picks_its_device_from_torch_cuda(emulated):
    device = "cuda" if torch.cuda.is_available() else "cpu"
    assert torch.cuda.device_count() == 1
    x = place(torch.ones(3))
    assert is_placed(x + torch.zeros(3, device=device))
    assert is_placed(torch.ones(3).to(device))


# ------------------------------------------------------------------ buggy idioms


@buggy(nms_inputs, "cpu")
def nms_returns_cpu_tensor_of_ints(boxes, scores):
    keep = nms_list_of_ints(boxes, scores).tolist()
    return torch.tensor(keep)


@buggy(nms_inputs, "cpu")
def nms_returns_tensor_of_device_scalars(boxes, scores):
    order = scores.argsort(descending=True)
    return torch.tensor([order[0], order[1]])  # read with .item(): a CPU tensor, as on CUDA


@buggy(nms_inputs, "cpu")
def nms_stacks_cpu_scalars(boxes, scores):
    return torch.stack([torch.tensor(i) for i in nms_list_of_ints(boxes, scores).tolist()])


@buggy(nms_inputs, RuntimeError)
def nms_with_cpu_arange(boxes, scores):
    order = scores.argsort(descending=True)
    return order[torch.arange(len(order)) < 3] + torch.arange(3) * 0


@buggy(nms_inputs, RuntimeError)
def nms_with_cpu_suppressed(boxes, scores):
    ious = box_iou(boxes, boxes)
    suppressed = torch.zeros(len(boxes), dtype=torch.bool)
    suppressed |= ious[0] > 0.3
    return suppressed


@buggy(nms_inputs, "cpu")
def nms_empty_result_on_cpu(boxes, scores):
    return torch.empty(0, dtype=torch.long)


@buggy(nms_inputs, TypeError)
def nms_through_numpy(boxes, scores):
    return torch.from_numpy(np.argsort(-scores.numpy()))


@buggy(nms_inputs, "cpu")
def nms_through_cpu(boxes, scores):
    return torch.from_numpy(np.argsort(-scores.cpu().numpy()))


@buggy(nms_inputs, RuntimeError)
def nms_mixes_numpy_result(boxes, scores):
    order = torch.from_numpy(np.argsort(-scores.detach().cpu().numpy()).copy())
    return scores.gather(0, order)


@buggy(iou_inputs, TypeError)
def iou_through_np_asarray(b1, b2):
    return torch.as_tensor(np.asarray(b1)) * 0


@buggy(iou_inputs, RuntimeError)
def iou_zeros_without_device(b1, b2):
    inter = box_iou(b1, b2)
    return torch.where(inter > 0, inter, torch.zeros(len(b1), len(b2)))


@buggy(iou_inputs, "cpu")
def iou_returned_cpu(b1, b2):
    return box_iou(b1, b2).cpu()


@buggy(iou_inputs, "cpu")
def iou_returned_to_cpu(b1, b2):
    return box_iou(b1, b2).to("cpu")


@buggy(iou_inputs, RuntimeError)
def iou_cat_with_cpu_row(b1, b2):
    return torch.cat([box_iou(b1, b2), torch.zeros(1, len(b2))])


@buggy(triplet_inputs, RuntimeError)
def triplet_max_with_cpu_zeros(anchor, positive, negative):
    d = ((anchor - positive) ** 2).sum(1) - ((anchor - negative) ** 2).sum(1) + 0.2
    return torch.max(d, torch.zeros(len(anchor))).mean()


@buggy(batch_hard_inputs, RuntimeError)
def batch_hard_cpu_eye_and(embeddings, labels):
    same = labels[:, None] == labels[None, :]
    return same & ~torch.eye(len(labels)).bool()


@buggy(batch_hard_inputs, RuntimeError)
def batch_hard_cpu_eye_times(embeddings, labels):
    return torch.cdist(embeddings, embeddings) * torch.eye(len(labels))


@buggy(batch_hard_inputs, RuntimeError)
def batch_hard_cpu_eye_masked_fill(embeddings, labels):
    return torch.cdist(embeddings, embeddings).masked_fill(torch.eye(len(labels)).bool(), 0)


@buggy(batch_hard_inputs, "cpu")
def batch_hard_zero_scalar_on_cpu(embeddings, labels):
    return torch.zeros(())


@buggy(batch_hard_inputs, RuntimeError)
def batch_hard_cpu_labels_index_device_tensor(embeddings, labels):
    return torch.arange(len(labels))[labels == 0]


@buggy(batch_hard_inputs, RuntimeError)
def batch_hard_cpu_vector_times_device_scalar(embeddings, labels):
    return torch.ones(len(labels)) * embeddings.sum()


@buggy(batch_hard_inputs, RuntimeError)
def batch_hard_stack_with_cpu_scalar(embeddings, labels):
    return torch.stack([embeddings.sum(), torch.tensor(0.0)])


@buggy(batch_hard_inputs, RuntimeError)
def batch_hard_index_select_cpu_index(embeddings, labels):
    return embeddings.index_select(0, torch.tensor([0, 1]))


@buggy(batch_hard_inputs, RuntimeError)
def batch_hard_put_cpu_values_by_mask(embeddings, labels):
    e = embeddings.clone()
    e[labels == 0] = torch.zeros(int((labels == 0).sum()), e.shape[1])
    return e


@buggy(beam_inputs, RuntimeError)
def beam_scores_on_cpu(table):
    scores = torch.zeros(3)
    return scores[:, None] + table[:3]


@buggy(beam_inputs, RuntimeError)
def beam_prefixes_on_cpu(table):
    best = table[0].topk(2).indices
    return torch.cat([torch.zeros(2, 1, dtype=torch.long), best[:, None]], dim=1)


@pytest.mark.parametrize("name", BUGGY)
def test_buggy_idiom_is_caught(name, emulated):
    fn, make_inputs, caught_as = BUGGY[name]
    inputs = make_inputs()
    fn(*inputs)  # works on a laptop's CPU
    if caught_as == "cpu":
        result = fn(*on_device(inputs))
        assert isinstance(result, torch.Tensor) and not is_placed(result)
        assert result.device == torch.device("cpu")
    else:
        with pytest.raises(caught_as):
            fn(*on_device(inputs))


# ------------------------------------------------------------------ the rules, one by one


def test_mixing_devices_raises_cudas_error(emulated):
    x = place(torch.ones(3))
    with pytest.raises(RuntimeError, match=MISMATCH + ", cuda:0 and cpu!"):
        x + torch.ones(3)
    with pytest.raises(RuntimeError, match="indices should be either on cpu or on the same"):
        torch.ones(3)[place(torch.tensor([0]))]


def test_numpy_raises_cudas_error_but_python_values_work(emulated):
    x = place(torch.tensor([1.5, 2.5]))
    with pytest.raises(TypeError, match=r"can't convert cuda:0 device type tensor to numpy\. Use"):
        x.numpy()
    assert x.numpy(force=True).tolist() == [1.5, 2.5]
    assert x.tolist() == [1.5, 2.5] and x[0].item() == 1.5
    assert float(x[1]) == 2.5 and int(x[1]) == 2 and bool(x[0]) and len(x) == 2
    assert f"{x.sum():.1f}" == "4.0"


def test_device_attributes_and_repr(emulated):
    x = place(torch.tensor([1, 2], dtype=torch.int32))
    assert x.device == GRADING_DEVICE == torch.device("cuda:0") and str(x.device) == "cuda:0"
    assert x.is_cuda and not x.is_cpu and x.get_device() == 0
    assert repr(x) == "tensor([1, 2], device='cuda:0', dtype=torch.int32)"
    plain = torch.ones(2)
    assert plain.device == torch.device("cpu") and not plain.is_cuda and plain.get_device() == -1


def test_transfers_copy_as_on_cuda(emulated):
    x = place(torch.ones(3))
    y = x.cpu()
    assert type(y) is torch.Tensor and y.device.type == "cpu"
    y.add_(1)  # a copy: the device tensor is untouched
    assert x.tolist() == [1.0, 1.0, 1.0]
    assert x.cuda() is x and x.to("cuda") is x and x.to(torch.float32) is x


def test_a_second_gpu_does_not_exist(emulated):
    with pytest.raises(RuntimeError, match="invalid device ordinal"):
        torch.zeros(3, device="cuda:1")
    with pytest.raises(RuntimeError, match="invalid device ordinal"):
        place(torch.ones(1)).to("cuda:1")


def test_place_copies_and_keeps_leaves():
    source = torch.ones(3, requires_grad=True)
    x = place(source)
    assert is_placed(x) and x.is_leaf and x.requires_grad
    with EmulatedDevice():
        (x * 2).sum().backward()
        assert is_placed(x.grad) and x.grad.tolist() == [2.0, 2.0, 2.0]
        with torch.no_grad():
            x.add_(1)
    assert source.grad is None and source.tolist() == [1.0, 1.0, 1.0]
    y = place(torch.ones(2))
    assert not y.requires_grad


def test_factory_with_requires_grad_gives_a_leaf(emulated):
    w = torch.zeros(3, device="cuda", requires_grad=True)
    (w + 1).pow(2).sum().backward()
    assert is_placed(w) and w.is_leaf and is_placed(w.grad) and w.grad.tolist() == [2.0] * 3


def test_deepcopy_stays_on_the_device(emulated):
    x = place(torch.ones(2, requires_grad=True))
    y = copy.deepcopy(x)
    assert is_placed(y) and y.is_leaf and y.requires_grad and y is not x


def test_release_gives_a_plain_detached_cpu_tensor(emulated):
    x = place(torch.arange(4.0, requires_grad=True)) * 2
    r = release(x)
    assert type(r) is torch.Tensor and r.device.type == "cpu" and not r.requires_grad
    assert r.tolist() == [0.0, 2.0, 4.0, 6.0]


def test_outside_the_context_nothing_is_changed():
    available, count = torch.cuda.is_available(), torch.cuda.device_count()
    with pytest.raises(ValueError), EmulatedDevice():
        assert torch.cuda.is_available() and torch.cuda.device_count() == 1
        raise ValueError("a student error leaves the emulation")
    assert torch.cuda.is_available() == available and torch.cuda.device_count() == count
    x = torch.ones(3)
    assert type(x + torch.zeros(3)) is torch.Tensor and x.device.type == "cpu"
    assert np.array_equal(x.numpy(), np.ones(3))


# ------------------------------------------------------------------ cost


def test_per_op_overhead_is_a_few_microseconds(capsys):
    a, b = torch.rand(8), torch.rand(8)
    pa, pb = place(a), place(b)

    def per_op(x, y, n=3000):
        start = time.perf_counter()
        for _ in range(n):
            x + y
            x.sum()
            x[1:3]
            torch.zeros(3, device=x.device)
        return (time.perf_counter() - start) / (4 * n) * 1e6

    plain = min(per_op(a, b) for _ in range(3))
    with EmulatedDevice():
        emulated = min(per_op(pa, pb) for _ in range(3))
    with capsys.disabled():
        print(f"\nemulated device: {emulated:.1f} us per op vs {plain:.1f} us plain "
              f"(+{emulated - plain:.1f} us)")
    assert emulated - plain < 100  # only a guard against pathological regressions
